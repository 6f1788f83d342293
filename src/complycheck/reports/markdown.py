"""The acceptance report in Markdown: the HTML report's content without charts, for documents and CI comments."""

from __future__ import annotations

import re
from typing import Any

from complycheck.reports.common import (
    OPEN_FOR_SIGNOFF,
    L,
    clause_texts,
    engine_version,
    message_of,
    param_note,
    severity_word,
    status_word,
    title_of,
    verdict_word,
)
from complycheck.reports.text import clean
from complycheck.results import Report, Result
from complycheck.values import show_value

MAX_ROWS = 20
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")


def md(s: Any) -> str:
    """Text that renders as itself: HTML escaped, Markdown syntax escaped, one line."""
    text = clean("" if s is None else str(s)).replace("\r", " ").replace("\n", " ")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(md(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return out + [""]


def _result(report: Report, r: Result, lang: str) -> list[str]:
    out = [
        f"#### {md(status_word(r.status, lang))} · {md(r.rule)} {md(title_of(r, lang))}",
        "",
        f"{md(L('severity', lang))}: {md(severity_word(r.severity, lang))} · {md(L('clause', lang))}: "
        f"{md(', '.join(r.clauses))}",
        "",
    ]
    for cid, text in clause_texts(report, r):
        out += [f"> {md(L('clause_text', lang))} {md(cid)}: {md(text)}", ""]
    out += [f"**{md(message_of(r, lang))}**", ""]
    if r.failures:
        out += [f"{md(L('failures', lang))} ({r.failure_count})", ""]
        out += _table(
            [L(k, lang) for k in ("file", "row", "column", "values", "reason")],
            [
                [
                    f"{f.file or ''}{(' [' + f.sheet + ']') if f.sheet else ''}",
                    f.row or "",
                    f.column or "",
                    "; ".join(f"{k}={v}" for k, v in f.values.items()),
                    f.reason if lang == "zh" else f.reason_en,
                ]
                for f in r.failures[:MAX_ROWS]
            ],
        )
        more = r.failure_count - min(len(r.failures), MAX_ROWS)
        if more > 0:
            out += [md(L("more", lang, n=more)), ""]
    if r.status in OPEN_FOR_SIGNOFF:
        review = r.review if lang == "zh" else (r.review_en or r.review)
        if r.waiver:
            w = r.waiver
            out += [
                f"{md(L('waiver', lang))}: {md(w.get('reason'))} — {md(w.get('approver'))} "
                f"{md(w.get('reference', ''))} ({md(w.get('start'))} – {md(w.get('expires'))})",
                "",
            ]
        if review:
            out += [f"{md(L('review', lang))}: {md(review)}", ""]
        out += [
            f"{md(L('decision', lang))}: {md(L('agree', lang))} \\_\\_\\_\\_\\_\\_\\_\\_ {md(L('reviewer', lang))}: "
            f"\\_\\_\\_\\_\\_\\_\\_\\_ {md(L('date', lang))}: \\_\\_\\_\\_\\_\\_",
            "",
        ]
    return out


def render(report: Report, lang: str) -> str:
    c = report.contract
    zh = lang == "zh"
    out = [f"# {md(L('title', lang))} {md(c.project_no)}", ""]
    out += _table(
        ["", ""],
        [
            [L("project", lang), c.title if zh else (c.title_en or c.title)],
            [L("purchaser", lang), c.purchaser],
            [L("supplier", lang), c.supplier],
            [L("agency", lang), c.agency],
            [L("total", lang), f"{c.total_amount:,} {L('yuan', lang)}"],
            [L("as_of", lang), report.as_of.isoformat()],
            [L("pack", lang), f"{report.pack_id} {report.pack_version}"],
            [L("engine", lang), f"complycheck {engine_version()}"],
            [L("overall", lang), verdict_word(report.verdict, lang)],
        ],
    )
    out += [f"## {md(L('line_items', lang))}", ""]
    out += _table(
        [L(k, lang) for k in ("line_item", "project", "amount", "verdict", "blocking", "open")],
        [
            [
                li.id,
                li.name if zh else (li.name_en or li.name),
                f"{li.amount:,}",
                verdict_word(li.verdict, lang),
                ", ".join(li.blocking),
                ", ".join(li.open),
            ]
            for li in report.line_items
        ],
    )
    if report.acceptance:  # the panel's decisions: who decided what and why, the final verdicts, the payment clock
        from complycheck.decisions.clock import text_lines

        said = [x.strip() for x in text_lines(report, lang)]
        out += [f"## {md(said[0].rstrip('：:'))}", ""] + [f"- {md(x)}" for x in said[1:]] + [""]
    for li in report.line_items:
        out += [
            f"## {md(L('line_item', lang))} {md(li.id)} {md(li.name if zh else (li.name_en or li.name))} · "
            f"{li.amount:,} · {md(verdict_word(li.verdict, lang))}",
            "",
        ]
        for r in li.results:
            out += _result(report, r, lang)
    out += [f"## {md(L('contract_level', lang))}", ""]
    for r in report.contract_results:
        out += _result(report, r, lang)
    out += [f"## {md(L('coverage', lang))}", ""]
    out += _table(
        [L(k, lang) for k in ("clause", "rules", "status")],
        [[x["clause"], ", ".join(x["rules"]), status_word(x["status"], lang)] for x in report.clause_coverage],
    )
    out += [f"## {md(L('params', lang))}", ""]
    out += _table(
        [L("param", lang), "", L("value", lang), ""],
        [
            [
                k,
                p.title if zh else (p.title_en or p.title),
                show_value(p.value),
                param_note(p, lang),
            ]
            for k, p in report.parameters.items()
        ],
    )
    out += [f"## {md(L('inputs', lang))}", ""]
    out += _table(
        [L("file", lang), L("kind", lang), "SHA-256"], [[i["path"], i["kind"], i["sha256"]] for i in report.inputs]
    )
    if report.data_problems:
        out += [f"## {md(L('data_problems', lang))}", ""]
        out += [
            f"- {md(p.file)}{md(' [' + p.sheet + ']') if p.sheet else ''}{(':' + str(p.row)) if p.row else ''} "
            f"{md(p.column or '')}: {md(p.message if zh else p.message_en)}"
            for p in report.data_problems[:100]
        ] + [""]
    if report.notes:
        out += [f"## {md(L('notes', lang))}", ""] + [f"- {md(zh_ if zh else en_)}" for zh_, en_ in report.notes] + [""]
    out += [f"## {md(L('panel', lang))}", ""]
    out += _table(["#", L("member", lang), L("signature", lang)], [[i, "", ""] for i in range(1, 6)])
    return "\n".join(out).rstrip("\n") + "\n"
