"""How the engine writes figures in messages and the JSON report: percentages rounded half up, numbers, dates and
lists as people read them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any


def pct(f: Fraction, digits: int = 1) -> str:
    """A share as a percentage, rounded half up; callers add digits when rounding would hide a difference."""
    value = Decimal(f.numerator) * 100 / Decimal(f.denominator)
    return f"{value.quantize(Decimal(1).scaleb(-digits), rounding='ROUND_HALF_UP')}%"


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
