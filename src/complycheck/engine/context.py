"""The context one rule is evaluated in: its frames (datasets, views and the population `rows`), implementing the
language's EvalContext protocol."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from complycheck.idnumbers import id_key_column
from complycheck.lang.columnar import FEW_ROWS, beside, lift
from complycheck.lang.types import Compiled
from complycheck.model import Rule, Table


class RuleContext:
    """Frames for one rule's evaluation: datasets, the rule's views and its population (`rows`).

    Frames are polars DataFrames when the tables are in memory (each step computed as it is taken), or LazyFrames
    over tables spilled to disk (streamed, so memory stays bounded: only small results are collected). The code is
    the same for both: only collect(), hold() and like() tell them apart."""

    id_birth_cached = True  # tables from the loaders carry the birth-date column of every ID column

    def __init__(
        self,
        tables: dict[str, Table],
        as_of: date,
        rule: Rule,
        personal: dict[str, dict[str, str]],
        streaming: bool = False,
        hold: Callable[[Any], Any] | None = None,
    ):
        self.current: Any = None  # the frame a row expression is being built for (builders may join columns onto it)
        self.current_ds: str | None = None  # the dataset that frame's rows come from
        self.tables = tables
        self.personal = personal
        self.as_of = as_of
        self.rule = rule
        self.cache: dict[str, Any] = {}
        self.need = rule.frame_columns()
        self.streaming = streaming
        self.helpers = 0
        self._hold = hold
        self.few = False  # set while the failing rows shown are explained (see `explaining`)

    def dataset_of(self, view: str) -> str:
        if view == "rows":
            view = self.rule.source
        return self.rule.views[view][0] if view in self.rule.views else view

    def key_for(self, ds: str | None, col: str | None) -> str | None:
        """The integer-key column standing for ID column `col` of dataset `ds`, when every ID there has a key."""
        t = self.tables.get(ds) if ds is not None else None
        return id_key_column(col) if t is not None and col is not None and col in t.keyed else None

    def helper(self) -> str:
        self.helpers += 1
        return f"__h{self.helpers}"

    def collect(self, lf: Any) -> Any:
        """A frame's result: a DataFrame as is (in memory every step is computed as it is taken), a LazyFrame run."""
        if not hasattr(lf, "collect"):
            return lf
        return lf.collect(engine="streaming") if self.streaming else lf.collect()

    def hold(self, lf: Any) -> Any:
        """A frame several questions will be asked of: in memory it is already computed; streamed, the caller's
        `hold` (if any) computes it once (joins and all) so the questions only read it."""
        return self._hold(lf) if self.streaming and self._hold is not None else lf

    def is_few(self) -> bool:
        """See EvalContext.is_few: the failing rows being explained, or the rows of a small table kept in memory."""
        if self.few:
            return True
        import polars as pl

        table = self.tables.get(self.current_ds) if self.current_ds is not None else None
        return table is not None and isinstance(table.frame, pl.DataFrame) and table.frame.height <= FEW_ROWS

    @contextlib.contextmanager
    def explaining(self) -> Iterator[None]:
        """While the (at most MAX_FAILURES) failing rows are explained: `few` is set, so that a membership or lookup
        joined onto them reads only their keys of the other table, and nothing is written to the spill folder."""
        before, self.few = self.few, True
        try:
            yield
        finally:
            self.few = before

    def hold_column(self, valued: Any, name: str) -> Any:
        """`valued` (a frame with a computed column `name`), to be asked several questions: in memory as it is;
        streamed, the column alone is computed once and held, beside the frame it was computed on (which is not
        written again: it is the spilled table, or already held)."""
        return beside(self, valued.drop(name), valued, name) if self.streaming else self.hold(valued)

    def like(self, frame: Any, df: Any) -> Any:
        """A small DataFrame in the same mode as `frame`, to join or concatenate with it."""
        return df.lazy() if hasattr(frame, "collect") else df

    def with_value(self, lf: Any, compiled: Compiled, name: str, ds: str) -> Any:
        """`lf` with the value of a row expression as column `name` (builders may join helper columns onto it)."""
        outer = (self.current, self.current_ds)
        self.current, self.current_ds = lf, ds
        try:
            e = as_expr(compiled.build(self))
            return self.current.with_columns(e.alias(name))
        finally:
            self.current, self.current_ds = outer

    def _narrow(self, lf: Any, *names: str) -> Any:
        """Only the columns the rule reads from this frame (and the row number)."""
        want = {"__row", "__file", "__sheet", "__header"}.union(*(self.need.get(n, set()) for n in names))
        want |= {id_key_column(c) for c in want}  # ID numbers travel with their integer keys
        have = lf.collect_schema().names()
        return lf.select([c for c in have if c in want])

    def frame(self, view: str) -> Any:
        import polars as pl

        if view in self.cache:
            return self.cache[view]
        ds = self.dataset_of(view)
        base = self.tables[ds].frame
        if self.streaming and isinstance(base, pl.DataFrame):
            base = base.lazy()
        lf = self._narrow(base, view, *([self.rule.source] if view == self.rule.source else []))
        where = self.rule.views[view][1] if view in self.rule.views else None
        if where is not None:
            lf = self.hold_column(self.with_value(lf, where, "__v", ds), "__v").filter(pl.col("__v")).drop("__v")
        self.cache[view] = lf
        return lf


def as_expr(v: Any) -> Any:
    """A value as a polars expression (a constant becomes a literal)."""
    import polars as pl

    return v if isinstance(v, pl.Expr) else lift(v)
