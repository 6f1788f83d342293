"""Printing that never fails over a character: stdout and stderr degrade what their encoding cannot show."""

from __future__ import annotations

import sys

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
