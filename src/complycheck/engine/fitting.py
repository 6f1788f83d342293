"""Rules over spilled tables that fit in memory: the columns a rule reads of each spilled table, their estimated
size, and a cache of those columns collected, bounded by a budget. A rule whose columns fit is decided in memory, as
fast as on a submission held in memory; a rule that does not fit is streamed. Memory stays bounded either way."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection
from dataclasses import replace
from typing import Any

from complycheck.idnumbers import id_key_column
from complycheck.model import Rule, Table

# a rule over spilled tables is decided in memory when the columns it reads of them are estimated at no more than
# this; the cache of collected columns holds no more either. A rule decided in memory needs a few times its columns
# (joins, copies): at 10^7 rows, 384 MB took the peak from 0.92 to 1.48 GB, 192 MB left it at 0.92 (bench/README.md)
MEMORY_BUDGET_BYTES = 192 * 1024 * 1024
_PLACE = ("__row", "__file", "__sheet", "__header")  # where each row is in the supplier's file


def columns_by_dataset(rule: Rule) -> dict[str, set[str]]:
    """Dataset -> every column the rule reads of it (through any of its views), with each row's place in its file
    and the integer keys of its ID columns."""
    out: dict[str, set[str]] = {name: set(_PLACE) for name in rule.reads}
    for frame, cols in rule.frame_columns().items():
        ds = rule.views[frame][0] if frame in rule.views else frame
        out.setdefault(ds, set(_PLACE)).update(cols)
    return {ds: cols | {id_key_column(c) for c in cols} for ds, cols in out.items()}


SAMPLE_ROWS = 2000  # rows of each spilled table whose values size its columns


class Columns:
    """The columns of spilled tables that rules read, collected once and kept while they fit the budget (the least
    recently used are dropped first, before more are collected). Not thread-safe: one rule at a time.

    A column's size is estimated from the first SAMPLE_ROWS rows of its table (text and lists vary in length), and
    measured once collected."""

    def __init__(self, tables: dict[str, Table], budget: int):
        import polars as pl

        self.tables = tables
        self.budget = budget
        self.spilled = {n: t.frame for n, t in tables.items() if isinstance(t.frame, pl.LazyFrame)}
        self.rows = {n: int(lf.select(pl.len()).collect().item()) for n, lf in self.spilled.items()}
        self.schemas = {n: lf.collect_schema() for n, lf in self.spilled.items()}
        self.widths: dict[str, dict[str, float]] = {}  # dataset -> column -> bytes per value, from the sample
        self.kept: OrderedDict[tuple[str, str], Any] = OrderedDict()  # (dataset, column) -> Series

    def wanted(self, rule: Rule) -> dict[str, list[str]]:
        """Spilled dataset -> the columns the rule reads of it, in the table's order."""
        want = columns_by_dataset(rule)
        return {n: [c for c in self.schemas[n].names() if c in want[n]] for n in self.spilled if n in want}

    def _bytes(self, name: str, col: str) -> int:
        """The estimated size of one column of a spilled table."""
        if name not in self.widths:
            sample = self.spilled[name].head(SAMPLE_ROWS).collect()
            self.widths[name] = {c: sample[c].estimated_size() / max(sample.height, 1) for c in sample.columns}
        return int(self.rows[name] * self.widths[name].get(col, 8) * 1.1) + 1  # a margin for unlike later rows

    def estimate(self, rule: Rule) -> int:
        """The estimated bytes of the columns the rule reads of spilled tables."""
        return sum(self._bytes(n, c) for n, cols in self.wanted(rule).items() for c in cols)

    def fits(self, rule: Rule) -> bool:
        """Whether the rule reads spilled tables and the columns it reads of them fit the budget."""
        return self.budget > 0 and bool(self.wanted(rule)) and self.estimate(rule) <= self.budget

    def size(self) -> int:
        """The bytes the columns kept take (measured)."""
        return sum(s.estimated_size() for s in self.kept.values())

    def tables_for(self, rule: Rule) -> dict[str, Table]:
        """`tables` with each spilled table the rule reads as a DataFrame of the columns it reads."""
        import polars as pl

        wanted = self.wanted(rule)
        mine = {(n, c) for n, cols in wanted.items() for c in cols}
        coming = sum(self._bytes(n, c) for n, c in mine if (n, c) not in self.kept)
        self._trim(self.budget - coming, keep=mine)  # room first: what is kept and what comes stay within budget
        out = dict(self.tables)
        for name, cols in wanted.items():
            missing = [c for c in cols if (name, c) not in self.kept]
            if missing:
                got = self.spilled[name].select(missing).collect()
                for c in missing:
                    self.kept[(name, c)] = got[c]
            for c in cols:
                self.kept.move_to_end((name, c))
            out[name] = replace(self.tables[name], frame=pl.DataFrame([self.kept[(name, c)] for c in cols]))
        self._trim(self.budget)
        return out

    def _trim(self, room: int, keep: Collection[tuple[str, str]] = ()) -> None:
        """Drop the least recently used columns (not those in `keep`) until the rest take at most `room` bytes."""
        size = self.size()
        for key in [k for k in self.kept if k not in keep]:
            if size <= room:
                return
            size -= self.kept.pop(key).estimated_size()

    def clear(self) -> None:
        self.kept.clear()
