"""JUnit XML: one test suite per line item (and one for the contract), one test case per rule."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from complycheck.i18n import STATUS, t
from complycheck.reports.text import clean
from complycheck.results import Report, Result
from complycheck.values import show_value

FAILING = {"fail", "missing_evidence"}
SKIPPED = {"not_applicable", "pending", "manual_review", "waived"}


def _case(suite: ET.Element, r: Result, lang: str, classname: str) -> None:
    title = r.title if lang == "zh" or not r.title_en else r.title_en
    case = ET.SubElement(suite, "testcase", name=clean(f"{r.rule} {title}"), classname=classname)
    msg = clean(r.message if lang == "zh" else r.message_en)
    status = t(STATUS, r.status, lang)
    if r.status == "error":
        ET.SubElement(case, "error", message=msg, type=r.status).text = msg
    elif r.status in FAILING:
        el = ET.SubElement(case, "failure", message=msg, type=r.status)
        lines = [msg] + [
            clean(
                f"{f.file or ''} {f.sheet or ''} row {f.row or '-'} {f.column or ''}: "
                f"{f.reason if lang == 'zh' else f.reason_en} {f.values}"
            )
            for f in r.failures
        ]
        el.text = "\n".join(lines)
    elif r.status in SKIPPED:
        ET.SubElement(case, "skipped", message=clean(f"{status}: {msg}"))
    ET.SubElement(case, "system-out").text = clean(
        f"[{status}] clauses={','.join(r.clauses)} severity={r.severity} {msg}"
    )


def render(report: Report, lang: str) -> str:
    root = ET.Element("testsuites", name=clean(f"complycheck {report.contract.project_no}"))
    groups = [(f"{li.id} {li.name}", li.results) for li in report.line_items]
    if report.contract_results:
        groups.append(("contract" if lang == "en" else "合同整体", report.contract_results))
    tot = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for name, results in groups:
        counts = {
            "tests": len(results),
            "failures": sum(r.status in FAILING for r in results),
            "errors": sum(r.status == "error" for r in results),
            "skipped": sum(r.status in SKIPPED for r in results),
        }
        suite = ET.SubElement(root, "testsuite", {"name": clean(name), **{k: str(v) for k, v in counts.items()}})
        for r in results:
            _case(suite, r, lang, clean(name.split(" ")[0]))
        for k in tot:
            tot[k] += counts[k]
    for k, v in tot.items():
        root.set(k, str(v))
    if report.parameters:  # every parameter's value and where it came from, for a CI dashboard
        props = ET.Element("properties")
        for k, p in report.parameters.items():
            ET.SubElement(
                props,
                "property",
                name=clean(f"param.{k}"),
                value=clean(f"{show_value(p.value)} ({p.source or 'pack'})"),
            )
        for suite in root:
            suite.insert(0, props)
            break
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
