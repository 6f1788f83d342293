"""Verdicts a bureau can sign (issue #12): no false alarm, no silent pass. Each test failed before its fix."""

from datetime import date

from complycheck.engine import evaluate
from complycheck.engine.reference import Reference
from conftest import make_id, pack_with, run_rules, tables

P1, P2, P3 = make_id(seq=1), make_id(seq=3), make_id(born="19600101", seq=5)
KEYS = ["公民身份号码", "姓名", "旗县市区", "是否合格", "日期", "金额", "次数", "标签"]


def people(*rows):
    return [dict(zip(KEYS, r, strict=True)) for r in rows]


def rule(body: str, rid: str = "R") -> str:
    return f"rules:\n  - id: {rid}\n    line_item: A\n    clauses: [X.1]\n    title: t\n" + body


COVERAGE = rule("    from: people\n    where: age(id_number, date('2022-09-19')) >= 60\n    expect: ok == True\n")


def test_rows_whose_membership_cannot_be_decided_are_listed_and_the_rule_is_at_best_manual_review():
    # P3 (born 1960) is 62: in scope and served; the second person's ID fails validation, so their age is unknown
    rows = people(
        (P3, "甲", "科尔沁区", "是", "", "", "", ""), ("152301194003050000", "乙", "科尔沁区", "", "", "", "", "")
    )
    _, r = run_rules(COVERAGE, people=rows)
    res = r["R"]
    assert res.status == "manual_review", res.message
    assert (res.measured.numerator, res.measured.denominator) == (1, 1)
    assert res.details["rows_with_unknown_filter"] == 1 and res.failure_count == 1
    f = res.failures[0]
    assert f.row == 3 and "无法判断是否属于范围" in f.reason and "152301194003050000" not in str(f.values)
    _, r = run_rules(COVERAGE + "    on_unknown_scope: ignore\n", people=rows)
    assert r["R"].status == "pass"
    _, r = run_rules(COVERAGE + "    on_unknown_scope: fail\n", people=rows)
    assert r["R"].status == "fail"


def test_the_reference_evaluator_agrees_on_undecided_scope():
    pack = pack_with(COVERAGE)
    rows = people((P3, "甲", "", "是", "", "", "", ""), (None, "乙", "", "是", "", "", "", ""))
    t = tables(pack, people=rows)
    fast = evaluate(pack, t, date(2022, 12, 15)).result("R")
    slow = Reference(pack, t, date(2022, 12, 15), pack.rules[0]).evaluate()
    assert fast.status == slow["status"] == "manual_review"
    assert {f.row for f in fast.failures} == slow["failing_rows"] == {3}


def test_a_shortfall_can_be_declared_work_for_a_reviewer_not_underperformance():
    body = "    from: people\n    expect: present(name)\n    min: 1\n    review: 名单外人员是否属于服务范围\n"
    rows = people((P1, "甲", "", "是", "", "", "", ""), (P2, None, "", "是", "", "", "", ""))
    _, r = run_rules(rule(body), people=rows)
    assert r["R"].status == "fail"
    _, r = run_rules(rule(body + "    on_shortfall: manual_review\n"), people=rows)
    res = r["R"]
    assert res.status == "manual_review" and res.details["status_before_shortfall"] == "fail"
    assert "人工审核" in res.message and res.failure_count == 1 and res.failures[0].row == 3


def test_blank_is_unknown_not_no_when_the_rule_says_so():
    body = "    from: people\n    expect: ok == True\n"
    rows = people((P1, "甲", "", "是", "", "", "", ""), (P2, "乙", "", "", "", "", "", ""))
    _, r = run_rules(rule(body), people=rows)  # completeness: the blank cell fails
    assert r["R"].status == "fail"
    _, r = run_rules(rule(body + "    on_unknown: missing_evidence\n"), people=rows)
    res = r["R"]
    assert res.status == "missing_evidence" and res.details["rows_unknown"] == 1, res.message
    assert res.failures[0].reason.startswith("因空白无法判断")
    # a row that is known to fail still fails, whatever the blanks
    rows += people((P3, "丙", "", "否", "", "", "", ""))
    _, r = run_rules(rule(body + "    on_unknown: missing_evidence\n"), people=rows)
    assert r["R"].status == "fail"


DEPENDS = """
rules:
  - id: SUB
    line_item: A
    clauses: [X.1]
    title: sub
    from: visits
    min: 1
  - id: ROLL
    line_item: A
    clauses: [X.2]
    title: roll-up
    from: people
    depends_on: [SUB]
    qualitative: true
    review: 材料是否齐全
"""


def test_a_roll_up_fails_only_when_a_sub_check_fails():
    rows = people((P1, "甲", "", "是", "", "", "", ""))
    _, r = run_rules(DEPENDS, people=rows)  # no visits file at all: the sub-check lacks evidence
    assert r["SUB"].status == "missing_evidence"
    assert r["ROLL"].status == "missing_evidence" and "缺少证据" in r["ROLL"].message
    _, r = run_rules(
        DEPENDS.replace("    min: 1\n", "    min: 5\n"),
        people=rows,
        visits=[{"公民身份号码": P1, "日期": "2022-10-01", "类型": "入户"}],
    )
    assert r["SUB"].status == "fail" and r["ROLL"].status == "fail"
    assert "自动检查已通过" not in r["ROLL"].message and "automated checks passed" not in r["ROLL"].message_en


def test_an_empty_supplier_table_is_missing_evidence_not_a_pass():
    body = "    from: people\n    where: ok == True\n    expect: present(name)\n    on_unknown_scope: ignore\n"
    _, r = run_rules(rule(body), people=[])
    assert r["R"].status == "missing_evidence" and "没有数据行" in r["R"].message
    _, r = run_rules(rule(body + "    on_empty: not_applicable\n"), people=[])
    assert r["R"].status == "not_applicable"


def test_a_citation_written_in_full_still_cites_the_order():
    from complycheck.errors import Location
    from complycheck.lang import Scope, compile_expr

    sc = Scope({"docs": "list", "t": "str"}, {}, {}, {}, {})
    import polars as pl

    frame = pl.DataFrame(
        {
            "docs": [["《社会组织评估管理办法》（民政部令第39号）", "其他"], ["民政部令第38号"], None],
            "t": ["依据民政部令第39号开展", "无", None],
        }
    )
    for text, want in (
        ('mentions(docs, "民政部令第39号")', [True, False, None]),
        ('"民政部令第39号" in docs', [False, False, None]),  # exact equality: the old reading
        ('mentions(t, "民政部令第39号")', [True, False, None]),
    ):
        c = compile_expr(text, sc, Location("r.yaml", 1, 1), "x")
        assert frame.select(c.build(_Ctx()))[:, 0].to_list() == want, text


def test_unified_social_credit_codes_are_checked_like_id_numbers():
    from complycheck import idnumbers as ids

    assert ids.uscc_problem("91350100M000100Y43") is None  # the standard's own example
    assert ids.uscc_problem("91350100M000100Y44") == "统一社会信用代码校验位错误"
    assert "18 位" in ids.uscc_problem("91350100M000100Y4")
    rows = [{"公民身份号码": P1, "旗县市区": code} for code in ("91350100M000100Y43", "91350100M000100Y44", None)]
    _, r = run_rules(
        rule("    from: people\n    where: present(district)\n    expect: valid_uscc(district)\n"), people=rows
    )
    assert r["R"].status == "fail" and (r["R"].measured.numerator, r["R"].measured.denominator) == (1, 2)


class _Ctx:
    as_of = date(2022, 12, 15)
    current = current_ds = None
    streaming = False
    id_birth_cached = False

    def is_few(self):
        return False


PER_PERSON = """
rules:
  - id: MONTHLY
    line_item: A
    clauses: [X.1]
    title: 每人每月至少两次
    from: people
    group_by: name
    period: {column: day, unit: month, start: "date('2022-10-01')", end: "date('2022-11-30')"}
    min: 2
  - id: EACH
    line_item: A
    clauses: [X.2]
    title: 每人至少三次
    from: people
    group_by: id_number
    min: 3
"""


def test_personal_data_is_masked_in_group_and_period_keys_everywhere(cli, tmp_path):
    from complycheck import render

    names = ["欧阳娜娜", "王芳", "王五"]
    rows = people(
        *[
            (make_id(seq=i + 1), n, "", "是", d, "", "", "")
            for i, n in enumerate(names)
            for d in ("2022-10-03", "2022-10-09", "2022-11-02")
        ]
    )
    report, r = run_rules(PER_PERSON, people=rows)
    assert r["MONTHLY"].status == "fail" and r["EACH"].status == "pass"
    assert set(r["MONTHLY"].measured.counts) == {
        "2022-10/欧***",
        "2022-10/王*",
        "2022-10/王*#2",
        "2022-11/欧***",
        "2022-11/王*",
        "2022-11/王*#2",
    }
    everything = [
        render(report, fmt, lang) for fmt in ("text", "json", "junit", "html", "markdown") for lang in ("zh", "en")
    ]
    for secret in names + [make_id(seq=i + 1) for i in range(3)]:
        assert not any(secret in doc for doc in everything), secret


def test_validate_warns_about_major_rules_that_take_an_empty_population_as_fine(tmp_path):
    from complycheck.validation import empty_is_fine

    pack = pack_with(
        rule("    from: people\n    min: 1\n    on_empty: not_applicable\n")
        + "  - id: S\n    line_item: A\n    clauses: [X.2]\n    title: s\n    severity: minor\n"
        "    from: people\n    on_empty: pass\n"
    )
    found = empty_is_fine(pack)
    assert [f.level for f in found] == ["warning"] and "rule R (major) gives not_applicable" in found[0].message_en


def test_nothing_is_dated_after_acceptance_in_any_date_column_of_any_dataset():
    body = "    from: all_dates\n    expect: date <= as_of\n"
    people_rows = people((P1, "甲", "", "是", "2022-10-01", "", "", ""), (P2, "乙", "", "是", "2023-01-05", "", "", ""))
    visits = [
        {"公民身份号码": P1, "日期": "2022-12-31", "类型": "入户"},
        {"公民身份号码": P2, "日期": "2022-11-01", "类型": "入户"},
    ]
    _, r = run_rules(rule(body), people=people_rows, visits=visits)
    res = r["R"]
    assert res.status == "fail" and (res.measured.numerator, res.measured.denominator) == (2, 4)
    where = sorted((f.file, f.row, f.column) for f in res.failures)
    assert where == [("people.json", 3, "日期"), ("visits.json", 2, "日期")]
    _, r = run_rules(rule(body), people=people_rows[:1], visits=visits[1:])
    assert r["R"].status == "pass"


def test_a_failing_row_names_the_part_that_is_false_with_its_values():
    body = "    from: people\n    expect: present(name) and (blank(n) or n <= 2) and district != '奈曼旗'\n"
    rows = people(
        (P1, "甲", "科尔沁区", "", "", "", "3", ""),
        (P2, "乙", "奈曼旗", "", "", "", "1", ""),
        (P3, None, "开鲁县", "", "", "", "1", ""),
    )
    _, r = run_rules(rule(body), people=rows)
    reasons = [f.reason_en for f in r["R"].failures]
    assert reasons == [
        "not met: blank(n) or n <= 2 (3 > 2)",
        "not met: district != '奈曼旗' (奈曼旗 = 奈曼旗)",
        "not met: present(name)",
    ]
    assert r["R"].failures[0].reason == "不满足：blank(n) or n <= 2（3 > 2）"


def test_the_text_report_never_cuts_a_reason_inside_a_token():
    from complycheck.reports.text import shorten

    text = "不满足：" + " and ".join(f"present(column_number_{i})" for i in range(30))
    short = shorten(text, 120)
    assert len(short) <= 122 and short.endswith(" …") and short[:-2].endswith(("and", ")"))


def test_a_count_that_falls_short_lists_the_rows_its_scope_left_out_and_why(cli):
    body = "    from: people\n    where: ok == True and n >= 2\n    min: 3\n"
    rows = people(
        (P1, "甲", "", "是", "", "", "2", ""),
        (P2, "乙", "", "否", "", "", "5", ""),
        (P3, "丙", "", "是", "", "", "1", ""),
    )
    _, r = run_rules(rule(body), people=rows)
    res = r["R"]
    assert res.status == "fail" and res.measured.value == 1 and res.details["rows_left_out"] == 2
    assert [(f.row, f.reason_en) for f in res.failures] == [
        (3, "left out: ok == True (False ≠ True)"),
        (4, "left out: n >= 2 (1 < 2)"),
    ]


def test_a_person_with_an_invalid_id_is_shown_with_a_probable_match_never_a_pass():
    text = rule(
        "    from: people\n    where: age(id_number, date('2022-09-19')) >= 60\n"
        "    expect: id_number in visits.id_number\n"
        "    probable_match: {with: visits, on: [birth:id_number]}\n"
    )
    bad = "152301194003050000"  # born 1940-03-05, wrong check character: age unknown
    rows = people((P3, "甲", "", "", "", "", "", ""), (bad, "乙", "", "", "", "", "", ""))
    visited = [
        {"公民身份号码": P3, "日期": "2022-10-01", "类型": "入户"},
        {"公民身份号码": make_id("152301", "19400305", 23), "日期": "2022-10-02", "类型": "入户"},
    ]
    _, r = run_rules(text, people=rows, visits=visited)
    res = r["R"]
    assert res.status == "manual_review" and (res.measured.numerator, res.measured.denominator) == (1, 1)
    f = res.failures[0]
    assert f.row == 3 and "可能匹配 visits.json 第 3 行" in f.reason and "not a pass" in f.reason_en
    assert res.details["probable_matches"] == 1 and bad not in f.reason + str(f.values)


def test_an_id_number_born_after_the_evaluation_date_is_invalid():
    future = make_id(born="20230105", seq=9)
    rows = people((P1, "甲", "", "是", "", "", "", ""), (future, "乙", "", "是", "", "", "", ""))
    _, r = run_rules(rule("    from: people\n    expect: valid_id(id_number)\n"), people=rows)
    assert r["R"].status == "fail" and (r["R"].measured.numerator, r["R"].measured.denominator) == (1, 2)
    _, r = run_rules(rule("    from: people\n    expect: valid_id(id_number)\n"), as_of=date(2023, 2, 1), people=rows)
    assert r["R"].status == "pass"


def test_a_chinese_header_typed_as_a_name_gets_the_column_key_suggested():
    import pytest

    from complycheck.errors import ComplycheckError

    for typed in ("姓名", "旗县市区", "是否 合格", "公民身份号"):
        with pytest.raises(ComplycheckError) as e:
            pack_with(rule(f"    from: people\n    expect: present({typed.replace(' ', '')})\n"))
        assert "did you mean column" in str(e.value), (typed, str(e.value))
