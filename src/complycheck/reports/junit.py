"""JUnit XML, split by severity so a CI dashboard can tell what blocks acceptance.

Each line item (and the contract) gets one test suite for its blocking rules (critical and major) and, when it
has any, one for its minor rules, named "… · minor (does not block acceptance)". Every test case carries
`severity` and `blocking` properties. The `failures` and `errors` totals on `<testsuites>` count blocking rules only
(a minor failure is still a `<failure>` in its own suite, counted in that suite's attributes). Manual review and
pending are `<skipped>` with the review point or the reason as the message."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from complycheck.i18n import STATUS, t
from complycheck.reports.text import clean
from complycheck.results import Report, Result
from complycheck.values import show_value

FAILING = {"fail", "missing_evidence"}
SKIPPED = {"not_applicable", "pending", "manual_review", "waived"}
BLOCKING_SEVERITIES = ("critical", "major")


def _skip_message(r: Result, lang: str, status: str, msg: str) -> str:
    """Why a case is skipped: the review point for manual review, else the result's own message."""
    if r.status == "manual_review":
        point = r.review if lang == "zh" else (r.review_en or r.review)
        if point:
            return clean(f"{status}: {point}")
    if r.status == "waived" and r.waiver:
        reason = r.waiver.get("reason") or ""
        return clean(f"{status}: {reason or msg}")
    return msg if msg.startswith(status) else clean(f"{status}: {msg}")


def _case(suite: ET.Element, r: Result, lang: str, classname: str) -> None:
    title = r.title if lang == "zh" or not r.title_en else r.title_en
    case = ET.SubElement(suite, "testcase", name=clean(f"{r.rule} {title}"), classname=classname)
    props = ET.SubElement(case, "properties")
    ET.SubElement(props, "property", name="severity", value=r.severity)
    ET.SubElement(props, "property", name="blocking", value=str(r.severity in BLOCKING_SEVERITIES).lower())
    ET.SubElement(props, "property", name="status", value=r.status)
    msg = clean(r.message if lang == "zh" else r.message_en)
    status = t(STATUS, r.status, lang)
    if r.status == "error":
        ET.SubElement(case, "error", message=msg, type=f"{r.severity}:{r.status}").text = msg
    elif r.status in FAILING:
        el = ET.SubElement(case, "failure", message=msg, type=f"{r.severity}:{r.status}")
        lines = [msg] + [
            clean(
                f"{f.file or ''} {f.sheet or ''} row {f.row or '-'} {f.column or ''}: "
                f"{f.reason if lang == 'zh' else f.reason_en} {f.values}"
            )
            for f in r.failures
        ]
        el.text = "\n".join(lines)
    elif r.status in SKIPPED:
        ET.SubElement(case, "skipped", message=_skip_message(r, lang, status, msg))
    ET.SubElement(case, "system-out").text = clean(
        f"[{status}] clauses={','.join(r.clauses)} severity={r.severity} {msg}"
    )


def _counts(results: list[Result]) -> dict[str, int]:
    return {
        "tests": len(results),
        "failures": sum(r.status in FAILING for r in results),
        "errors": sum(r.status == "error" for r in results),
        "skipped": sum(r.status in SKIPPED for r in results),
    }


def render(report: Report, lang: str) -> str:
    root = ET.Element("testsuites", name=clean(f"complycheck {report.contract.project_no}"))
    groups = [(f"{li.id} {li.name if lang == 'zh' else li.name_en or li.name}", li.results) for li in report.line_items]
    if report.contract_results:
        groups.append(("contract" if lang == "en" else "合同整体", report.contract_results))
    minor_word = "次要（不影响验收结论）" if lang == "zh" else "minor (does not block acceptance)"
    tot = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    first: ET.Element | None = None
    for name, results in groups:
        classname = clean(name.split(" ")[0])
        blocking = [r for r in results if r.severity in BLOCKING_SEVERITIES]
        minor = [r for r in results if r.severity not in BLOCKING_SEVERITIES]
        for suite_name, rs, counted in ((name, blocking, True), (f"{name} · {minor_word}", minor, False)):
            if not rs and not counted:
                continue
            counts = _counts(rs)
            suite = ET.SubElement(
                root, "testsuite", {"name": clean(suite_name), **{k: str(v) for k, v in counts.items()}}
            )
            first = first if first is not None else suite
            for r in rs:
                _case(suite, r, lang, classname if counted else f"{classname}.minor")
            tot["tests"] += counts["tests"]
            tot["skipped"] += counts["skipped"]
            if counted:  # the totals' failures and errors are what blocks acceptance
                tot["failures"] += counts["failures"]
                tot["errors"] += counts["errors"]
    for k, v in tot.items():
        root.set(k, str(v))
    if report.parameters and first is not None:  # every parameter's value and where it came from, for a dashboard
        props = ET.Element("properties")
        for k, p in report.parameters.items():
            ET.SubElement(
                props,
                "property",
                name=clean(f"param.{k}"),
                value=clean(f"{show_value(p.value)} ({p.source or 'pack'})"),
            )
        first.insert(0, props)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
