"""Authoring tools for the bureau: explain, template, init, and the pre-commit hooks."""

import yaml
from openpyxl import load_workbook

from complycheck.evidence import load_evidence
from complycheck.pack import load_pack
from conftest import ROOT


def test_explain_shows_clause_logic_parameters_and_figures(cli):
    code, out, _ = cli(
        "explain",
        "1-1.S4b",
        "--rules",
        str(ROOT / "rules"),
        "--evidence",
        str(ROOT / "evidence"),
        "--as-of",
        "2022-12-15",
    )
    assert code == 0
    assert "同时对已建成的2000家适老化家庭改造和上门服务内容进行抽检（不低于总户数20%）" in out
    assert "通过条件：行数（或对象数）≥ ceil(params.sample_share * distinct(retrofit_households.household_id))" in out
    assert "sample_share = 0.2  最低抽检比例" in out and "数量 396，要求 ≥ 400：不符合" in out


def test_explain_lists_masked_failing_rows_and_suggests_rule_ids(cli):
    code, out, _ = cli(
        "explain",
        "C.5-roster",
        "--rules",
        str(ROOT / "rules"),
        "--evidence",
        str(ROOT / "evidence"),
        "--as-of",
        "2022-12-15",
        "--lang",
        "en",
    )
    assert code == 0 and "first failing rows (masked)" in out and "********" in out
    code, _, err = cli("explain", "1-3.S88", "--rules", str(ROOT / "rules"))
    assert code == 2 and "是不是“1-3.S8”" in err


def test_templates_load_the_first_time_once_filled(cli, tmp_path):
    out = tmp_path / "tpl"
    code, stdout, _ = cli("template", "--rules", str(ROOT / "rules"), "--output", str(out))
    xlsx = out / "养老护理员培训学员名册.xlsx"  # the dataset's Chinese title (#14.6)
    assert code == 0 and xlsx.exists() and (out / "manifest.yaml").exists()
    wb = load_workbook(xlsx)
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["公民身份号码", "姓名", "旗县市区"]
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "date", "decimal"} <= kinds
    assert wb["说明"]["A2"].value == "公民身份号码" and "18" in wb["说明"]["C2"].value
    row = {
        "公民身份号码": "150502195001010119",
        "姓名": "王芳",
        "是否参训": "是",
        "考核结果": "合格",
        "合格证书日期": "2022-11-25",
        "出勤率": "95%",
    }
    ws.append([row.get(h) for h in headers])
    wb.save(xlsx)
    manifest = yaml.safe_load((out / "manifest.yaml").read_text("utf-8"))
    manifest["datasets"] = {"caregiver_trainees": manifest["datasets"]["caregiver_trainees"]}
    (out / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), "utf-8")
    pack = load_pack(ROOT / "rules")
    ev = load_evidence(out, pack.datasets)
    rows = ev.tables["caregiver_trainees"].frame.to_dicts()
    assert len(rows) == 1 and rows[0]["attended"] is True and str(rows[0]["attendance_ratio"]) == "0.95"
    assert not [p for p in ev.problems if p.level == "error"]


def test_csv_templates_neutralise_formula_like_headers(tmp_path):
    from complycheck.template import safe_cell

    assert (
        safe_cell("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
        and safe_cell("@SUM(1)") == "'@SUM(1)"
        and safe_cell("正常") == "正常"
    )


def test_init_scaffolds_a_pack_that_validates_and_tests_green(cli, tmp_path):
    target = tmp_path / "new"
    code, out, _ = cli("init", str(target))
    assert code == 0 and (target / "rules.yaml").exists()
    code, out, err = cli("validate", "--rules", str(target))
    assert code == 0 and "规则包检查通过" in out
    code, out, _ = cli("test", "--rules", str(target))
    assert code == 0 and "2 passed, 0 failed" in out
    code, _, err = cli("init", str(target))
    assert code == 2 and "不为空" in err


def test_pre_commit_hooks_run_validate_and_test():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    by_id = {h["id"]: h for h in hooks}
    assert by_id["complycheck-validate"]["entry"] == "complycheck validate"
    assert by_id["complycheck-test"]["entry"] == "complycheck test"
    assert all(h["language"] == "python" and h["pass_filenames"] is False for h in hooks)
