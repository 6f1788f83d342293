"""Functions rule authors may call in expressions.

Each function's docstring is its entry in docs/rules.md: first line the summary, then an
`Example:` line. `sig` lists argument types; `ret` is the result type (or "arg0" for the type of
the first argument). Row functions have a Python form (`py`, for constants and the reference
evaluator) and a columnar form (`pl`, for evidence columns); aggregates take a dataset or view.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable

from complycheck import values as V

NUMERIC = ("int", "dec", "num")


@dataclass(frozen=True)
class Func:
    name: str
    sig: tuple[str, ...]
    ret: str
    doc: str
    py: Callable[..., Any] | None = None
    pl: Callable[..., Any] | None = None
    aggregate: bool = False
    const_args: tuple[int, ...] = ()  # argument positions that must be constants
    variadic: bool = False


REGISTRY: dict[str, Func] = {}


def func(name: str, sig: tuple[str, ...], ret: str, *, aggregate: bool = False, const_args: tuple[int, ...] = (), variadic: bool = False):
    def wrap(f: Callable[..., Any]) -> Callable[..., Any]:
        impl = f()
        py, pl_ = (impl if isinstance(impl, tuple) else (impl, None))
        REGISTRY[name] = Func(name, sig, ret, (f.__doc__ or "").strip(), py, pl_, aggregate, const_args, variadic)
        return f
    return wrap


def _pl():
    import polars as pl
    return pl


def _none_safe(f: Callable[..., Any]) -> Callable[..., Any]:
    def g(*a: Any) -> Any:
        return None if any(x is None for x in a) else f(*a)
    return g


# ----------------------------------------------------------------------------- presence
@func("present", ("any",), "bool")
def _present():
    """True when the cell has a value (a blank cell is unknown, so not present); never unknown itself.

    Example: `present(pass_cert_no)` — the training certificate number was filled in."""
    def p(x): return x is not None and x != [] and x != ""
    def e(x):
        return x.is_not_null()
    return p, e


@func("blank", ("any",), "bool")
def _blank():
    """True when the cell is empty (unknown); the opposite of present().

    Example: `blank(hazards) and fire_safety_ok == False` — failed fire safety with no hazard described."""
    def p(x): return x is None or x == [] or x == ""
    def e(x): return x.is_null()
    return p, e


@func("coalesce", ("any", "any"), "arg0")
def _coalesce():
    """The first argument if present, else the second.

    Example: `coalesce(report_date, assessment_date) <= deadline("1-1.assessment")`."""
    def p(a, b): return a if a is not None else b
    def e(a, b): return _pl().coalesce([a, b])
    return p, e


# ----------------------------------------------------------------------------- ID numbers
@func("valid_id", ("id",), "bool")
def _valid_id():
    """True when a resident ID number is valid: 18 characters, a real birth date, correct GB 11643 check character.

    Example: `valid_id(id_number)`; an Excel-mangled `1.50502E+17` is invalid."""
    return (lambda s: None if s is None else V.id_problem(s) is None), None


@func("birth_date", ("id",), "date")
def _birth_date():
    """The birth date written in a valid resident ID number (unknown when invalid).

    Example: `birth_date(id_number) <= date("1957-09-19")`."""
    return (lambda s: None if s is None or V.id_problem(s) else V.birth_date(s)), None


@func("age", ("id", "date"), "int")
def _age():
    """Age in full years (周岁) at a date, from the birth date in a resident ID number.

    Example: `age(id_number, params.roster_reference_date) >= 65` — someone born 1957-10-31 is 65 on 2022-10-31."""
    return (lambda s, d: None if s is None or d is None or V.id_problem(s) else V.age_at(V.birth_date(s), d)), None


@func("sex", ("id",), "str")
def _sex():
    """男 or 女 from the 17th digit of a valid ID number (odd = male).

    Example: `sex(id_number) == gender`."""
    return (lambda s: None if s is None or V.id_problem(s) else ("男" if int(s[16]) % 2 else "女")), None


# ----------------------------------------------------------------------------- dates
@func("date", ("str",), "date", const_args=(0,))
def _date():
    """A date written as text, in any form evidence uses (2022-10-31, 2022年10月31日, 20221031).

    Example: `assessment_date >= date("2022-09-19")`."""
    return (lambda s: None if s is None else V.to_date(s)), None


@func("deadline", ("str",), "date", const_args=(0,))
def _deadline():
    """A deadline from the contract file: a line item ("1-3", its latest) or a named one ("1-1.assessment").

    Example: `assessment_date <= deadline("1-1.assessment")` — on or before 2022-10-31."""
    return None


@func("days", ("int",), "dur")
def _days():
    """A number of days, to add to or subtract from a date.

    Example: `assessment_date <= deadline("1-1.assessment") + days(params.deadline_grace_days)`."""
    return (lambda n: None if n is None else timedelta(days=int(n))), None


@func("year", ("date",), "int")
def _year():
    """The calendar year of a date.

    Example: `year(eval_date) == 2022`."""
    return _none_safe(lambda d: d.year), lambda d: d.dt.year().cast(_pl().Int64)


@func("month", ("date",), "int")
def _month():
    """The calendar month (1-12) of a date.

    Example: `month(date) == 10`."""
    return _none_safe(lambda d: d.month), lambda d: d.dt.month().cast(_pl().Int64)


@func("quarter", ("date",), "int")
def _quarter():
    """The calendar quarter (1-4) of a date.

    Example: `quarter(date) == 4`."""
    return _none_safe(lambda d: (d.month - 1) // 3 + 1), lambda d: d.dt.quarter().cast(_pl().Int64)


@func("between", ("any", "any", "any"), "bool")
def _between():
    """True when lo <= x <= hi (both ends included); unknown when x is blank.

    Example: `between(assessment_date, params.service_start, deadline("1-1.assessment"))`."""
    def e(x, lo, hi):
        return (x >= lo) & (x <= hi)
    return _none_safe(lambda x, lo, hi: lo <= x <= hi), e


@func("days_between", ("date", "date"), "int")
def _days_between():
    """Whole days from the first date to the second (negative when the second is earlier).

    Example: `days_between(open_date, close_date) >= 7`."""
    return _none_safe(lambda a, b: (b - a).days), lambda a, b: (b - a).dt.total_days().cast(_pl().Int64)


# ----------------------------------------------------------------------------- text
@func("contains", ("str", "str"), "bool")
def _contains():
    """True when the text contains the given piece (literal, not a pattern).

    Example: `contains(topic, "党建")`."""
    return _none_safe(lambda s, sub: sub in s), lambda s, sub: s.str.contains(sub, literal=True)


@func("contains_any", ("str", "list"), "bool")
def _contains_any():
    """True when the text contains any of the pieces in a list.

    Example: `contains_any(topic, ["财务", "会计", "票据"])`."""
    def e(s, subs):
        pl = _pl()
        if not isinstance(subs, list):
            raise TypeError("contains_any needs a constant list")
        if not subs:
            return pl.lit(False)
        return pl.any_horizontal([s.str.contains(x, literal=True) for x in subs])
    return _none_safe(lambda s, subs: any(x in s for x in subs)), e


@func("starts_with", ("str", "str"), "bool")
def _starts_with():
    """True when the text begins with the given prefix.

    Example: `starts_with(station_id, "KEQ")`."""
    return _none_safe(lambda s, p: s.startswith(p)), lambda s, p: s.str.starts_with(p)


@func("matches", ("str", "str"), "bool", const_args=(1,))
def _matches():
    """True when the whole text matches a regular expression (linear-time engine; at most 200 characters).

    Example: `matches(report_no, "PG-2022-[0-9]{4}")`."""
    def p(s, rx):
        return None if s is None else re.fullmatch(rx, s) is not None
    def e(s, rx):
        return s.str.contains(f"^(?:{rx})$")
    return p, e


@func("length", ("any",), "int")
def _length():
    """The number of characters in a text, or of items in a list.

    Example: `length(evaluators) >= 2`."""
    return _none_safe(len), None  # columnar form in expr._pl_length (text or list)


@func("alias", ("str", "map"), "str")
def _alias():
    """Replace a value by its canonical form from a mapping; other values are kept as they are.

    Example: `alias(district, params.district_aliases) == "科尔沁区"` — 科区 counts as 科尔沁区."""
    return (lambda s, m: None if s is None else m.get(s, s)), lambda s, m: s.replace(m)


@func("band", ("num", "map"), "str", const_args=(1,))
def _band():
    """The label of the band a number falls in: the label whose lower bound is the highest one not above it
    (blank when the mapping is blank or the number is below every bound).

    Example: `recommended_grade == band(total_score, {"5A": 951, "4A": 901, "3A": 851, "2A": 801, "1A": 0})`."""
    def p(x, bands):
        if x is None or not bands:
            return None
        hits = [(Decimal(str(lo)), label) for label, lo in bands.items() if Decimal(str(x)) >= Decimal(str(lo))]
        return max(hits)[1] if hits else None

    def e(x, bands):
        pl = _pl()
        if not isinstance(bands, dict) or not bands:  # a blank parameter arrives as a null literal
            return pl.lit(None, dtype=pl.String)
        out = pl.lit(None, dtype=pl.String)
        for label, lo in sorted(bands.items(), key=lambda kv: Decimal(str(kv[1]))):
            out = pl.when(x >= pl.lit(float(lo))).then(pl.lit(label)).otherwise(out)
        return out
    return p, e


# ----------------------------------------------------------------------------- numbers
@func("round", ("num", "int"), "arg0", const_args=(1,))
def _round():
    """Round half up to n decimal places (exact for money).

    Example: `round(unit_price * quantity, 2) == total`."""
    def p(x, n):
        if x is None or n is None:
            return None
        if isinstance(x, Decimal):
            return x.quantize(Decimal(1).scaleb(-int(n)), rounding=ROUND_HALF_UP)
        return round(x, int(n))
    return p, lambda x, n: x.round(int(n))


@func("abs", ("num",), "arg0")
def _abs():
    """The absolute value.

    Example: `abs(occupancy_rate - residents / beds) <= 0.01`."""
    return _none_safe(abs), lambda x: x.abs()


@func("ceil", ("num",), "int")
def _ceil():
    """The smallest whole number not below x.

    Example: `ceil(params.sample_share * count(retrofit_households))` — 400 for 2,000 homes at 20%."""
    return _none_safe(lambda x: int(math.ceil(x)) if not isinstance(x, Decimal) else int(x.to_integral_value(rounding="ROUND_CEILING"))), lambda x: x.ceil().cast(_pl().Int64)


@func("floor", ("num",), "int")
def _floor():
    """The largest whole number not above x.

    Example: `floor(hours)`."""
    return _none_safe(lambda x: int(math.floor(x))), lambda x: x.floor().cast(_pl().Int64)


# ----------------------------------------------------------------------------- aggregates
@func("count", ("view",), "int", aggregate=True)
def _count():
    """The number of rows of a dataset or view (after its filter).

    Example: `count(retrofit_households)` — 2,000."""
    return None


@func("distinct", ("colref",), "int", aggregate=True)
def _distinct():
    """The number of distinct non-blank values of a column of a dataset or view.

    Example: `distinct(valid_checks.household_id) >= 400`."""
    return None


@func("sum", ("colref",), "colnum", aggregate=True)
def _sum():
    """The sum of a numeric column (money stays exact).

    Example: `sum(contract_lines.total) == contract.total_amount`."""
    return None


@func("min", ("colref",), "coltype", aggregate=True)
def _min():
    """The smallest value of a column (blank cells ignored).

    Example: `min(training_1_2.date)` — the first training day."""
    return None


@func("max", ("colref",), "coltype", aggregate=True)
def _max():
    """The largest value of a column (blank cells ignored).

    Example: `max(centre_evaluations.eval_date) <= deadline("1-1.survey_and_evaluation")`."""
    return None


@func("lookup", ("any", "colref", "colref"), "coltype")
def _lookup():
    """The value of a column in another dataset for the row whose key matches (blank when no row matches).

    Example: `recheck_final_level == lookup(id_number, elderly_assessments.id_number, elderly_assessments.final_level)`."""
    return None


def describe(name: str) -> tuple[str, str]:
    """(summary, example) of a function, from its docstring."""
    doc = REGISTRY[name].doc
    summary = doc.split("\n")[0]
    m = re.search(r"Example:\s*(.+)", doc, re.S)
    return summary, " ".join(m.group(1).split()) if m else ""


def as_decimal(v: Any) -> Any:
    """Numbers from YAML (floats) become exact Decimals; other values pass through."""
    if isinstance(v, float):
        return Decimal(repr(v))
    return v


__all__ = ["REGISTRY", "Func", "NUMERIC", "describe", "as_decimal"]
