"""A large XLSX sheet read as a stream (#17.3): the sheet's XML is decompressed 4 MB at a time and its cells turned
into text columns by polars, a batch of rows at a time, so neither a grid of the sheet (python-calamine's, 1.8 GB
for 10^6 rows of 19 columns) nor a Python object per cell is ever in memory.

Only sheets written plainly are streamed — every row and cell with its coordinates, in order; strings inline or
shared, numbers in the General or a plain date format, booleans; the 1900 date system — and each cell becomes the
text the exact reader (python-calamine, then `sheet.text_series`) gives it. Anything else raises FastReadFailed,
and the exact reader reads the sheet, as for a large CSV. The first rows (where the header is found) are read by
python-calamine itself from a copy of the workbook holding only them, and the streamed text of those rows must
equal theirs: a check, on every file, that the two readers agree.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from complycheck.evidence.csvfiles import FastReadFailed
from complycheck.evidence.sheet import HEAD_ROWS, RawSheet, text_series
from complycheck.evidence.xlsxsize import column_number, sheet_part

# 16 MB pieces took more time and twice the memory (at 10^5 rows: 3.6 s, 720 MB against 3.1 s, 300 MB)
CHUNK = 4 * 1024 * 1024
STREAM_BYTES = 32 * 1024 * 1024  # sheets whose XML is larger (about half a million cells) are streamed if they can be

# builtin number formats: General and the plain number/text ones, and the date ones calamine reads as a date
_NUMBER_IDS = {0, 1, 2, 3, 4, 9, 10, 11, 12, 13, 37, 38, 39, 40, 48, 49}
_DATE_IDS = {14, 15, 16, 17, 22}
_PLAIN_DATE = re.compile(r'^(?:yyyy|yy)(?:[-/.]|"年")m{1,2}(?:[-/.]|"月")d{1,2}"?日?"?(?: h{1,2}:mm(?::ss)?)?(?:;@)?$')
# what the stream does not read: character references, Excel's _xHHHH_ escapes, carriage returns (XML turns them
# into line feeds), phonetic runs, namespace prefixes
_SPECIAL = r"&#|_x[0-9A-Fa-f]{4}_|\r|<rPh|<[A-Za-z_][\w.-]*:"


def cell_kinds(z: zipfile.ZipFile) -> list[str] | None:
    """Per cell style (xf index): 'n' a plain number, 'd' a plain date; None when any style is neither (and could be
    used for a number the exact reader reads otherwise), or the workbook counts dates from 1904."""
    book = z.read("xl/workbook.xml")
    if re.search(rb'date1904="(?:1|true)"', book):
        return None
    try:
        styles = z.read("xl/styles.xml").decode("utf-8")
    except KeyError:
        return ["n"]
    formats = {int(i): code for i, code in re.findall(r'<numFmt numFmtId="([0-9]+)" formatCode="([^"]*)"', styles)}
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S)
    kinds = []
    for xf in re.findall(r"<xf\b[^>]*>", xfs.group(1) if xfs else ""):
        m = re.search(r'numFmtId="([0-9]+)"', xf)
        fid = int(m.group(1)) if m else 0
        code = formats.get(fid)
        if code is not None:
            code = code.replace("&quot;", '"')
            if _PLAIN_DATE.match(code):
                kinds.append("d")
            elif not re.search(r"[dmyhsDMYHSeEgGbB\[@]", re.sub(r'"[^"]*"|\\.', "", code)):
                kinds.append("n")
            else:
                return None
        elif fid in _NUMBER_IDS:
            kinds.append("n")
        elif fid in _DATE_IDS:
            kinds.append("d")
        else:
            return None
    return kinds or ["n"]


@dataclass
class LazyXlsx:
    """A sheet streamed from its workbook (see the module); `exact()` reads it with python-calamine instead."""

    path: Path
    display: str
    sheet: str
    part: str
    width: int
    kinds: list[str]
    merged: list[tuple[int, int, int, int]]
    head_values: list[list[Any]] = field(default_factory=list)
    strings: Any = None

    def close(self) -> None:
        pass

    def exact(self) -> RawSheet:
        from complycheck.evidence.readers import read_xlsx

        return read_xlsx(self.path, self.display, self.sheet, stream=False)

    def head(self, n: int) -> Any:
        import polars as pl

        rows = self.head_values[:n]
        return pl.DataFrame([text_series(f"c{j}", [r[j] for r in rows]) for j in range(self.width)] if rows else [])

    def shared(self, z: zipfile.ZipFile) -> Any:
        """The shared strings, as one polars Series (index = position)."""
        import polars as pl

        if self.strings is None:
            try:
                raw = z.read("xl/sharedStrings.xml").decode("utf-8")
            except KeyError:
                raw = ""
            if re.search(_SPECIAL, raw):
                raise FastReadFailed()
            items = pl.Series([raw]).str.extract_all(r"(?s)<si>.*?</si>|<si/>").explode().drop_nulls()
            self.strings = _texts(items)
        return self.strings

    def batches(self, columns: list[int] | None, start: int, batch_rows: int | None, prep: Any = None) -> Iterator[Any]:
        import polars as pl

        cols = list(range(self.width)) if columns is None else sorted(j for j in set(columns) if j < self.width)
        pending: list[Any] = []
        count = 0
        last = 0
        with zipfile.ZipFile(self.path) as z:
            for frame in self._frames(z, cols):
                if frame.height and int(frame["__idx"][0]) < last:
                    raise FastReadFailed()  # rows out of order
                if frame.height:
                    last = int(frame["__idx"][-1]) + 1
                frame = frame.filter(pl.col("__idx") >= start)
                pending.append(frame)
                count += frame.height
                if batch_rows is not None and count >= batch_rows:
                    yield self._prepared(pending, prep)
                    pending, count = [], 0
        if pending or count == 0:
            yield self._prepared(pending, prep, cols)

    def _prepared(self, parts: list[Any], prep: Any, cols: list[int] | None = None) -> Any:
        import polars as pl

        if not parts:
            parts = [
                pl.DataFrame(
                    {
                        "__idx": pl.Series([], dtype=pl.UInt32),
                        **{f"c{j}": pl.Series([], dtype=pl.String) for j in cols or []},
                    }
                )
            ]
        lf = pl.concat(parts, how="vertical").lazy()
        return (prep(lf) if prep is not None else lf).collect()

    def _frames(self, z: zipfile.ZipFile, cols: list[int]) -> Iterator[Any]:
        """The sheet's rows, a piece of its XML (whole rows, about CHUNK bytes) at a time: two pieces are turned
        into columns at once, in threads (polars works without the interpreter lock), while the next is read."""
        from collections import deque
        from concurrent.futures import Future, ThreadPoolExecutor

        if "xl/sharedStrings.xml" in z.namelist():
            self.shared(z)  # once, before the threads
        with ThreadPoolExecutor(max_workers=2) as pool:
            ahead: deque[Future[Any]] = deque()
            for text in self._pieces(z):
                ahead.append(pool.submit(self._safe_frame, z, text, cols))
                if len(ahead) > 2:
                    yield ahead.popleft().result()
            while ahead:
                yield ahead.popleft().result()

    def _safe_frame(self, z: zipfile.ZipFile, text: str, cols: list[int]) -> Any:
        import polars as pl

        try:
            if pl.Series([text]).str.contains(_SPECIAL).item():
                raise FastReadFailed()
            return self._frame(z, text, cols)
        except FastReadFailed:
            raise
        except Exception:  # anything not foreseen: the exact reader reads the sheet
            raise FastReadFailed() from None

    def _pieces(self, z: zipfile.ZipFile) -> Iterator[str]:
        """The sheet's XML in pieces of whole rows, about CHUNK bytes each."""
        tail = b""
        try:
            with z.open(self.part) as f:
                while True:
                    block = f.read(CHUNK)
                    data = tail + block
                    if block:
                        cut = data.rfind(b"</row>")
                        if cut < 0:
                            if len(data) > 64 * CHUNK:
                                raise FastReadFailed()
                            tail = data
                            continue
                        data, tail = data[: cut + 6], data[cut + 6 :]
                    yield data.decode("utf-8")
                    if not block:
                        return
        except FastReadFailed:
            raise
        except Exception:  # a damaged zip, bad UTF-8: the exact reader says what is wrong
            raise FastReadFailed() from None

    def _frame(self, z: zipfile.ZipFile, text: str, cols: list[int]) -> Any:
        """The records of the rows in one piece of the sheet: __idx (the row's index) and c<j> as text."""
        import polars as pl

        from complycheck.evidence.sheet import MAX_COLUMNS

        empty = pl.DataFrame(
            {"__idx": pl.Series([], dtype=pl.UInt32), **{f"c{j}": pl.Series([], dtype=pl.String) for j in cols}}
        )
        whole = pl.Series([text])
        # each cell is what follows a "<c " up to the next one: its coordinates and attributes, then its value
        cells = whole.str.split("<c ").explode().slice(1)
        if whole.str.count_matches(r"<c[\s>/]").item() != cells.len():
            raise FastReadFailed()  # a cell written otherwise (<c>, <c\t...>)
        if not cells.len():
            return empty
        parts = cells.str.extract_groups(r'^r="([A-Z]{1,3})([1-9][0-9]{0,6})"([^>]*)>')
        if parts.struct.field("1").null_count():
            raise FastReadFailed()  # coordinates missing, not first, or not in Excel's range
        attrs = parts.struct.field("3")
        df = pl.DataFrame(
            {
                "letters": parts.struct.field("1"),
                "row": parts.struct.field("2").cast(pl.Int64),
                "t": attrs.str.extract(r'\bt="([^"]*)"').fill_null("n"),
                "s": attrs.str.extract(r'\bs="([0-9]+)"').cast(pl.Int64).fill_null(0),
                "v": cells.str.extract(r"<v>([^<]*)</v>"),
                "x": cells,
            }
        )
        if not df["t"].is_in(["n", "s", "inlineStr", "str", "b"]).all():
            raise FastReadFailed()  # errors, ISO dates: the exact reader
        number = {s: column_number(s) - 1 for s in df["letters"].unique().to_list()}
        top: Any = df["row"].max()
        if max(number.values()) >= min(self.width, MAX_COLUMNS) or int(top or 0) > 1_048_576:
            raise FastReadFailed()  # wider than the first rows (or than we read): the exact reader
        df = df.with_columns(pl.col("letters").replace_strict(number, return_dtype=pl.Int64).alias("col"))
        if df.select(pl.struct("row", "col").is_duplicated().any()).item():
            raise FastReadFailed()
        df = df.filter(pl.col("col").is_in(cols))
        if not df.height:
            return empty
        long = df.select("row", "col").with_columns(self._text(z, df, "&" in text).alias("text"))
        wide = long.pivot(on="col", index="row", values="text").sort("row")
        present = set(wide.columns)
        return wide.select(
            (pl.col("row") - 1).cast(pl.UInt32).alias("__idx"),
            *[(pl.col(str(j)) if str(j) in present else pl.lit(None, dtype=pl.String)).alias(f"c{j}") for j in cols],
        )

    def _text(self, z: zipfile.ZipFile, df: Any, entities: bool) -> Any:
        """Each cell as the exact reader's text (sheet.cell_text of python-calamine's value)."""
        import polars as pl

        t, v = df["t"], df["v"]
        kinds = pl.Series(self.kinds)
        if int(df["s"].max() or 0) >= len(kinds):
            raise FastReadFailed()
        kind = kinds.gather(df["s"])
        numeric = t == "n"
        ok_number = v.str.contains(r"^-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$").fill_null(True)
        if not (ok_number | ~numeric).all():
            raise FastReadFailed()
        x = pl.Series(v.cast(pl.Float64, strict=False))
        out = pl.Series([None] * df.height, dtype=pl.String)
        # numbers
        whole = (x == x.floor()) & (x.abs() < 1e15)
        plain = x.cast(pl.String)
        num = _pick(whole, x.cast(pl.Int64, strict=False).cast(pl.String), plain)
        odd = numeric & (kind == "n") & ~whole & ((x.abs() >= 1e15) | (x.abs() < 1e-4)) & x.is_not_null()
        if odd.any():  # very large or very small numbers: Python's own spelling (rare)
            from complycheck.evidence.sheet import cell_text

            fixed = [cell_text(float(s)) if o else None for s, o in zip(v, odd, strict=True)]
            num = _pick(odd, pl.Series(fixed, dtype=pl.String), num)
        out = _pick(numeric & (kind == "n"), num, out)
        # dates: the calendar date of the serial (1900 system), Excel's phantom days before 1900-03-01
        dated = numeric & (kind == "d") & x.is_not_null()
        if dated.any():
            xd = x.filter(dated)
            frac = xd - xd.floor()
            if ((xd < 61) | (xd > 2958465) | (frac > 1 - 1e-6)).any():
                raise FastReadFailed()  # Excel's phantom leap day, out of range, or a hair before midnight
            # the serial of the date cells only (a huge number in another cell is no date: polars would panic)
            days = x.floor().zip_with(dated, pl.Series([None] * len(x), dtype=pl.Float64)).cast(pl.Int64, strict=False)
            import datetime as _dt

            base = pl.Series([_dt.date(1899, 12, 30)]).cast(pl.Int32).item()
            iso = (days + base).cast(pl.Int32, strict=False).cast(pl.Date).dt.strftime("%Y-%m-%d")
            out = _pick(dated, iso, out)
        # booleans
        boolean = t == "b"
        if boolean.any():
            if not v.filter(boolean).is_in(["0", "1"]).all():
                raise FastReadFailed()
            yes = pl.Series(["是", "否"]).gather((v.fill_null("0") != "1").cast(pl.UInt32))
            out = _pick(boolean, yes, out)
        # strings: formula results, inline, shared
        out = _pick(t == "str", _unescape(v) if entities else v, out)
        inline = t == "inlineStr"
        if inline.any():  # one run of text, the usual case, without splitting the cell into runs
            one = df["x"].str.extract(r"<is><t(?:\s[^>]*)?>([^<]*)</t></is>")
            one = _unescape(one) if entities else one
            runs = one.is_null() & inline
            if runs.any():
                one = _pick(runs, _texts(df["x"]), one)
            out = _pick(inline, one, out)
        shared = t == "s"
        if shared.any():
            strings = self.shared(z)
            idx = v.cast(pl.Int64, strict=False)
            if idx.filter(shared).is_null().any() or int(idx.filter(shared).max() or 0) >= strings.len():
                raise FastReadFailed()
            out = _pick(shared, strings.gather(idx.fill_null(0)), out)
        # the exact reader reads a text of nothing but XML white space as empty
        return _pick(
            out.str.contains(r"^[ \t\r\n]+$").fill_null(False), pl.Series([None] * out.len(), dtype=pl.String), out
        )


def _pick(mask: Any, value: Any, other: Any) -> Any:
    """value where mask holds, else other."""
    return value.zip_with(mask.fill_null(False), other)


def _texts(xml: Any) -> Any:
    """The text of each `<is>`/`<si>` element: its `<t>` runs joined, unescaped."""
    import polars as pl

    runs = pl.Series(xml).str.extract_all(r"<t(?:\s[^>]*)?>[^<]*</t>|<t(?:\s[^>]*)?/>")
    inner = runs.list.eval(pl.element().str.replace(r"^<t(?:\s[^>]*)?/?>", "").str.replace(r"</t>$", ""))
    return _unescape(inner.list.join(""))


def _unescape(s: Any) -> Any:
    out = s
    for a, b in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        out = out.str.replace_all(a, b, literal=True)
    return out


def head_sheet(path: Path, part: str, merged_xml: bytes) -> tuple[str, list[list[Any]], Any] | None:
    """The XML of the first HEAD_ROWS rows, and python-calamine's values and merged ranges of them, read from a copy
    of the workbook whose sheet holds only those rows (and the merged ranges); None when the sheet does not begin
    plainly."""
    from python_calamine import CalamineWorkbook

    with zipfile.ZipFile(path) as z:
        first = b""
        with z.open(part) as f:
            while first.count(b"</row>") < HEAD_ROWS and len(first) < 64 * 1024 * 1024:
                block = f.read(CHUNK)
                if not block:
                    break
                first += block
        start = first.find(b"<sheetData>")
        if start < 0:
            return None
        start += len(b"<sheetData>")
        end, n = None, 0
        for n, m in enumerate(re.finditer(rb"</row>", first), 1):
            end = m.end()
            if n >= HEAD_ROWS:
                break
        if end is None or (n < HEAD_ROWS and len(first) >= 64 * 1024 * 1024):
            return None  # rows of megabytes: the exact reader
        rows_xml = first[start:end]
        refs = re.findall(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"', rows_xml)
        if not refs or max(int(r) for _, r in refs) * max(column_number(c.decode()) for c, _ in refs) > 1_000_000:
            return None  # far cells in the first rows: the exact reader (which scans the sheet first)
        xml = first[:start] + rows_xml + b"</sheetData>" + merged_xml + b"</worksheet>"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as out:
            for info in z.infolist():
                if info.filename == part:
                    body = xml
                elif info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    body = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
                else:
                    body = z.read(info.filename)
                out.writestr(info.filename, body)
        names = [n for n in CalamineWorkbook.from_filelike(io.BytesIO(buf.getvalue())).sheet_names]
        wanted = next((n for n in names if sheet_part(z, n) == part), None)
    if wanted is None:
        return None
    ws = CalamineWorkbook.from_filelike(io.BytesIO(buf.getvalue())).get_sheet_by_name(wanted)
    values: list[list[Any]] = ws.to_python(skip_empty_area=False)
    return rows_xml.decode("utf-8"), values[:HEAD_ROWS], ws.merged_cell_ranges


def merged_ranges(z: zipfile.ZipFile, part: str) -> bytes:
    """The sheet's <mergeCells> element: it follows the cells, so the sheet is decompressed to its end (a pass that
    costs a fraction of reading it)."""
    window = b""
    with z.open(part) as f:
        while block := f.read(CHUNK):
            window = window[-65536:] + block
            if b"<mergeCells" in window:
                rest = window[window.find(b"<mergeCells") :] + f.read()
                m = re.search(rb"<mergeCells\b.*?</mergeCells>", rest, re.S)
                return m.group(0) if m else b""
    return b""


def stream_sheet(path: Path, display: str, name: str, part: str) -> RawSheet | None:
    """A RawSheet streamed from the workbook, or None when the sheet is not one the stream reads."""
    with zipfile.ZipFile(path) as z:
        kinds = cell_kinds(z)
        if kinds is None:
            return None
        merged_xml = merged_ranges(z, part)
    head = head_sheet(path, part, merged_xml)
    if head is None:
        return None
    head_xml, values, ranges = head
    merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in ranges or []]
    width = max((len(r) for r in values), default=0)
    values = [list(r) + [""] * (width - len(r)) for r in values]
    lazy = LazyXlsx(path, display, name, part, width, kinds, merged, values)
    try:  # the streamed text of the first rows must be the exact reader's
        with zipfile.ZipFile(path) as z:
            got = lazy._frame(z, head_xml, list(range(width)))
    except Exception:  # FastReadFailed, or anything the stream did not foresee
        return None
    want = RawSheet(values, name).string_frame().with_row_index("__idx") if values else None
    if want is None or not _same(got.filter(got["__idx"] < len(values)), want):
        return None
    return RawSheet([], name, None, merged, False, frame=lazy)


def _same(got: Any, want: Any) -> bool:
    """The same records, blank cells (None or "") alike, blank records left out."""
    import polars as pl

    def norm(df: Any) -> Any:
        cells = [c for c in df.columns if c != "__idx"]
        df = df.with_columns([pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in cells])
        return df.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in cells])).with_columns(
            pl.col("__idx").cast(pl.Int64)
        )

    a, b = norm(got), norm(want.select(got.columns))
    return bool(a.equals(b))
