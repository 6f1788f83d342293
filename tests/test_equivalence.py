"""Same verdicts, fast or slow: the columnar engine against the row-by-row simpleeval reference, on generated
tables with blanks, NaN (text and float), dates, Chinese text, decimals and invalid ID numbers; in memory and
streamed."""

import dataclasses
import tempfile
from datetime import date
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complycheck.engine import evaluate, fitting
from complycheck.engine.reference import Reference
from complycheck.errors import ComplycheckError
from conftest import make_id, pack_with, tables


def streamed(pack, t, folder: str, budget: int = 0):
    """The same evaluation with every table spilled to disk and streamed (LazyFrames), as for huge submissions; with
    a memory budget, decided in memory on the columns read of the spilled tables, as when they fit."""
    lazy = {}
    for name, table in t.items():
        path = Path(folder) / f"{name}.arrow"
        table.frame.write_ipc(path)
        lazy[name] = dataclasses.replace(table, frame=pl.scan_ipc(path))
    if budget:  # the rule is then decided in memory on the columns collected, not streamed
        assert all(fitting.Columns(lazy, budget).fits(rule) for rule in pack.rules)
    return evaluate(pack, lazy, date(2022, 12, 15), memory_budget=budget).line_items[0].results[0]


def same(a, b) -> bool:
    return (a.status, a.measured, a.failure_count, [(f.row, f.values) for f in a.failures]) == (
        b.status,
        b.measured,
        b.failure_count,
        [(f.row, f.values) for f in b.failures],
    )


IDS = [
    make_id(seq=1),
    make_id("152301", "19400305", 23),
    make_id(born="19600101", seq=5),
    make_id(born="19571031", seq=7),
    "150502195001010110",
    "1.50502E+17",
    None,
]
ATOMS = [
    "ok == True",
    "ok == False",
    "present(ok)",
    "blank(n)",
    "present(name)",
    "n > 2",
    "n + 1 >= 3",
    "n * 2 == 4",
    "n - 1 < 0",
    "amount >= 1.5",
    "amount < 100",
    "amount == 2.50",
    "day <= '2022-10-15'",
    "between(day, params.service_start, deadline('A'))",
    "month(day) == 10",
    "quarter(day) == 4",
    "day + days(10) > date('2022-11-01')",
    "district in params.districts",
    "alias(district, params.aliases) == '科尔沁区'",
    "contains(name, '芳')",
    "length(name) >= 3",
    "valid_id(id_number)",
    "age(id_number, date('2022-09-19')) >= 65",
    "sex(id_number) == '男'",
    "id_number in visits.id_number",
    "'党建' in tags",
    "present(tags)",
    "contains_any(name, ['王', '李'])",
    "starts_with(district, '科')",
    "coalesce(n, 0) >= 1",
    "(n if ok else 0) >= 1",
    "lookup(id_number, visits.id_number, visits.kind) == '入户'",
    "blank(lookup(id_number, visits.id_number, visits.day))",
    "not (n > 2 or ok)",
    "year(birth_date(id_number)) < 1950",
    "round(amount * 2, 1) >= 3",
    "day in visits.day",
    "not (id_number in visits.id_number)",
    "coalesce(id_number, '1') in visits.id_number",
]

rows = st.fixed_dictionaries(
    {
        "公民身份号码": st.sampled_from(IDS),
        "姓名": st.sampled_from(["王芳", "李娜", "巴特尔·其其格", "ＡＢＣ", "", None]),
        "旗县市区": st.sampled_from(["科尔沁区", "科区", "开鲁县", "奈曼旗", None]),
        "是否合格": st.sampled_from(["是", "否", "√", "", None]),
        "日期": st.sampled_from(["2022-10-01", "2022年10月31日", "20221115", "44865", "2022-09-01", "", None]),
        "金额": st.sampled_from(
            ["1.50", "2.5", "1,200.00", "0", "-3", "", None, "NaN", float("nan"), 2.5]
        ),  # NaN: unreadable, unknown
        "次数": st.sampled_from(["0", "1", "2", "3", "12", "", None, "nan", float("nan"), 3.0]),
        "标签": st.sampled_from(["党建、财务", "财务", "", None]),
    }
)


@st.composite
def conditions(draw, depth=0):
    if depth >= 2 or draw(st.booleans()):
        return draw(st.sampled_from(ATOMS))
    a, b = draw(conditions(depth + 1)), draw(conditions(depth + 1))
    return draw(st.sampled_from([f"({a}) and ({b})", f"({a}) or ({b})", f"not ({a})"]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    st.lists(rows, max_size=12),
    st.lists(st.sampled_from(IDS), max_size=4),
    conditions(),
    st.one_of(st.none(), conditions()),
    st.sampled_from([None, "id_number", "district"]),
    st.sampled_from(["1", "0.5", "0.9"]),
)
def test_engine_matches_the_row_by_row_reference(people, visit_ids, expect, where, distinct, minimum):
    text = "rules:\n  - id: E1\n    line_item: A\n    clauses: [X.1]\n    title: t\n    from: people\n"
    text += (
        f'    expect: "{expect}"\n'
        + (f'    where: "{where}"\n' if where else "")
        + (f"    distinct: {distinct}\n" if distinct else "")
    )
    text += f"    min: {minimum}\n"
    try:
        pack = pack_with(text)
    except ComplycheckError:
        return  # a combination the type checker refuses (e.g. nothing here, but kept honest)
    visits = [
        {"公民身份号码": v, "日期": "2022-10-02", "类型": ["入户", "电话"][i % 2]} for i, v in enumerate(visit_ids)
    ]
    t = tables(pack, people=people, visits=visits)
    report = evaluate(pack, t, date(2022, 12, 15))
    fast = report.line_items[0].results[0]
    slow = Reference(pack, t, date(2022, 12, 15), pack.rules[0]).evaluate()
    assert fast.status == slow["status"], (fast.message, slow)
    if "numerator" in slow:
        assert (fast.measured.numerator, fast.measured.denominator) == (slow["numerator"], slow["denominator"])
    failing = slow.get("failing_rows", set())
    assert fast.failure_count == len(failing) and {f.row for f in fast.failures} == failing
    with tempfile.TemporaryDirectory() as folder:
        assert same(streamed(pack, t, folder), fast)
        assert same(streamed(pack, t, folder, budget=10**9), fast)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(rows, max_size=12),
    st.one_of(st.none(), conditions()),
    st.sampled_from([None, "id_number", "name"]),
    st.sampled_from(["1", "2", "4"]),
)
def test_count_rules_match_the_reference(people, where, distinct, minimum):
    text = "rules:\n  - id: C1\n    line_item: A\n    clauses: [X.1]\n    title: t\n    from: people\n"
    text += (
        (f'    where: "{where}"\n' if where else "")
        + (f"    distinct: {distinct}\n" if distinct else "")
        + f"    min: {minimum}\n"
    )
    pack = pack_with(text)
    t = tables(pack, people=people, visits=[])
    fast = evaluate(pack, t, date(2022, 12, 15)).line_items[0].results[0]
    slow = Reference(pack, t, date(2022, 12, 15), pack.rules[0]).evaluate()
    assert fast.status == slow["status"], (fast.message, slow)
    if "value" in slow:
        assert fast.measured.value == slow["value"]
    failing = slow.get("failing_rows", set())
    assert fast.failure_count == len(failing) and {f.row for f in fast.failures} == failing
    with tempfile.TemporaryDirectory() as folder:
        assert same(streamed(pack, t, folder), fast)
        assert same(streamed(pack, t, folder, budget=10**9), fast)
