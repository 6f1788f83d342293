"""Rendering a comparison of two rounds (`diff.compare`) as text, Markdown or HTML; JSON is the data itself."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from complycheck.reports.text import clean
from complycheck.rounds.diff import exit_code

W: dict[str, tuple[str, str]] = {
    "title": ("两轮验收对比", "Comparison of two acceptance rounds"),
    "old": ("上一轮", "earlier round"),
    "new": ("本轮", "this round"),
    "verdict": ("结论", "verdict"),
    "regressed": ("退步（上一轮通过、本轮不通过）", "regressed (passed before, fails now)"),
    "fixed": ("已整改", "fixed"),
    "still_failing": ("仍未达标", "still failing"),
    "new_failure": ("新增不通过", "newly failing"),
    "changed": ("状态变化", "status changed"),
    "unchanged": ("状态未变", "status unchanged"),
    "added": ("新增规则", "rule added"),
    "removed": ("规则已删除", "rule removed"),
    "rules": ("规则逐条对比", "Rule by rule"),
    "rule": ("规则", "rule"),
    "clauses": ("条款", "clauses"),
    "before": ("之前", "before"),
    "after": ("之后", "after"),
    "change": ("变化", "change"),
    "rows": ("不通过的行", "Failing rows"),
    "rows_fixed": ("已整改的行", "rows fixed"),
    "rows_still": ("仍不通过的行", "rows still failing"),
    "rows_new": ("新出现的不通过行", "rows newly failing"),
    "partial": (
        "报告只列出每条规则的前 50 行，行的对比可能不完整",
        "reports list the first 50 rows per rule: the row comparison may be incomplete",
    ),
    "rewritten": ("已验收证据被改写", "Accepted evidence rewritten"),
    "evidence": ("证据文件（按 SHA-256）", "Evidence files (by SHA-256)"),
    "files_added": ("新增", "added"),
    "files_removed": ("删除", "removed"),
    "files_changed": ("内容变化", "changed"),
    "named_by": ("上一轮指出问题行的规则", "rules whose failing rows were in it before"),
    "pack": ("规则包与参数", "Rule pack and parameters"),
    "rule_files": ("规则文件", "rule files"),
    "parameters": ("参数", "parameters"),
    "waivers": ("豁免文件", "waiver file"),
    "clause_status": ("条款状态变化", "Clause status changes"),
    "nothing": ("无", "none"),
    "file": ("文件", "file"),
    "row": ("行", "row"),
    "values": ("值（已脱敏）", "values (masked)"),
    "summary_ok": ("没有退步，也没有改写已验收的证据。", "Nothing regressed and no accepted evidence was rewritten."),
    "summary_bad": (
        "有退步或已验收证据被改写，见下。",
        "Something regressed or accepted evidence was rewritten: see below.",
    ),
    "line_items": ("品目结论", "Line-item verdicts"),
    "run": ("评估日期", "as of"),
}


def _w(key: str, lang: str) -> str:
    zh, en = W[key]
    return zh if lang == "zh" else en


def _c(s: Any) -> str:
    return clean("" if s is None else str(s))


def _status(side: dict[str, Any] | None, lang: str) -> str:
    from complycheck.reports.common import status_word

    return "—" if side is None else status_word(side["status"], lang)


def _figure(side: dict[str, Any] | None, lang: str) -> str:
    return "" if side is None else _c(side["figure"][lang])


def _vals(row: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v}" for k, v in row["values"].items())


def _where(row: dict[str, Any], lang: str) -> str:
    out = _c(row.get("file") or "")
    if row.get("sheet"):
        out += f"[{_c(row['sheet'])}]"
    if row.get("row") is not None:
        out += f" {_w('row', lang)} {row['row']}" if lang == "zh" else f" row {row['row']}"
    return out.strip()


def _interesting(r: dict[str, Any]) -> bool:
    rows = r["rows"]
    return (
        r["change"] != "unchanged"
        or bool(rows["fixed"] or rows["new"])
        or (r["before"] is not None and r["after"] is not None and r["before"]["figure"] != r["after"]["figure"])
    )


def _rewritten_line(x: dict[str, Any], lang: str) -> str:
    zh = lang == "zh"
    if x["kind"] == "standard":
        return (
            f"{x['rule']}：上一轮已通过，数字减少 {x['before']} → {x['after']}（已验收的行被删除或改动）"
            if zh
            else f"{x['rule']}: passed before, figures went down {x['before']} → {x['after']} (accepted rows removed "
            "or changed)"
        )
    what = ("期间" if x["kind"] == "period" else "组") if zh else x["kind"]
    after = "—" if x["after"] is None else x["after"]
    return (
        f"{x['rule']}：{what} {_c(x['of'])} 上一轮已达标（{x['before']}），本轮为 {after}"
        if zh
        else f"{x['rule']}: {what} {_c(x['of'])} met its minimum before ({x['before']}), now {after}"
    )


def render_text(d: dict[str, Any], lang: str, markdown: bool = False) -> str:
    zh = lang == "zh"
    h1, h2 = ("# ", "## ") if markdown else ("", "== ")
    bullet = "- "
    out = [f"{h1}{_w('title', lang)}", ""]
    for side in ("old", "new"):
        s = d[side]
        from complycheck.reports.common import verdict_word

        out.append(
            f"{bullet}{_w(side, lang)}: {_c(s['path'])} · {_w('run', lang)} {s['as_of']} · "
            f"{_w('verdict', lang)} {verdict_word(s['verdict'], lang)} · "
            f"{_c(s['pack']['id'])} {_c(s['pack']['version'])}"
            f" · complycheck {_c(s['tool']['version'])}"
        )
    out += ["", _w("summary_bad" if exit_code(d) else "summary_ok", lang), ""]
    counts = ", ".join(f"{_w(k, lang)} {v}" for k, v in d["counts"].items())
    out.append(counts)
    out.append("")
    if d["regressed"]:
        out.append(f"{h2}{_w('regressed', lang)}")
        out += [f"{bullet}{r}" for r in d["regressed"]]
        out.append("")
    if d["rewritten_accepted"]:
        out.append(f"{h2}{_w('rewritten', lang)}")
        out += [f"{bullet}{_rewritten_line(x, lang)}" for x in d["rewritten_accepted"]]
        out.append("")
    out.append(f"{h2}{_w('line_items', lang)}")
    from complycheck.reports.common import verdict_word

    for li in d["line_items"]:
        b = verdict_word(li["before"], lang) if li["before"] else "—"
        a = verdict_word(li["after"], lang) if li["after"] else "—"
        out.append(f"{bullet}{li['id']}: {b} → {a}")
    out.append("")
    out.append(f"{h2}{_w('rules', lang)}")
    if markdown:
        out.append(
            f"| {_w('rule', lang)} | {_w('clauses', lang)} | {_w('before', lang)} | {_w('after', lang)} | "
            f"{_w('change', lang)} |"
        )
        out.append("|---|---|---|---|---|")
    for r in d["rules"]:
        before = f"{_status(r['before'], lang)} {_figure(r['before'], lang)}".strip()
        after = f"{_status(r['after'], lang)} {_figure(r['after'], lang)}".strip()
        if markdown:
            cells = [r["rule"], ", ".join(r["clauses"]), before, after, _w(r["change"], lang)]
            out.append("| " + " | ".join(_c(x).replace("|", "\\|") for x in cells) + " |")
            continue
        if not _interesting(r):
            continue
        out.append(f"{bullet}{r['rule']} ({', '.join(_c(c) for c in r['clauses'])}) [{_w(r['change'], lang)}]")
        out.append(f"    {_w('before', lang)}: {before}")
        out.append(f"    {_w('after', lang)}: {after}")
    if not markdown:
        n_same = sum(1 for r in d["rules"] if not _interesting(r))
        out.append(f"{bullet}{'其余' if zh else 'other rules'}: {n_same} {'条未变' if zh else 'unchanged'}")
    out.append("")
    row_lines = []
    for r in d["rules"]:
        rows = r["rows"]
        for key, label in (("fixed", "rows_fixed"), ("still_failing", "rows_still"), ("new", "rows_new")):
            for row in rows[key]:
                where = f"{_where(row, lang)} " if _where(row, lang) else ""
                row_lines.append(f"{bullet}{r['rule']} {_w(label, lang)}: {where}{_c(_vals(row))}")
    if row_lines:
        out.append(f"{h2}{_w('rows', lang)}")
        out += row_lines
        if any(r["rows"]["partial"] for r in d["rules"]):
            out.append(f"({_w('partial', lang)})")
        out.append("")
    ev = d["evidence"]
    out.append(f"{h2}{_w('evidence', lang)}")
    for f in ev["added"]:
        out.append(f"{bullet}{_w('files_added', lang)}: {_c(f)}")
    for f in ev["removed"]:
        out.append(f"{bullet}{_w('files_removed', lang)}: {_c(f)}")
    for c in ev["changed"]:
        named = f" ({_w('named_by', lang)}: {', '.join(c['named_by'])})" if c["named_by"] else ""
        out.append(
            f"{bullet}{_w('files_changed', lang)}: {_c(c['file'])} {c['before'][:12]}… → {c['after'][:12]}…{named}"
        )
    if not (ev["added"] or ev["removed"] or ev["changed"]):
        out.append(f"{bullet}{_w('nothing', lang)}")
    out.append("")
    out.append(f"{h2}{_w('pack', lang)}")
    if d["pack"]["changed"]:
        b, a = d["pack"]["before"], d["pack"]["after"]
        out.append(f"{bullet}{_c(b['id'])} {_c(b['version'])} → {_c(a['id'])} {_c(a['version'])}")
    rf = d["rule_files"]
    for key in ("added", "removed", "changed"):
        for f in rf[key]:
            out.append(f"{bullet}{_w('rule_files', lang)} {_w('files_' + key, lang)}: {_c(f)}")
    for p in d["parameters"]:
        out.append(
            f"{bullet}{_w('parameters', lang)} {_c(p['name'])}: {_c(p['before'])} ({_c(p['source_before'])}) → "
            f"{_c(p['after'])} ({_c(p['source_after'])})"
        )
    if d["waivers_changed"]:
        out.append(f"{bullet}{_w('waivers', lang)}: {_w('files_changed', lang)}")
    if not (d["pack"]["changed"] or any(rf.values()) or d["parameters"] or d["waivers_changed"]):
        out.append(f"{bullet}{_w('nothing', lang)}")
    if d["clauses"]:
        out += ["", f"{h2}{_w('clause_status', lang)}"]
        from complycheck.reports.common import status_word

        def sw(s: str | None) -> str:
            return "—" if s is None else (status_word(s, lang) if s != "uncovered" else s)

        out += [f"{bullet}{_c(c['clause'])}: {sw(c['before'])} → {sw(c['after'])}" for c in d["clauses"]]
    return "\n".join(out) + "\n"


CSS = (
    "body{font-family:'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',system-ui,sans-serif;"
    "color:#1a1a1a;max-width:1100px;margin:0 auto;padding:1rem 1.25rem;line-height:1.5}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.92rem}"
    "th,td{border:1px solid #c8c8c8;padding:.3rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}"
    "th{background:#f1f1f1}h2{border-bottom:2px solid #1a1a1a;font-size:1.2rem;margin-top:1.6rem}"
    ".c-regressed,.c-new_failure{background:#fdecea}.c-fixed{background:#e8f5e9}.flag{color:#b71c1c;font-weight:700}"
    ".muted{color:#555;font-size:.88rem}@media print{@page{size:A4;margin:15mm 12mm}body{font-size:10pt}}"
)


def render_html(d: dict[str, Any], lang: str) -> str:
    from complycheck.reports.common import verdict_word

    def e(s: Any) -> str:
        return escape(_c(s), quote=True)

    zh = lang == "zh"
    parts = [
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{e(_w('title', lang))}</title><style>{CSS}</style></head><body>",
        f"<h1>{e(_w('title', lang))}</h1><table><tbody>",
    ]
    for side in ("old", "new"):
        s = d[side]
        parts.append(
            f'<tr><th scope="row">{e(_w(side, lang))}</th><td>{e(s["path"])}</td><td>{e(s["as_of"])}</td>'
            f'<td data-verdict="{e(s["verdict"])}">{e(verdict_word(s["verdict"], lang))}</td>'
            f"<td>{e(s['pack']['id'])} {e(s['pack']['version'])}</td></tr>"
        )
    parts.append("</tbody></table>")
    cls = "flag" if exit_code(d) else ""
    parts.append(f'<p class="{cls}" id="summary">{e(_w("summary_bad" if exit_code(d) else "summary_ok", lang))}</p>')
    if d["rewritten_accepted"]:
        parts.append(f'<h2>{e(_w("rewritten", lang))}</h2><ul id="rewritten">')
        parts += [f"<li>{e(_rewritten_line(x, lang))}</li>" for x in d["rewritten_accepted"]]
        parts.append("</ul>")
    head = "".join(
        f'<th scope="col">{e(_w(k, lang))}</th>' for k in ("rule", "clauses", "before", "after", "change", "rows")
    )
    parts.append(f'<h2>{e(_w("rules", lang))}</h2><table id="rules"><thead><tr>{head}</tr></thead><tbody>')
    for r in d["rules"]:
        rows = r["rows"]
        cell = "<br>".join(
            f"{e(_w(label, lang))}: {e(_where(row, lang))} {e(_vals(row))}"
            for key, label in (("fixed", "rows_fixed"), ("still_failing", "rows_still"), ("new", "rows_new"))
            for row in rows[key][:20]
        )
        parts.append(
            f'<tr class="c-{e(r["change"])}" data-rule="{e(r["rule"])}" data-change="{e(r["change"])}">'
            f"<td>{e(r['rule'])}</td><td>{e(', '.join(r['clauses']))}</td>"
            f"<td>{e(_status(r['before'], lang))} {e(_figure(r['before'], lang))}</td>"
            f"<td>{e(_status(r['after'], lang))} {e(_figure(r['after'], lang))}</td>"
            f"<td>{e(_w(r['change'], lang))}</td><td>{cell}</td></tr>"
        )
    parts.append("</tbody></table>")
    ev = d["evidence"]
    parts.append(f'<h2>{e(_w("evidence", lang))}</h2><ul id="evidence">')
    for key in ("added", "removed"):
        parts += [f"<li>{e(_w('files_' + key, lang))}: {e(f)}</li>" for f in ev[key]]
    for c in ev["changed"]:
        parts.append(
            f"<li>{e(_w('files_changed', lang))}: {e(c['file'])} <code>{e(c['before'][:16])}</code> → "
            f"<code>{e(c['after'][:16])}</code></li>"
        )
    parts.append("</ul>")
    text = render_text(d, lang)
    pack_part = text.split(f"== {_w('pack', lang)}\n", 1)[-1]
    parts.append(f"<h2>{e(_w('pack', lang))}</h2><pre>{e(pack_part)}</pre></body></html>\n")
    return "".join(parts)


def render(d: dict[str, Any], fmt: str, lang: str) -> str:
    """The comparison as text, json, markdown or html."""
    if fmt == "json":
        return json.dumps(d, ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        return render_html(d, lang)
    return render_text(d, lang, markdown=fmt == "markdown")
