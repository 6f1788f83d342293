"""Finding a dataset's header in a sheet: under title rows, across a merged two-row header, matching the pack's
Chinese headers and aliases loosely (full-width forms, spaces, bracketed units)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from complycheck.errors import EvidenceError, Location
from complycheck.evidence.sheet import RawSheet
from complycheck.model import Dataset

HEADER_SCAN_ROWS = 12


def norm_header(h: Any) -> str:
    """Header text compared loosely: NFKC, no spaces, no line breaks."""
    if h is None:
        return ""
    s = unicodedata.normalize("NFKC", str(h)).replace("\ufeff", "")
    return re.sub(r"\s+", "", s)


def _loose(h: str) -> str:
    return re.sub(r"\([^)]*\)", "", h)


def _flatten_headers(sheet: RawSheet, r: int, two: bool) -> list[str]:
    rows = sheet.rows
    width = max((len(x) for x in rows[r : r + 2]), default=0)
    top = list(rows[r]) + [None] * (width - len(rows[r]))
    # a merged cell holds its value in the top-left cell only: spread it across the merge
    for r0, c0, r1, c1 in sheet.merged or []:
        if r0 <= r <= r1 and c0 < width:
            v = rows[r0][c0] if c0 < len(rows[r0]) else None
            for c in range(c0, min(c1, width - 1) + 1):
                top[c] = v
    if not two or r + 1 >= len(rows):
        return [norm_header(x) for x in top]
    sub = list(rows[r + 1]) + [None] * (width - len(rows[r + 1]))
    out = []
    for c in range(width):
        parent, child = norm_header(top[c]), norm_header(sub[c])
        merged_down = any(r0 == r and r1 >= r + 1 and c0 <= c <= c1 for (r0, c0, r1, c1) in sheet.merged or [])
        if child and child != parent and not merged_down:
            out.append(f"{parent}/{child}" if parent else child)
        else:
            out.append(parent)
    return out


def _candidates(ds: Dataset, overrides: dict[str, str]) -> dict[str, tuple[list[str], set[str]]]:
    """Pack column -> (accepted headers, the same without parentheses), normalised once."""
    out = {}
    for c in ds.columns.values():
        names = [overrides[c.name]] if c.name in overrides else [c.header, *c.aliases, c.name]
        norm = [norm_header(n) for n in names]
        out[c.name] = (norm, {_loose(n) for n in norm})
    return out


def _match(headers: list[str], cands: dict[str, tuple[list[str], set[str]]]) -> dict[str, int]:
    found: dict[str, int] = {}
    used: set[int] = set()
    loose = [_loose(h) for h in headers]
    for strict in (True, False):
        for col, (names, loose_names) in cands.items():
            if col in found:
                continue
            for i, h in enumerate(headers):
                if i in used or not h:
                    continue
                if (h in names) if strict else (loose[i] in loose_names or h.split("/")[-1] in names):
                    found[col] = i
                    used.add(i)
                    break
    return found


def locate_header(
    sheet: RawSheet,
    ds: Dataset,
    overrides: dict[str, str],
    header_row: int | None,
    header_rows: int | None,
    display: str,
) -> tuple[int, int, dict[str, int], list[str]]:
    """(first data row index, header row count, pack column -> cell index, headers)."""
    cands = _candidates(ds, overrides)
    head = sheet.head_rows()
    if not head:
        raise EvidenceError(
            "文件是空的（没有表头）", Location(display, sheet=sheet.sheet), "the file is empty (no header)"
        )
    probe = RawSheet(head, sheet.sheet, merged=sheet.merged)
    rows_to_try = [header_row - 1] if header_row else range(min(HEADER_SCAN_ROWS, len(head)))
    best: tuple[int, int, int, dict[str, int], list[str]] | None = None
    for r in rows_to_try:
        if r >= len(head):
            continue
        for two in (header_rows == 2,) if header_rows else (False, True):
            hdrs = _flatten_headers(probe, r, two)
            m = _match(hdrs, cands)
            score = len(m)
            if best is None or score > best[0]:
                best = (score, r, 2 if two else 1, m, hdrs)
    if best is None or best[0] == 0:
        want = "、".join(c.header for c in list(ds.columns.values())[:6])
        raise EvidenceError(
            f"找不到表头：前 {HEADER_SCAN_ROWS} 行中没有“{ds.title}”的列名（应有：{want}…）",
            Location(display, sheet=sheet.sheet),
            f"no header found: none of the first {HEADER_SCAN_ROWS} rows has the columns of '{ds.name}'",
        )
    _, r, n, m, hdrs = best
    return r + n, n, m, hdrs


# --------------------------------------------------------------------------- typing cells


def near_miss(wanted: list[str], found: list[str]) -> str | None:
    """The header in the file that is probably a declared one written differently: added punctuation or spaces
    (其中：护理型 for 其中护理型), full-width forms, a traditional-character form, a character or two off."""
    import difflib

    def bare(h: str) -> str:
        return "".join(ch for ch in unicodedata.normalize("NFKC", h) if ch.isalnum())

    goals = [bare(w) for w in wanted if bare(w)]
    best: tuple[float, str] | None = None
    for h in found:
        b = bare(h)
        if not b:
            continue
        score = max(difflib.SequenceMatcher(None, b, g).ratio() for g in goals) if goals else 0.0
        if score >= 0.5 and (best is None or score > best[0]):
            best = (score, h)
    return best[1] if best else None
