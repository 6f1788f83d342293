"""What the command line does besides parsing: printing that never fails over a character (stdout and stderr
degrade what their encoding cannot show), progress on a terminal, and report files written whole or not at all."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# what a console or redirected output that cannot show a character prints instead (GBK has √ × □, ASCII has none)
_FALLBACKS: dict[str, tuple[str, ...]] = {
    "✓": ("√", "v"),
    "✔": ("√", "v"),
    "✗": ("×", "x"),
    "✘": ("×", "x"),
    "☐": ("□", "[ ]"),
    "—": ("-",),
    "…": ("...",),
    "→": ("->",),
    "≥": (">=",),
    "≤": ("<=",),
    "≠": ("!=",),
}


def _degrade(e: UnicodeError) -> tuple[str, int]:
    """A codec error handler: each character the output's encoding cannot show becomes the first of its fallbacks
    that it can, else '?'. Printing never fails over a character; exit codes are unchanged."""
    if not isinstance(e, UnicodeEncodeError):
        raise e
    out = []
    for ch in e.object[e.start : e.end]:
        for alt in (*_FALLBACKS.get(ch, ()), "?"):
            try:
                alt.encode(e.encoding)
            except (UnicodeError, LookupError):
                continue
            out.append(alt)
            break
    return "".join(out), e.end


def tolerant_streams() -> None:
    """stdout and stderr degrade characters their encoding lacks (Chinese Windows writes redirected output in GBK)."""
    import codecs

    codecs.register_error("complycheck-degrade", _degrade)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="complycheck-degrade")
            except (ValueError, OSError):  # pragma: no cover - a stream that cannot be changed
                pass


def clean_lines(s: str) -> str:
    """Text for a terminal: control characters removed from every line."""
    from complycheck.reports.text import clean

    return "\n".join(clean(line) for line in s.split("\n"))


class Progress:
    """Loading progress on stderr, shown only on a terminal and only once loading has taken a couple of seconds."""

    def __init__(self, lang: str, enabled: bool, after: float = 2.0):
        import time

        self.lang, self.enabled, self.after = lang, enabled, after
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, i: int, n: int, what: str, rows: int | None = None, phase: str = "read") -> None:
        """Dataset (or rule) i of n, with the records read so far of a large file."""
        import time

        if not self.enabled or time.monotonic() - self.start < self.after:
            return
        zh = self.lang == "zh"
        word = (
            ("读取证据" if zh else "reading evidence")
            if phase == "read"
            else ("评估规则" if zh else "evaluating rules")
        )
        count = "" if rows is None else (f"，已读 {rows:,} 行" if zh else f", {rows:,} records so far")
        sys.stderr.write(f"\r\x1b[K{word} {i + 1}/{n}: {clean_lines(what)[:40]}{count}")
        sys.stderr.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def write_atomic(path: Path, text: str) -> None:
    """Write a whole file or nothing: a temp file beside it, then a rename."""
    path = path.absolute()
    fd, tmp = tempfile.mkstemp(prefix=".complycheck-", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def check_writable(paths: list[str]) -> None:
    """Refuse before writing anything, so an error never leaves some reports written and others not."""
    from complycheck.errors import ComplycheckError, Location

    for p in paths:
        parent = Path(p).absolute().parent
        if not parent.is_dir() or Path(p).is_dir() or not os.access(parent, os.W_OK):
            raise ComplycheckError(
                "无法写入报告文件（目录不存在或不可写）",
                Location(p),
                "cannot write the report file (folder missing or not writable)",
            )
