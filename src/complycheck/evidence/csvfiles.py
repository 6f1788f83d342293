"""CSV as Excel writes it: encoding detected (UTF-8 with or without BOM, GBK/GB18030, UTF-16), delimiter sniffed;
small files read exactly, large ones streamed in batches (transcoded to UTF-8 a chunk at a time)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from complycheck.errors import EvidenceError, Location
from complycheck.evidence.sheet import FAST_CSV_BYTES, HEAD_ROWS, MAX_COLUMNS, RawSheet


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
        raise EvidenceError(
            "CSV 文件含有 NUL 字节（不是文本文件？）",
            Location(display),
            "CSV file contains NUL bytes (not a text file?)",
        )
    enc = encoding or detect_encoding(raw)
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise EvidenceError(
            f"按 {enc} 无法解码（第 {line} 行）",
            Location(display, line, row_label="row"),
            f"cannot decode as {enc} (line {line})",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    delim = _delimiter(text[:8192])
    rows: list[list[Any]] = []
    lengths: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                raise EvidenceError(
                    f"第 {reader.line_num} 行列数过多（{len(row)}）",
                    Location(display, len(rows) + 1, row_label="row"),
                    f"row {len(rows) + 1} has too many columns ({len(row)})",
                )
            rows.append([c if c != "" else None for c in row])
            lengths.append(len(row))
    except csv.Error as e:
        raise EvidenceError(
            f"CSV 格式错误（第 {len(rows) + 1} 条记录，文件第 {reader.line_num} 行）：{e}",
            Location(display, len(rows) + 1, row_label="row"),
            f"malformed CSV (record {len(rows) + 1}, file line {reader.line_num}): {e}",
        ) from None
    return RawSheet(rows, None, enc, lengths=lengths)


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

        return pl.scan_csv(
            source,
            has_header=False,
            infer_schema=False,
            separator=self.delim,
            quote_char='"',
            raise_if_empty=False,
            schema={f"c{j}": pl.String for j in range(self.width)},
            encoding="utf8",
        )

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
                df = df.with_columns(
                    pl.when(pl.int_range(pl.len()) == 0)
                    .then(pl.col("c0").str.strip_prefix("\ufeff"))
                    .otherwise(pl.col("c0"))
                    .alias("c0")
                )
            self.__dict__["_head"] = (n, df)
        return self.__dict__["_head"][1].head(n)

    def batches(self, columns: list[int] | None, start: int, batch_rows: int | None, prep: Any = None) -> Iterator[Any]:
        """Records from `start` on, only the positions asked for, streamed from disk in batches (see RawSheet)."""
        import polars as pl

        if start == 0:  # the header is never record 0 of the data, but be exact about a BOM if it is
            first = self.head(HEAD_ROWS)["c0"][0] if self.width else None
        cols = (
            [f"c{j}" for j in sorted(set(columns)) if j < self.width]
            if columns is not None
            else [f"c{j}" for j in range(self.width)]
        )
        lf = self._scan(self.source).select(cols).with_row_index("__idx").slice(start)
        if start == 0 and "c0" in cols:
            lf = lf.with_columns(
                pl.when(pl.col("__idx") == 0).then(pl.lit(first, dtype=pl.String)).otherwise(pl.col("c0")).alias("c0")
            )
        if prep is not None:
            lf = prep(lf)
        try:
            if batch_rows is None:
                yield lf.collect()
                return
            yield from lf.collect_batches(chunk_size=batch_rows)
        except pl.exceptions.PolarsError:  # polars' own errors: the exact reader names the row
            raise FastReadFailed() from None

    def exact(self) -> RawSheet:
        return read_csv_exact(self.path, self.display, self.encoding)


def _first_bytes(source: Path, n: int) -> bytes:
    with source.open("rb") as f:
        return f.read(n)


def _read_csv_fast(
    source: Path, head_text: str, delim: str, path: Path, display: str, encoding: str | None, owned: bool = False
) -> Any:
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
    if _ragged(source, delim, width):  # polars pads short records and may drop long ones silently: the exact reader
        return None  # names each
    return lazy


def _ragged(source: Path, delim: str, width: int) -> bool:
    """Whether any line that is not blank has other than `width` fields (quoted text taken out first; a quoted line
    break also counts as ragged). One streamed pass over the file."""
    import polars as pl

    try:
        lines = pl.scan_csv(
            source,
            has_header=False,
            separator="\x00",
            quote_char=None,
            schema={"l": pl.String},
            truncate_ragged_lines=True,
            raise_if_empty=False,
            encoding="utf8-lossy",
        )
        plain = pl.col("l").str.count_matches(delim, literal=True) + 1
        quick = lines.select(
            (plain != width).any().alias("odd"), pl.col("l").str.contains('"', literal=True).any().alias("quoted")
        ).collect()
        if not quick["odd"][0] and not quick["quoted"][0]:  # the usual file: every line has the header's width
            return False
        fields = pl.col("l").str.replace_all('"[^"]*"', "").str.count_matches(delim, literal=True) + 1
        odd = lines.filter(pl.col("l").str.contains(r"\S").fill_null(False) & (fields != width)).head(1).collect()
    except pl.exceptions.PolarsError:
        return True
    return odd.height > 0
