"""`complycheck validate`: each mistake a bureau author can make is caught with its file and line."""

import shutil

import pytest

from conftest import ROOT


def mutate(tmp_path, file: str, old: str, new: str, count: int = 1):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    p = rules / file
    text = p.read_text("utf-8")
    assert old in text, old
    p.write_text(text.replace(old, new, count), "utf-8")
    return rules


# (file, old text, new text, the text whose line the error must name, expected message)
CASES = [
    (
        "1-2.yaml",
        "    severity: critical",
        "    severty: critical",
        "severty:",
        "rules[6]: 未知的键“severty”，是不是“severity”？",
    ),
    (
        "1-1.yaml",
        "    severity: critical\n    params:\n      threshold",
        "    severity: 3\n    params:\n      threshold",
        "severity: 3",
        "rules[9].severity: 值“3”不在可选范围内",
    ),
    (
        "1-1.yaml",
        'expect: contains(exam_result, "合格")',
        'expect: contains(exam_reslt, "合格")',
        "exam_reslt",
        "规则 1-1.S2a 的 expect：未知名称“exam_reslt”，是不是“exam_result”？",
    ),
    (
        "1-1.yaml",
        '"未合格"]) and present(pass_cert_no)',
        '"未合格"]) and presnt(pass_cert_no)',
        "presnt",
        "未知函数“presnt”，是不是“present”？",
    ),
    (
        "1-3.yaml",
        "min: params.min_cases",
        "min: params.min_case",
        "min: params.min_case",
        "规则 1-3.S4b 的 min：未定义的参数“min_case”，是不是“min_cases”？",
    ),
    ("1-3.yaml", "  - id: 1-3.S4b", "  - id: 1-3.S4a", None, "规则编号“1-3.S4a”重复"),
    (
        "1-3.yaml",
        "clauses: [1-3.S2]",
        "clauses: [1-3.S22]",
        "1-3.S22",
        "规则 1-3.S2：条款“1-3.S22”不在条款目录中，是不是“1-3.S2”？",
    ),
    (
        "1-1.yaml",
        "    from: caregiver_trainees\n    where: attended == True and",
        "    from: caregiver_trainee\n    where: attended == True and",
        "from: caregiver_trainee\n",
        "规则 1-1.S2a：未声明的数据集“caregiver_trainee”，是不是“caregiver_trainees”？",
    ),
    (
        "1-1.yaml",
        "    expect: id_number in assessed.id_number",
        "    expect: id_number in assesed.id_number",
        "assesed",
        "未知名称“assesed”，是不是“assessed”？",
    ),
    (
        "1-1.yaml",
        'line_item: "1-1"\n    clauses: [1-1.D1]',
        'line_item: "1-4"\n    clauses: [1-1.D1]',
        '"1-4"',
        "品目“1-4”不在合同中",
    ),
    (
        "1-1.yaml",
        "    depends_on: [C.5-roster,",
        "    depends_on: [C.5-rooster,",
        None,
        "depends_on 中的规则“C.5-rooster”不存在",
    ),
    (
        "contract.yaml",
        'total_amount: "1429200.00"',
        "total_amount: 1429200.00",
        "total_amount: 1429200.00",
        "contract.total_amount: 类型应为 string",
    ),
    (
        "contract.yaml",
        "  deadline_grace_days: {value: 0, title: 截止日期宽限天数, bureau_decision: true}\n",
        "  deadline_grace_days: {value: 0, title: 截止日期宽限天数, bureau_decision: true}\n  deadline_grace_days: 1\n",
        "  deadline_grace_days: 1",
        "键“deadline_grace_days”重复",
    ),
]


def line_of(path, marker: str) -> int:
    text = path.read_text("utf-8")
    return text[: text.index(marker)].count("\n") + 1


@pytest.mark.parametrize("file,old,new,marker,expected", CASES)
def test_each_mistake_is_caught_with_file_and_line(cli, tmp_path, file, old, new, marker, expected):
    rules = mutate(tmp_path, file, old, new)
    code, out, err = cli("validate", "--rules", str(rules))
    assert code == 2 and "Traceback" not in err
    assert expected in err, err
    if marker is not None:
        line = (
            line_of(rules / file, marker.rstrip("\n")) if not marker.endswith("\n") else line_of(rules / file, marker)
        )
        assert f"{file}:{line}:" in err, (line, err)


def test_all_problems_in_one_run_and_english(cli, tmp_path):
    rules = mutate(tmp_path, "1-1.yaml", "present(", "presnt(", count=3)
    code, _, err = cli("validate", "--rules", str(rules), "--lang", "en")
    assert code == 2 and err.count("unknown function 'presnt'; did you mean 'present'?") == 3


def test_unused_parameter_is_a_warning(cli, tmp_path):
    rules = mutate(tmp_path, "1-3.yaml", "parameters:\n", "parameters:\n  unused_one: {value: 3, title: 没用的参数}\n")
    code, out, _ = cli("validate", "--rules", str(rules))
    assert code == 0 and "警告：参数“unused_one”已定义但没有规则使用" in out


def test_evidence_problems_are_listed_by_file_and_row(cli, tmp_path):
    ev = tmp_path / "evidence"
    shutil.copytree(ROOT / "evidence", ev)
    (ev / "困难群众需求调查.csv").write_bytes(
        "公民身份号码,调查日期\r\n150502199001010715,2022年13月1日\r\n".encode("gbk")
    )
    (ev / "评估复核抽查.csv").write_bytes("姓名,复核日期\r\n王芳,2022-11-01\r\n".encode("gbk"))
    (ev / "个案服务档案.json").unlink()
    code, _, err = cli("validate", "--evidence", str(ev))
    assert code == 2
    assert "评估复核抽查.csv" in err and "缺少必需的列“公民身份号码”" in err
    assert "个案服务档案.json”不存在" in err


def test_unreadable_cells_are_data_problems_with_row_and_column(cli, tmp_path):
    """A data problem, as in evaluate (#13 point 10): a warning naming file, row and column, not exit 2."""
    ev = tmp_path / "evidence"
    shutil.copytree(ROOT / "evidence", ev)
    (ev / "困难群众需求调查.csv").write_bytes(
        "公民身份号码,调查日期\r\n150502199001010715,2022年13月1日\r\n".encode("gbk")
    )
    code, out, _ = cli("validate", "--evidence", str(ev))
    assert code == 0 and "困难群众需求调查.csv:2:调查日期: 警告：无法读取“2022年13月1日”" in out


def test_bundled_pack_and_evidence_validate(cli):
    code, out, _ = cli("validate", "--rules", str(ROOT / "rules"), "--evidence", str(ROOT / "evidence"))
    assert code == 0 and "0 个错误，4 个警告" in out
    # the two recomputed-level rules (one per standard) are not applicable when records use the other standard
    assert out.count("在总体为空时给出 not_applicable") == 2
