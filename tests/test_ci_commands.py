"""A rules repository's CI (#14.5): `complycheck test --format junit|json --output`, and `validate` checks the
rule tests too and says when it did not check evidence."""

import json
import shutil
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT

PACK = ROOT / "examples" / "home-care-visits" / "rules"


@pytest.fixture
def broken(tmp_path):
    """The home-care pack with one wrong expectation."""
    rules = tmp_path / "rules"
    shutil.copytree(PACK, rules)
    t = rules / "tests" / "0-contract-level.yaml"
    text = t.read_text("utf-8")
    assert "expect: pass" in text
    t.write_text(text.replace("expect: pass", "expect: fail", 1), "utf-8")
    return rules


def test_rule_tests_as_junit_and_json(cli, broken, tmp_path):
    out = tmp_path / "tests.xml"
    code, stdout, _ = cli("test", "--rules", str(broken), "--format", "junit", "--output", str(out))
    assert code == 1 and stdout.strip().endswith("passed, 1 failed")
    root = ET.parse(out).getroot()
    assert root.get("failures") == "1" and int(root.get("tests")) >= 40
    suites = {s.get("name").rsplit("/", 1)[-1]: s for s in root.findall("testsuite")}
    assert suites["0-contract-level.yaml"].get("failures") == "1"
    failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert len(failed) == 1 and "0-contract-level.yaml:" in failed[0].find("failure").get("message")
    code, stdout, _ = cli("test", "--rules", str(broken), "--format", "json")
    doc = json.loads(stdout)
    assert code == 1 and doc["summary"]["failed"] == 1
    (bad,) = [t for t in doc["tests"] if not t["ok"]]
    assert bad["expect"] == "fail" and bad["got"] == "pass" and bad["as_of"] == "2024-06-30"
    code, stdout, _ = cli("test", "--rules", str(PACK), "--format", "json")
    assert code == 0 and json.loads(stdout)["summary"]["failed"] == 0


def test_validate_checks_the_rule_tests_with_file_and_line(cli, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(PACK, rules)
    (rules / "tests" / "zz.yaml").write_text(
        "tests:\n  - name: x\n    rule: 9.S9\n    expect: pass\n"
        "  - name: y\n    rule: 1.S1-reach\n    datasets: {no_such_data: []}\n    expect: pass\n",
        "utf-8",
    )
    code, out, err = cli("validate", "--rules", str(rules), "--lang", "en")
    assert code == 2
    assert "zz.yaml:3:" in err and "unknown rule '9.S9'" in err
    assert "zz.yaml:7:" in err and "undeclared dataset 'no_such_data'" in err
    assert "2 errors" in out and "evidence not checked (no --evidence given)" in out


def test_validate_says_whether_evidence_was_checked(cli):
    code, out, _ = cli("validate", "--rules", str(ROOT / "rules"))
    assert code == 0 and "未检查证据（未指定 --evidence）" in out
    code, out, _ = cli("validate", "--rules", str(ROOT / "rules"), "--evidence", str(ROOT / "evidence"))
    assert code == 0 and "未检查证据" not in out
