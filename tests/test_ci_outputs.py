"""CI outputs (#14.5): JUnit split by severity, SARIF 2.1.0 and GitHub workflow annotations."""

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from complycheck.model import Problem
from complycheck.reports import render
from complycheck.reports.github import escape_data, escape_property
from conftest import ROOT, make_id, run_rules

SHOWN = {"fail", "error", "missing_evidence"}


@pytest.fixture(scope="module")
def bundled():
    from complycheck import api

    return api.run(ROOT / "rules", ROOT / "evidence", date(2022, 12, 15))


def _minor_and_major_failing():
    rules = """
rules:
  - id: MAJ
    line_item: A
    clauses: [X.1]
    title: 全部合格
    from: people
    expect: ok == True
  - id: MIN
    line_item: A
    clauses: [X.2]
    title: 姓名齐全
    severity: minor
    from: people
    expect: present(name)
"""
    rows = [{"公民身份号码": make_id(seq=1), "姓名": None, "是否合格": "否"}]
    report, r = run_rules(rules, people=rows)
    assert (r["MAJ"].status, r["MAJ"].severity, r["MIN"].status, r["MIN"].severity) == (
        "fail",
        "major",
        "fail",
        "minor",
    )
    return report


def test_junit_counts_only_blocking_failures_and_puts_minor_rules_in_a_suite_of_their_own():
    root = ET.fromstring(render(_minor_and_major_failing(), "junit", "en"))
    assert root.get("failures") == "1"  # MAJ only: the minor failure does not block acceptance
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    minor = next(s for n, s in suites.items() if "minor (does not block acceptance)" in n)
    assert minor.get("failures") == "1" and minor.find("testcase/failure").get("type") == "minor:fail"
    for case in root.iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.find("properties")}
        assert props["severity"] in ("critical", "major", "minor")
        assert props["blocking"] == str(props["severity"] != "minor").lower()


def test_junit_manual_review_is_skipped_with_the_review_point(bundled):
    root = ET.fromstring(render(bundled, "junit", "zh"))
    reviews = {r.rule: r.review for r in bundled.results() if r.status == "manual_review"}
    assert reviews
    seen = 0
    for case in root.iter("testcase"):
        rule = case.get("name").split(" ")[0]
        if rule in reviews and reviews[rule]:
            assert case.find("skipped").get("message") == f"需人工审核: {reviews[rule]}"
            seen += 1
    assert seen
    blocking = [r for r in bundled.results() if r.severity != "minor" and r.status in ("fail", "missing_evidence")]
    assert int(root.get("failures")) == len(blocking) == 8  # the sample's verdicts


def check_sarif(doc: dict) -> None:
    """A minimal structural check of SARIF 2.1.0: what code-scanning uploads require."""
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(doc["runs"], list) and doc["runs"]
    for run in doc["runs"]:
        driver = run["tool"]["driver"]
        assert isinstance(driver["name"], str) and driver["name"]
        ids = [r["id"] for r in driver["rules"]]
        assert len(ids) == len(set(ids))
        for res in run["results"]:
            assert res["ruleId"] in ids and ids[res["ruleIndex"]] == res["ruleId"]
            assert res["level"] in ("none", "note", "warning", "error")
            assert isinstance(res["message"]["text"], str) and res["message"]["text"]
            for loc in res.get("locations", []) + res.get("relatedLocations", []):
                phys = loc["physicalLocation"]
                assert isinstance(phys["artifactLocation"]["uri"], str) and " " not in phys["artifactLocation"]["uri"]
                if "region" in phys:
                    assert isinstance(phys["region"]["startLine"], int) and phys["region"]["startLine"] >= 1


def test_sarif_has_one_result_per_failing_rule_and_data_problem_at_its_file_and_line(tmp_path):
    import shutil
    from urllib.parse import unquote

    from complycheck import api

    evidence = tmp_path / "evidence"  # the sample with one recheck date that is no date (a data problem)
    shutil.copytree(ROOT / "evidence", evidence)
    rechecks = evidence / "评估复核抽查.csv"
    lines = rechecks.read_bytes().decode("gb18030").split("\r\n")
    assert "2022年11月" in lines[4]
    lines[4] = re.sub(r"2022年11月[0-9]+日", "2022年11月31日", lines[4])
    rechecks.write_bytes("\r\n".join(lines).encode("gb18030"))
    bundled = api.run(ROOT / "rules", evidence, date(2022, 12, 15))
    doc = json.loads(render(bundled, "sarif", "en"))
    check_sarif(doc)
    results = doc["runs"][0]["results"]
    failing = [r for r in bundled.results() if r.status in SHOWN]
    assert len(results) == len(failing) + len(bundled.data_problems) == 9
    by_rule = {r["ruleId"]: r for r in results}
    s1a = by_rule["1-1.S1a"]
    assert s1a["level"] == "error" and s1a["properties"]["severity"] == "critical"
    loc = s1a["locations"][0]["physicalLocation"]
    path, line = Path(unquote(loc["artifactLocation"]["uri"])), loc["region"]["startLine"]
    assert path.name == "1-1.yaml" and path.read_text("utf-8").splitlines()[line - 1].strip() == "- id: 1-1.S1a"
    rows = s1a["relatedLocations"]
    assert rows and unquote(rows[0]["physicalLocation"]["artifactLocation"]["uri"]).endswith(".xlsx")
    data = [r for r in results if r["ruleId"] == "data-problem"]
    assert len(data) == 1 and data[0]["level"] == "warning"
    where = data[0]["locations"][0]["physicalLocation"]
    assert unquote(where["artifactLocation"]["uri"]).endswith("评估复核抽查.csv") and where["region"]["startLine"] == 5
    minor = json.loads(render(_minor_and_major_failing(), "sarif", "en"))
    check_sarif(minor)
    assert {r["ruleId"]: r["level"] for r in minor["runs"][0]["results"]} == {"MAJ": "error", "MIN": "warning"}


def test_github_annotations_for_failing_rules_and_evidence_problems_masked_and_escaped(bundled):
    pid = "150502195001010119"
    report = replace(
        bundled,
        data_problems=[Problem("evidence/名册, 第二版.csv", None, 7, "公民身份号码", f"无法读取 {pid}\n第二行", "x")],
    )
    lines = render(report, "github", "zh").splitlines()
    assert len(lines) == len([r for r in bundled.results() if r.status in SHOWN]) + 1
    pattern = re.compile(r"^::(error|warning) (file=[^,:]+(,line=\d+)?,)?title=[^,:]+::[^\r\n]+$")
    assert all(pattern.match(x) for x in lines), lines
    s1a = next(x for x in lines if "1-1.S1a" in x)
    assert s1a.startswith("::error file=") and re.search(r"1-1\.yaml,line=\d+,", s1a) and "%25" in s1a
    data = lines[-1]
    assert data.startswith("::error file=evidence/名册%2C 第二版.csv,line=7,title=")
    assert pid not in data and "150502********0119" in data and "%0A第二行" in data
    assert escape_property("a:b,c%d\r\n") == "a%3Ab%2Cc%25d%0D%0A" and escape_data("a:b,c%\n") == "a:b,c%25%0A"


def test_new_formats_from_the_cli(cli, tmp_path):
    out = tmp_path / "r.sarif"
    code, stdout, _ = cli(
        "evaluate", "--rules", str(ROOT / "rules"), "--evidence", str(ROOT / "evidence"), "--as-of", "2022-12-15",
        "--format", "github", "-q", "--report", f"sarif={out}",
    )  # fmt: skip
    assert code == 1 and stdout.startswith("::error file=") and json.loads(out.read_text("utf-8"))["version"] == "2.1.0"


def test_a_data_problem_line_names_file_row_and_column_without_stray_spaces(bundled):
    """`file:row column: message`, or `file:row: message` for a whole row (a newcomer saw `file:7 : message`)."""
    problems = [
        Problem("活动签到名单.csv", None, 7, None, "本行只有 3 个单元格", "the row has 3 cells", "warning"),
        Problem("名册.xlsx", "名册", 5, "日期", "无法读取", "unreadable", "warning"),
    ]
    text = render(replace(bundled, data_problems=problems), "text", "zh")
    assert "  - 活动签到名单.csv:7: 本行只有 3 个单元格" in text
    assert "  - 名册.xlsx[名册]:5 日期: 无法读取" in text
