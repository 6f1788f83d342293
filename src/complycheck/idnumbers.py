"""Resident ID numbers (GB 11643-1999) and unified social credit codes of organisations (GB 32100-2015):
normalising, validating, birth date, age and sex, in plain Python (one value) and as columnar polars forms (a whole
column), shared by the evidence loaders and the rule language."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_SCI = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")
ID_SHAPE = r"^[0-9]{17}[0-9X]$"


# --------------------------------------------------------------------------- one value
def normalize_id(raw: str) -> str:
    """NFKC, strip spaces and quotes, upper-case x; a 15-digit legacy number is upgraded to 18."""
    s = unicodedata.normalize("NFKC", raw)
    s = re.sub(r"[\s'\"‘’“”`]", "", s).upper()
    if re.fullmatch(r"\d{15}", s):
        s17 = s[:6] + "19" + s[6:]
        s = s17 + id_check_char(s17)
    return s


def id_check_char(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character for 17 digits."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=False)) % 11]


def id_problem(s: str) -> str | None:
    """Why a normalised ID number is invalid, or None when it is valid."""
    if _SCI.match(s) or re.fullmatch(r"\d{1,2}\.\d+E\d+", s):
        return "身份证号被 Excel 存成科学计数法，已损坏，无法恢复"
    if not re.fullmatch(r"\d{17}[\dX]", s):
        return "身份证号应为 18 位（17 位数字 + 校验位）"
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return "身份证号中的出生日期不存在"
    if born.year < 1880:
        return "身份证号中的出生日期不合理"
    if id_check_char(s[:17]) != s[17]:
        return "身份证号校验位错误"
    return None


def birth_date(s: str) -> date | None:
    """Birth date of a valid ID number."""
    try:
        return date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except (ValueError, IndexError):
        return None


def age_at(born: date | None, at: date | None) -> int | None:
    """Age in full years (周岁) at a date."""
    if born is None or at is None:
        return None
    return at.year - born.year - ((at.month, at.day) < (born.month, born.day))


# --------------------------------------------------------------------------- columns
def id_birth(x: Any, digit: Callable[[int], Any], shape: Any = None, last: Any = None) -> Any:
    """Birth date of a valid GB 11643 ID number, else null. `digit(i)` gives the i-th digit (0-16) as an integer
    expression: text slices for one expression, integer arithmetic on a materialised column for the loaders, which
    also pass the shape test and the check character's value (X = 10) computed once."""
    import polars as pl

    total: Any = None
    for i, w in enumerate(ID_WEIGHTS):
        term = digit(i) * w
        total = term if total is None else total + term
    if last is None:
        check = (total % 11).replace_strict(list(range(11)), list(ID_CHECK), return_dtype=pl.String, default=None)
        good = check == x.str.slice(17, 1)
    else:  # GB 11643: the 18 weighted digits (the check weighs 1) sum to 1 modulo 11
        good = (total + last) % 11 == 1
    if shape is None:
        shape = x.str.contains(r"^\d{17}[0-9X]$")
    born = x.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    ok = shape & good & (born.dt.year() >= 1880)
    return pl.when(ok).then(born).otherwise(None)


def birth_column(name: str) -> str:
    """The hidden column where loaders keep the birth date of each valid ID number of column `name`."""
    return f"__birth__{name}"


def with_id_births(frame: Any, births: dict[str, str], keys: dict[str, str] | None = None) -> Any:
    """Add, for ID text columns, the birth date of each valid ID number (`births`: text column -> output column, see
    id_birth) and an integer key for each well-formed one (`keys`, see id_key_column), on a DataFrame or a LazyFrame.
    Two steps: the first 17 digits as one integer column, then integer arithmetic on it (2.5x faster than 17 text
    slices, or than the integer parsed again inside one expression: polars does not share it)."""
    import polars as pl

    keys = keys or {}
    srcs = list(dict.fromkeys([*births, *keys]))
    n17, shape, last = ({src: f"__{what}__{src}" for src in srcs} for what in ("n17", "shape", "last"))
    step1 = []
    for src in srcs:
        x, ch = pl.col(src), pl.col(src).str.slice(17, 1)
        step1 += [
            x.str.slice(0, 17).str.to_integer(strict=False).alias(n17[src]),
            x.str.contains(r"^\d{17}[0-9X]$").alias(shape[src]),
            pl.when(ch == "X").then(pl.lit(10, pl.Int64)).otherwise(ch.str.to_integer(strict=False)).alias(last[src]),
        ]
    frame = frame.with_columns(step1)

    def digits_of(t: str) -> Callable[[int], Any]:
        """The i-th digit of the 17-digit integer column `t`."""

        def digit(i: int) -> Any:
            return (pl.col(t) // (10 ** (16 - i))) % 10

        return digit

    exprs = [
        id_birth(
            pl.col(src),
            digits_of(n17[src]),
            pl.col(shape[src]),
            pl.col(last[src]),
        ).alias(out)
        for src, out in births.items()
    ]
    exprs += [
        pl.when(pl.col(shape[src])).then(pl.col(n17[src]) * 11 + pl.col(last[src])).otherwise(None).alias(out)
        for src, out in keys.items()
    ]
    return frame.with_columns(exprs).drop([*n17.values(), *shape.values(), *last.values()])


def birth_dates(ids: Any) -> Any:
    """The birth-date Series of a Series of ID numbers."""
    return with_id_births(ids.alias("id").to_frame(), {"id": "b"})["b"]


def id_keys(ids: Any) -> Any:
    """The integer-key Series of a Series of ID numbers (see id_key_column)."""
    return with_id_births(ids.alias("id").to_frame(), {}, {"id": "k"})["k"]


def id_key_column(name: str) -> str:
    """The hidden Int64 column where loaders keep a key for each well-formed ID number of column `name`: the 17
    digits times 11 plus the check character (X = 10), so equal keys mean equal ID numbers. Joins, membership and
    distinct counts use it (several times faster than hashing text) when every ID of both frames has a key."""
    return f"__key__{name}"


def pl_birth_date(x: Any) -> Any:
    """Birth date of a valid ID number (null when blank or invalid), as one columnar expression."""
    import polars as pl

    return id_birth(x, lambda i: x.str.slice(i, 1).cast(pl.Int64, strict=False))


def age_from_birth(b: Any, at: Any) -> Any:
    import polars as pl

    at = at if isinstance(at, pl.Expr) else pl.lit(at)
    before = (at.dt.month().cast(pl.Int32) * 100 + at.dt.day().cast(pl.Int32)) < (
        b.dt.month().cast(pl.Int32) * 100 + b.dt.day().cast(pl.Int32)
    )
    return at.dt.year().cast(pl.Int64) - b.dt.year().cast(pl.Int64) - before.cast(pl.Int64)


def sex_from_birth(x: Any, b: Any) -> Any:
    import polars as pl

    odd = (x.str.slice(16, 1).cast(pl.Int64, strict=False) % 2) == 1
    return pl.when(b.is_not_null()).then(pl.when(odd).then(pl.lit("男")).otherwise(pl.lit("女"))).otherwise(None)


# --------------------------------------------------------------------------- unified social credit codes
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a code."""
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_problem(s: str) -> str | None:
    """Why a unified social credit code is invalid, or None when it is valid."""
    s = s.strip().upper()
    if len(s) != 18 or any(ch not in USCC_CHARS for ch in s):
        return "统一社会信用代码应为 18 位（数字和除 I、O、Z、S、V 以外的大写字母）"
    if uscc_check_char(s[:17]) != s[17]:
        return "统一社会信用代码校验位错误"
    return None


def pl_valid_uscc(x: Any) -> Any:
    """valid_uscc() on a column: null stays null."""
    import polars as pl

    up = x.str.strip_chars().str.to_uppercase()
    digits = [
        up.str.slice(i, 1).replace_strict(list(USCC_CHARS), list(range(31)), default=None, return_dtype=pl.Int64)
        for i in range(18)
    ]
    total = digits[0] * USCC_WEIGHTS[0]
    for d, w in zip(digits[1:17], USCC_WEIGHTS[1:], strict=True):
        total = total + d * w
    ok = (up.str.len_chars() == 18) & (((31 - total % 31) % 31) == digits[17])
    return pl.when(x.is_null()).then(None).otherwise(ok.fill_null(False))
