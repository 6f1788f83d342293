"""How the engine writes figures in messages and the JSON report: percentages rounded half up, numbers, dates and
lists as people read them."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any


def pct(f: Fraction, digits: int = 1, rounding: str = ROUND_HALF_UP) -> str:
    """A share as a percentage, rounded half up; `percent` adds digits when rounding would hide a difference."""
    value = Decimal(f.numerator) * 100 / Decimal(f.denominator)
    return f"{value.quantize(Decimal(1).scaleb(-digits), rounding=rounding)}%"


def percent(value: Fraction, apart_from: Fraction | None = None) -> str:
    """A share as a percentage rounded half up, with as many digits (up to 4) as it takes for a share that differs
    from `apart_from` (its requirement) never to read as equal to it: 2999/3000 is 99.97%, not 100.0%; beyond 4
    digits it is rounded away from the requirement (99.99999% against 100% is 99.9999%). Without `apart_from` (a
    requirement), as many digits as it takes to be exact, up to 4. Every message and report writes shares so."""
    if apart_from is None:
        digits = 1
        while digits < 4 and Fraction(pct(value, digits)[:-1]) / 100 != value:
            digits += 1
        return pct(value, digits)
    for digits in range(1, 5):
        if value == apart_from or pct(value, digits) != pct(apart_from, digits):
            return pct(value, digits)
    return pct(value, 4, ROUND_FLOOR if value < apart_from else ROUND_CEILING)


def fmt_num(f: Fraction) -> str:
    """A threshold: a share as a percentage, a larger number as it is."""
    return pct(f) if f <= 1 else str(float(f))


def show(v: Any) -> str:
    """A measured value or threshold in a message."""
    if isinstance(v, float):
        v = Decimal(repr(v))
    if isinstance(v, Decimal):
        exponent = v.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -4:
            v = v.quantize(Decimal("0.0001"))
    if isinstance(v, Decimal):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, list):
        return "、".join(show(x) for x in v)
    return str(v)


def jsonable(v: Any) -> Any:
    """A value for the JSON report: exact decimals and fractions as text, dates ISO."""
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Fraction):
        return str(Decimal(v.numerator) / Decimal(v.denominator))
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    return v


def unit_word(u: str) -> str:
    """月 or 季度."""
    return "月" if u == "month" else "季度"


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 row', '2 rows' (English messages; Chinese has no plural)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
