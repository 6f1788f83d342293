"""The terminal report: Chinese by default, English with --lang en. Control sequences are stripped."""

from __future__ import annotations

import re

from complycheck.i18n import SEVERITY, STATUS, VERDICT, t, w
from complycheck.results import Report, Result
from complycheck.values import show_value

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
ICON = {
    "pass": "✓",
    "fail": "✗",
    "warn": "!",
    "not_applicable": "-",
    "missing_evidence": "?",
    "manual_review": "☐",
    "pending": "…",
    "waived": "~",
    "error": "✗",
}
SHOW_FAILURES = 5


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut between tokens (never inside a name, number or operator) with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = max(text.rfind(ch, 0, limit) for ch in " ，；、（）()")
    return text[: cut if cut > limit // 2 else limit].rstrip() + " …"


def clean(s: object) -> str:
    """Text safe for a terminal or XML: no control characters or bidi overrides."""
    return _CONTROL.sub("", "" if s is None else str(s))


def _money(v: object) -> str:
    return f"{v:,}"


def _result(r: Result, lang: str) -> list[str]:
    zh = lang == "zh"
    title = r.title if zh or not r.title_en else r.title_en
    status = t(STATUS, r.status, lang)
    sev = "" if r.severity == "major" else f" ({t(SEVERITY, r.severity, lang)})"
    out = [f"  {ICON.get(r.status, '?')} [{status}] {r.rule} {clean(title)}{sev}"]
    out.append(f"      {clean(r.message if zh else r.message_en)}")
    if r.status == "manual_review" and (r.review or r.review_en):
        out.append(f"      {w('review', lang)}: {clean(r.review if zh else (r.review_en or r.review))}")
    for f in r.failures[:SHOW_FAILURES]:
        where = " ".join(
            x
            for x in [
                clean(f.file or ""),
                f"[{clean(f.sheet)}]" if f.sheet else "",
                w("row_short", lang, n=f.row) if f.row else "",
            ]
            if x
        )
        vals = (
            "，".join(f"{clean(k)}={clean(v)}" for k, v in f.values.items())
            if zh
            else ", ".join(f"{clean(k)}={clean(v)}" for k, v in f.values.items())
        )
        reason = clean(f.reason if zh else f.reason_en)
        out.append(f"        - {where + ': ' if where else ''}{vals}  ({shorten(reason, 160)})")
    more = r.failure_count - min(len(r.failures), SHOW_FAILURES)
    if more > 0:
        out.append(f"        … {w('more_short', lang, n=more)}")
    return out


def render(report: Report, lang: str) -> str:
    c = report.contract
    zh = lang == "zh"
    lines = [
        f"{w('contract', lang)} {clean(c.project_no)}  {clean(c.title if zh or not c.title_en else c.title_en)}",
        f"{w('purchaser', lang)}: {clean(c.purchaser)}   {w('supplier', lang)}: {clean(c.supplier)}",
        f"{w('as_of', lang)}: {report.as_of}   {w('pack_short', lang)}: {clean(report.pack_id)} "
        f"{clean(report.pack_version)}",
        "",
    ]
    for li in report.line_items:
        name = li.name if zh or not li.name_en else li.name_en
        lines.append(
            f"{w('line_item', lang)} {li.id} {clean(name)}  {_money(li.amount)} {w('yuan', lang)}  —  "
            f"{t(VERDICT, li.verdict, lang)}"
        )
        for r in li.results:
            lines.extend(_result(r, lang))
        if li.blocking:
            lines.append(f"  {w('blocking_short', lang)}: {', '.join(li.blocking)}")
        lines.append("")
    if report.contract_results:
        lines.append(w("contract_level", lang))
        for r in report.contract_results:
            lines.extend(_result(r, lang))
        lines.append("")
    uncovered = [x["clause"] for x in report.clause_coverage if x["status"] == "uncovered"]
    covered = len(report.clause_coverage) - len(uncovered)
    lines.append(
        f"{w('coverage', lang)}: {covered}/{len(report.clause_coverage)}"
        + (f"  {w('uncovered_short', lang)}: {', '.join(uncovered)}" if uncovered else "")
    )
    if report.data_problems:
        lines.append(f"{w('data_problems', lang)}: {len(report.data_problems)}")
        for p in report.data_problems[:10]:
            loc = clean(p.file) + (f"[{clean(p.sheet)}]" if p.sheet else "") + (f":{p.row}" if p.row else "")
            loc += f" {clean(p.column)}" if p.column else ""
            lines.append(f"  - {loc}: {clean(p.message if zh else p.message_en)}")
        if len(report.data_problems) > 10:
            lines.append(f"  … {w('more_short', lang, n=len(report.data_problems) - 10)}")
    decided = [(k, p) for k, p in report.parameters.items() if p.source]
    if decided:  # bureau decisions set for this run, not the pack's values: say so on every report
        lines.append(
            ("本次运行设定的民政局决定参数：" if zh else "Bureau decisions set for this run: ")
            + ("；" if zh else "; ").join(
                f"{clean(k)} = {clean(show_value(p.value))}（{clean(p.source)}）" for k, p in decided
            )
        )
    for zh_note, en_note in report.notes:
        lines.append(f"{w('notes', lang)}: {clean(zh_note if zh else en_note)}")
    counts: dict[str, int] = {}
    for r in [r for li in report.line_items for r in li.results] + report.contract_results:
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = ("，" if zh else ", ").join(f"{t(STATUS, k, lang)} {v}" for k, v in sorted(counts.items()))
    lines.append(f"{w('summary', lang)}: {summary}")
    from complycheck.decisions.clock import text_lines  # the panel's decisions, final verdict, payment clock

    lines.extend(clean(x) for x in text_lines(report, lang))
    final = report.acceptance.verdict if report.acceptance else report.verdict  # after the panel's decisions
    lines.append(f"{w('verdict', lang)}: {t(VERDICT, final, lang)}")
    return "\n".join(lines) + "\n"
