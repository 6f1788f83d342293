"""Every example pack under examples/*/rules: it validates, its rule tests pass, the sample fails exactly the rules
its README lists, nothing personal leaks, and its generator reproduces the committed evidence byte for byte."""

import filecmp
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PACKS = sorted(p.parent for p in (ROOT / "examples").glob("*/rules") if p.is_dir())


def test_there_is_at_least_one_example_pack():
    assert PACKS, "no examples/*/rules found"


def readme_as_of(pack: Path) -> str:
    m = re.search(r"--as-of (\d{4}-\d{2}-\d{2})", (pack / "README.md").read_text("utf-8"))
    assert m, f"{pack.name}/README.md names no --as-of date"
    return m.group(1)


def intended_failures(pack: Path) -> set[str]:
    """The rule ids in the first column of the README's intended-failures table (the section after '## 预期结果')."""
    text = (pack / "README.md").read_text("utf-8")
    section = text.split("## 预期结果", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([^`]+)`", section, re.M))


@pytest.fixture(scope="module", params=PACKS, ids=lambda p: p.name)
def pack(request):
    return request.param


@pytest.fixture(scope="module")
def report(pack):
    from click.testing import CliRunner

    from complycheck.cli import main

    args = [
        "evaluate",
        "--rules",
        str(pack / "rules"),
        "--evidence",
        str(pack / "evidence"),
        "--as-of",
        readme_as_of(pack),
        "--format",
        "json",
    ]
    res = CliRunner().invoke(main, args, catch_exceptions=False)
    assert res.exit_code in (0, 1), res.stderr
    return res.exit_code, json.loads(res.stdout), res.stdout


def all_results(data: dict) -> list[dict]:
    return [r for li in data["line_items"] for r in li["results"]] + data["contract_results"]


def test_validate_exits_0(pack, cli):
    code, out, err = cli("validate", "--rules", str(pack / "rules"), "--evidence", str(pack / "evidence"))
    assert code == 0, out + err
    warnings = [line for line in (out + err).splitlines() if "警告" in line and "个警告" not in line]
    # no unused parameter or other warning; only the reminder about rules that take an empty population as fine
    assert all("在总体为空时给出" in line for line in warnings), warnings


def test_rule_tests_all_pass_and_every_rule_has_a_passing_and_a_failing_case(pack, cli):
    code, out, err = cli("test", "--rules", str(pack / "rules"))
    assert code == 0, out + err
    assert re.search(r"^(\d+) passed, 0 failed$", out, re.M), out
    import yaml

    rules = {
        r["id"]
        for f in (pack / "rules").glob("*.yaml")
        for r in (yaml.safe_load(f.read_text("utf-8")) or {}).get("rules", [])
    }
    tests = [
        t for f in (pack / "rules" / "tests").glob("*.yaml") for t in yaml.safe_load(f.read_text("utf-8"))["tests"]
    ]
    for rid in rules:
        expected = {t["expect"] for t in tests if t["rule"] == rid}
        assert "fail" in expected and expected & {"pass", "manual_review", "warn"}, (rid, expected)


def test_evaluate_fails_exactly_the_rules_the_readme_lists(pack, report):
    code, data, _ = report
    failing = {r["rule"] for r in all_results(data) if r["status"] == "fail"}
    assert failing == intended_failures(pack)
    assert code == (1 if failing else 0)
    assert not [r["rule"] for r in all_results(data) if r["status"] in ("error", "missing_evidence")]
    assert data["data_problems"] == []  # every cell of the sample reads cleanly


def test_every_rule_cites_catalogue_clauses_and_every_clause_is_covered(pack, report):
    _, data, _ = report
    assert all(r["clauses"] for r in all_results(data))
    assert all(c["rules"] for c in data["clause_coverage"])


def test_catalogue_quotes_the_contract_text_exactly(pack):
    import yaml

    cat = yaml.safe_load((pack / "rules" / "catalogue" / "clauses.yaml").read_text("utf-8"))
    source = pack / cat["meta"]["source_file"]
    text = source.read_text("utf-8")
    for c in cat["clauses"]:
        spans = c["source_text"] if isinstance(c["source_text"], list) else [c["source_text"]]
        for s in spans:
            assert s in text, (c["id"], s)


def test_no_unmasked_id_or_phone_number_in_the_report(pack, report):
    _, _, out = report
    assert not re.search(r"(?<!\d)\d{17}[\dX](?!\d)", out)
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", out)


def test_sample_files_are_small(pack):
    files = [f for f in (pack / "evidence").iterdir() if f.is_file()]
    assert files and all(f.stat().st_size < 200_000 for f in files)


def test_generator_reproduces_the_evidence_byte_for_byte(pack, tmp_path):
    subprocess.run([sys.executable, str(pack / "generate.py"), str(tmp_path)], check=True, cwd=tmp_path)
    cmp = filecmp.dircmp(pack / "evidence", tmp_path)
    assert not cmp.left_only and not cmp.right_only, (cmp.left_only, cmp.right_only)
    _, mismatch, errors = filecmp.cmpfiles(pack / "evidence", tmp_path, cmp.common_files, shallow=False)
    assert not mismatch and not errors


def test_home_care_visits_key_figures(cli):
    """The figures the home-care-visits README quotes, from the CLI's JSON report (stable while src/ is reshaped)."""
    pack = ROOT / "examples" / "home-care-visits"
    code, out, _ = cli(
        "evaluate",
        "--rules",
        str(pack / "rules"),
        "--evidence",
        str(pack / "evidence"),
        "--as-of",
        readme_as_of(pack),
        "--format",
        "json",
    )
    data = json.loads(out)
    by = {r["rule"]: r for r in all_results(data)}
    assert (by["1.S1-reach"]["measured"]["numerator"], by["1.S1-reach"]["measured"]["denominator"]) == (64, 65)
    assert by["1.S1-volume"]["measured"]["counts"] == {"2024-03": 154, "2024-04": 153, "2024-05": 148}
    assert by["1.S1-volume"]["threshold"]["min_per_period"] == 124
    assert by["1.S3"]["failure_count"] == 8
    assert (by["3.S2"]["measured"]["numerator"], by["3.S2"]["measured"]["denominator"]) == (102, 108)
    assert [li["verdict"] for li in data["line_items"]] == ["not_accepted", "accepted", "not_accepted"]
    assert code == 1 and data["verdict"] == "not_accepted"


def test_home_care_visits_per_beneficiary_figures_in_the_readme():
    """The clauses awaiting a per-beneficiary form (1.S1, 3.S2): the README's month-by-month figures, computed here
    straight from the sample files without the engine, so the future per-entity rules have a checked expectation."""
    import calendar
    import csv
    import io
    from collections import Counter
    from datetime import date

    from openpyxl import load_workbook

    ev = ROOT / "examples" / "home-care-visits" / "evidence"
    wb = load_workbook(ev / "居家上门服务对象名册.xlsx", read_only=True)
    try:  # a read-only workbook holds its file open until closed
        rows = list(wb.active.iter_rows(min_row=3, values_only=True))  # row 1 title, row 2 header
    finally:
        wb.close()
    people = [(r[0], r[5].date(), r[6].date() if r[6] else None) for r in rows]
    visits = list(csv.DictReader(io.StringIO((ev / "上门服务记录.csv").read_bytes().decode("gbk"))))

    def cn(s: str) -> date:
        return date(*map(int, re.findall(r"\d+", s)))

    valid = Counter(
        (v["服务对象身份证号"], cn(v["服务日期"]).month)
        for v in visits
        if v["是否签字确认"] == "是" and int(v["服务时长（分钟）"]) >= 60
    )
    per_month = {}
    for m in (3, 4, 5):
        first, last = date(2024, m, 1), date(2024, m, calendar.monthrange(2024, m)[1])
        pop = [p for p, enrolled, left in people if enrolled <= last and (left is None or left >= first)]
        per_month[m] = (sum(valid[(p, m)] >= 2 for p in pop), len(pop))
    assert per_month == {3: (64, 65), 4: (63, 65), 5: (60, 64)}  # May 93.8% < 95%: the per-beneficiary form fails May

    calls = list(csv.DictReader(io.StringIO((ev / "回访满意度记录.csv").read_bytes().decode("utf-8-sig"))))
    sat = {
        m: (
            sum(c["总体评价"] in ("满意", "基本满意") for c in calls if date.fromisoformat(c["回访日期"]).month == m),
            sum(date.fromisoformat(c["回访日期"]).month == m for c in calls),
        )
        for m in (3, 4, 5)
    }
    assert sat == {3: (35, 36), 4: (32, 36), 5: (35, 36)}  # April 88.9% < 90%: the monthly form fails April
