"""Readers: one per file format, each turning a file into raw rows of cells (no typing yet).

A cell is str, int, float, bool, date, datetime or None. Row numbers are as a person sees them
(1-based, header rows included), so errors can point at the row in Excel.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from complycheck.errors import EvidenceError, Location

MAX_FILE_BYTES = 8 * 1024 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 2 * 1024 * 1024 * 1024
MAX_XLSX_RATIO = 200
MAX_COLUMNS = 500
FAST_CSV_BYTES = 1024 * 1024
HEAD_ROWS = 16
MAX_XLSX_CELLS = 60_000_000


@dataclass
class RawSheet:
    """Cells as read: either Python rows (XLSX, JSON, YAML, small CSV) or a frame of text columns c0..cN (large CSV)."""

    rows: list[list[Any]]
    sheet: str | None
    encoding: str | None = None
    merged: list[tuple[int, int, int, int]] | None = None  # (row0, col0, row1, col1), 0-based inclusive
    date1904: bool = False
    records: bool = False  # came from JSON/YAML records: an empty list is an empty table, not a missing header
    frame: Any = None

    def head_rows(self, n: int = HEAD_ROWS) -> list[list[Any]]:
        if self.frame is not None:
            return [list(r) for r in self.frame.head(n).iter_rows()]
        return self.rows[:n]

    def close(self) -> None:
        """Remove a temporary copy the sheet was read from, if any."""
        if self.frame is not None:
            self.frame.close()

    def width(self) -> int:
        """The most cells any record has."""
        if self.frame is not None:
            return self.frame.width
        return max((len(r) for r in self.rows), default=0)

    def string_frame(self, columns: list[int] | None = None) -> Any:
        """Cells as text (None for blank), one column c<j> per position: the form typing works on."""
        import polars as pl

        if self.frame is not None:
            return pl.concat(list(self.string_batches(columns, 0, None)), how="vertical").drop("__idx")
        width = max((len(r) for r in self.rows), default=0)
        wanted = range(width) if columns is None else sorted(j for j in set(columns) if j < width)
        rect = all(len(r) == width for r in self.rows)
        by_col = list(zip(*self.rows)) if rect and self.rows else None
        cols = []
        for j in wanted:
            values = list(by_col[j]) if by_col is not None else [(r[j] if j < len(r) else None) for r in self.rows]
            cols.append(_text_series(f"c{j}", values))
        return pl.DataFrame(cols) if cols else pl.DataFrame()

    def string_batches(self, columns: list[int] | None, start: int, batch_rows: int | None, prep: Any = None) -> Iterator[Any]:
        """The text frame from record `start` on, in batches of `batch_rows` records (None: one batch), each with
        the 0-based record index `__idx`, after `prep` (LazyFrame -> LazyFrame, row-wise: stripping, dropping blank
        records). A large CSV is streamed from disk, so only one batch of text is in memory; it raises
        FastReadFailed (possibly after some batches) when the exact reader is needed."""
        if isinstance(self.frame, LazyCsv):
            yield from self.frame.batches(columns, start, batch_rows, prep)
            return
        lf = self.string_frame(columns).lazy().with_row_index("__idx").slice(start)
        frame = (prep(lf) if prep is not None else lf).collect()
        if batch_rows is None or frame.height <= batch_rows:
            yield frame
            return
        yield from frame.iter_slices(batch_rows)


def _text_series(name: str, values: list[Any]) -> Any:
    """A column of cells as text; whole columns of dates or numbers are converted by polars, mixed ones cell by cell."""
    import polars as pl

    kinds = {type(v) for v in values if v is not None}
    if not kinds or kinds == {str}:
        return pl.Series(name, values, dtype=pl.String)
    if len(kinds) == 1:
        kind = kinds.pop()
        from datetime import date, datetime

        if kind in (datetime, date):
            return pl.Series(name, values).dt.strftime("%Y-%m-%d")
        if kind is int:
            return pl.Series(name, values, dtype=pl.Int64, strict=False).cast(pl.String)
        if kind is float:
            x = pl.Series(name, values, dtype=pl.Float64)
            if x.is_nan().any() or (x.abs() >= 1e15).any():
                return pl.Series(name, [cell_text(v) for v in values], dtype=pl.String)
            whole = (x == x.floor()).fill_null(False)
            ints = x.cast(pl.Int64, strict=False).cast(pl.String)
            return ints.zip_with(whole, x.cast(pl.String)).alias(name)
    return pl.Series(name, [cell_text(v) for v in values], dtype=pl.String)


def cell_text(v: Any) -> str | None:
    """One cell as text: numbers without a spurious .0, dates as ISO, booleans as 是/否, huge floats as Excel shows them."""
    from datetime import date, datetime

    if v is None or type(v) is str:
        return v
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
            return f"{v:.5E}"
        return repr(v)
    return str(v)


def detect_encoding(raw: bytes) -> str:
    """utf-8-sig, then utf-8, then gb18030 (a superset of GBK); never gb18030 first."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _delimiter(sample: str) -> str:
    if sample.count("\t") > sample.count(",") and sample.count("\t") > 0:
        return "\t"
    if sample.count(";") > sample.count(",") * 2:
        return ";"
    return ","


def read_csv(path: Path, display: str, encoding: str | None = None) -> RawSheet:
    """CSV as Excel saves it on Chinese Windows (GBK), or UTF-8 with or without a BOM.

    Large UTF-8 files go straight from disk to polars' multi-threaded reader (no decoded copy in Python); large GBK
    and UTF-16 files are first transcoded to UTF-8 a chunk at a time into a private temporary file (never the whole
    text in memory); anything unusual falls back to the exact reader, which names the row of every problem."""
    if path.stat().st_size >= FAST_CSV_BYTES:
        with path.open("rb") as f:
            head = f.read(65536)
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))  # Excel's "Unicode text": UTF-16, tab-separated
        if utf16 or b"\x00" not in head:
            enc = encoding or ("utf-16" if utf16 else "utf-8" if _utf8_head(head) else "gb18030")
            fast = None
            if enc in ("utf-8", "utf-8-sig"):
                text = head.decode("utf-8", "ignore").lstrip("\ufeff")
                fast = _read_csv_fast(path, text, _delimiter(text[:8192]), path, display, encoding)
            elif _codec(enc) is not None:
                utf8 = _transcode(path, enc)
                if utf8 is not None:
                    text = _first_bytes(utf8, 65536).decode("utf-8", "ignore")
                    fast = _read_csv_fast(utf8, text, _delimiter(text[:8192]), path, display, enc, owned=True)
                    if fast is None:
                        utf8.unlink(missing_ok=True)
            if fast is not None:
                return RawSheet([], None, enc, frame=fast)
    return read_csv_exact(path, display, encoding)


def _utf8_head(head: bytes) -> bool:
    """Whether the first bytes of a file are UTF-8 (a character cut at the end does not count against it)."""
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as e:
        return e.start >= len(head) - 3 and e.reason == "unexpected end of data"


def _codec(enc: str) -> Any:
    import codecs

    try:
        return codecs.lookup(enc)
    except LookupError:
        return None


def _transcode(path: Path, enc: str) -> Path | None:
    """The file as UTF-8 in a new private temporary file, decoded 16 MB at a time; None when it does not decode
    (the exact reader then names the line)."""
    import codecs
    import os
    import tempfile

    fd, name = tempfile.mkstemp(prefix="complycheck-", suffix=".csv")
    out = Path(name)
    try:
        decoder = codecs.getincrementaldecoder(enc)("strict")
        first = True
        with os.fdopen(fd, "wb") as dst, path.open("rb") as src:
            while chunk := src.read(16 * 1024 * 1024):
                text = decoder.decode(chunk)
                if first:
                    text, first = text.lstrip("\ufeff"), False
                dst.write(text.encode("utf-8"))
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
        return out
    except (UnicodeDecodeError, OSError):
        out.unlink(missing_ok=True)
        return None


def read_csv_exact(path: Path, display: str, encoding: str | None = None) -> RawSheet:
    """The exact reader: decodes the whole file and names the record of any problem."""
    raw = path.read_bytes()
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise EvidenceError("CSV 文件含有 NUL 字节（不是文本文件？）", Location(display), "CSV file contains NUL bytes (not a text file?)")
    enc = encoding or detect_encoding(raw)
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise EvidenceError(f"按 {enc} 无法解码（第 {line} 行）", Location(display, line, row_label="row"), f"cannot decode as {enc} (line {line})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    delim = _delimiter(text[:8192])
    rows: list[list[Any]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                raise EvidenceError(f"第 {reader.line_num} 行列数过多（{len(row)}）", Location(display, len(rows) + 1, row_label="row"), f"row {len(rows) + 1} has too many columns ({len(row)})")
            rows.append([c if c != "" else None for c in row])
    except csv.Error as e:
        raise EvidenceError(f"CSV 格式错误（第 {len(rows) + 1} 条记录，文件第 {reader.line_num} 行）：{e}", Location(display, len(rows) + 1, row_label="row"),
                            f"malformed CSV (record {len(rows) + 1}, file line {reader.line_num}): {e}") from None
    return RawSheet(rows, None, enc)


class FastReadFailed(Exception):
    """polars could not read the file as the first records suggested: use the exact reader."""


@dataclass
class LazyCsv:
    """A large CSV read by polars, only the columns needed, when they are needed (less time, less memory).
    `source` is the file itself or a UTF-8 copy in a temporary file the LazyCsv owns (`close()`)."""

    source: Path
    delim: str
    width: int
    path: Path
    display: str
    encoding: str | None
    owned: bool = False

    def close(self) -> None:
        if self.owned:
            self.source.unlink(missing_ok=True)

    def _scan(self, source: Any) -> Any:
        import polars as pl

        return pl.scan_csv(source, has_header=False, infer_schema=False, separator=self.delim, quote_char='"', raise_if_empty=False,
                           schema={f"c{j}": pl.String for j in range(self.width)}, encoding="utf8")

    def head(self, n: int) -> Any:
        """The first records, parsed from the first 64 KB when they fit there (else from the whole file)."""
        import polars as pl

        cached = self.__dict__.get("_head")
        if cached is None or cached[0] < n:
            df = None
            raw = _first_bytes(self.source, 65536)
            whole = len(raw) < 65536
            cut = len(raw) if whole else raw.rfind(b"\n") + 1
            if cut > 0:
                try:
                    df = self._scan(raw[:cut]).head(n).collect()
                except Exception:  # a quoted field across the cut, say: read from the whole file
                    df = None
                if df is not None and df.height < n and not whole:
                    df = None
            if df is None:
                try:
                    df = self._scan(self.source).head(n).collect()
                except Exception:  # polars' own errors: the exact reader names the row
                    raise FastReadFailed() from None
            if "c0" in df.columns and df.height and isinstance(df[0, "c0"], str) and df[0, "c0"].startswith("\ufeff"):
                df = df.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.col("c0").str.strip_prefix("\ufeff")).otherwise(pl.col("c0")).alias("c0"))
            self.__dict__["_head"] = (n, df)
        return self.__dict__["_head"][1].head(n)

    def batches(self, columns: list[int] | None, start: int, batch_rows: int | None, prep: Any = None) -> Iterator[Any]:
        """Records from `start` on, only the positions asked for, streamed from disk in batches (see RawSheet)."""
        import polars as pl

        if start == 0:  # the header is never record 0 of the data, but be exact about a BOM if it is
            first = self.head(HEAD_ROWS)["c0"][0] if self.width else None
        cols = [f"c{j}" for j in sorted(set(columns)) if j < self.width] if columns is not None else [f"c{j}" for j in range(self.width)]
        lf = self._scan(self.source).select(cols).with_row_index("__idx").slice(start)
        if start == 0 and "c0" in cols:
            lf = lf.with_columns(pl.when(pl.col("__idx") == 0).then(pl.lit(first, dtype=pl.String)).otherwise(pl.col("c0")).alias("c0"))
        if prep is not None:
            lf = prep(lf)
        try:
            if batch_rows is None:
                yield lf.collect()
                return
            yield from lf.collect_batches(chunk_size=batch_rows)
        except pl.exceptions.PolarsError:  # polars' own errors: the exact reader names the row
            raise FastReadFailed() from None

    def exact(self) -> "RawSheet":
        return read_csv_exact(self.path, self.display, self.encoding)


def _first_bytes(source: Path, n: int) -> bytes:
    with source.open("rb") as f:
        return f.read(n)


def _read_csv_fast(source: Path, head_text: str, delim: str, path: Path, display: str, encoding: str | None, owned: bool = False) -> Any:
    """A LazyCsv for a large file, or None when the first records already call for the exact reader."""
    try:
        head = list(csv.reader(io.StringIO(head_text, newline=""), delimiter=delim))[:-1] or [[]]
    except csv.Error:
        return None
    width = max(len(r) for r in head)
    if width == 0 or width > MAX_COLUMNS:
        return None
    lazy = LazyCsv(source, delim, width, path, display, encoding, owned)
    try:
        lazy.head(HEAD_ROWS)
    except FastReadFailed:
        return None
    return lazy


def _check_zip(path: Path, display: str) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            total = 0
            for info in z.infolist():
                total += info.file_size
                if info.compress_size and info.file_size / max(info.compress_size, 1) > MAX_XLSX_RATIO and info.file_size > 50 * 1024 * 1024:
                    raise EvidenceError("XLSX 文件的压缩比异常（疑似压缩炸弹），拒绝读取", Location(display), "XLSX compression ratio is abnormal (zip bomb?); refused")
            if total > MAX_XLSX_UNCOMPRESSED:
                raise EvidenceError("XLSX 解压后过大，拒绝读取", Location(display), "XLSX too large when decompressed; refused")
            names = set(z.namelist())
            if "xl/workbook.xml" not in names:
                raise EvidenceError("不是有效的 XLSX 文件（缺少 workbook.xml）", Location(display), "not a valid XLSX file (no workbook.xml)")
            for name in names:
                if name.endswith((".xml", ".rels")):
                    with z.open(name) as part:
                        head = part.read(4096)
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise EvidenceError(f"XLSX 的 {name} 含有 XML 实体/DOCTYPE 声明，拒绝读取", Location(display), f"XLSX part {name} declares a DOCTYPE or entities; refused")
    except zipfile.BadZipFile:
        raise EvidenceError("XLSX 文件已损坏（不是有效的 zip）", Location(display), "XLSX file is corrupted (not a valid zip)") from None


def read_xlsx(path: Path, display: str, sheet: str | None) -> RawSheet:
    """An Excel sheet (python-calamine): cached formula values, merged cells, the 1904 date system."""
    from python_calamine import CalamineWorkbook

    _check_zip(path, display)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine raises its own error types for damaged files
        raise EvidenceError(f"无法打开 XLSX：{_short(e)}", Location(display), f"cannot open XLSX: {_short(e)}") from None
    try:
        names = wb.sheet_names
        if sheet is None:
            visible = [m.name for m in wb.sheets_metadata if str(m.visible).lower().endswith("visible") and "hidden" not in str(m.visible).lower()]
            name = (visible or names)[0]
        elif sheet in names:
            name = sheet
        else:
            raise EvidenceError(f"找不到工作表“{sheet}”（现有：{'、'.join(names)}）", Location(display, sheet=sheet), f"no sheet '{sheet}' (sheets: {', '.join(names)})")
        ws = wb.get_sheet_by_name(name)
        if ws.width > MAX_COLUMNS or ws.height * max(ws.width, 1) > MAX_XLSX_CELLS:
            raise EvidenceError(f"工作表“{name}”过大（{ws.height} 行 × {ws.width} 列），拒绝读取", Location(display, sheet=name),
                                f"sheet '{name}' is too large ({ws.height} rows x {ws.width} columns); refused")
        rows = ws.to_python(skip_empty_area=False)
        merged = []
        for rng in (ws.merged_cell_ranges or []):
            (r0, c0), (r1, c1) = rng
            merged.append((r0, c0, r1, c1))
    except EvidenceError:
        raise
    except Exception as e:
        raise EvidenceError(f"XLSX 读取失败：{_short(e)}", Location(display), f"cannot read XLSX: {_short(e)}") from None
    return RawSheet(rows, name, None, merged, _is_1904(path))


def _is_1904(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return b"date1904=\"1\"" in z.read("xl/workbook.xml")[:200000] or b"date1904=\"true\"" in z.read("xl/workbook.xml")[:200000]
    except (KeyError, zipfile.BadZipFile):
        return False


def read_records(data: Any, display: str) -> RawSheet:
    """JSON/YAML: a list of objects (or {rows: [...]}) -> header row + value rows."""
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        data = data["rows"]
    if not isinstance(data, list):
        raise EvidenceError("表格文件的顶层应为对象列表（或 {rows: [...]}）", Location(display), "a table file must hold a list of objects (or {rows: [...]})")
    headers: list[str] = []
    for i, rec in enumerate(data):
        if not isinstance(rec, dict):
            raise EvidenceError(f"第 {i + 1} 条记录不是对象", Location(display, i + 2, row_label="row"), f"record {i + 1} is not an object")
        for k in rec:
            if str(k) not in headers:
                headers.append(str(k))
    if not data:
        return RawSheet([], None, "utf-8", records=True)
    rows: list[list[Any]] = [list(headers)]
    for rec in data:
        rows.append([_plain(rec.get(h)) for h in headers])
    return RawSheet(rows, None, "utf-8", records=True)


def _plain(v: Any) -> Any:
    if isinstance(v, list):
        return "、".join(str(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    return v


def read_json(path: Path, display: str) -> RawSheet:
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode(detect_encoding(raw)).lstrip("\ufeff"))
    except UnicodeDecodeError:
        raise EvidenceError("JSON 文件编码无法识别", Location(display), "JSON file encoding not recognised") from None
    except json.JSONDecodeError as e:
        raise EvidenceError(f"JSON 语法错误：{e.msg}", Location(display, e.lineno, e.colno), f"JSON syntax error: {e.msg}") from None
    except RecursionError:
        raise EvidenceError("JSON 嵌套过深", Location(display), "JSON nested too deeply") from None
    return read_records(data, display)


def read_yaml(path: Path, display: str) -> RawSheet:
    from complycheck.errors import RuleFileError
    from complycheck.yamlsource import load_yaml_file

    try:
        doc = load_yaml_file(path, display)
    except RuleFileError as e:
        raise EvidenceError(e.message, e.location, e.message_en) from None
    return read_records(doc.data, display)


def _short(e: Exception) -> str:
    return " ".join(str(e).split())[:160] or type(e).__name__


@dataclass(frozen=True)
class Reader:
    """How one kind of file becomes raw rows; `streams`: large files are read in batches (not held whole)."""

    kind: str
    read: Callable[[Path, str, dict[str, Any]], RawSheet]
    streams: bool = False


def _xlsx(path: Path, display: str, entry: dict[str, Any]) -> RawSheet:
    sheet = read_xlsx(path, display, entry.get("sheet"))
    if entry.get("date_system") == 1904:
        sheet.date1904 = True
    return sheet


_CSV = Reader("csv", lambda path, display, entry: read_csv(path, display, entry.get("encoding")), streams=True)
_XLSX = Reader("xlsx", _xlsx)
_JSON = Reader("json", lambda path, display, entry: read_json(path, display))
_YAML = Reader("yaml", lambda path, display, entry: read_yaml(path, display))

READERS: dict[str, Reader] = {".csv": _CSV, ".txt": _CSV, ".xlsx": _XLSX, ".xlsm": _XLSX, ".json": _JSON, ".yaml": _YAML,
                              ".yml": _YAML}


def streams(path: Path) -> bool:
    """Whether a file of this kind is read in batches (large CSV) rather than held whole."""
    r = READERS.get(path.suffix.lower())
    return r is not None and r.streams
