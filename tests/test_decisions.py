"""Issue #15: the panel's decisions, from the template to the final verdict, on the bundled sample."""

from __future__ import annotations

import json
import shutil
from datetime import date
from importlib import resources

import jsonschema
import pytest

from conftest import ROOT

SAMPLE = ROOT / "evidence" / "decisions-sample.yaml"
AS_OF = "2022-12-15"


@pytest.fixture(scope="module")
def base_report():
    from complycheck import api

    return api.run(ROOT / "rules", ROOT / "evidence", date(2022, 12, 15))


def _json(cli, *args):
    code, out, err = cli("evaluate", "--rules", str(ROOT / "rules"), "--as-of", AS_OF, "--format", "json", "-q", *args)
    return code, (json.loads(out) if out else None), err


def test_template_lists_every_open_item_with_its_evidence(cli, tmp_path):
    from openpyxl import load_workbook

    code, out, _ = cli(
        "decisions", "template", "--rules", str(ROOT / "rules"), "--evidence", str(ROOT / "evidence"),
        "--as-of", AS_OF, "--output", str(tmp_path),
    )  # fmt: skip
    assert code == 0 and "decisions.xlsx" in out and "decisions.yaml" in out
    wb = load_workbook(tmp_path / "decisions.xlsx")
    ws = wb["决定"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["规则", "品目", "标准"] and {"结论", "理由", "审核人", "日期", "审核要点", "数字"} <= set(
        header
    )
    rules = [ws.cell(row, 1).value for row in range(2, ws.max_row + 1)]
    assert "1-2.S1c" in rules and "1-3.S1a" in rules and "1-3.S8" not in rules and len(rules) == 13
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists and lists[0].formula1 == '"通过,不通过,暂缓"' and "H2" in str(lists[0].sqref)
    row = rules.index("1-2.S1d") + 2
    evidence = ws.cell(row, header.index("证据文件 SHA-256") + 1).value
    line = next(x for x in evidence.splitlines() if x.startswith("方案计划报告清单.yaml = "))
    assert len(line.split(" = ")[1]) == 64
    assert "验收小组" in wb.sheetnames and "验收信息" in wb.sheetnames
    wb.close()
    text = (tmp_path / "decisions.yaml").read_text("utf-8")
    assert text.count("  - rule: ") == 13 and 'conclusion: ""' in text


def test_the_whole_cycle_on_the_bundled_sample(cli):
    code, data, _ = _json(cli, "--evidence", str(ROOT / "evidence"), "--decisions", str(SAMPLE))
    assert code == 1 and data["schema_version"] == "1.3"
    schema = json.loads(resources.files("complycheck.schemas").joinpath("report.schema.json").read_text("utf-8"))
    jsonschema.validate(data, schema)
    final = {li["id"]: li["final_verdict"] for li in data["line_items"]}
    assert final == {"1-1": "not_accepted", "1-2": "accepted", "1-3": "not_accepted"}
    assert {li["id"]: li["verdict"] for li in data["line_items"]}["1-2"] == "needs_review"  # the automated one stays
    assert data["verdict"] == data["final_verdict"] == "not_accepted"
    acc = data["acceptance"]
    assert acc["decisions"] == {"applied": 12, "deferred": 1, "lapsed": 0, "refused": 0}
    assert acc["date"] == "2022-12-20" and len(acc["panel"]) == 5 and not acc["complete"]
    assert [li["open"] for li in acc["line_items"] if li["id"] == "1-3"] == [["1-3.S1a"]]
    s1c = next(r for li in data["line_items"] for r in li["results"] if r["rule"] == "1-2.S1c")
    assert s1c["status"] == "manual_review" and s1c["final_status"] == "pass"
    assert (
        s1c["decision"]["reviewer"] == "钱专家" and s1c["decision"]["state"] == "applied" and s1c["decision"]["reason"]
    )
    pay = {li["id"]: li for li in data["payment"]["line_items"]}
    assert data["payment"]["acceptance_due"] == "2022-12-30" and data["payment"]["late"] is False
    assert pay["1-2"]["state"] == "payable" and pay["1-2"]["payment_due"] == "2023-01-19"
    assert pay["1-1"]["withheld"] == "772300.00" and data["payment"]["payable_total"] == "262400.00"


def test_without_decisions_the_final_verdict_is_the_automated_one(cli):
    code, data, _ = _json(cli, "--evidence", str(ROOT / "evidence"))
    assert code == 1 and data["acceptance"] is None and data["final_verdict"] == data["verdict"]
    assert all(li["final_verdict"] == li["verdict"] for li in data["line_items"])
    assert data["payment"]["acceptance_date_source"] == "as_of"


def test_a_decision_on_changed_evidence_lapses(cli, tmp_path):
    ev = tmp_path / "evidence"
    shutil.copytree(ROOT / "evidence", ev)
    plans = ev / "方案计划报告清单.yaml"
    plans.write_text(plans.read_text("utf-8") + "\n# 补充\n", "utf-8")
    code, data, _ = _json(cli, "--evidence", str(ev), "--decisions", str(SAMPLE))
    s1d = next(r for li in data["line_items"] for r in li["results"] if r["rule"] == "1-2.S1d")
    assert s1d["decision"]["state"] == "lapsed" and s1d["final_status"] == "manual_review"
    assert s1d["decision"]["changed"] == ["方案计划报告清单.yaml"]
    assert "已失效" in s1d["decision"]["note"]["zh"] and "方案计划报告清单.yaml" in s1d["decision"]["note"]["zh"]
    assert any("1-2.S1d" in n["zh"] and "已失效" in n["zh"] for n in data["notes"])
    assert {li["id"]: li["final_verdict"] for li in data["line_items"]}["1-2"] == "needs_review"
    s1c = next(r for li in data["line_items"] for r in li["results"] if r["rule"] == "1-2.S1c")
    assert s1c["decision"]["state"] == "applied"  # its evidence did not change
    code, out, _ = cli("evaluate", "--rules", str(ROOT / "rules"), "--evidence", str(ev), "--as-of", AS_OF, "-q",
                       "--decisions", str(SAMPLE))  # fmt: skip
    assert "1-2.S1d" in out and "已失效" in out


def test_a_decision_cannot_overturn_an_automated_result(cli, tmp_path):
    text = SAMPLE.read_text("utf-8") + (
        '  - {rule: "1-3.S8", conclusion: "通过", reason: "小组认为可以", reviewer: "王组长", date: "2022-12-20"}\n'
    )
    f = tmp_path / "d.yaml"
    f.write_text(text, "utf-8")
    code, data, _ = _json(cli, "--evidence", str(ROOT / "evidence"), "--decisions", str(f))
    s8 = next(r for li in data["line_items"] for r in li["results"] if r["rule"] == "1-3.S8")
    assert s8["status"] == "fail" and s8["final_status"] == "fail" and s8["decision"]["state"] == "refused"
    assert "豁免" in s8["decision"]["note"]["zh"] and data["acceptance"]["decisions"]["refused"] == 1


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('conclusion: "通过"', 'conclusion: "同意"'), "结论应为 通过、不通过 或 暂缓"),
        (('reviewer: "钱专家"', 'reviewer: ""'), "缺少审核人"),
        (('date: "2022-12-20"\n  - rule: "1-2.S1d"', 'date: "2022-13-40"\n  - rule: "1-2.S1d"'), "日期不是有效日期"),
        (('rule: "1-3.S7-plan"', 'rule: "1-3.S99"'), "不在本次评估中"),
    ],
)
def test_a_malformed_yaml_form_is_one_input_error(cli, tmp_path, edit, message):
    text = SAMPLE.read_text("utf-8")
    assert edit[0] in text
    f = tmp_path / "d.yaml"
    f.write_text(text.replace(edit[0], edit[1], 1), "utf-8")
    code, out, err = cli("evaluate", "--rules", str(ROOT / "rules"), "--evidence", str(ROOT / "evidence"),
                         "--as-of", AS_OF, "-q", "--decisions", str(f))  # fmt: skip
    assert code == 2 and message in err and str(f) in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_the_xlsx_form_filled_in_excel(cli, tmp_path):
    from openpyxl import load_workbook

    cli("decisions", "template", "--rules", str(ROOT / "rules"), "--evidence", str(ROOT / "evidence"),
        "--as-of", AS_OF, "--output", str(tmp_path))  # fmt: skip
    path = tmp_path / "decisions.xlsx"
    wb = load_workbook(path)
    ws = wb["决定"]
    header = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(header)}
    for row in range(2, ws.max_row + 1):
        if str(ws.cell(row, 2).value) == "1-2":
            ws.cell(row, col["结论"], "通过")
            ws.cell(row, col["理由"], "核对无误")
            ws.cell(row, col["审核人"], "李审核")
            ws.cell(row, col["日期"], date(2022, 12, 21))
    wb["验收小组"]["A2"] = "王组长"
    wb["验收信息"]["B4"] = date(2022, 12, 21)
    wb.save(path)
    code, data, _ = _json(cli, "--evidence", str(ROOT / "evidence"), "--decisions", str(path))
    assert {li["id"]: li["final_verdict"] for li in data["line_items"]}["1-2"] == "accepted"
    assert data["acceptance"]["date"] == "2022-12-21" and data["acceptance"]["panel"][0]["name"] == "王组长"
    # a bad row names the sheet and the row
    wb = load_workbook(path)
    wb["决定"].cell(3, col["结论"], "也许")
    wb.save(path)
    code, _, err = cli("evaluate", "--rules", str(ROOT / "rules"), "--evidence", str(ROOT / "evidence"),
                       "--as-of", AS_OF, "-q", "--decisions", str(path))  # fmt: skip
    assert code == 2 and f"{path}[决定]:3" in err and "结论应为" in err


def test_not_a_workbook_and_another_contract(cli, tmp_path):
    bad = tmp_path / "d.xlsx"
    bad.write_text("not a workbook", "utf-8")
    args = ("evaluate", "--rules", str(ROOT / "rules"), "--evidence", str(ROOT / "evidence"), "--as-of", AS_OF, "-q")
    code, _, err = cli(*args, "--decisions", str(bad))
    assert code == 2 and str(bad) in err and "无法读取" in err
    other = tmp_path / "o.yaml"
    other.write_text(SAMPLE.read_text("utf-8").replace('project_no: "TLSZCS-C-F-220141"', 'project_no: "X-1"'), "utf-8")
    code, _, err = cli(*args, "--decisions", str(other))
    assert code == 2 and "X-1" in err


def test_apply_is_a_pure_report_to_report_step(base_report):
    from complycheck.decisions import Decision, DecisionForm, apply_decisions

    decision = Decision("1-2.S1c", "fail", "不是专业力量", "王组长", date(2022, 12, 20), {}, "f.yaml:1")
    form = DecisionForm("f.yaml", "0" * 64, base_report.contract.project_no, decisions=(decision,))
    out = apply_decisions(base_report, form, {"1-2.S1c": {}})
    assert base_report.acceptance is None and out.acceptance is not None
    assert (
        out.acceptance.line_items["1-2"].verdict == "not_accepted" and out.acceptance.final_status["1-2.S1c"] == "fail"
    )
    assert out.line_items == base_report.line_items


def test_a_share_short_of_its_requirement_never_reads_as_meeting_it(cli, tmp_path):
    """2999/3000 against 100%: the 验收书, the HTML gauge and the rectification notice once printed 100.0% beside
    不通过. Every document shows as many digits as it takes (99.97%), as the text report always did."""
    from fractions import Fraction

    from complycheck.engine.wording import percent

    assert percent(Fraction(2999, 3000), Fraction(1)) == "99.97%" and percent(Fraction(1)) == "100.0%"
    assert percent(Fraction(9995, 10000)) == "99.95%" and percent(Fraction(9, 10), Fraction(1)) == "90.0%"
    assert percent(Fraction(99999, 100000), Fraction(1)) == "99.999%"
    assert percent(Fraction(9999999, 10**7), Fraction(1)) == "99.9999%"  # 10^7 rows, one short: never 100.0000%
    pages = {}
    for fmt in ("acceptance", "html", "rectification"):
        out = tmp_path / f"{fmt}.out"
        code, _, err = cli("evaluate", "--as-of", AS_OF, "--decisions", str(SAMPLE), "--format", fmt, "-o", str(out))
        assert code in (0, 1), err
        pages[fmt] = out.read_text("utf-8")
    assert "2999/3000 = 99.97%" in pages["acceptance"] and "2999/3000 = 100.0%" not in pages["acceptance"]
    assert 'aria-label="99.97% / 100.0%"' in pages["html"]
    assert "100.0%" in pages["rectification"] and "99.97%" in pages["rectification"]


def test_the_html_and_markdown_reports_show_the_panels_decisions_and_the_final_verdict(cli, tmp_path):
    """The README says each decided item shows the decision, who made it and why: in the HTML and Markdown reports
    too (a newcomer found them identical with and without --decisions), with a reason's numbers masked."""
    pages = {}
    for fmt in ("html", "markdown"):
        for decided in (False, True):
            out = tmp_path / f"{fmt}-{decided}.out"
            extra = ["--decisions", str(SAMPLE)] if decided else []
            code, _, err = cli("evaluate", "--as-of", AS_OF, *extra, "--format", fmt, "-o", str(out))
            assert code in (0, 1), err
            pages[fmt, decided] = out.read_text("utf-8")
        assert "验收小组决定" not in pages[fmt, False]
        decided_page = pages[fmt, True]
        assert "李审核" in decided_page and "验收小组决定后的最终结论：验收不通过" in decided_page
        assert "名单所列 1 人经核对为身份证号抄错" in decided_page
    assert 'data-final-verdict="not_accepted"' in pages["html", True]


def test_a_number_written_in_a_decisions_reason_is_masked_in_every_report(cli, tmp_path):
    from complycheck.masking import mask_text

    form = tmp_path / "decisions.yaml"
    phone, pid = "139-1234-5678", "152301194003050237"
    text = SAMPLE.read_text("utf-8").replace(
        "名单所列 1 人经核对为身份证号抄错", f"名单所列 1 人（{pid}，电话 {phone}）经核对为身份证号抄错", 1
    )
    form.write_text(text, "utf-8")
    for fmt in ("text", "html", "markdown"):
        out = tmp_path / f"r.{fmt}"
        code, _, err = cli("evaluate", "--as-of", AS_OF, "--decisions", str(form), "--format", fmt, "-o", str(out))
        assert code in (0, 1), err
        page = out.read_text("utf-8")
        shown = mask_text(pid).replace("*", "\\*") if fmt == "markdown" else mask_text(pid)  # Markdown escapes *
        assert pid not in page and phone not in page and shown in page, fmt
