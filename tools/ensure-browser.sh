#!/usr/bin/env bash
# The HTML report's end-to-end test opens it in a real headless browser: Debian's chromium (and a CJK font, so
# the screenshot shows Chinese); the 验收书's test prints it to PDF and reads it back with poppler-utils (pdfinfo,
# pdftotext). Installs them when missing and possible (root with apt-get); otherwise says so and leaves it to
# tests/test_browser.py and tests/test_acceptance_browser.py to fail with the same advice.
set -u
if command -v chromium >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qiE "wqy|noto.*cjk|source han"; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium and a CJK font for the browser test (apt-get) ..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei poppler-utils) >/dev/null 2>&1 \
    || echo "could not install chromium; tests/test_browser.py will fail" >&2
else
  echo "chromium is missing: install Debian's 'chromium' package (sudo apt-get install chromium fonts-wqy-zenhei poppler-utils)" >&2
fi
exit 0
