"""Row functions rule authors may call: presence, ID numbers, dates, text and numbers (each registered with its
Python form, its columnar form and its own compile checks; see `registry`)."""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from complycheck import values as V
from complycheck.lang.columnar import lift
from complycheck.lang.registry import Forms, func
from complycheck.lang.types import NOVAL, EvalContext, Node

if TYPE_CHECKING:
    from complycheck.lang.compiler import Compiler


def _pl() -> Any:
    import polars as pl

    return pl


def _none_safe(f: Callable[..., Any]) -> Callable[..., Any]:
    def g(*a: Any) -> Any:
        return None if any(x is None for x in a) else f(*a)

    return g


# ----------------------------------------------------------------------------- compile checks
def _dates_beside_dates(c: Compiler, n: ast.Call, args: list[Node]) -> list[Node]:
    """Text constants next to a date are dates (between, coalesce)."""
    if any(a.t == "date" for a in args):
        return [c.as_date(n, a) if a.t == "str" and a.value is not NOVAL else a for a in args]
    return args


def _second_constant(c: Compiler, n: ast.Call, args: list[Node]) -> list[Node]:
    name = n.func.id if isinstance(n.func, ast.Name) else "?"
    if not args[1].const:
        raise c.err(n, f"{name}() 的第 2 个参数必须是常量", f"argument 2 of {name}() must be a constant")
    return args


def _text_is_date(c: Compiler, n: ast.Call, args: list[Node]) -> list[Node]:
    if args[0].value is not NOVAL:
        c.as_date(n.args[0], args[0])
    return args


def _regex(c: Compiler, n: ast.Call, args: list[Node]) -> list[Node]:
    rx = args[1].value
    if not isinstance(rx, str) or len(rx) > 200:
        raise c.err(n.args[1], "正则表达式过长", "regular expression too long")
    try:
        re.compile(rx)
    except re.error as e:
        raise c.err(n.args[1], f"正则表达式错误：{e}", f"bad regular expression: {e}") from None
    return args


def _text_or_list(c: Compiler, n: ast.Call, args: list[Node]) -> list[Node]:
    if args[0].t not in ("str", "id", "list"):
        raise c.err(n, "length() 需要文本或列表", "length() needs text or a list", about=n)
    return args


# ----------------------------------------------------------------------------- columnar forms
def _length_columnar(nodes: list[Node], vals: list[Any], ctx: EvalContext) -> Any:
    x = lift(vals[0])
    return (x.list.len() if nodes[0].t == "list" else x.str.len_chars()).cast(_pl().Int64)


def _date_columnar(nodes: list[Node], vals: list[Any], ctx: EvalContext) -> Any:
    return lift(V.to_date(vals[0]))


def _days_columnar(nodes: list[Node], vals: list[Any], ctx: EvalContext) -> Any:
    return _pl().duration(days=lift(vals[0]))


def _round_columnar(nodes: list[Node], vals: list[Any], ctx: EvalContext) -> Any:
    """Half up (away from zero), as the Python form: exact on decimal columns; other numbers are rounded as the
    decimal they print as (1.005 -> 1.01), not as their binary approximation."""
    pl = _pl()
    n = vals[1]
    if not isinstance(n, int):
        raise TypeError("round() needs a constant number of places")
    x = lift(vals[0])
    if nodes[0].t == "dec":
        return x.round(n, mode="half_away_from_zero")
    if nodes[0].t == "int":
        return x
    return x.cast(pl.Decimal(38, 12)).round(n, mode="half_away_from_zero").cast(pl.Float64)


def _round_py(x: Any, n: Any) -> Any:
    if x is None or n is None:
        return None
    if isinstance(x, bool):
        return x
    if isinstance(x, int):
        return x
    d = x if isinstance(x, Decimal) else Decimal(repr(x))
    r = d.quantize(Decimal(1).scaleb(-int(n)), rounding=ROUND_HALF_UP)
    return r if isinstance(x, Decimal) else float(r)


# ----------------------------------------------------------------------------- presence
@func("present", ("any",), "bool")
def _present() -> Forms:
    """True when the cell has a value (a blank cell is unknown, so not present); never unknown itself.

    Example: `present(pass_cert_no)` — the training certificate number was filled in."""

    def p(x: Any) -> Any:
        return x is not None and x != [] and x != ""

    def e(x: Any) -> Any:
        return x.is_not_null()

    return p, e


@func("blank", ("any",), "bool")
def _blank() -> Forms:
    """True when the cell is empty (unknown); the opposite of present().

    Example: `blank(hazards) and fire_safety_ok == False` — failed fire safety with no hazard described."""

    def p(x: Any) -> Any:
        return x is None or x == [] or x == ""

    def e(x: Any) -> Any:
        return x.is_null()

    return p, e


@func("coalesce", ("any", "any"), "arg0", check=_dates_beside_dates)
def _coalesce() -> Forms:
    """The first argument if present, else the second.

    Example: `coalesce(report_date, assessment_date) <= deadline("1-1.assessment")`."""

    def p(a: Any, b: Any) -> Any:
        return a if a is not None else b

    def e(a: Any, b: Any) -> Any:
        return _pl().coalesce([a, b])

    return p, e


# ----------------------------------------------------------------------------- dates
@func("date", ("str",), "date", const_args=(0,), check=_text_is_date, columnar=_date_columnar)
def _date() -> Forms:
    """A date written as text, in any form evidence uses (2022-10-31, 2022年10月31日, 20221031).

    Example: `assessment_date >= date("2022-09-19")`."""
    return (lambda s: None if s is None else V.to_date(s)), None


@func("days", ("int",), "dur", columnar=_days_columnar)
def _days() -> Forms:
    """A number of days, to add to or subtract from a date.

    Example: `assessment_date <= deadline("1-1.assessment") + days(params.deadline_grace_days)`."""
    return (lambda n: None if n is None else timedelta(days=int(n))), None


@func("year", ("date",), "int")
def _year() -> Forms:
    """The calendar year of a date.

    Example: `year(eval_date) == 2022`."""
    return _none_safe(lambda d: d.year), lambda d: d.dt.year().cast(_pl().Int64)


@func("month", ("date",), "int")
def _month() -> Forms:
    """The calendar month (1-12) of a date.

    Example: `month(date) == 10`."""
    return _none_safe(lambda d: d.month), lambda d: d.dt.month().cast(_pl().Int64)


@func("quarter", ("date",), "int")
def _quarter() -> Forms:
    """The calendar quarter (1-4) of a date.

    Example: `quarter(date) == 4`."""
    return _none_safe(lambda d: (d.month - 1) // 3 + 1), lambda d: d.dt.quarter().cast(_pl().Int64)


@func("between", ("any", "any", "any"), "bool", check=_dates_beside_dates)
def _between() -> Forms:
    """True when lo <= x <= hi (both ends included); unknown when x is blank.

    Example: `between(assessment_date, params.service_start, deadline("1-1.assessment"))`."""

    def e(x: Any, lo: Any, hi: Any) -> Any:
        return (x >= lo) & (x <= hi)

    return _none_safe(lambda x, lo, hi: lo <= x <= hi), e


@func("days_between", ("date", "date"), "int")
def _days_between() -> Forms:
    """Whole days from the first date to the second (negative when the second is earlier).

    Example: `days_between(open_date, close_date) >= 7`."""
    return _none_safe(lambda a, b: (b - a).days), lambda a, b: (b - a).dt.total_days().cast(_pl().Int64)


# ----------------------------------------------------------------------------- text
@func("contains", ("str", "str"), "bool")
def _contains() -> Forms:
    """True when the text contains the given piece (literal, not a pattern).

    Example: `contains(topic, "党建")`."""
    return _none_safe(lambda s, sub: sub in s), lambda s, sub: s.str.contains(sub, literal=True)


def _text_or_list_first(c: Compiler, n: ast.Call, args: list[Node]) -> list[Node]:
    if args[0].t not in ("str", "id", "list", "null"):
        raise c.err(
            n, "mentions() 的第 1 个参数应为文本或列表", "argument 1 of mentions() should be text or a list", about=n
        )
    return args


def _mentions_columnar(nodes: list[Node], vals: list[Any], ctx: EvalContext) -> Any:
    pl = _pl()
    x, piece = lift(vals[0]), vals[1]
    if nodes[0].t == "list":
        return x.list.eval(pl.element().str.contains(piece, literal=True)).list.any()
    return x.str.contains(piece, literal=True)


@func("mentions", ("any", "str"), "bool", const_args=(1,), check=_text_or_list_first, columnar=_mentions_columnar)
def _mentions() -> Forms:
    """True when a text, or any item of a list, contains the piece: a citation written in full still cites it.

    Example: `mentions(cited_documents, "民政部令第39号")` — true for 《社会组织评估管理办法》（民政部令第39号）."""

    def p(x: Any, piece: str) -> Any:
        if x is None:
            return None
        return any(piece in str(i) for i in x) if isinstance(x, list) else piece in x

    return p, None


@func("contains_any", ("str", "list"), "bool", check=_second_constant)
def _contains_any() -> Forms:
    """True when the text contains any of the pieces in a list.

    Example: `contains_any(topic, ["财务", "会计", "票据"])`."""

    def e(s: Any, subs: Any) -> Any:
        pl = _pl()
        if not isinstance(subs, list):
            raise TypeError("contains_any needs a constant list")
        if not subs:
            return pl.lit(False)
        return pl.any_horizontal([s.str.contains(x, literal=True) for x in subs])

    return _none_safe(lambda s, subs: any(x in s for x in subs)), e


@func("starts_with", ("str", "str"), "bool")
def _starts_with() -> Forms:
    """True when the text begins with the given prefix.

    Example: `starts_with(station_id, "KEQ")`."""
    return _none_safe(lambda s, p: s.startswith(p)), lambda s, p: s.str.starts_with(p)


@func("matches", ("str", "str"), "bool", const_args=(1,), check=_regex)
def _matches() -> Forms:
    """True when the whole text matches a regular expression (linear-time engine; at most 200 characters).

    Example: `matches(report_no, "PG-2022-[0-9]{4}")`."""

    def p(s: Any, rx: Any) -> Any:
        return None if s is None else re.fullmatch(rx, s) is not None

    def e(s: Any, rx: Any) -> Any:
        return s.str.contains(f"^(?:{rx})$")

    return p, e


@func("length", ("any",), "int", check=_text_or_list, columnar=_length_columnar)
def _length() -> Callable[..., Any]:
    """The number of characters in a text, or of items in a list.

    Example: `length(evaluators) >= 2`."""
    return _none_safe(len)


ALIAS_CHAIN_MAX = 64  # up to this many spellings, a chain of comparisons; beyond it, polars' replace


def _alias_columnar(s: Any, m: Any) -> Any:
    """`replace` for a mapping typed in a rule file: a chain of comparisons, which polars' streaming engine runs a
    batch at a time (its `replace` gathers the whole column first: 1.4 GB for 10^7 spilled rows, against 0.2 GB,
    and slower). Values not in the mapping, and blanks, are kept as they are."""
    pl = _pl()
    if not isinstance(m, dict) or not m:
        return s
    if len(m) > ALIAS_CHAIN_MAX:
        return s.replace(m)
    items = list(m.items())
    out = pl.when(s == items[0][0]).then(pl.lit(items[0][1]))
    for k, v in items[1:]:
        out = out.when(s == k).then(pl.lit(v))
    return out.otherwise(s)


@func("alias", ("str", "map"), "str", check=_second_constant)
def _alias() -> Forms:
    """Replace a value by its canonical form from a mapping; other values are kept as they are.

    Example: `alias(district, params.district_aliases) == "科尔沁区"` — 科区 counts as 科尔沁区."""
    return (lambda s, m: None if s is None else m.get(s, s)), _alias_columnar


@func("band", ("num", "map"), "str", const_args=(1,), check=_second_constant)
def _band() -> Forms:
    """The label of the band a number falls in: the label whose lower bound is the highest one not above it
    (blank when the mapping is blank or the number is below every bound).

    Example: `recommended_grade == band(total_score, {"5A": 951, "4A": 901, "3A": 851, "2A": 801, "1A": 0})`."""

    def p(x: Any, bands: Any) -> Any:
        if x is None or not bands:
            return None
        hits = [(Decimal(str(lo)), label) for label, lo in bands.items() if Decimal(str(x)) >= Decimal(str(lo))]
        return max(hits)[1] if hits else None

    def e(x: Any, bands: Any) -> Any:
        pl = _pl()
        if not isinstance(bands, dict) or not bands:  # a blank parameter arrives as a null literal
            return pl.lit(None, dtype=pl.String)
        out = pl.lit(None, dtype=pl.String)
        for label, lo in sorted(bands.items(), key=lambda kv: Decimal(str(kv[1]))):
            out = pl.when(x >= pl.lit(float(lo))).then(pl.lit(label)).otherwise(out)
        return out

    return p, e


# ----------------------------------------------------------------------------- numbers
@func("round", ("num", "int"), "arg0", const_args=(1,), columnar=_round_columnar)
def _round() -> Callable[..., Any]:
    """Round half up (away from zero) to n decimal places: exact for money, 2.675 gives 2.68.

    Example: `round(unit_price * quantity, 2) == total`."""
    return _round_py


@func("abs", ("num",), "arg0")
def _abs() -> Forms:
    """The absolute value.

    Example: `abs(occupancy_rate - residents / beds) <= 0.01`."""
    return _none_safe(abs), lambda x: x.abs()


@func("ceil", ("num",), "int")
def _ceil() -> Forms:
    """The smallest whole number not below x.

    Example: `ceil(params.sample_share * count(retrofit_households))` — 400 for 2,000 homes at 20%."""
    return _none_safe(
        lambda x: (
            int(math.ceil(x)) if not isinstance(x, Decimal) else int(x.to_integral_value(rounding="ROUND_CEILING"))
        )
    ), lambda x: x.ceil().cast(_pl().Int64)


@func("floor", ("num",), "int")
def _floor() -> Forms:
    """The largest whole number not above x.

    Example: `floor(hours)`."""
    return _none_safe(lambda x: int(math.floor(x))), lambda x: x.floor().cast(_pl().Int64)
