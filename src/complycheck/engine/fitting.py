"""Rules over spilled tables that fit in memory: the columns a rule reads of each spilled table, their estimated
size, and a cache of those columns collected, bounded by a budget. A rule whose columns fit is decided in memory, as
fast as on a submission held in memory; a rule that does not fit is streamed. Memory stays bounded either way."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from typing import Any

from complycheck.idnumbers import id_key_column
from complycheck.model import Rule, Table

# a rule over spilled tables is decided in memory when the columns it reads of them are estimated at no more than
# this; the cache of collected columns holds no more either (the rule's evaluation in memory needs about as much
# again, within the bound spilling keeps: see bench/README.md)
MEMORY_BUDGET_BYTES = 384 * 1024 * 1024
_PLACE = ("__row", "__file", "__sheet", "__header")  # where each row is in the supplier's file


def columns_by_dataset(rule: Rule) -> dict[str, set[str]]:
    """Dataset -> every column the rule reads of it (through any of its views), with each row's place in its file
    and the integer keys of its ID columns."""
    out: dict[str, set[str]] = {name: set(_PLACE) for name in rule.reads}
    for frame, cols in rule.frame_columns().items():
        ds = rule.views[frame][0] if frame in rule.views else frame
        out.setdefault(ds, set(_PLACE)).update(cols)
    return {ds: cols | {id_key_column(c) for c in cols} for ds, cols in out.items()}


def _width(dtype: Any) -> int:
    """Bytes per value, roughly: fixed-width types their width, text and lists a view and a short value."""
    import polars as pl

    if dtype == pl.Boolean:
        return 1
    if dtype.is_numeric() or dtype.is_temporal():
        return 16 if dtype == pl.Decimal else 8
    return 32


class Columns:
    """The columns of spilled tables that rules read, collected once and kept while they fit the budget (the least
    recently used are dropped first). Not thread-safe: one rule at a time."""

    def __init__(self, tables: dict[str, Table], budget: int):
        import polars as pl

        self.tables = tables
        self.budget = budget
        self.spilled = {n: t.frame for n, t in tables.items() if isinstance(t.frame, pl.LazyFrame)}
        self.rows = {n: int(lf.select(pl.len()).collect().item()) for n, lf in self.spilled.items()}
        self.schemas = {n: lf.collect_schema() for n, lf in self.spilled.items()}
        self.kept: OrderedDict[tuple[str, str], Any] = OrderedDict()  # (dataset, column) -> Series

    def wanted(self, rule: Rule) -> dict[str, list[str]]:
        """Spilled dataset -> the columns the rule reads of it, in the table's order."""
        want = columns_by_dataset(rule)
        return {n: [c for c in self.schemas[n].names() if c in want[n]] for n in self.spilled if n in want}

    def _bytes(self, name: str, col: str) -> int:
        return self.rows[name] * _width(self.schemas[name][col])

    def estimate(self, rule: Rule) -> int:
        """The estimated bytes of the columns the rule reads of spilled tables."""
        return sum(self._bytes(n, c) for n, cols in self.wanted(rule).items() for c in cols)

    def fits(self, rule: Rule) -> bool:
        return bool(self.wanted(rule)) and self.estimate(rule) <= self.budget

    def tables_for(self, rule: Rule) -> dict[str, Table]:
        """`tables` with each spilled table the rule reads as a DataFrame of the columns it reads."""
        import polars as pl

        out = dict(self.tables)
        for name, cols in self.wanted(rule).items():
            missing = [c for c in cols if (name, c) not in self.kept]
            if missing:
                got = self.spilled[name].select(missing).collect()
                for c in missing:
                    self.kept[(name, c)] = got[c]
            for c in cols:
                self.kept.move_to_end((name, c))
            out[name] = replace(self.tables[name], frame=pl.DataFrame([self.kept[(name, c)] for c in cols]))
        self._trim()
        return out

    def _trim(self) -> None:
        size = sum(self._bytes(n, c) for n, c in self.kept)
        while size > self.budget and self.kept:
            (n, c), _ = self.kept.popitem(last=False)
            size -= self._bytes(n, c)

    def clear(self) -> None:
        self.kept.clear()
