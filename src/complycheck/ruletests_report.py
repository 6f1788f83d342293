"""`complycheck test --format text|junit|json`: a rule-test run as a document, for a rules repository's CI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from complycheck.reports.text import clean
from complycheck.ruletests import TestOutcome, TestRun

TEST_FORMATS = ("text", "junit", "json")


def _file_of(o: TestOutcome) -> str:
    """The test file of an outcome (its `where` is file:line:column)."""
    return o.test.where.rsplit(":", 2)[0] if o.test.where.count(":") >= 2 else o.test.where


def render_text(run: TestRun, lang: str) -> str:
    zh = lang == "zh"
    lines = []
    for o in run.outcomes:
        line = f"{'✓' if o.ok else '✗'} {o.test.rule}  {clean(o.test.name)}  → {o.got}"
        if not o.ok:
            line += f"\n    {o.test.where}: {clean(o.detail)}"
        lines.append(line)
    if run.untested:
        lines.append(("没有测试的规则：" if zh else "rules without tests: ") + ", ".join(run.untested))
    if run.missing_fail_case:
        lines.append(
            ("没有“不通过”测试的规则：" if zh else "rules without a failing case: ") + ", ".join(run.missing_fail_case)
        )
    if run.missing_pass_case:
        lines.append(
            ("没有“通过”测试的规则：" if zh else "rules without a passing case: ") + ", ".join(run.missing_pass_case)
        )
    lines.append(f"{len(run.outcomes) - len(run.failed)} passed, {len(run.failed)} failed")
    return "".join(x + "\n" for x in lines)


def render_json(run: TestRun) -> str:
    doc: dict[str, Any] = {
        "summary": {
            "tests": len(run.outcomes),
            "passed": len(run.outcomes) - len(run.failed),
            "failed": len(run.failed),
        },
        "tests": [
            {
                "name": o.test.name,
                "rule": o.test.rule,
                "where": o.test.where,
                "as_of": o.test.as_of.isoformat(),
                "expect": o.test.expect,
                "got": o.got,
                "ok": o.ok,
                "detail": o.detail or None,
            }
            for o in run.outcomes
        ],
        "untested": run.untested,
        "missing_fail_case": run.missing_fail_case,
        "missing_pass_case": run.missing_pass_case,
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def render_junit(run: TestRun, lang: str) -> str:
    """One test suite per test file, one test case per test (classname: the rule it tests)."""
    root = ET.Element("testsuites", name="complycheck rule tests")
    suites: dict[str, list[TestOutcome]] = {}
    for o in run.outcomes:
        suites.setdefault(_file_of(o), []).append(o)
    failures = 0
    for file, outcomes in suites.items():
        n_fail = sum(not o.ok for o in outcomes)
        failures += n_fail
        suite = ET.SubElement(
            root, "testsuite", name=clean(file), tests=str(len(outcomes)), failures=str(n_fail), errors="0"
        )
        for o in outcomes:
            case = ET.SubElement(suite, "testcase", name=clean(o.test.name), classname=clean(o.test.rule), file=file)
            if not o.ok:
                msg = clean(f"{o.test.where}: {o.detail}")
                ET.SubElement(case, "failure", message=msg, type=f"expected {o.test.expect}, got {o.got}").text = msg
    if run.untested or run.missing_fail_case or run.missing_pass_case:  # coverage gaps, for a dashboard
        first = root.find("testsuite")
        if first is None:
            first = ET.SubElement(root, "testsuite", name="coverage", tests="0", failures="0", errors="0")
        props = ET.Element("properties")
        first.insert(0, props)
        for key, ids in (
            ("untested", run.untested),
            ("missing_fail_case", run.missing_fail_case),
            ("missing_pass_case", run.missing_pass_case),
        ):
            ET.SubElement(props, "property", name=key, value=", ".join(ids))
    root.set("tests", str(len(run.outcomes)))
    root.set("failures", str(failures))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render_run(run: TestRun, fmt: str, lang: str) -> str:
    if fmt == "json":
        return render_json(run)
    if fmt == "junit":
        return render_junit(run, lang)
    return render_text(run, lang)
