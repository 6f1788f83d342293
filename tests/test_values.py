"""Values as people write them: dates, booleans, money, ID numbers."""

from datetime import date
from decimal import Decimal

import pytest

from complycheck import idnumbers as ids
from complycheck import values as V
from conftest import make_id


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2022-10-31", date(2022, 10, 31)),
        ("2022/10/31", date(2022, 10, 31)),
        ("2022.10.31", date(2022, 10, 31)),
        ("20221031", date(2022, 10, 31)),
        ("2022年10月31日", date(2022, 10, 31)),
        ("22.10.31", None),  # two-digit year: 2022 or 1922?
        ("22/10/05", None),
        ("44865", date(2022, 10, 31)),
        ("44835", date(2022, 10, 1)),
        ("60", None),  # Excel's 1900-02-29
        ("2022年11月", None),  # month only: which day?
        ("2022-11", None),
        ("2022-10-31 14:30:00", date(2022, 10, 31)),
        ("2022-10-31T23:30:00+08:00", date(2022, 10, 31)),  # the date written, not shifted to UTC
        ("2022-10-31T00:30:00-05:00", date(2022, 10, 31)),
        ("二〇二二年十月", None),
        ("二〇二二年10月31日", date(2022, 10, 31)),
        ("2022年10月—11月", None),
        ("2022年10月1日—10月31日", date(2022, 10, 31)),
    ],
)
def test_parse_date(text, expected):
    text = V.normalize_text(text)
    if expected is None:
        with pytest.raises(ValueError):
            V.parse_date(text)
    else:
        assert V.parse_date(text) == expected


def test_fullwidth_digits_and_invalid_dates():
    assert V.parse_date(V.normalize_text("２０２２年１０月３１日")) == date(2022, 10, 31)
    with pytest.raises(ValueError, match="不存在"):
        V.parse_date("2022-02-30")
    with pytest.raises(ValueError):
        V.excel_serial_to_date(60)
    assert V.excel_serial_to_date(0, date1904=True) == date(1904, 1, 1)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("是", True),
        ("否", False),
        ("√", True),
        ("×", False),
        ("Y", True),
        ("n", False),
        ("已签收", True),
        ("未签收", False),
        ("合格", True),
        ("1", True),
        ("0", False),
    ],
)
def test_parse_bool(text, expected):
    assert V.parse_bool(text) is expected


@pytest.mark.parametrize("text", ["也许", "X", "x"])  # a lone X is a tick to some, a cross to others
def test_parse_bool_rejects_unknown_and_ambiguous_words(text):
    with pytest.raises(ValueError):
        V.parse_bool(text)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1,429,200.00", Decimal("1429200.00")),
        ("77.23万元", Decimal("772300.00")),
        ("85%", Decimal("0.85")),
        ("约50", Decimal("50")),
        ("50余", Decimal("50")),
        ("3,000元", Decimal("3000")),
    ],
)
def test_parse_decimal_is_exact(text, expected):
    assert V.parse_decimal(text) == expected


@pytest.mark.parametrize("text", ["1,5", "394.500,00", "12,34", "1_000", "1 000", "NaN", "Infinity", "0x10", "1" * 31])
def test_parse_decimal_refuses_what_could_be_read_two_ways(text):
    with pytest.raises(ValueError):
        V.parse_decimal(text)


def test_parse_int_rejects_fractions():
    assert V.parse_int("12.0") == 12
    with pytest.raises(ValueError):
        V.parse_int("12.5")


def test_id_numbers():
    good = make_id("152301", "19400229", 7)  # old 哲里木盟 code, a leap-day birth
    assert ids.id_problem(good) is None
    assert ids.id_problem(good[:17] + ("0" if good[17] != "0" else "1")) == "身份证号校验位错误"
    assert "出生日期" in ids.id_problem(make_id("150502", "19410229"))
    assert "科学计数法" in ids.id_problem(ids.normalize_id("1.50502E+17"))
    with_x = next(i for i in (make_id("150502", "19500101", n) for n in range(1, 200)) if i.endswith("X"))
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in with_x[:17]) + "x"
    assert ids.normalize_id(f" '{fullwidth} ") == with_x
    legacy = ids.normalize_id("150502400101123")
    assert len(legacy) == 18 and legacy.startswith("15050219400101") and ids.id_problem(legacy) is None


def test_age_in_full_years():
    born = date(1957, 10, 31)
    assert ids.age_at(born, date(2022, 10, 30)) == 64
    assert ids.age_at(born, date(2022, 10, 31)) == 65


def test_characters_the_loader_skips_normalising_are_left_alone_by_normalize_text():
    """The loader normalises only text holding a character outside cells.MAY_CHANGE's complement; that is exact
    only if every character inside it, alone or between others, comes out of normalize_text unchanged."""
    import re

    from complycheck.evidence.cells import MAY_CHANGE

    outside = re.compile(MAY_CHANGE)
    safe = [chr(c) for c in range(0x110000) if not (0xD800 <= c <= 0xDFFF) and not outside.match(chr(c))]
    assert 20000 < len(safe) < 30000
    for ch in safe:
        assert V.normalize_text(f"a{ch}a") == f"a{ch}a", hex(ord(ch))
    assert V.normalize_text("".join(safe)) == "".join(safe).strip()
    for (
        ch
    ) in "\u3000\uff08\u2014\u00a0\u001c\uff21\u2460\uf900":  # ideographic space, full-width, dash, NBSP, FS, ①, 豈
        assert outside.match(ch), hex(ord(ch))
    import polars as pl  # the loader runs the pattern in polars (Rust regex): it must read it as Python does

    every = pl.Series([chr(c) for c in range(0x110000) if not (0xD800 <= c <= 0xDFFF)])
    assert every.filter(~every.str.contains(MAY_CHANGE)).to_list() == safe
