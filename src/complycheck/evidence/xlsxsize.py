"""How big an XLSX sheet really is, found before a reader allocates for it.

A sheet's declared size (`<dimension ref="A1:XFD1048576"/>`) is untrusted, and so are the coordinates of its cells:
python-calamine builds a dense grid from the first to the last cell it finds, so one cell at XFD1048576 asks for
16,384 × 1,048,576 cells (512 GB) and the process is aborted by the allocator — no exception, no message. The
sheet's XML is therefore scanned first, streamed from the zip a few MB at a time, for the row and cell coordinates
it really holds; a sheet whose cells lie beyond Excel's own limits, or whose grid would exceed the reader's limits,
is refused with one line naming the file and the sheet. The declared dimension is never read.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from complycheck.errors import EvidenceError, Location
from complycheck.evidence.sheet import MAX_COLUMNS, MAX_XLSX_CELLS

EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384  # XFD
CHUNK = 16 * 1024 * 1024
SMALL_PART = 4 * 1024 * 1024  # a sheet part up to this size is scanned in Python (a polars query costs more there)

# the patterns run in polars (Rust regex) over a chunk of the sheet's XML at a time, never cell by cell in Python
_CELL = r"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]"  # every cell element, with or without coordinates
_CELL_REF = r"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br\s*=\s*[\"']\$?([A-Za-z]+)\$?([0-9]+)[\"']"
_ROW = r"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]"
_ROW_REF = r"<(?:[A-Za-z_][\w.-]*:)?row\s[^>]*?\br\s*=\s*[\"']([0-9]+)[\"']"
_SHEET = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\s[^>]*>")
_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@dataclass
class Extent:
    """What a sheet holds: the last row and column any cell names, and how many rows and cells carry no coordinates
    (a reader places those after the previous one, so they can only widen the grid by their count)."""

    rows: int = 0
    columns: int = 0
    unplaced_rows: int = 0
    unplaced_cells: int = 0
    part: str = ""

    def grid(self) -> tuple[int, int]:
        """An upper bound of the rows and columns of the grid a reader builds for the sheet."""
        return self.rows + self.unplaced_rows, self.columns + self.unplaced_cells


def column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def sheet_part(z: zipfile.ZipFile, name: str) -> str | None:
    """The zip part holding the sheet called `name` (through workbook.xml and its relationships), if it can be found."""
    try:
        book = z.read("xl/workbook.xml")
        rels = z.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    rid = None
    for tag in _SHEET.findall(book):
        attrs = {k.split(b":")[-1]: (v1 or v2) for k, v1, v2 in _ATTR.findall(tag)}
        if _unescape(attrs.get(b"name", b"")) == name:
            rid = attrs.get(b"id")
            break
    if rid is None:
        return None
    for tag in re.findall(rb"<(?:[\w.-]+:)?Relationship\s[^>]*>", rels):
        attrs = {k.split(b":")[-1]: (v1 or v2) for k, v1, v2 in _ATTR.findall(tag)}
        if attrs.get(b"Id") == rid and b"Target" in attrs:
            target = attrs[b"Target"].decode("utf-8", "replace")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            return path
    return None


def _unescape(raw: bytes) -> str:
    from html import unescape

    return unescape(raw.decode("utf-8", "replace"))


def scan(z: zipfile.ZipFile, part: str) -> Extent:
    """The extent of one worksheet part, read in chunks; memory is a chunk and its matches, whatever the sheet."""
    import polars as pl

    ext = Extent()
    tail = b""
    with z.open(part) as f:
        first = f.read(SMALL_PART + 1)
        if len(first) <= SMALL_PART:  # a sheet of a few MB (most): the same count, in Python
            small = first.decode("utf-8", "replace")
            if not _canonical_small(small, ext):
                _count_small(small, ext)
            return ext
        pending = [first]
        while True:
            block = pending.pop() if pending else f.read(CHUNK)
            data = tail + block
            if block:  # keep an unfinished tag for the next chunk
                cut = data.rfind(b"<")
                data, tail = data[:cut], data[cut:]
                if len(tail) > 1024 * 1024:  # no tag is that long in a real sheet: count it as it is
                    data, tail = data + tail, b""
            else:
                tail = b""
            if data:
                text = pl.DataFrame({"x": [data.decode("utf-8", "replace")]})
                if not _canonical(text, ext):
                    _count(text, ext)
            if not block:
                return ext


def greater_than(n: int) -> str:
    """A regex for the decimal numbers (no leading zero) greater than n."""
    d = str(n)
    alts = [f"[1-9][0-9]{{{len(d)},}}"]
    for i, ch in enumerate(d):
        if ch != "9":
            alts.append(f"{d[:i]}[{int(ch) + 1}-9][0-9]{{{len(d) - i - 1}}}")
    return "(?:" + "|".join(alts) + ")"


def _canonical(text: Any, ext: Extent) -> bool:
    """The fast way, for a chunk written as Excel, WPS and openpyxl write (every row and cell with its coordinates
    first, in double quotes, no namespace prefix): only row tags and the cells beyond column Z or below the last row
    tag are matched one by one, so an honest sheet of a million rows costs a few counts per chunk. False (nothing
    counted) when the chunk is written otherwise."""
    import polars as pl

    x = pl.col("x")
    got = (
        text.lazy()
        .select(
            x.str.count_matches(_CELL).alias("cells"),
            x.str.count_matches(r'<c r="[A-Z]{1,3}[1-9][0-9]{0,6}"').alias("placed"),
            x.str.count_matches(_ROW).alias("rows"),
            x.str.extract_all(r'<row r="[1-9][0-9]{0,6}"').alias("rowrefs"),
            x.str.extract_all(r'<c r="[A-Z]{2,3}').alias("wide"),
        )
        .collect()
    )
    rowrefs = got["rowrefs"].explode().drop_nulls()
    if got["cells"][0] != got["placed"][0] or got["rows"][0] != rowrefs.len():
        return False
    rows = max(ext.rows, _max_number(rowrefs.str.slice(8).str.strip_chars('"')) if rowrefs.len() else 0)
    below = text.select(x.str.extract_all(f'<c r="[A-Z]+{greater_than(rows)}"').alias("b"))["b"].explode()
    below = below.drop_nulls()
    if below.len():
        rows = max(rows, _max_number(below.str.extract(r'([0-9]+)"$')))
    ext.rows = rows
    wide = got["wide"].explode().drop_nulls().str.slice(6)
    if got["placed"][0]:  # a cell in A..Z: counted as Z, the widest one-letter column
        ext.columns = max(ext.columns, 26)
    if wide.len():
        longest = int(wide.str.len_chars().max() or 0)
        top = wide.filter(wide.str.len_chars() == longest).max()
        ext.columns = max(ext.columns, column_number(str(top)))
    return True


def _count(text: Any, ext: Extent) -> None:
    import polars as pl

    row = pl.col("x")
    got = (
        text.lazy()
        .select(
            row.str.count_matches(_CELL).alias("cells"),
            row.str.count_matches(_ROW).alias("rows"),
            row.str.extract_all(_CELL_REF).alias("refs"),
            row.str.extract_all(_ROW_REF).alias("rowrefs"),
        )
        .collect()
    )
    refs = got["refs"].explode().drop_nulls()
    rowrefs = got["rowrefs"].explode().drop_nulls()
    ext.unplaced_cells += int(got["cells"][0] or 0) - refs.len()
    ext.unplaced_rows += int(got["rows"][0] or 0) - rowrefs.len()
    if refs.len():
        parts = refs.str.extract_groups(_CELL_REF)
        letters = parts.struct.field("1").str.to_uppercase()
        digits = parts.struct.field("2").str.strip_chars_start("0")
        longest = int(letters.str.len_chars().max() or 0)
        if longest > 3:
            ext.columns = max(ext.columns, EXCEL_COLUMNS + 1)
        elif longest:
            top = letters.filter(letters.str.len_chars() == longest).max()
            ext.columns = max(ext.columns, column_number(str(top)))
        ext.rows = max(ext.rows, _max_number(digits))
    if rowrefs.len():
        digits = rowrefs.str.extract(_ROW_REF).str.strip_chars_start("0")
        ext.rows = max(ext.rows, _max_number(digits))


_TAG = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(c|row)(?=[\s>/])")
_CELL_R = re.compile(r"\br\s*=\s*[\"']\$?([A-Za-z]+)\$?([0-9]+)[\"']")
_ROW_R = re.compile(r"\br\s*=\s*[\"']([0-9]+)[\"']")


_PLACED = re.compile(r'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"')
_ROW_PLACED = re.compile(r'<row r="([1-9][0-9]{0,6})"')
_ANY_CELL = re.compile(_CELL)
_ANY_ROW = re.compile(_ROW)


def _canonical_small(text: str, ext: Extent) -> bool:
    """`_count_small` for a small sheet written as Excel, WPS and openpyxl write (every row and cell with its
    coordinates first, in double quotes, no namespace prefix), by four regex scans instead of a step per cell. False,
    with nothing counted, when the text is written otherwise."""
    placed = _PLACED.findall(text)
    rows = _ROW_PLACED.findall(text)
    if len(placed) != len(_ANY_CELL.findall(text)) or len(rows) != len(_ANY_ROW.findall(text)):
        return False
    if placed:
        letters, digits = zip(*placed, strict=True)
        ext.columns = max(ext.columns, max(column_number(x) for x in set(letters)))
        ext.rows = max(ext.rows, max(map(int, digits)))
    if rows:
        ext.rows = max(ext.rows, max(map(int, rows)))
    return True


def _count_small(text: str, ext: Extent) -> None:
    """`_count` for a small sheet, in Python: each cell and row element and the `r` attribute of its tag. Linear
    whatever the text: a tag's attributes are searched only up to its `>` or the next `<`, so a hostile run of
    unclosed tags cannot make the search quadratic."""
    rows: list[str] = []
    letters: list[str] = []
    digits: list[str] = []
    for m in _TAG.finditer(text):
        start = m.end()
        nxt = text.find("<", start)
        stop = len(text) if nxt < 0 else nxt
        end = text.find(">", start, stop)  # never beyond the next `<`: each character is searched once
        stop = stop if end < 0 else end
        if not text[start : start + 1].isspace():  # `<c>`, `<c/>`: no attributes
            stop = start
        if m.group(1) == "c":
            ref = _CELL_R.search(text, start, stop)
            if ref is None:
                ext.unplaced_cells += 1
            else:
                letters.append(ref.group(1).upper())
                digits.append(ref.group(2).lstrip("0"))
        else:
            rref = _ROW_R.search(text, start, stop)
            if rref is None:
                ext.unplaced_rows += 1
            else:
                rows.append(rref.group(1).lstrip("0"))
    if letters:
        longest = max(len(x) for x in letters)
        if longest > 3:
            ext.columns = max(ext.columns, EXCEL_COLUMNS + 1)
        else:
            ext.columns = max(ext.columns, column_number(max(x for x in letters if len(x) == longest)))
    for found in (digits, rows):
        longest = max((len(x) for x in found), default=0)
        if longest > 9:
            ext.rows = max(ext.rows, EXCEL_ROWS + 1)  # beyond Excel whatever the digits
        elif longest:
            ext.rows = max(ext.rows, max(int(x) for x in found if x))


def _max_number(digits: Any) -> int:
    """The largest of a column of decimal digit strings (leading zeros stripped), without overflowing."""
    import polars as pl

    d = pl.Series(digits).fill_null("")
    longest: Any = d.str.len_chars().max() or 0
    if longest > 9:
        return EXCEL_ROWS + 1  # beyond Excel whatever the digits
    if not longest:
        return 0
    top: Any = d.filter(d.str.len_chars() == longest).cast(pl.Int64).max()
    return int(top or 0)


def check_extent(path: Path, display: str, name: str) -> Extent | None:
    """Refuse, with one line naming the file and the sheet, a sheet whose cells lie beyond Excel's limits or whose
    grid would exceed ours; the scan happens before the sheet is opened."""
    try:
        with zipfile.ZipFile(path) as z:
            part = sheet_part(z, name)
            if part is None or part not in z.namelist():
                return None  # the reader will say what is wrong with the workbook
            ext = scan(z, part)
            ext.part = part
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as e:
        from complycheck.evidence.sheet import short_error

        raise EvidenceError(
            f"XLSX 读取失败：{short_error(e)}", Location(display, sheet=name), f"cannot read XLSX: {short_error(e)}"
        ) from None
    if ext.rows > EXCEL_ROWS or ext.columns > EXCEL_COLUMNS:
        raise EvidenceError(
            f"工作表“{name}”的单元格超出 Excel 的范围（最多 {EXCEL_ROWS} 行 × {EXCEL_COLUMNS} 列），拒绝读取",
            Location(display, sheet=name),
            f"sheet '{name}' has cells beyond Excel's limits ({EXCEL_ROWS} rows x {EXCEL_COLUMNS} columns); refused",
        )
    height, width = ext.grid()
    if width > MAX_COLUMNS or height * max(width, 1) > MAX_XLSX_CELLS:
        raise EvidenceError(
            f"工作表“{name}”过大（单元格分布在 {height} 行 × {width} 列），拒绝读取",
            Location(display, sheet=name),
            f"sheet '{name}' is too large (its cells span {height} rows x {width} columns); refused",
        )
    return ext
