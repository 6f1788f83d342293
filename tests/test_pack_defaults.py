"""Defaults for every pack, not the bundled one (#14.6): rule tests' date, supplier templates, evidence hints."""

from datetime import date

import pytest

from complycheck.errors import ErrorList
from complycheck.pack import load_pack_texts
from complycheck.ruletests import default_as_of, load_tests
from conftest import CONTRACT, ROOT

RULE = "rules:\n  - id: R\n    line_item: A\n    clauses: [X.1]\n    title: t\n    from: people\n    min: 1\n"
TEST = "tests:\n  - name: one\n    rule: R\n    datasets: {people: []}\n    expect: fail\n"


def _pack(contract: str):
    return load_pack_texts({"contract.yaml": contract, "rules.yaml": RULE})


def test_rule_tests_default_to_the_packs_own_acceptance_date(tmp_path):
    pack = _pack(CONTRACT.replace('end: "2022-11-30"', 'end: "2023-03-31"'))
    assert default_as_of(pack) == date(2023, 4, 15)  # service end 2023-03-31 + 15 days, not 2022-12-15
    (tmp_path / "t.yaml").write_text(TEST + '  - name: two\n    rule: R\n    as_of: "2023-01-02"\n    expect: fail\n')
    first, second = load_tests(pack, tmp_path)
    assert first.as_of == date(2023, 4, 15) and second.as_of == date(2023, 1, 2)
    later = _pack(CONTRACT.replace('deadline: "2022-10-31"', 'deadline: "2024-01-31"'))
    assert default_as_of(later) == date(2024, 2, 15)  # a line item's deadline after the service end


def test_a_pack_without_dates_requires_as_of_in_each_test(tmp_path):
    bare = (
        CONTRACT.replace('  service_period: {start: "2022-09-19", end: "2022-11-30"}\n', "")
        .replace(', deadline: "2022-11-30"', "")
        .replace(', deadline: "2022-10-31"', "")
    )
    pack = _pack(bare)
    assert default_as_of(pack) is None
    (tmp_path / "t.yaml").write_text(TEST + '  - name: two\n    rule: R\n    as_of: "2023-01-02"\n    expect: fail\n')
    with pytest.raises(ErrorList) as e:
        load_tests(pack, tmp_path)
    (err,) = e.value.errors
    assert err.location.line == 2 and "as_of" in err.message_en


def test_templates_are_named_by_title_carry_chinese_notes_and_skip_bureau_registers(cli, tmp_path):
    import yaml
    from openpyxl import load_workbook

    from complycheck.pack import load_pack

    rules = ROOT / "examples" / "home-care-visits" / "rules"
    pack = load_pack(rules)
    bureau = {n for n, ds in pack.datasets.items() if ds.owner == "bureau"}
    assert bureau  # the enrolled list is the bureau's
    out = tmp_path / "tpl"
    code, _, _ = cli("template", "--rules", str(rules), "--output", str(out))
    assert code == 0
    manifest = yaml.safe_load((out / "manifest.yaml").read_text("utf-8"))["datasets"]
    assert set(manifest) == {n for n in pack.datasets if n not in bureau}
    for name, entry in manifest.items():
        assert (
            entry["file"] == pack.datasets[name].title.replace("/", "、") + ".xlsx" and (out / entry["file"]).exists()
        )
    name, entry = next(iter(manifest.items()))
    ws = load_workbook(out / entry["file"]).worksheets[0]
    first = next(iter(pack.datasets[name].columns.values()))
    assert ws["A1"].value == first.header and ws["A1"].comment.text.startswith("类型：")
    assert ("必填" if first.required else "可留空") in ws["A1"].comment.text
    code, _, _ = cli("template", "--rules", str(ROOT / "rules"), "--output", str(tmp_path / "csv"), "--csv")
    assert (tmp_path / "csv" / "承诺书、声明、签章文件.csv").exists()  # a "/" in a title never makes a folder
    assert not (tmp_path / "csv" / "城乡低保对象中失能、部分失能老年人名册.csv").exists()  # owner: bureau
    assert "公民身份号码：类型：18 位公民身份号码" in (tmp_path / "csv" / "填表说明.md").read_text("utf-8")


def test_a_file_the_manifest_forgot_gets_a_hint_naming_the_datasets_it_might_be(cli, tmp_path):
    import shutil

    ev = tmp_path / "evidence"
    shutil.copytree(ROOT / "evidence", ev)
    shutil.copy(ev / "志愿者名册.xlsx", ev / "补充材料.xlsx")  # matched by its headers
    (ev / "活动签到名单2.csv").write_text("x,y\n1,2\n", "utf-8")  # matched by its name
    (ev / "备注.csv").write_text("x,y\n1,2\n", "utf-8")  # a table that is none of them: still a warning
    code, out, _ = cli("validate", "--rules", str(ROOT / "rules"), "--evidence", str(ev), "--lang", "en")
    assert code == 0
    lines = {line.split(": warning: ")[0].rsplit("/", 1)[-1]: line for line in out.splitlines() if "manifest" in line}
    assert "it may be dataset 'volunteers' (志愿者名册及注册信息)" in lines["补充材料.xlsx"]
    assert "'activity_participants'" in lines["活动签到名单2.csv"]
    assert "matches no dataset" in lines["备注.csv"]
    assert "decisions-sample.yaml" not in out  # the panel's decisions beside the evidence are not evidence
    code, _, _ = cli("validate", "--rules", str(ROOT / "rules"), "--evidence", str(ROOT / "evidence"))
    assert code == 0


def test_a_missing_evidence_folder_or_manifest_says_what_to_do(cli, tmp_path):
    code, _, err = cli("validate", "--rules", str(ROOT / "rules"), "--evidence", str(tmp_path / "nope"), "--lang", "en")
    assert code == 2 and "evidence folder does not exist (name the supplier's submission folder with --evidence" in err
    (tmp_path / "ev").mkdir()
    (tmp_path / "ev" / "志愿者名册.csv").write_text("a\n", "utf-8")
    code, _, err = cli("validate", "--rules", str(ROOT / "rules"), "--evidence", str(tmp_path / "ev"), "--lang", "en")
    assert code == 2 and "`complycheck template` writes one); the folder holds 志愿者名册.csv" in err
