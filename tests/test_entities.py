"""Per-entity service levels (issue #14.1): P% of enrolled beneficiaries each receive at least N services per month,
counted from a raw log, with enrolled people who have no rows at all counting as zero."""

from conftest import make_id, run_rules

KEYS = ["公民身份号码", "姓名", "旗县市区", "是否合格", "日期", "金额", "次数", "标签"]
PEOPLE = [make_id(seq=i) for i in range(1, 6)]


def visits(*rows):
    return [{"公民身份号码": pid, "日期": day, "类型": kind} for pid, day, kind in rows]


def enrolled(*ids):
    return [
        dict(zip(KEYS, (pid, f"人{i}", "科尔沁区", "是", "", "", "", ""), strict=True)) for i, pid in enumerate(ids)
    ]


RULE = """
rules:
  - id: LEVEL
    line_item: A
    clauses: [X.1]
    title: 80% 的服务对象每月至少上门 2 次
    from: visits
    where: kind == "入户"
    per: id_number
    entities: people.id_number
    at_least: 2
    min: 0.8
    period: {column: day, unit: month, start: "date('2022-10-01')", end: "date('2022-11-30')"}
"""


def log(month: str, counts: dict[str, int], kind: str = "入户"):
    return [(pid, f"{month}-{d + 1:02d}", kind) for pid, n in counts.items() for d in range(n)]


def test_every_month_must_reach_the_share_and_people_without_rows_count_as_zero():
    rows = log("2022-10", {p: 2 for p in PEOPLE[:4]}) + log("2022-11", {p: 2 for p in PEOPLE[:3]})
    rows += log("2022-11", {PEOPLE[3]: 5}, kind="电话")  # phone calls are not home visits
    _, r = run_rules(RULE, people=enrolled(*PEOPLE), visits=visits(*rows))
    res = r["LEVEL"]
    assert res.status == "fail", res.message
    assert res.measured.per_period == {"2022-10": [4, 5], "2022-11": [3, 5]}
    assert (res.measured.met, res.measured.total) == (7, 10)
    assert res.failure_count == 3  # PEOPLE[4] in both months, PEOPLE[3] in November
    shown = {(f.values["id_number"], f.values["period"]) for f in res.failures}
    assert (PEOPLE[4][:6] + "********" + PEOPLE[4][-4:], "2022-10") in shown
    assert all(p not in str(res.failures) + res.message for p in PEOPLE)


def test_the_whole_term_can_be_pooled_instead():
    rows = log("2022-10", {p: 2 for p in PEOPLE[:5]}) + log("2022-11", {p: 2 for p in PEOPLE[:3]})
    _, r = run_rules(
        RULE.replace("    min: 0.8\n", "    min: 0.8\n    every_period: false\n"),
        people=enrolled(*PEOPLE),
        visits=visits(*rows),
    )
    assert r["LEVEL"].status == "pass" and (r["LEVEL"].measured.met, r["LEVEL"].measured.total) == (8, 10)
    _, r = run_rules(RULE, people=enrolled(*PEOPLE), visits=visits(*rows))
    assert r["LEVEL"].status == "fail"  # November alone is 3/5


def test_without_a_period_and_with_served_people_who_are_not_enrolled():
    rule = RULE.replace(
        "    period: {column: day, unit: month, start: \"date('2022-10-01')\", end: \"date('2022-11-30')\"}\n", ""
    )
    stranger = make_id(seq=77)
    rows = log("2022-10", {p: 2 for p in PEOPLE[:4]}) + log("2022-10", {stranger: 9})
    _, r = run_rules(rule, people=enrolled(*PEOPLE), visits=visits(*rows))
    res = r["LEVEL"]
    assert res.status == "pass" and res.measured.per_period == {"all": [4, 5]}
    assert res.details["entities_not_enrolled"] == 1


def test_the_form_is_checked_when_the_pack_loads():
    import pytest

    from complycheck.errors import ComplycheckError
    from conftest import pack_with

    with pytest.raises(ComplycheckError, match="entities must be a dataset.column"):
        pack_with(RULE.replace("entities: people.id_number", "entities: count(people)"))
    with pytest.raises(ComplycheckError, match="use only one of"):
        pack_with(RULE.replace("    per: id_number\n", "    per: id_number\n    expect: kind == '入户'\n"))
    with pytest.raises(ComplycheckError, match="it needs per"):
        pack_with(RULE.replace("    per: id_number\n", ""))


def test_an_entity_counts_only_in_the_periods_it_is_enrolled():
    rule = RULE.replace(
        "    entities: people.id_number\n",
        "    entities: people.id_number\n    entity_dates: {from: day, until: day}\n",
    )
    rows = log("2022-10", {p: 2 for p in PEOPLE[:4]}) + log("2022-11", {p: 2 for p in PEOPLE[:4]})
    roll = enrolled(*PEOPLE)
    roll[4]["日期"] = "2022-10-20"  # the fifth person was enrolled and left on 20 October: not due in November
    for person in roll[:4]:
        person["日期"] = None  # blank: enrolled throughout
    _, r = run_rules(rule, people=roll, visits=visits(*rows))
    assert r["LEVEL"].measured.per_period == {"2022-10": [4, 5], "2022-11": [4, 4]}
