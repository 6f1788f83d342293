"""The expression language: what it can say, and what it refuses at load time."""

from datetime import date

import polars as pl
import pytest

from complycheck.errors import ComplycheckError, Location
from complycheck.lang import Scope, compile_expr
from conftest import make_id

COLS = {"id_number": "id", "d": "date", "ok": "bool", "n": "int", "s": "str", "amount": "dec", "tags": "list"}
FRAME = pl.DataFrame(
    {
        "id_number": [make_id(born="19571031"), make_id(born="19571101"), None, "1.50502E+17"],
        "d": [date(2022, 10, 1), date(2022, 11, 5), None, date(2022, 9, 1)],
        "ok": [True, False, None, True],
        "n": [1, 2, 3, None],
        "s": ["党建培训", "财务", None, "科区"],
        "amount": pl.Series([None] * 4, dtype=pl.Decimal(38, 2)),
        "tags": [["a"], ["b", "c"], None, []],
    }
)


class Ctx:
    """What builders ask of the engine's context: frames (lazy) and their collection; no frame at hand, so
    membership takes its is_in form here (the engine's join form is covered by the equivalence tests)."""

    as_of = date(2022, 12, 15)
    current = current_ds = None
    streaming = False
    id_birth_cached = False  # no loader ran: ID functions compute birth dates from the text

    def is_few(self):
        return False

    def helper(self):
        return "__h"

    def frame(self, view):
        return FRAME.lazy()

    def collect(self, lf):
        return lf.collect()

    def dataset_of(self, view):
        return "t"

    def key_for(self, ds, col):
        return None


def scope(row=True):
    return Scope(
        COLS if row else {},
        {"t": COLS, "rows": COLS},
        {"start": date(2022, 9, 19), "share": 0.2, "kinds": ["a", "科区"], "al": {"科区": "科尔沁区"}},
        {"supplier": "中心"},
        {"1-1.assessment": date(2022, 10, 31), "1-3": date(2022, 11, 30)},
        "rows",
        row,
    )


def values(text, row=True):
    c = compile_expr(text, scope(row), Location("r.yaml", 1, 1), "X")
    v = c.build(Ctx())
    return FRAME.select(v.alias("r"))["r"].to_list() if isinstance(v, pl.Expr) else v


@pytest.mark.parametrize(
    "text,expected",
    [
        ("valid_id(id_number)", [True, True, None, False]),
        ("age(id_number, deadline('1-1.assessment')) >= 65", [True, False, None, None]),
        ("d <= '2022-10-31'", [True, False, None, True]),
        ("ok and n > 1", [False, False, None, None]),
        ("ok or n > 1", [True, True, True, True]),
        ("ok or n > 2", [True, False, True, True]),
        ("between(d, params.start, as_of)", [True, True, None, False]),
        ("s in params.kinds", [False, False, None, True]),
        ("alias(s, params.al) == '科尔沁区'", [False, False, None, True]),
        ("contains_any(s, ['党建', '财务'])", [True, True, None, False]),
        ("id_number in t.id_number", [True, True, None, True]),
        ("present(s) and not blank(n)", [True, True, False, False]),
        ("'b' in tags", [False, True, None, False]),
        ("d + days(30) > deadline('1-3')", [False, True, None, False]),
        ("length(s)", [4, 2, None, 2]),
        ("n / 2", [0.5, 1.0, 1.5, None]),
        ("'达标' if ok else '不达标'", ["达标", "不达标", "不达标", "达标"]),
        ("sex(id_number)", ["男", "男", None, None]),
        ("month(d)", [10, 11, None, 9]),
        ("quarter(d)", [4, 4, None, 3]),
        ("lookup(n, t.n, t.s)", ["党建培训", "财务", "科区"[0:0] or None, None]),
    ],
)
def test_row_expressions(text, expected):
    got = values(text)
    if text.startswith("lookup"):
        expected = ["党建培训", "财务", None, None]
    assert got == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("count(t)", 4),
        ("distinct(t.id_number)", 3),
        ("sum(t.n)", 6),
        ("min(t.d)", date(2022, 9, 1)),
        ("max(t.n)", 3),
        ("ceil(params.share * count(t))", 1),
        ("ceil(0.2 * 2000)", 400),
        ("ceil(0.2 * 1999)", 400),
        ("ceil(0.2 * 1995)", 399),
        ("distinct(n)", 3),
        ("count(rows)", 4),
        ("deadline('1-1.assessment') + days(1)", date(2022, 11, 1)),
    ],
)
def test_constant_expressions(text, expected):
    assert values(text, row=False) == expected


def err(text, row=True, want="bool"):
    with pytest.raises(ComplycheckError) as e:
        compile_expr(text, scope(row), Location("r.yaml", 3, 12), "规则 X 的 expect", want)
    return e.value.render("zh")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("valdi_id(id_number)", "未知函数“valdi_id”，是不是“valid_id”？"),
        ("id_numbr == '1'", "未知名称“id_numbr”，是不是“id_number”？"),
        ("params.strat > d", "未定义的参数“strat”，是不是“start”？"),
        ("ok = True", "赋值“=”；比较相等请用“==”"),
        ("ok == True; n > 1", "只能写一个表达式"),
        ("__import__('os').system('ls')", "只能调用内置函数"),
        ("__import__('os')", "未知函数“__import__”"),
        ("ok.__class__", "不允许访问“__class__”"),
        ("().__class__.__bases__", "不允许访问"),
        ("n ** 99999", "不允许的运算符 **"),
        ("'a' * 100000000 == s", "不能对文本和整数做 * 运算"),
        ("[x for x in tags]", "推导式"),
        ("(lambda: 1)()", "只能调用内置函数"),
        ("{'a': 1}", "字典"),
        ("s[0] == 'a'", "下标"),
        ("f'{n:>999999999}' == s", "f-string"),
        ("d > 5", "不能比较日期和整数"),
        ("s", "需要真/假条件"),
        ("n == None", "请用 blank(x) 或 present(x)"),
        ("ok and (n", "表达式语法错误"),
        ("True or __import__('os')", "未知函数“__import__”"),
        ("False and open('/etc/passwd')", "未知函数“open”"),
        ("x" * 3000, "超过 2000 个字符"),
        ("+".join(["n"] * 500) + " > 1", "表达式过长"),
        ("date('2022-02-30') > d", "不是日期"),
        ("matches(s, '(a')", "正则表达式错误"),
        ("deadline('9-9') > d", "合同中没有截止日期“9-9”"),
    ],
)
def test_refused_at_load_with_a_clear_message(text, expected):
    msg = err(text)
    assert msg.startswith("r.yaml:3:") and "规则 X 的 expect" in msg
    assert expected in msg


def test_rows_cannot_be_used_where_a_constant_is_needed():
    assert "不随行变化" in err("n + 1", row=True, want="const")
    assert "只能放进聚合函数" in err("s == 'a'", row=False, want="bool")


def test_a_date_compared_with_a_list_of_non_dates_is_a_rule_error_not_a_crash():
    from complycheck.errors import ComplycheckError

    with pytest.raises(ComplycheckError, match="is not a date"):
        compile_expr("as_of in params.kinds", scope(), Location("r.yaml", 3, 5), "规则 R 的 expect")


@pytest.mark.parametrize("text,expected", [("2.675", 2.68), ("0.125", 0.13), ("-0.125", -0.13), ("1.005", 1.01)])
def test_round_rounds_half_up_on_columns_as_on_constants(text, expected):
    """round() is documented as half up (away from zero): polars' default is half to even (0.125 -> 0.12)."""
    c = compile_expr("round(n / 1000, 2)", scope(), Location("r.yaml", 1, 1), "x")
    frame = pl.DataFrame({"n": [round(float(text) * 1000)]})
    assert float(frame.select(c.build(Ctx()))[:, 0][0]) == expected
    k = compile_expr(f"round({text}, 2)", scope(row=False), Location("r.yaml", 1, 1), "x")
    assert float(k.build(Ctx())) == expected


@pytest.mark.parametrize("text", ["None", "1 / 0 > 0", "True", "params.share > 0.1", "as_of > date('2022-01-01')"])
def test_a_condition_that_does_not_depend_on_the_row_is_refused_with_its_place(text):
    with pytest.raises(ComplycheckError, match="does not depend on the row") as e:
        compile_expr(text, scope(), Location("r.yaml", 7, 14), "规则 R 的 expect", "bool")
    assert e.value.location.line == 7


@pytest.mark.parametrize("size", [1, 3, 64, 65, 200])
def test_alias_keeps_unmapped_values_and_blanks_whatever_the_size_of_the_mapping(size):
    """`alias` is a chain of comparisons up to ALIAS_CHAIN_MAX spellings (polars' streaming engine gathers a whole
    column for `replace`: 1.4 GB at 10^7 spilled rows) and `replace` beyond: the same values either way, and the
    same as the row-by-row form."""
    from complycheck.lang.functions import ALIAS_CHAIN_MAX, _alias_columnar

    mapping = {f"写法{i}": f"统一{i % 7}" for i in range(size - 1)} | {"科区": "科尔沁区"}
    s = pl.Series("s", ["科区", "写法0", None, "别的", "", "写法63"])
    got = pl.DataFrame({"s": s}).select(_alias_columnar(pl.col("s"), mapping).alias("r"))["r"].to_list()
    assert got == [None if v is None else mapping.get(v, v) for v in s.to_list()]
    assert got[0] == "科尔沁区" and got[2] is None and got[3] == "别的"
    assert got[5] == ("统一0" if size > ALIAS_CHAIN_MAX else "写法63")
