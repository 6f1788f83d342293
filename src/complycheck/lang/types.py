"""The language's types: compiled nodes, the scope a compiler checks names against, and the evaluation context
(declared in full) that compiled expressions read at evaluation time. Nothing here imports polars."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol

NUMERIC = ("int", "dec", "num")


class NoValue:
    """The marker for 'not known at compile time'."""

    def __repr__(self) -> str:
        return "NOVAL"


NOVAL: Any = NoValue()


class EvalContext(Protocol):
    """What a compiled expression may read while it is built for evaluation.

    Row expressions are built for one frame at a time (`current`, whose rows come from dataset `current_ds`);
    a builder may join helper columns onto `current` (membership) and leave the joined frame there."""

    as_of: date
    current: Any  # the frame a row expression is being built for, or None in a constant context
    current_ds: str | None
    streaming: bool  # frames are LazyFrames over spilled tables (collect with the streaming engine)
    id_birth_cached: bool  # tables carry the birth-date column of each ID column (see idnumbers.birth_column)
    cache: dict[str, Any]  # what a rule builds once and reads again (views, lookup tables), by name

    def frame(self, view: str) -> Any:
        """The frame of a dataset or view (narrowed to the columns the rule reads, its filter applied)."""
        ...

    def collect(self, frame: Any) -> Any:
        """A frame's result as a DataFrame."""
        ...

    def dataset_of(self, view: str) -> str:
        """The dataset a view (or `rows`) reads."""
        ...

    def key_for(self, dataset: str | None, column: str | None) -> str | None:
        """The integer-key column standing for ID column `column` of `dataset`, when every ID there has one."""
        ...

    def helper(self) -> str:
        """A fresh name for a helper column."""
        ...

    def is_few(self) -> bool:
        """Whether `current` is known to hold a few rows (at most FEW_ROWS): the failing rows being explained, or rows
        of a small table kept in memory. Joins onto it then read only its keys of the other side."""
        ...

    def hold(self, frame: Any) -> Any:
        """A streamed frame computed once (written to the spill folder), so that what built it (a join's hash table)
        is freed before the next step; in memory, the frame itself."""
        ...


Builder = Callable[[EvalContext], Any]


@dataclass
class Node:
    """A type-checked expression node: its type and how to build its value (a Python constant, or for row nodes
    a polars expression over the rows of the frame at hand)."""

    t: str  # bool int dec num str id date dur list map view colref null any
    build: Builder
    const: bool = True
    elem: str | None = None
    view: str | None = None
    col: str | None = None
    value: Any = NOVAL  # known at compile time (literals, parameters, contract fields)


@dataclass
class Scope:
    """Names an expression may use, and their types."""

    columns: dict[str, str]  # row columns of the rule's dataset (empty in a constant context)
    datasets: dict[str, dict[str, str]]  # every dataset and view: its columns and their types
    params: dict[str, Any]  # name -> typed value
    contract: dict[str, Any]
    deadlines: dict[str, date]
    population: str | None = None  # in `measure`, bare columns refer to this view
    row: bool = True
    headers: dict[str, str] = field(default_factory=dict)  # Chinese header or alias (NFKC, simplified) -> column key


@dataclass
class Part:
    """One conjunct of a condition (`a and b and c` has three), kept so a failing row can name the part that is
    false; for a comparison, its two sides and the operator that would make it true."""

    source: str
    node: Node
    left: Node | None = None
    op: str | None = None
    right: Node | None = None
    alternatives: list[Part] = field(default_factory=list)  # `x or y`: false only when every alternative is


@dataclass
class Divisor:
    """A denominator that depends on the row (`amount / beds`): a row where it is 0 is unknown, and says so naming
    the columns it reads."""

    source: str
    node: Node
    columns: tuple[str, ...]


@dataclass
class Compiled:
    """A compiled expression: its source text, result type and builder."""

    source: str
    node: Node
    names: set[str] = field(default_factory=set)  # datasets/views it reads, and "params.X" for parameters
    columns: set[str] = field(default_factory=set)  # row columns it reads
    refs: set[tuple[str, str]] = field(default_factory=set)  # (dataset or view, column) it reads by name
    id_columns: set[str] = field(default_factory=set)  # row columns passed to valid_id/age/birth_date/sex
    parts: list[Part] = field(default_factory=list)  # a condition's conjuncts, to say which part failed
    divisors: list[Divisor] = field(default_factory=list)  # row-dependent denominators, to name a zero one

    @property
    def type(self) -> str:
        return self.node.t

    def build(self, ctx: Any) -> Any:
        return self.node.build(ctx)

    def params_used(self) -> set[str]:
        """The names of the parameters it reads."""
        return {n[len("params.") :] for n in self.names if n.startswith("params.")}


def value_type(v: Any) -> str:
    """The expression type of a Python value."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, Decimal):
        return "dec"
    if isinstance(v, float):
        return "num"
    if isinstance(v, str):
        return "str"
    if isinstance(v, date):
        return "date"
    if isinstance(v, timedelta):
        return "dur"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "map"
    return "any"


def as_decimal(v: Any) -> Any:
    """Numbers from YAML (floats) become exact Decimals; other values pass through."""
    if isinstance(v, float):
        return Decimal(repr(v))
    return v


def const(v: Any) -> Node:
    """A node for a value known at compile time."""
    v = as_decimal(v)
    elem = None
    if isinstance(v, list):
        v = [as_decimal(x) for x in v]
        kinds = {value_type(x) for x in v if x is not None}
        elem = kinds.pop() if len(kinds) == 1 else ("any" if kinds else None)

    def build(ctx: EvalContext, v: Any = v) -> Any:
        return v

    return Node(value_type(v), build, True, elem=elem, value=v)


def to_fraction(v: Any) -> Fraction:
    """An exact fraction from an int, a Decimal or a float's shortest repr."""
    if isinstance(v, float):
        return Fraction(Decimal(repr(v)))
    return Fraction(v)


TYPE_NAMES = {
    "bool": "真/假",
    "int": "整数",
    "dec": "数字",
    "num": "数字",
    "str": "文本",
    "id": "身份证号",
    "date": "日期",
    "dur": "天数",
    "list": "列表",
    "map": "映射",
    "view": "数据集",
    "colref": "数据集.列",
    "null": "空值",
    "any": "任意值",
}


def type_name(t: str) -> str:
    """A type's name in Chinese, for messages."""
    return TYPE_NAMES.get(t, t)
