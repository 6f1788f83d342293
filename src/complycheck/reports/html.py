"""The acceptance report as one self-contained HTML file, ready to print and sign (no network, no scripts)."""

from __future__ import annotations

from html import escape
from typing import Any

from complycheck.reports.common import (
    OPEN_FOR_SIGNOFF,
    L,
    all_results,
    clause_texts,
    counts_and_min,
    engine_version,
    message_of,
    param_note,
    severity_word,
    share_fraction,
    share_percents,
    status_word,
    title_of,
    verdict_word,
)
from complycheck.reports.text import clean
from complycheck.results import Report, Result
from complycheck.values import show_value

MAX_ROWS = 20

# A backslash at the end of a line continues it (the CSS goes out with the line breaks as they were)
CSS = """
:root{--fg:#1a1a1a;--muted:#555;--line:#c8c8c8;--pass:#1b5e20;--fail:#b71c1c;--warn:#8a4b00;--open:#0d47a1;--na:#444;\
--bg:#fff}
*{box-sizing:border-box}body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",\
system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0;line-height:1.55}
.wrap{max-width:1100px;margin:0 auto;padding:1rem 1.25rem}
a{color:#0b4f9c}a:focus,summary:focus,[tabindex]:focus{outline:3px solid #f9a825;outline-offset:2px}
.skip{position:absolute;left:-9999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:9}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.3rem;border-bottom:2px solid var(--fg);padding-bottom:.2rem;\
margin-top:2rem}h3{font-size:1.05rem;margin:.2rem 0}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}dl.meta dt{color:var(--muted)}\
dl.meta dd{margin:0}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.92rem}th,td{border:1px solid var(--line);\
padding:.3rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f1f1f1}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:.8rem;font-size:.85rem;font-weight:700;color:#fff;\
white-space:nowrap}
.s-pass{background:var(--pass)}.s-fail,.s-error,.s-missing_evidence,.v-not_accepted{background:var(--fail)}\
.s-warn{background:var(--warn)}
.s-manual_review,.s-pending,.v-needs_review{background:var(--open)}.s-waived,.s-not_applicable{background:var(--na)}\
.v-accepted{background:var(--pass)}
.result{border:1px solid var(--line);border-left:6px solid var(--na);border-radius:4px;padding:.6rem .8rem;\
margin:.8rem 0;break-inside:avoid}
.result.st-pass{border-left-color:var(--pass)}.result.st-fail,.result.st-error,\
.result.st-missing_evidence{border-left-color:var(--fail)}
.result.st-warn{border-left-color:var(--warn)}.result.st-manual_review,.result.st-pending{border-left-color:var(--open)}
blockquote.clause{margin:.3rem 0;padding:.3rem .6rem;background:#f7f7f2;border-left:3px solid #999;font-size:.92rem}
.muted{color:var(--muted);font-size:.88rem}.measured{font-weight:600}
svg.gauge,svg.chart{display:block;max-width:100%;height:auto;margin:.3rem 0}
.signoff{border:1px dashed #777;padding:.5rem .7rem;margin-top:.5rem}.signoff .line{display:inline-block;\
min-width:12rem;border-bottom:1px solid #333;height:1.4rem;vertical-align:bottom}
nav ol{columns:2;padding-left:1.2rem}@media (max-width:640px){nav ol{columns:1}dl.meta{grid-template-columns:1fr}\
table{font-size:.85rem}}
@media print{@page{size:A4;margin:15mm 12mm}body{font-size:10.5pt}.wrap{max-width:none;padding:0}nav,.skip{display:none}
section.line-item{break-before:page}a{color:inherit;text-decoration:none}.badge{-webkit-print-color-adjust:exact;\
print-color-adjust:exact}}
"""


def _e(s: Any) -> str:
    return escape(clean("" if s is None else str(s)), quote=True)


def _gauge(r: Result, lang: str) -> str:
    sf = share_fraction(r)
    if sf is None:
        return ""
    share, need = sf
    w = 300
    fill = max(0.0, min(1.0, share)) * w
    mark = max(0.0, min(1.0, need)) * w
    color = "#1b5e20" if share >= need else "#b71c1c"
    shown = share_percents(r)
    label = f"{shown[0]} / {shown[1]}" if shown else f"{share * 100:.1f}% / {need * 100:.1f}%"
    return (
        f'<svg class="gauge" role="img" aria-label="{_e(label)}" viewBox="0 0 {w + 140} 26" width="{w + 140}" '
        'height="26">'
        f'<rect x="0" y="5" width="{w}" height="16" fill="#e6e6e6"/>'
        f'<rect x="0" y="5" width="{fill:.1f}" height="16" fill="{color}"/>'
        f'<line x1="{mark:.1f}" x2="{mark:.1f}" y1="1" y2="25" stroke="#111" stroke-width="2"/>'
        f'<text x="{w + 6}" y="18" font-size="12" fill="#111">{_e(label)}</text></svg>'
    )


def _chart(r: Result, lang: str) -> str:
    cm = counts_and_min(r)
    if cm is None:
        return ""
    counts, mn = cm
    items = list(counts.items())[:24]
    top = max([mn] + [v for _, v in items]) or 1
    bar_h, gap, label_w, w = 18, 6, 150, 260
    h = len(items) * (bar_h + gap) + 24
    out = [
        f'<svg class="chart" role="img" aria-label="{_e(L("chart", lang))}" viewBox="0 0 {label_w + w + 50} {h}" '
        f'width="{label_w + w + 50}" height="{h}">'
    ]
    for i, (k, v) in enumerate(items):
        y = i * (bar_h + gap) + 4
        bw = v / top * w
        color = "#1b5e20" if v >= mn else "#b71c1c"
        out.append(
            f'<text x="{label_w - 6}" y="{y + 13}" font-size="12" text-anchor="end" fill="#111">{_e(k[:18])}</text>'
            f'<rect class="bar" x="{label_w}" y="{y}" width="{bw:.1f}" height="{bar_h}" fill="{color}">'
            f"<title>{_e(k)}: {v}</title></rect>"
            f'<text x="{label_w + bw + 4:.1f}" y="{y + 13}" font-size="12" fill="#111">{v}</text>'
        )
    mx = label_w + mn / top * w
    out.append(
        f'<line class="minimum" x1="{mx:.1f}" x2="{mx:.1f}" y1="0" y2="{h - 16}" stroke="#111" stroke-dasharray="4 3" '
        'stroke-width="1.5"/>'
        f'<text x="{mx:.1f}" y="{h - 3}" font-size="11" text-anchor="middle" fill="#111">{_e(L("minimum", lang))} '
        f"{mn:g}</text></svg>"
    )
    return "".join(out)


def _failures(r: Result, lang: str) -> str:
    if not r.failures:
        return ""
    rows = []
    for f in r.failures[:MAX_ROWS]:
        vals = "; ".join(f"{k}={v}" for k, v in f.values.items())
        rows.append(
            f"<tr><td>{_e(f.file or '')}{(' [' + _e(f.sheet) + ']') if f.sheet else ''}</td>"
            f'<td class="num">{_e(f.row or "")}</td>'
            f"<td>{_e(f.column or '')}</td><td>{_e(vals)}</td><td>{_e(f.reason if lang == 'zh' else f.reason_en)}</td>"
            "</tr>"
        )
    more = r.failure_count - min(len(r.failures), MAX_ROWS)
    tail = f'<p class="muted">{_e(L("more", lang, n=more))}</p>' if more > 0 else ""
    head = "".join(f'<th scope="col">{_e(L(k, lang))}</th>' for k in ("file", "row", "column", "values", "reason"))
    return (
        f'<table class="failures"><caption class="muted">{_e(L("failures", lang))}（{r.failure_count}）</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{tail}"
    )


def _signoff(r: Result, lang: str) -> str:
    if r.status not in OPEN_FOR_SIGNOFF:
        return ""
    review = r.review if lang == "zh" else (r.review_en or r.review)
    waiver = ""
    if r.waiver:
        w = r.waiver
        waiver = (
            f"<p>{_e(L('waiver', lang))}: {_e(w.get('reason'))} — {_e(w.get('approver'))} "
            f"{_e(w.get('reference', ''))} ({_e(w.get('start'))} – {_e(w.get('expires'))})</p>"
        )
    return (
        f'<div class="signoff">{waiver}'
        + (f"<p><strong>{_e(L('review', lang))}</strong>: {_e(review)}</p>" if review else "")
        + f'<p>{_e(L("decision", lang))}: {_e(L("agree", lang))} <span class="line"></span></p>'
        f'<p>{_e(L("reviewer", lang))}: <span class="line"></span> {_e(L("date", lang))}: <span class="line"></span>'
        "</p></div>"
    )


def _result(report: Report, r: Result, lang: str) -> str:
    clauses = "".join(
        f'<blockquote class="clause" lang="zh-CN"><span class="muted">{_e(L("clause_text", lang))} {_e(cid)}：'
        f"</span>{_e(text)}</blockquote>"
        for cid, text in clause_texts(report, r)
    )
    return (
        f'<article class="result st-{_e(r.status)}" id="r-{_e(r.rule)}" data-status="{_e(r.status)}" '
        f'data-rule="{_e(r.rule)}">'
        f'<h3><span class="badge s-{_e(r.status)}">{_e(status_word(r.status, lang))}'
        f"</span> {_e(r.rule)} {_e(title_of(r, lang))}</h3>"
        f'<p class="muted">{_e(L("severity", lang))}: {_e(severity_word(r.severity, lang))} · {_e(L("clause", lang))}:'
        f" {_e(', '.join(r.clauses))}</p>"
        f'{clauses}<p class="measured">{_e(message_of(r, lang))}'
        f"</p>{_gauge(r, lang)}{_chart(r, lang)}{_failures(r, lang)}{_signoff(r, lang)}</article>"
    )


def render(report: Report, lang: str) -> str:
    c = report.contract
    zh = lang == "zh"
    meta = [
        ("project_no", c.project_no),
        ("project", c.title if zh else (c.title_en or c.title)),
        ("purchaser", c.purchaser),
        ("supplier", c.supplier),
        ("agency", c.agency),
        ("total", f"{c.total_amount:,} {L('yuan', lang)}"),
        ("as_of", report.as_of.isoformat()),
        ("pack", f"{report.pack_id} {report.pack_version}"),
        ("engine", f"complycheck {engine_version()}"),
    ]
    parts = [
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(L('title', lang))} {_e(c.project_no)}</title>"
        f"<style>{CSS}</style></head><body>",
        f'<a class="skip" href="#main">{_e(L("skip", lang))}</a><div class="wrap"><header><h1>{_e(L("title", lang))}'
        "</h1>",
        '<dl class="meta">' + "".join(f"<dt>{_e(L(k, lang))}</dt><dd>{_e(v)}</dd>" for k, v in meta) + "</dl>",
        f'<p id="overall" data-verdict="{_e(report.verdict)}"><strong>{_e(L("overall", lang))}:</strong> '
        f'<span class="badge v-{_e(report.verdict)}">{_e(verdict_word(report.verdict, lang))}</span></p></header>',
    ]
    toc = "".join(
        f'<li><a href="#li-{_e(li.id)}">{_e(L("line_item", lang))} {_e(li.id)} '
        f"{_e(li.name if zh else (li.name_en or li.name))}</a></li>"
        for li in report.line_items
    )
    toc += (
        f'<li><a href="#contract">{_e(L("contract_level", lang))}</a></li>'
        f'<li><a href="#coverage">{_e(L("coverage", lang))}</a></li>'
        f'<li><a href="#inputs">{_e(L("inputs", lang))}</a></li>'
    )
    parts.append(f'<nav aria-label="{_e(L("toc", lang))}"><ol>{toc}</ol></nav><main id="main">')
    rows = "".join(
        f'<tr data-line-item="{_e(li.id)}"><td>{_e(li.id)}</td><td>{_e(li.name if zh else (li.name_en or li.name))}'
        f'</td><td class="num">{li.amount:,}</td>'
        f'<td><span class="badge v-{_e(li.verdict)}">{_e(verdict_word(li.verdict, lang))}</span></td>'
        f"<td>{_e(', '.join(li.blocking))}</td><td>{_e(', '.join(li.open))}</td></tr>"
        for li in report.line_items
    )
    head = "".join(
        f'<th scope="col">{_e(L(k, lang))}</th>'
        for k in ("line_item", "project", "amount", "verdict", "blocking", "open")
    )
    parts.append(
        f'<section aria-labelledby="h-summary"><h2 id="h-summary">{_e(L("line_items", lang))}</h2>'
        f'<table class="summary"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>'
    )
    if report.acceptance:  # the panel's decisions: who decided what and why, the final verdicts, the payment clock
        from complycheck.decisions.clock import text_lines

        said = [clean(x).strip() for x in text_lines(report, lang)]
        parts.append(
            f'<section id="decisions" aria-labelledby="h-decisions" '
            f'data-final-verdict="{_e(report.acceptance.verdict)}">'
            f'<h2 id="h-decisions">{_e(said[0].rstrip("：:"))}</h2><ul>'
            + "".join(f"<li>{_e(x)}</li>" for x in said[1:])
            + "</ul></section>"
        )
    for li in report.line_items:
        parts.append(
            f'<section class="line-item" id="li-{_e(li.id)}" data-verdict="{_e(li.verdict)}" '
            f'aria-labelledby="h-{_e(li.id)}">'
            f'<h2 id="h-{_e(li.id)}">{_e(L("line_item", lang))} {_e(li.id)} '
            f"{_e(li.name if zh else (li.name_en or li.name))} · {li.amount:,} {_e(L('yuan', lang))} · "
            f'<span class="badge v-{_e(li.verdict)}">{_e(verdict_word(li.verdict, lang))}</span></h2>'
            + (
                f"<p><strong>{_e(L('blocking', lang))}:</strong> {_e(', '.join(li.blocking))}</p>"
                if li.blocking
                else ""
            )
            + "".join(_result(report, r, lang) for r in li.results)
            + "</section>"
        )
    parts.append(
        f'<section class="line-item" id="contract"><h2>{_e(L("contract_level", lang))}</h2>'
        + "".join(_result(report, r, lang) for r in report.contract_results)
        + "</section>"
    )
    by_rule = {r.rule: r for r in all_results(report)}

    def links(rids: list[str]) -> str:
        return ", ".join('<a href="#r-' + _e(rid) + '">' + _e(rid) + "</a>" for rid in rids if rid in by_rule)

    cov = "".join(
        f"<tr><td>{_e(x['clause'])}</td><td>"
        f"{_e(report.clauses[x['clause']].source_text[:80] if x['clause'] in report.clauses else '')}</td>"
        f"<td>{links(x['rules'])}</td>"
        f'<td><span class="badge s-{_e(x["status"])}">{_e(status_word(x["status"], lang))}</span></td></tr>'
        for x in report.clause_coverage
    )
    head = "".join(f'<th scope="col">{_e(L(k, lang))}</th>' for k in ("clause", "clause_text", "rules", "status"))
    parts.append(
        f'<section id="coverage"><h2>{_e(L("coverage", lang))}</h2><table><thead><tr>{head}</tr></thead><tbody>{cov}'
        "</tbody></table></section>"
    )
    params = "".join(
        f"<tr><td>{_e(k)}</td><td>{_e(p.title if zh else (p.title_en or p.title))}</td><td>{_e(show_value(p.value))}"
        f"</td><td>{_e(param_note(p, lang))}</td></tr>"
        for k, p in report.parameters.items()
    )
    parts.append(
        f'<section id="params"><h2>{_e(L("params", lang))}</h2><table><thead><tr>'
        f'<th scope="col">{_e(L("param", lang))}</th><th scope="col"></th>'
        f'<th scope="col">{_e(L("value", lang))}</th><th scope="col"></th></tr></thead><tbody>{params}</tbody></table>'
        "</section>"
    )
    inputs = "".join(
        f"<tr><td>{_e(i['path'])}</td><td>{_e(i['kind'])}</td><td><code>{_e(i['sha256'])}</code></td></tr>"
        for i in report.inputs
    )
    parts.append(
        f'<section id="inputs"><h2>{_e(L("inputs", lang))}</h2><table><thead><tr><th scope="col">{_e(L("file", lang))}'
        f'</th><th scope="col">{_e(L("kind", lang))}</th>'
        f'<th scope="col">SHA-256</th></tr></thead><tbody>{inputs}</tbody></table></section>'
    )
    if report.data_problems:
        probs = "".join(
            f"<li>{_e(p.file)}{(' [' + _e(p.sheet) + ']') if p.sheet else ''}{(':' + _e(p.row)) if p.row else ''} "
            f"{_e(p.column or '')}: {_e(p.message if zh else p.message_en)}</li>"
            for p in report.data_problems[:100]
        )
        parts.append(f'<section id="problems"><h2>{_e(L("data_problems", lang))}</h2><ul>{probs}</ul></section>')
    if report.notes:
        parts.append(
            f'<section id="notes"><h2>{_e(L("notes", lang))}</h2><ul>'
            + "".join(f"<li>{_e(zh_ if zh else en_)}</li>" for zh_, en_ in report.notes)
            + "</ul></section>"
        )
    sign = "".join(f"<tr><td>{i}</td><td></td><td></td></tr>" for i in range(1, 6))
    parts.append(
        f'<section id="panel"><h2>{_e(L("panel", lang))}</h2><table><thead><tr><th scope="col">#</th>'
        f'<th scope="col">{_e(L("member", lang))}</th>'
        f'<th scope="col">{_e(L("signature", lang))} / {_e(L("date", lang))}</th></tr></thead><tbody>{sign}</tbody>'
        "</table></section>"
    )
    parts.append("</main></div></body></html>\n")
    return "".join(parts)
