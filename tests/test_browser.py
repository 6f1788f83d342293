"""The HTML report in a real headless browser (Debian's chromium): verdicts and charts render, hostile evidence
stays inert."""

import shutil
import subprocess
from pathlib import Path

import pytest

from complycheck import api as app
from complycheck.reports import get
from conftest import ROOT

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, (
        "chromium is not installed: run `bash tools/ensure-browser.sh` (as .ci/run does) or apt-get install chromium"
    )
    return exe


def browse(html: Path, profile: Path, *extra: str) -> str:
    res = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=3000", *extra, html.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return res.stdout


@pytest.fixture(scope="module")
def bundled_html(tmp_path_factory):
    d = tmp_path_factory.mktemp("browser")
    report = app.run(ROOT / "rules", ROOT / "evidence", __import__("datetime").date(2022, 12, 15))
    p = d / "report.html"
    p.write_text(get("html")(report, "zh"), "utf-8")
    return p


def test_rendered_dom_has_the_verdicts_and_the_charts(bundled_html, tmp_path):
    dom = browse(bundled_html, tmp_path / "profile", "--dump-dom")
    assert dom.count('class="line-item"') == 4
    assert 'id="li-1-1" data-verdict="not_accepted"' in dom and 'id="li-1-2" data-verdict="needs_review"' in dom
    assert dom.count('<svg class="chart"') >= 5 and dom.count('<svg class="gauge"') >= 30
    assert 'data-rule="1-3.S8"' in dom and "2022-11" in dom


def test_screenshot(bundled_html, tmp_path):
    shot = tmp_path / "report.png"
    browse(bundled_html, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,2400")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


def test_hostile_evidence_stays_inert(tmp_path):
    from test_reports import fixture_report

    p = tmp_path / "hostile.html"
    p.write_text(get("html")(fixture_report(), "zh"), "utf-8")
    dom = browse(p, tmp_path / "profile", "--dump-dom")
    assert "<title>履约验收报告 T-1</title>" in dom and "PWNED</title>" not in dom
    assert "data-pwned" not in dom and "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" in dom
    assert "=cmd|' /C calc'!A0" in dom
