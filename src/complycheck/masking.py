"""Personal data never leaves the engine unmasked: ID numbers, phone numbers, names; and a message quotes at most a
short prefix of a cell (`clip`, `show_cell`): the one place that decides how much of a cell a message shows."""

from __future__ import annotations

import re

_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<!\d)(\d{6})(\d{6})(\d{3})(?!\d)")
# a mainland mobile number, also as people write it: 139-1234-5678, 138 1234 5678, +86 138..., 0086-138...
_PHONE = re.compile(r"(?<![\d+])((?:\+|00)?86[ -]?)?(1[3-9]\d)([ -]?)(\d{4})([ -]?)(\d{4})(?!\d)")
_SCI = re.compile(r"\d\.\d+[eE]\+?\d+")
SHOWN_CHARS = 40  # at most this much of a cell (or header) is quoted in a message


def mask_id(s: str) -> str:
    """150502********1234: first 6 and last 4 kept."""
    if len(s) >= 10:
        return s[:6] + "*" * (len(s) - 10) + s[-4:]
    return "*" * len(s)


def mask_name(s: str) -> str:
    """王芳 → 王*, 欧阳娜娜 → 欧***; Latin names keep the first letter."""
    s = s.strip()
    if not s:
        return s
    return s[0] + "*" * max(1, len(s) - 1)


def mask_text(s: str) -> str:
    """Mask anything in free text that looks like an ID or mobile number."""
    s = _ID_LIKE.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], s)
    s = _ID15.sub(lambda m: m.group(1) + "*****" + m.group(3)[-4:], s)
    s = _PHONE.sub(lambda m: (m.group(1) or "") + m.group(2) + m.group(3) + "****" + m.group(5) + m.group(6), s)
    return s


def mask_value(value: object, kind: str | None) -> str:
    """Mask one cell for display, by the kind of personal data its column holds."""
    if value is None:
        return ""
    s = value if isinstance(value, str) else str(value)
    if kind == "id_number":
        return mask_id(s)
    if kind == "name":
        return mask_name(s)
    if kind == "phone":
        return mask_id(s) if len(s) >= 10 else "*" * len(s)
    if kind:  # any other personal column
        return s[:1] + "*" * max(1, len(s) - 1) if s else s
    return mask_text(s)


def clip(s: str, n: int = SHOWN_CHARS) -> str:
    """At most the first `n` characters of a cell's text, '…' marking a cut."""
    return s if len(s) <= n else s[:n] + "…"


def show_cell(value: object, kind: str | None = None) -> str:
    """A cell as a message may quote it: masked (by its column's kind of personal data, else ID- and phone-like
    numbers in it), then clipped; masking comes first, so a cut never leaves part of a number unmasked."""
    return clip(mask_value(value, kind))
