"""From raw rows to a typed table: find the header (under a title row, across a merged two-row
header), map Chinese headers to the pack's columns, and type every cell as people write it."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

from complycheck import values as V
from complycheck.errors import EvidenceError, Location
from complycheck.masking import mask_value
from complycheck.model import Column, Dataset, Problem, Table
from complycheck.evidence.readers import RawSheet

HEADER_SCAN_ROWS = 12
MAX_PROBLEMS_PER_COLUMN = 20
SUMMARY_ROW = re.compile(r"^(合计|总计|小计|备注|注[:：]|说明[:：]?|填表人|制表人)")


def norm_header(h: Any) -> str:
    """Header text compared loosely: NFKC, no spaces, no line breaks."""
    if h is None:
        return ""
    s = unicodedata.normalize("NFKC", str(h))
    return re.sub(r"\s+", "", s)


def _loose(h: str) -> str:
    return re.sub(r"\([^)]*\)", "", h)


def _flatten_headers(sheet: RawSheet, r: int, two: bool) -> list[str]:
    rows = sheet.rows
    width = max((len(x) for x in rows[r: r + 2]), default=0)
    top = list(rows[r]) + [None] * (width - len(rows[r]))
    # a merged cell holds its value in the top-left cell only: spread it across the merge
    for (r0, c0, r1, c1) in sheet.merged or []:
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


def _candidates(ds: Dataset, overrides: dict[str, str]) -> dict[str, list[str]]:
    out = {}
    for c in ds.columns.values():
        names = [overrides[c.name]] if c.name in overrides else [c.header, *c.aliases, c.name]
        out[c.name] = [norm_header(n) for n in names]
    return out


def _match(headers: list[str], cands: dict[str, list[str]]) -> dict[str, int]:
    found: dict[str, int] = {}
    used: set[int] = set()
    for strict in (True, False):
        for col, names in cands.items():
            if col in found:
                continue
            for i, h in enumerate(headers):
                if i in used or not h:
                    continue
                if (h in names) if strict else (_loose(h) in {_loose(n) for n in names} or h.split("/")[-1] in names):
                    found[col] = i
                    used.add(i)
                    break
    return found


def locate_header(sheet: RawSheet, ds: Dataset, overrides: dict[str, str], header_row: int | None, header_rows: int | None, display: str) -> tuple[int, int, dict[str, int], list[str]]:
    """(first data row index, header row count, pack column -> cell index, headers)."""
    cands = _candidates(ds, overrides)
    if not sheet.rows:
        raise EvidenceError("文件是空的（没有表头）", Location(display, sheet=sheet.sheet), "the file is empty (no header)")
    rows_to_try = [header_row - 1] if header_row else range(min(HEADER_SCAN_ROWS, len(sheet.rows)))
    best: tuple[int, int, int, dict[str, int], list[str]] | None = None
    for r in rows_to_try:
        if r >= len(sheet.rows):
            continue
        for two in ((header_rows == 2,) if header_rows else (False, True)):
            hdrs = _flatten_headers(sheet, r, two)
            m = _match(hdrs, cands)
            score = len(m)
            if best is None or score > best[0]:
                best = (score, r, 2 if two else 1, m, hdrs)
    if best is None or best[0] == 0:
        want = "、".join(c.header for c in list(ds.columns.values())[:6])
        raise EvidenceError(f"找不到表头：前 {HEADER_SCAN_ROWS} 行中没有“{ds.title}”的列名（应有：{want}…）", Location(display, sheet=sheet.sheet),
                            f"no header found: none of the first {HEADER_SCAN_ROWS} rows has the columns of '{ds.name}'")
    _, r, n, m, hdrs = best
    return r + n, n, m, hdrs


# --------------------------------------------------------------------------- typing cells
def _cell_text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        if v != v:
            return None
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        if abs(v) >= 1e15:
            return f"{v:.5E}".replace("E+", "E+")
        return repr(v)
    s = str(v)
    return s


def _parser(col: Column, date1904: bool) -> Callable[[str], Any]:
    t = col.type
    if t == "string":
        return V.normalize_text
    if t == "boolean":
        return lambda s: V.parse_bool(V.normalize_text(s))
    if t == "date":
        return lambda s: V.parse_date(V.normalize_text(s), date1904=date1904)
    if t == "integer":
        return lambda s: V.parse_int(V.normalize_text(s))
    if t == "decimal":
        return lambda s: V.parse_decimal(V.normalize_text(s))
    if t == "id_number":
        return V.normalize_id
    if t == "list":
        return lambda s: V.parse_list(V.normalize_text(s))
    raise ValueError(t)  # pragma: no cover


def _dtype(col: Column, values: list[Any]) -> Any:
    import polars as pl

    t = col.type
    if t == "decimal":
        scale = 0
        for v in values:
            if isinstance(v, Decimal):
                exp = v.as_tuple().exponent
                if isinstance(exp, int):
                    scale = max(scale, min(-exp, 8))
        return pl.Decimal(38, scale)
    return {"string": pl.String, "boolean": pl.Boolean, "date": pl.Date, "integer": pl.Int64,
            "id_number": pl.String, "list": pl.List(pl.String)}[t]


def build_table(sheet: RawSheet, ds: Dataset, file: str, manifest_entry: dict[str, Any]) -> Table:
    """Type a raw sheet against a dataset declaration; unreadable cells become problems."""
    import polars as pl

    if sheet.records and not sheet.rows:
        sheet = RawSheet([[c.name for c in ds.columns.values()]], sheet.sheet, sheet.encoding, records=True)
    overrides = manifest_entry.get("columns") or {}
    unknown = [k for k in overrides if k not in ds.columns]
    if unknown:
        raise EvidenceError(f"清单中 {ds.name}.columns 的列“{unknown[0]}”未在规则包中声明", Location(file), f"manifest maps unknown column '{unknown[0]}' of {ds.name}")
    start, nhdr, colmap, headers = locate_header(sheet, ds, overrides, manifest_entry.get("header_row"), manifest_entry.get("header_rows"), file)
    problems: list[Problem] = []
    missing_required = [c for c in ds.columns.values() if c.required and c.name not in colmap]
    if missing_required:
        c = missing_required[0]
        raise EvidenceError(f"缺少必需的列“{c.header}”（{ds.title}）", Location(file, start - nhdr + 1 if start else None, sheet=sheet.sheet, row_label="row"),
                            f"required column '{c.header}' ({c.name}) is missing from {ds.name}")
    for c in ds.columns.values():
        if c.name not in colmap:
            problems.append(Problem(file, sheet.sheet, None, c.header, f"文件中没有“{c.header}”列，按空白（未知）处理", f"column '{c.header}' not in the file; treated as blank (unknown)", "warning"))
    dup = {h for h in headers if h and headers.count(h) > 1}
    for h in sorted(dup):
        problems.append(Problem(file, sheet.sheet, start - nhdr + 1, h, f"表头“{h}”重复，使用第一个", f"duplicate header '{h}'; the first is used", "warning"))
    data_rows: list[list[Any]] = []
    row_numbers: list[int] = []
    width = len(headers)
    for i in range(start, len(sheet.rows)):
        row = sheet.rows[i]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        first_at = next((j for j, v in enumerate(row) if v is not None and str(v).strip()), 0)
        first = row[first_at]
        if isinstance(first, str) and SUMMARY_ROW.match(first.strip()) and (first_at <= 1 or _mostly_empty(row, colmap)):
            problems.append(Problem(file, sheet.sheet, i + 1, None, f"合计/备注行已跳过：“{first.strip()[:20]}”", f"total/note row skipped: '{first.strip()[:20]}'", "warning"))
            continue
        if len(row) > width and any(v is not None and str(v).strip() for v in row[width:]):
            problems.append(Problem(file, sheet.sheet, i + 1, None, f"本行有 {len(row) - width} 个超出表头的单元格，已忽略", f"{len(row) - width} cells beyond the header were ignored", "warning"))
        data_rows.append(row)
        row_numbers.append(i + 1)
    columns: dict[str, Any] = {"__row": pl.Series("__row", row_numbers, dtype=pl.Int64)}
    for c in ds.columns.values():
        idx = colmap.get(c.name)
        raw = [(_cell_text(r[idx]) if idx is not None and idx < len(r) else None) for r in data_rows]
        raw = [None if s is None or not s.strip() else s for s in raw]
        columns[c.name] = _convert(raw, c, sheet.date1904, row_numbers, file, sheet.sheet, problems)
    frame = pl.DataFrame(columns)
    hdr_map = {c: headers[i] for c, i in colmap.items()}
    return Table(ds.name, file, sheet.sheet, frame, hdr_map, problems)


def _mostly_empty(row: list[Any], colmap: dict[str, int]) -> bool:
    filled = sum(1 for i in colmap.values() if i < len(row) and row[i] is not None and str(row[i]).strip())
    return filled <= max(1, len(colmap) // 3)


def _convert(raw: list[str | None], col: Column, date1904: bool, rows: list[int], file: str, sheet: str | None, problems: list[Problem]) -> Any:
    import polars as pl

    parse = _parser(col, date1904)
    cache: dict[str, Any] = {}
    bad: dict[str, str] = {}
    for s in set(x for x in raw if x is not None):
        try:
            cache[s] = parse(s)
        except (ValueError, ArithmeticError) as e:
            bad[s] = str(e)
    values = [cache.get(s) if s is not None else None for s in raw]
    if col.type == "string":
        values = [v if v else None for v in values]
    if col.type == "id_number":
        for i, v in enumerate(values):
            if v is not None and V.id_problem(v) and "科学计数法" in (V.id_problem(v) or ""):
                if len([p for p in problems if p.column == col.header]) < MAX_PROBLEMS_PER_COLUMN:
                    problems.append(Problem(file, sheet, rows[i], col.header, f"{mask_value(v, 'id_number')}：身份证号被 Excel 存成科学计数法，已损坏，无法恢复",
                                            f"{mask_value(v, 'id_number')}: ID number stored by Excel in scientific notation; corrupted, cannot be recovered"))
    if bad:
        count = 0
        for i, s in enumerate(raw):
            if s is not None and s in bad:
                count += 1
                if count <= MAX_PROBLEMS_PER_COLUMN:
                    shown = mask_value(s, col.personal) if col.personal else mask_value(s, None)
                    problems.append(Problem(file, sheet, rows[i], col.header, f"无法读取“{shown[:40]}”：{bad[s]}，按空白（未知）处理",
                                            f"cannot read '{shown[:40]}' as {col.type}; treated as blank (unknown)"))
        if count > MAX_PROBLEMS_PER_COLUMN:
            problems.append(Problem(file, sheet, None, col.header, f"该列另有 {count - MAX_PROBLEMS_PER_COLUMN} 个单元格无法读取", f"{count - MAX_PROBLEMS_PER_COLUMN} more unreadable cells in this column"))
    if col.values:
        allowed = set(col.values)
        seen_bad = sorted({v for v in values if isinstance(v, str) and v not in allowed})
        for v in seen_bad[:MAX_PROBLEMS_PER_COLUMN]:
            first = next(i for i, x in enumerate(values) if x == v)
            problems.append(Problem(file, sheet, rows[first], col.header, f"“{mask_value(v, col.personal) if col.personal else v}”不在可选值（{'、'.join(col.values)}）中",
                                    f"'{v}' is not one of the allowed values ({', '.join(col.values)})"))
    return pl.Series(col.name, values, dtype=_dtype(col, values), strict=False)
