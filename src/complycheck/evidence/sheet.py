"""Raw sheets: the cells of a file as read (no typing yet), and the limits every reader keeps.

A cell is str, int, float, bool, date, datetime or None. Row numbers are as a person sees them
(1-based, header rows included), so errors can point at the row in Excel.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_FILE_BYTES = 8 * 1024 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 2 * 1024 * 1024 * 1024
MAX_XLSX_RATIO = 200
MAX_COLUMNS = 500
FAST_CSV_BYTES = 1024 * 1024
HEAD_ROWS = 16
MAX_XLSX_CELLS = 60_000_000
# Excel's 1900 date system counts a 1900-02-29 that never was (serial 60), and the workbook reader gives serials 59 and
# 60 the same date: a date cell before 1900-03-01 cannot be told apart from it, so it is read as that date, which
# does not exist, and reported as unreadable
EXCEL_FIRST_SURE_DATE = (1900, 3, 1)
EXCEL_PHANTOM = "1900-02-29"


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
    lengths: list[int] | None = None  # CSV: the number of fields each record had (a short record is reported)

    def head_rows(self, n: int = HEAD_ROWS) -> list[list[Any]]:
        values = getattr(self.frame, "head_values", None)  # a streamed XLSX: the exact reader's values
        if values is not None:
            return list(values[:n])
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
            width: int = self.frame.width
            return width
        return max((len(r) for r in self.rows), default=0)

    def string_frame(self, columns: list[int] | None = None) -> Any:
        """Cells as text (None for blank), one column c<j> per position: the form typing works on."""
        import polars as pl

        if self.frame is not None:
            return pl.concat(list(self.string_batches(columns, 0, None)), how="vertical").drop("__idx")
        width = max((len(r) for r in self.rows), default=0)
        wanted = range(width) if columns is None else sorted(j for j in set(columns) if j < width)
        rect = all(len(r) == width for r in self.rows)
        by_col = list(zip(*self.rows, strict=True)) if rect and self.rows else None
        cols = []
        for j in wanted:
            values = list(by_col[j]) if by_col is not None else [(r[j] if j < len(r) else None) for r in self.rows]
            cols.append(text_series(f"c{j}", values))
        if self.lengths is not None and len(self.lengths) == len(self.rows):
            cols.append(pl.Series("__len", self.lengths, dtype=pl.Int32))
        return pl.DataFrame(cols) if cols else pl.DataFrame()

    def string_batches(
        self, columns: list[int] | None, start: int, batch_rows: int | None, prep: Any = None
    ) -> Iterator[Any]:
        """The text frame from record `start` on, in batches of `batch_rows` records (None: one batch), each with
        the 0-based record index `__idx`, after `prep` (LazyFrame -> LazyFrame, row-wise: stripping, dropping blank
        records). A large CSV is streamed from disk, so only one batch of text is in memory; it raises
        FastReadFailed (possibly after some batches) when the exact reader is needed."""
        if hasattr(self.frame, "batches"):  # a csvfiles.LazyCsv: streamed from disk
            yield from self.frame.batches(columns, start, batch_rows, prep)
            return
        lf = self.string_frame(columns).lazy().with_row_index("__idx").slice(start)
        frame = (prep(lf) if prep is not None else lf).collect()
        if batch_rows is None or frame.height <= batch_rows:
            yield frame
            return
        yield from frame.iter_slices(batch_rows)


def text_series(name: str, values: list[Any]) -> Any:
    """A column of cells as text; whole columns of dates or numbers are converted by polars, mixed ones cell by cell."""
    import polars as pl

    kinds = {type(v) for v in values if v is not None}
    if not kinds or kinds == {str}:
        return pl.Series(name, values, dtype=pl.String)
    if len(kinds) == 1:
        kind = kinds.pop()
        from datetime import date, datetime

        if kind in (datetime, date):
            out = pl.Series(name, values)
            early = (out < date(*EXCEL_FIRST_SURE_DATE)).fill_null(False)
            text = out.dt.strftime("%Y-%m-%d")
            return (
                text.zip_with(~early, pl.Series([EXCEL_PHANTOM], dtype=pl.String)).alias(name) if early.any() else text
            )
        if kind is int:
            return pl.Series(name, values, dtype=pl.Int64, strict=False).cast(pl.String)
        if kind is float:
            x = pl.Series(name, values, dtype=pl.Float64)
            # Python's spelling where polars' differs (huge, NaN, and below 1e-4: 2.5e-07, not 2.5e-7), so that each
            # cell's text is cell_text's whatever its neighbours (a streamed sheet is typed a batch at a time)
            if x.is_nan().any() or (x.abs() >= 1e15).any() or ((x.abs() < 1e-4) & (x != x.floor())).any():
                return pl.Series(name, [cell_text(v) for v in values], dtype=pl.String)
            whole = (x == x.floor()).fill_null(False)
            ints = x.cast(pl.Int64, strict=False).cast(pl.String)
            return ints.zip_with(whole, x.cast(pl.String)).alias(name)
    return pl.Series(name, [cell_text(v) for v in values], dtype=pl.String)


def cell_text(v: Any) -> str | None:
    """One cell as text: numbers without a spurious .0, dates as ISO, booleans as 是/否, huge floats as Excel shows
    them."""
    from datetime import date, datetime

    if v is None or type(v) is str:
        return v
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, date):
        d = v.date() if isinstance(v, datetime) else v
        return EXCEL_PHANTOM if d < date(*EXCEL_FIRST_SURE_DATE) else d.isoformat()
    if isinstance(v, float):
        if v != v:
            return None
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        if abs(v) >= 1e15:
            return f"{v:.5E}"
        return repr(v)
    return str(v)


def short_error(e: BaseException) -> str:
    """An exception's message on one short line."""
    return " ".join(str(e).split())[:160] or type(e).__name__
