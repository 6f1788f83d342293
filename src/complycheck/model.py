"""The records of a rule pack and of a submission's evidence (the results of a run: `results`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from complycheck.errors import Location
from complycheck.lang.types import Compiled


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    header: str
    header_en: str = ""
    aliases: tuple[str, ...] = ()
    personal: str | None = None
    required: bool = False
    values: tuple[str, ...] = ()
    description: str = ""
    example: str = ""


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    title_en: str
    owner: str
    key: tuple[str, ...]
    columns: dict[str, Column]

    def types(self) -> dict[str, str]:
        """Column name -> expression type."""
        return {c.name: EXPR_TYPE[c.type] for c in self.columns.values()}


EXPR_TYPE = {
    "string": "str",
    "integer": "int",
    "decimal": "dec",
    "boolean": "bool",
    "date": "date",
    "id_number": "id",
    "list": "list",
}


ALL_DATES = "all_dates"


def all_dates_dataset() -> Dataset:
    """The dataset every pack has besides its own: one row per date cell of every evidence dataset (dataset, column,
    header, file, date), so "nothing is dated after acceptance" covers a dataset added later without editing a rule."""
    cols = {
        n: Column(n, t, h, e)
        for n, t, h, e in (
            ("dataset", "string", "数据集", "dataset"),
            ("column", "string", "列", "column"),
            ("header", "string", "表头", "header"),
            ("file", "string", "文件", "file"),
            ("date", "date", "日期", "date"),
        )
    }
    return Dataset(ALL_DATES, "全部证据中的日期", "every date in the evidence", "engine", (), cols)


@dataclass(frozen=True)
class LineItem:
    id: str
    name: str
    name_en: str
    amount: Decimal
    deadline: date | None
    deadlines: dict[str, date]


@dataclass(frozen=True)
class Contract:
    project_no: str
    title: str
    title_en: str
    purchaser: str
    supplier: str
    agency: str
    award_date: date
    total_amount: Decimal
    service_start: date | None
    service_end: date | None
    line_items: tuple[LineItem, ...]

    def fields(self) -> dict[str, Any]:
        """What `contract.X` means in expressions."""
        return {
            "project_no": self.project_no,
            "title": self.title,
            "purchaser": self.purchaser,
            "supplier": self.supplier,
            "agency": self.agency,
            "award_date": self.award_date,
            "total_amount": self.total_amount,
            "service_start": self.service_start or self.award_date,
            "service_end": self.service_end,
        }

    def deadlines(self) -> dict[str, date]:
        """`deadline("1-1.assessment")` and `deadline("1-1")` (the latest of a line item)."""
        out: dict[str, date] = {}
        for li in self.line_items:
            for k, d in li.deadlines.items():
                out[f"{li.id}.{k}"] = d
            if li.deadline or li.deadlines:
                out[li.id] = li.deadline or max(li.deadlines.values())
        return out


@dataclass(frozen=True)
class Clause:
    id: str
    line_item: str
    source_text: str
    meaning_en: str
    qualitative: bool
    kind: str


@dataclass(frozen=True)
class Period:
    column: str
    unit: str
    start: Compiled
    end: Compiled
    min_overlap_days: Compiled | None


@dataclass(frozen=True)
class Rule:
    id: str
    line_item: str
    clauses: tuple[str, ...]
    title: str
    title_en: str
    severity: str
    qualitative: bool
    review: str
    review_en: str
    description: str
    description_en: str
    source: str  # the dataset or view the rule is about
    views: dict[str, tuple[str, Compiled | None]]
    where: Compiled | None
    distinct: str | None
    expect: Compiled | None
    measure: Compiled | None
    group_by: Compiled | None
    groups: Compiled | None
    period: Period | None
    min: Compiled | None
    max: Compiled | None
    equals: Compiled | None
    warn_min: Compiled | None
    due: Compiled | None
    pending_if: Compiled | None
    pending_reason: str
    pending_reason_en: str
    depends_on: tuple[str, ...]
    on_missing: str
    on_empty: str
    params: dict[str, Any]
    derived: bool
    location: Location
    mode: str = "count"  # the name of the mode deciding it (see engine.modes): share, count, measure, group, period
    on_shortfall: str = "fail"  # status of a shortfall: fail, or manual_review / missing_evidence
    on_unknown: str = "fail"  # status when the outcome hangs on rows undecidable because of blank cells
    on_unknown_scope: str = "manual_review"  # rows whose membership in the population cannot be decided
    on_empty_set: bool = False  # the rule says what an empty population means (else the default by severity)
    per: str | None = None  # per-entity mode: the column naming the entity each row serves
    entities: Compiled | None = None  # per-entity mode: the enrolled entities (dataset.column)
    at_least: Compiled | None = None  # per-entity mode: the count each entity needs (per period)
    every_period: bool = True  # per-entity mode with a period: each period must reach `min` (else the term pooled)
    entity_dates: tuple[str | None, str | None] = (None, None)  # per-entity mode: enrolled from / until columns
    probable_match: tuple[str, tuple[str, ...]] | None = None  # (dataset, columns): matches shown to the reviewer
    reads: frozenset[str] = frozenset()  # datasets the rule needs
    optional: frozenset[str] = frozenset()  # datasets that may be absent (read as empty)

    def frame_columns(self) -> dict[str, set[str]]:
        """Frame (the source, a view or a dataset) -> the columns this rule reads from it, birth-date columns
        included: the engine narrows each frame to these before filtering, so only they are copied."""
        need: dict[str, set[str]] = {}

        def add(frame: str, c: Compiled | None) -> None:
            if c is None:
                return
            need.setdefault(frame, set()).update(c.columns | {f"__birth__{x}" for x in c.id_columns})
            for view, col in c.refs:
                need.setdefault(self.source if view == "rows" else view, set()).add(col)

        for c in self.row_expressions():
            add(self.source, c)
        if self.period is not None:
            need.setdefault(self.source, set()).add(self.period.column)
        for col in (self.distinct, self.per):
            if col:
                need.setdefault(self.source, set()).add(col)
        if self.entities is not None and self.entities.node.view is not None:
            need.setdefault(self.entities.node.view, set()).update(c for c in self.entity_dates if c)
        if self.probable_match is not None:
            keys = {c.removeprefix("birth:") for c in self.probable_match[1]}
            need.setdefault(self.source, set()).update(keys)
            need.setdefault(self.probable_match[0], set()).update(keys)
        for name, (_, where) in self.views.items():
            add(name, where)
        return need

    def row_expressions(self) -> list[Compiled]:
        """Every expression of the rule that is evaluated on its population (all but the views' filters)."""
        items = [
            self.where,
            self.expect,
            self.group_by,
            self.measure,
            self.groups,
            self.min,
            self.max,
            self.equals,
            self.warn_min,
            self.due,
            self.pending_if,
            self.entities,
            self.at_least,
        ]
        if self.period is not None:
            items += [self.period.start, self.period.end, self.period.min_overlap_days]
        return [c for c in items if c is not None]

    def expressions(self) -> list[Compiled]:
        """Every compiled expression of the rule: the one list (what it reads, which parameters it uses)."""
        return self.row_expressions() + [w for _, w in self.views.values() if w is not None]

    def params_used(self) -> set[str]:
        """The parameters its expressions read."""
        return set().union(*(c.params_used() for c in self.expressions()))


@dataclass(frozen=True)
class Parameter:
    name: str
    value: Any
    type: str
    title: str = ""
    title_en: str = ""
    note: str = ""
    bureau_decision: bool = False
    source: str = (
        ""  # where the value comes from: "" the pack, else a run's setting (--param, a --params file, the API)
    )


@dataclass(frozen=True)
class Setting:
    """A bureau decision set for one run instead of the pack's value: `name` (every parameter of that name) or
    `RULE:name` (one rule's own parameter); `value` as written (typed like the parameter); where it was given."""

    name: str
    value: Any
    source: str
    location: Location | None = None


@dataclass(frozen=True)
class RulePack:
    root: str
    id: str
    version: str
    title: str
    contract: Contract
    parameters: dict[str, Parameter]
    datasets: dict[str, Dataset]
    rules: list[Rule]
    clauses: dict[str, Clause]
    files: list[str] = field(default_factory=list)

    def decisions(self) -> dict[str, Parameter]:
        """Every parameter a report shows: the pack's, then each rule's own bureau decisions as `RULE:name`."""
        out = dict(self.parameters)
        for r in self.rules:
            out.update({f"{r.id}:{k}": p for k, p in r.params.items() if p.bureau_decision})
        return out

    def columns_read(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """(dataset -> columns the rules read, dataset -> ID columns whose birth dates they read)."""
        cols: dict[str, set[str]] = {}
        ids: dict[str, set[str]] = {}
        if any(ALL_DATES in r.reads for r in self.rules):  # every date column of every dataset is read
            for name, dataset in self.datasets.items():
                cols.setdefault(name, set()).update(c.name for c in dataset.columns.values() if c.type == "date")
        for r in self.rules:
            src = r.views[r.source][0] if r.source in r.views else r.source

            def ds_of(name: str, src: str = src, views: dict[str, tuple[str, Compiled | None]] = r.views) -> str:
                return src if name == "rows" else (views[name][0] if name in views else name)

            def add(ds: str, c: Compiled | None, ds_of: Callable[[str], str] = ds_of) -> None:
                if c is None:
                    return
                cols.setdefault(ds, set()).update(c.columns)
                ids.setdefault(ds, set()).update(c.id_columns)
                for view, col in c.refs:
                    cols.setdefault(ds_of(view), set()).add(col)

            for c in r.row_expressions():
                add(src, c)
            if r.period:
                cols.setdefault(src, set()).add(r.period.column)
            for col in (r.distinct, r.per):
                if col:
                    cols.setdefault(src, set()).add(col)
            if r.entities is not None and r.entities.node.view is not None:
                cols.setdefault(ds_of(r.entities.node.view), set()).update(c for c in r.entity_dates if c)
            if r.probable_match is not None:
                keys = {c.removeprefix("birth:") for c in r.probable_match[1]}
                cols.setdefault(src, set()).update(keys)
                cols.setdefault(r.probable_match[0], set()).update(keys)
            for ds, where in r.views.values():
                add(ds, where)
        return cols, ids

    def subset(self, rule_ids: set[str]) -> RulePack:
        """The pack with only these rules (and everything else as it is)."""
        return replace(self, rules=[r for r in self.rules if r.id in rule_ids])

    def with_dependencies(self, rule_id: str) -> RulePack:
        """The pack with one rule and the rules it depends on, directly or not."""
        by_id = {r.id: r for r in self.rules}
        keep: set[str] = set()
        todo = [rule_id]
        while todo:
            rid = todo.pop()
            if rid not in keep:
                keep.add(rid)
                todo.extend(by_id[rid].depends_on)
        return self.subset(keep)


# --------------------------------------------------------------------------- evidence
@dataclass(frozen=True)
class Table:
    """One loaded dataset: a polars DataFrame with a `__row` column (the source row number), or a LazyFrame over the
    same columns spilled to disk (very large submissions)."""

    name: str
    file: str
    sheet: str | None
    frame: Any
    headers: dict[str, str]  # pack column -> header as found in the file
    problems: list[Problem] = field(default_factory=list)
    keyed: frozenset[str] = (
        frozenset()
    )  # ID columns whose every non-blank value has an integer key (see idnumbers.id_key_column)


@dataclass(frozen=True)
class Problem:
    """A cell or row that could not be read: reported, never silently dropped."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str
    message_en: str
    # "warning": a data problem (an unreadable cell, a ragged row...), reported and read as blank where it is a cell;
    # "error": a header that is probably a declared column written differently (validate exits 2)
    level: str = "error"


@dataclass(frozen=True)
class Evidence:
    root: str
    tables: dict[str, Table]
    files: list[str]
    problems: list[Problem]
