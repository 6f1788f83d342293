"""From raw rows to a typed table: find the header (under a title row, across a merged two-row
header), map Chinese headers to the pack's columns, and type every cell as people write it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from complycheck.errors import EvidenceError, Location
from complycheck.evidence.cells import MAX_PROBLEMS_PER_COLUMN, ColumnState, convert, convert_ids, distinct_values
from complycheck.evidence.csvfiles import FastReadFailed
from complycheck.evidence.headers import locate_header, near_miss
from complycheck.evidence.sheet import RawSheet
from complycheck.idnumbers import birth_column, birth_dates, id_key_column, id_keys
from complycheck.masking import clip, mask_text
from complycheck.model import Column, Dataset, Problem, Table

SUMMARY_ROW = re.compile(r"^\s*(合\s*计|总\s*计|小\s*计|备\s*注|注[:：]|说明[:：]?|填表人|制表人)")
TOTAL_ROW = re.compile(r"^\s*(合\s*计|总\s*计)")  # what follows a grand total is not data (notes, a second table)


BATCH_ROWS = 250_000


def build_table(
    sheet: RawSheet,
    ds: Dataset,
    file: str,
    manifest_entry: dict[str, Any],
    columns: set[str] | None = None,
    id_columns: set[str] | None = None,
    batch_rows: int | None = None,
    spill: Path | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> Table:
    """Type a raw sheet against a dataset declaration; unreadable cells become problems. Works column-wise, a batch
    of records at a time: a large CSV streams from disk, so its text is never all in memory at once.

    `columns`, when given, limits typing to the columns the rules read (validate types them all);
    `id_columns` limits the cached birth dates likewise. The result does not depend on `batch_rows` (default
    BATCH_ROWS). With `spill` (a private folder), typed batches are written there and the table is a LazyFrame
    over them.
    `on_rows` hears the number of records typed so far after each batch of a file that takes several."""
    import polars as pl

    if sheet.records and not sheet.rows and sheet.frame is None:
        sheet = RawSheet([[c.name for c in ds.columns.values()]], sheet.sheet, sheet.encoding, records=True)
    overrides = manifest_entry.get("columns") or {}
    unknown = [k for k in overrides if k not in ds.columns]
    if unknown:
        raise EvidenceError(
            f"清单中 {ds.name}.columns 的列“{unknown[0]}”未在规则包中声明",
            Location(file),
            f"manifest maps unknown column '{unknown[0]}' of {ds.name}",
        )
    start, nhdr, colmap, headers = locate_header(
        sheet, ds, overrides, manifest_entry.get("header_row"), manifest_entry.get("header_rows"), file
    )
    problems: list[Problem] = []
    missing_required = [c for c in ds.columns.values() if c.required and c.name not in colmap]
    if missing_required:
        c = missing_required[0]
        raise EvidenceError(
            f"缺少必需的列“{c.header}”（{ds.title}）",
            Location(file, start - nhdr + 1 if start else None, sheet=sheet.sheet, row_label="row"),
            f"required column '{c.header}' ({c.name}) is missing from {ds.name}",
        )
    unmatched = [h for i, h in enumerate(headers) if h and i not in set(colmap.values())]
    for c in ds.columns.values():  # evaluate only warns about the columns some rule reads; validate about all
        if c.name not in colmap and (columns is None or c.name in columns):
            near = near_miss([c.header, *c.aliases], unmatched)
            problems.append(
                Problem(
                    file,
                    sheet.sheet,
                    None,
                    c.header,
                    f"文件中没有“{c.header}”列，按空白（未知）处理"
                    + (f"；表头“{clip(near)}”是不是它？请改表头或在清单 headers 中对应" if near else ""),
                    f"column '{c.header}' not in the file; treated as blank (unknown)"
                    + (
                        f"; is the header '{clip(near)}' meant to be it? "
                        "rename it or map it under headers in the manifest"
                        if near
                        else ""
                    ),
                    "error" if near else "warning",  # a near miss must not pass as a blank column: validate fails
                )
            )
    dup = {h for h in headers if h and headers.count(h) > 1}
    for h in sorted(dup):
        problems.append(
            Problem(
                file,
                sheet.sheet,
                start - nhdr + 1,
                h,
                f"表头“{clip(h)}”重复，使用第一个",
                f"duplicate header '{clip(h)}'; the first is used",
                "warning",
            )
        )
    # cells beyond the header are read too, to be reported (the streamed reader never has any: it falls back)
    wanted = sorted(
        {i for name, i in colmap.items() if columns is None or name in columns}
        | {0, 1}
        | ({*range(len(headers))} if columns is None else set())
        | set(range(len(headers), sheet.width()))
    )
    typed = [c for c in ds.columns.values() if columns is None or c.name in columns]
    id_cols = [c.name for c in typed if c.type == "id_number" and (id_columns is None or c.name in id_columns)]
    typer = _Typer(typed, colmap, len(headers), sheet.date1904, file, sheet.sheet, id_cols)
    typer.need = max((i + 1 for i, h in enumerate(headers) if h), default=0)
    try:
        parts = []
        done = 0
        for raw in sheet.string_batches(wanted, start, batch_rows or BATCH_ROWS, typer.prep):
            done += raw.height
            parts.append(typer.keep(typer.batch(raw), spill, ds.name))
            if on_rows is not None:
                on_rows(done)
    except FastReadFailed:  # the large-file reader gave up: the exact one reads (and names) everything
        exact = sheet.frame.exact()
        return build_table(exact, ds, file, manifest_entry, columns, id_columns, batch_rows, spill, on_rows)
    if not parts:  # no records after the header
        parts = [
            typer.batch(
                pl.DataFrame(
                    {
                        "__idx": pl.Series([], dtype=pl.UInt32),
                        **{f"c{j}": pl.Series([], dtype=pl.String) for j in wanted},
                    }
                )
            )
        ]
    frame = typer.finish(parts, problems)
    hdr_map = {c: headers[i] for c, i in colmap.items()}
    return Table(ds.name, file, sheet.sheet, frame, hdr_map, problems, typer.keyed())


class _Typer:
    """Types batches of text records; what it learns (parsed values, problems found) carries across batches, so the
    table and its problems are the same however the records are batched."""

    def __init__(
        self,
        typed: list[Column],
        colmap: dict[str, int],
        width: int,
        date1904: bool,
        file: str,
        sheet: str | None,
        id_cols: list[str],
    ):
        self.typed, self.colmap, self.width, self.date1904 = typed, colmap, width, date1904
        self.by_name = {c.name: c for c in typed}
        self.file, self.sheet, self.id_cols = file, sheet, id_cols
        self.summary: list[Problem] = []
        self.extra: list[Problem] = []
        self.short: list[Problem] = []
        # the last header cell that holds a name: a record with fewer fields than that is short
        self.need = width
        self.total_row: int | None = None  # the 0-based record index of the first 合计/总计 row
        self.below_total = 0  # records with data below it
        self.first_below: int | None = None
        self.cols = {c.name: ColumnState() for c in typed}
        self.spilled = 0

    def prep(self, lf: Any) -> Any:
        """Row-wise work done as the records stream in: strip the cells typed, drop blank records."""
        import polars as pl

        cells = [c for c in lf.collect_schema().names() if not c.startswith("__")]
        used = {f"c{i}" for name, i in self.colmap.items() if name in self.cols} & set(cells)
        # stripped, then blank: null, in two steps (polars would strip twice for one expression naming it twice)
        lf = lf.with_columns([pl.col(c).str.strip_chars().alias(c) for c in sorted(used)])
        lf = lf.with_columns([pl.when(pl.col(c).str.len_bytes() > 0).then(pl.col(c)).alias(c) for c in sorted(used)])
        # a row is blank when no cell holds anything but spaces (cells no rule reads are not stripped, only tested)
        nonblank = (
            pl.any_horizontal(
                [pl.col(c).is_not_null() if c in used else pl.col(c).str.contains(r"\S") for c in cells]
            ).fill_null(False)
            if cells
            else pl.lit(False)
        )
        lf = lf.filter(nonblank).with_columns(
            _summary_flag(cells).alias("__summary"), _summary_flag(cells, TOTAL_ROW).alias("__total")
        )
        # ID numbers: upper-cased, with an integer key for each well-formed one and (where a rule reads it) the birth
        # date of each valid one, computed as the records stream in
        ids = {f"c{self.colmap[c.name]}": c.name for c in self.typed if c.type == "id_number" and c.name in self.colmap}
        ids = {cell: name for cell, name in ids.items() if cell in cells}
        if ids:
            from complycheck.idnumbers import with_id_births

            ups = {c: pl.when(pl.col(c).str.len_bytes() > 0).then(pl.col(c).str.to_uppercase()) for c in sorted(ids)}
            lf = lf.with_columns([e.alias(f"__up{c}") for c, e in ups.items()])
            lf = with_id_births(
                lf,
                {f"__up{c}": f"__b{c}" for c in sorted(ids) if ids[c] in self.id_cols},
                {f"__up{c}": f"__k{c}" for c in sorted(ids)},
            )
        return lf

    def batch(self, stripped: Any) -> Any:
        import polars as pl

        if "__summary" not in stripped.columns:  # an empty batch made up when nothing followed the header
            stripped = stripped.with_columns(pl.lit(False).alias("__summary"), pl.lit(False).alias("__total"))
        cells = [c for c in stripped.columns if not c.startswith("__")]
        stripped = self._drop_below_total(stripped)
        if "__len" in stripped.columns:  # CSV: a record with fewer fields than the header, reported like a long one
            short = stripped.filter(pl.col("__len") < self.need)
            for idx, n in short.select("__idx", "__len").head(MAX_PROBLEMS_PER_COLUMN - len(self.short)).iter_rows():
                self.short.append(
                    Problem(
                        self.file,
                        self.sheet,
                        idx + 1,
                        None,
                        f"本行只有 {n} 个单元格，少于表头的 {self.need} 列；缺少的按空白（未知）处理",
                        f"the row has {n} cells, fewer than the header's {self.need}; the missing ones are blank "
                        "(unknown)",
                        "warning",
                    )
                )
        stripped = _drop_summary_rows(stripped, cells, self.file, self.sheet, self.summary)
        extra = [c for c in cells if int(c[1:]) >= self.width]
        if extra and len(self.extra) < MAX_PROBLEMS_PER_COLUMN:
            beyond = stripped.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in extra]))
            for idx in beyond["__idx"].head(MAX_PROBLEMS_PER_COLUMN - len(self.extra)).to_list():
                self.extra.append(
                    Problem(
                        self.file,
                        self.sheet,
                        idx + 1,
                        None,
                        "本行有超出表头的单元格，已忽略",
                        "cells beyond the header were ignored",
                        "warning",
                    )
                )
        rows = (stripped["__idx"] + 1).cast(pl.Int64)
        out: list[Any] = [rows.alias("__row")]
        hidden = []
        # the values each column parses in Python, found for all columns in one query (polars runs them in parallel)
        plain = {
            c.name: f"c{self.colmap[c.name]}"
            for c in self.typed
            if c.type != "id_number" and f"c{self.colmap.get(c.name)}" in stripped.columns
        }
        found = (
            stripped.select([distinct_values(cell, self.by_name[n]).implode().alias(n) for n, cell in plain.items()])
            if plain
            else None
        )
        for c in self.typed:
            idx = self.colmap.get(c.name)
            cell = f"c{idx}"
            if f"__up{cell}" in stripped.columns:  # an ID column, upper-cased, keyed and dated in prep
                birth = stripped[f"__b{cell}"] if f"__b{cell}" in stripped.columns else None
                ids, key, birth = convert_ids(
                    stripped[f"__up{cell}"],
                    stripped[f"__k{cell}"],
                    birth,
                    c,
                    rows,
                    self.file,
                    self.sheet,
                    self.cols[c.name],
                )
                self.cols[c.name].unkeyed += int((key.is_null() & ids.is_not_null()).sum())
                out.append(ids.alias(c.name))
                hidden.append(key.alias(id_key_column(c.name)))
                if birth is not None:
                    hidden.append(birth.alias(birth_column(c.name)))
                continue
            series = (
                stripped[cell]
                if idx is not None and cell in stripped.columns
                else pl.Series(c.name, [None] * stripped.height, dtype=pl.String)
            )
            known = found[c.name][0].to_list() if found is not None and c.name in plain else None
            out.append(
                convert(series, c, self.date1904, rows, self.file, self.sheet, self.cols[c.name], distinct=known).alias(
                    c.name
                )
            )
            if c.type == "id_number":  # a column missing from the file (all blank), or an empty batch
                hidden.append(id_keys(out[-1]).alias(id_key_column(c.name)))
                self.cols[c.name].unkeyed += int((hidden[-1].is_null() & out[-1].is_not_null()).sum())
                if c.name in self.id_cols:
                    hidden.append(birth_dates(out[-1]).alias(birth_column(c.name)))
        del stripped
        return pl.DataFrame(out + hidden)

    def _drop_below_total(self, df: Any) -> Any:
        """Records after the first 合计/总计 row are not data: dropped, counted and reported once (in `finish`)."""
        import polars as pl

        if "__total" not in df.columns:
            return df
        if self.total_row is None:
            hits = df.filter(pl.col("__total"))["__idx"]
            if not hits.len():
                return df.drop("__total")
            self.total_row = int(hits[0])
        below = df.filter(pl.col("__idx") > self.total_row)
        if below.height:
            self.below_total += below.height
            if self.first_below is None:
                self.first_below = int(below["__idx"][0])
        return df.filter(pl.col("__idx") <= self.total_row).drop("__total")

    def keep(self, part: Any, spill: Path | None, name: str) -> Any:
        """A typed batch, kept in memory or, for a very large submission, written to the spill folder (its path)."""
        if spill is None:
            return part
        import polars as pl

        self.spilled += 1
        path = spill / f"{name}-{self.spilled:05d}.arrow"
        try:
            part.write_ipc(path, compression="lz4")
        except (OSError, pl.exceptions.PolarsError) as e:  # a full or read-only disk: say so, not "a bug"
            raise EvidenceError(
                f"无法写入临时文件（磁盘已满？）：{spill.parent}；可设置 TMPDIR 或改用 --no-spill",
                Location(self.file),
                f"cannot write temporary files (disk full?) in {spill.parent}: set TMPDIR or use --no-spill "
                f"({type(e).__name__})",
            ) from None
        return path

    def keyed(self) -> frozenset[str]:
        return frozenset(c.name for c in self.typed if c.type == "id_number" and self.cols[c.name].unkeyed == 0)

    def finish(self, parts: list[Any], problems: list[Problem]) -> Any:
        import polars as pl

        if parts and isinstance(parts[0], Path):  # spilled: a lazy scan of the batches, streamed when evaluated
            frame = pl.scan_ipc(parts)
            scales = {
                c.name: max(cast(pl.Decimal, s).scale for s in [pl.read_ipc_schema(p)[c.name] for p in parts])
                for c in self.typed
                if c.type == "decimal"
            }
            if scales:
                frame = frame.with_columns([pl.col(n).cast(pl.Decimal(38, s)) for n, s in scales.items()])
        else:
            scales = {c.name: max(p.schema[c.name].scale for p in parts) for c in self.typed if c.type == "decimal"}
            if scales and len(parts) > 1:  # each batch has the scale its own values need: widen to the largest (exact)
                parts = [p.with_columns([pl.col(n).cast(pl.Decimal(38, s)) for n, s in scales.items()]) for p in parts]
            frame = parts[0] if len(parts) == 1 else pl.concat(parts, how="vertical", rechunk=False)
            parts.clear()
            # one chunk: hashing (distinct, group_by, joins) is several times faster on it; a column at a time, so
            # the copy never holds more than one extra column
            for name in frame.columns:
                if frame[name].n_chunks() > 1:
                    frame = frame.with_columns(frame[name].rechunk())
        problems.extend(self.summary)
        if self.first_below is not None and self.total_row is not None:
            problems.append(
                Problem(
                    self.file,
                    self.sheet,
                    self.first_below + 1,
                    None,
                    f"合计/总计行（第 {self.total_row + 1} 行）以下的 {self.below_total} 行不是数据，已跳过",
                    f"{self.below_total} rows below the total row (row {self.total_row + 1}) are not data; skipped",
                    "warning",
                )
            )
        problems.extend(self.extra)
        problems.extend(self.short)
        for c in self.typed:
            problems.extend(self.cols[c.name].report(c, self.file, self.sheet))
        return frame


def _summary_flag(cells: list[str], pattern: re.Pattern[str] = SUMMARY_ROW) -> Any:
    """合计/总计/备注 rows: those whose first non-empty cell of the first two starts so."""
    import polars as pl

    if not cells:
        return pl.lit(False)
    first = pl.coalesce([pl.when(pl.col(c).str.len_bytes() > 0).then(pl.col(c)) for c in cells[:2]])
    return first.str.contains(pattern.pattern).fill_null(False)


def _drop_summary_rows(df: Any, cells: list[str], file: str, sheet: str | None, problems: list[Problem]) -> Any:
    """Summary rows (flagged `__summary` as the records streamed in): skipped, and reported (the first 20)."""
    import polars as pl

    hits = df.filter(pl.col("__summary"))
    room = max(MAX_PROBLEMS_PER_COLUMN - len(problems), 0)
    if hits.height and room:
        first = pl.coalesce([pl.when(pl.col(c).str.len_bytes() > 0).then(pl.col(c)) for c in cells[:2]])
        for idx, text in hits.head(room).select("__idx", first.alias("f")).iter_rows():
            problems.append(
                Problem(
                    file,
                    sheet,
                    idx + 1,
                    None,
                    f"合计/备注行已跳过：“{clip(mask_text(str(text)), 20)}”",
                    f"total/note row skipped: '{clip(mask_text(str(text)), 20)}'",
                    "warning",
                )
            )
    return (df.filter(~pl.col("__summary")) if hits.height else df).drop("__summary")


def empty_table(ds: Dataset) -> Table:
    """A dataset with no rows (for optional datasets a submission does not include): typed columns, no I/O."""
    return build_table(RawSheet([], None, records=True), ds, f"<{ds.name}: 无/none>", {})
