"""The 验收书: the signable acceptance document, one self-contained HTML file for A4 printing (no network, no
scripts). Project, parties, amounts, acceptance date and panel; every standard's performance (its measured figure
and status, or the panel's decision); the conclusion per line item and for the contract; the acceptance opinion;
a signature line per panel member, the purchaser's seal area and the supplier's confirmation. Every printed page
carries its number and the report's short hash; row-level detail is the full HTML report, referred to by its
SHA-256."""

from __future__ import annotations

import hashlib
from html import escape
from typing import Any

from complycheck.decisions.apply import final_status, line_item_verdict
from complycheck.decisions.clock import payment_clock
from complycheck.decisions.records import CONCLUSION_WORDS, STATE_WORDS
from complycheck.engine.wording import percent
from complycheck.reports.common import fraction, share_percents, status_word, title_of, verdict_word
from complycheck.reports.text import clean
from complycheck.results import Count, Groups, Periods, Report, Result, Share, Value

DEFAULT_SIGNATURE_ROWS = 5


def _e(s: Any) -> str:
    return escape(clean("" if s is None else str(s)), quote=True)


def report_hash(report: Report) -> str:
    """SHA-256 of the JSON report (deterministic): the identity of the run and decisions this document states."""
    from complycheck.reports.json_report import render as json_render

    return hashlib.sha256(json_render(report, "zh").encode("utf-8")).hexdigest()


def detail_hash(report: Report, lang: str) -> str:
    """SHA-256 of the full HTML report of the same run (`--format html`), which holds the row-level detail."""
    from complycheck.reports.html import render as html_render

    return hashlib.sha256(html_render(report, lang).encode("utf-8")).hexdigest()


def figure(r: Result) -> str:
    """The measured figure, short."""
    m = r.measured
    if isinstance(m, Share):
        shown = share_percents(r)
        return f"{m.numerator}/{m.denominator}" + (f" = {shown[0]}" if shown else "")
    if isinstance(m, Count):
        return str(m.value)
    if isinstance(m, (Groups, Periods)):
        return f"{m.met}/{m.total}"
    if isinstance(m, Value):
        return str(m.value)
    return "—"


def requirement(r: Result) -> str:
    th = r.threshold or {}
    parts = []
    for key, sign in (("min", "≥"), ("max", "≤"), ("equals", "=")):
        if key in th:
            v = th[key]
            need = fraction(v)
            v = percent(need) if isinstance(r.measured, Share) and need is not None else v
            parts.append(f"{sign} {v}")
    for key in ("min_per_group", "min_per_period"):
        if key in th:
            parts.append(f"≥ {th[key]}/{'组' if key == 'min_per_group' else '期'}")
    return "；".join(parts)


CSS = """
@page{size:A4;margin:16mm 14mm 18mm 14mm;@bottom-left{content:var(--footer-left);font-size:8pt;color:#333}\
@bottom-right{content:"第 " counter(page) " 页 / 共 " counter(pages) " 页";font-size:8pt;color:#333}}
*{box-sizing:border-box}body{font-family:"Noto Serif CJK SC","Noto Sans CJK SC","WenQuanYi Zen Hei",\
"Source Han Sans SC","Microsoft YaHei",serif;color:#111;margin:0;font-size:10pt;line-height:1.45}
.doc{max-width:190mm;margin:0 auto;padding:8mm 0}h1{text-align:center;font-size:17pt;margin:0 0 2mm;letter-spacing:.2em}
.sub{text-align:center;color:#444;margin:0 0 4mm}h2{font-size:11.5pt;margin:5mm 0 1.5mm;border-bottom:1.5px solid #111}
h3{font-size:10.5pt;margin:3mm 0 1mm}
table{border-collapse:collapse;width:100%;margin:1mm 0}th,td{border:1px solid #555;padding:1mm 1.5mm;\
vertical-align:top;text-align:left;overflow-wrap:anywhere}th{background:#eee;font-weight:600}
table.std{font-size:8.5pt}table.std td.num{white-space:nowrap}tr{break-inside:avoid}thead{display:table-header-group}
.num{text-align:right;font-variant-numeric:tabular-nums}.v-accepted,.st-pass{color:#1b5e20;font-weight:700}
.v-not_accepted,.st-fail,.st-error,.st-missing_evidence{color:#b71c1c;font-weight:700}
.v-needs_review,.st-manual_review,.st-pending{color:#0d47a1;font-weight:700}
.box{border:1px solid #555;padding:2mm 3mm;margin:1.5mm 0;min-height:18mm;break-inside:avoid}
.seal{min-height:38mm;position:relative}.seal .stamp{position:absolute;right:8mm;bottom:4mm;width:36mm;height:36mm;\
border:1px dashed #999;border-radius:50%;text-align:center;line-height:36mm;color:#999;font-size:8.5pt}
.line{display:inline-block;min-width:30mm;border-bottom:1px solid #111;height:5mm;vertical-align:bottom}
.signatures td{height:11mm}.muted{color:#555;font-size:8.5pt}code{font-size:8pt;overflow-wrap:anywhere}
.keep{break-inside:avoid}.sign-block{break-before:auto;break-inside:avoid}
@media screen{body{background:#f3f3f3}.doc{background:#fff;padding:12mm 14mm;margin:6mm auto;box-shadow:0 0 4px #aaa}}
"""


def _status_cell(r: Result, report: Report, lang: str) -> str:
    """The automated status, or the panel's decision beside it."""
    o = report.acceptance.outcomes.get(r.rule) if report.acceptance else None
    auto = f'<span class="st-{_e(r.status)}">{_e(status_word(r.status, lang))}</span>'
    if o is None:
        return auto + "</td><td>" + ("验收小组待审核" if r.status in ("manual_review", "pending") else "—")
    zh = lang == "zh"
    word = CONCLUSION_WORDS[o.decision.conclusion][0 if zh else 1]
    state = STATE_WORDS[o.state][0 if zh else 1]
    who = f"{o.decision.reviewer}，{o.decision.date or ''}"
    return (
        f'{auto}</td><td data-decision="{_e(o.state)}"><strong>{_e(word)}</strong>（{_e(state)}；{_e(who)}）'
        f"：{_e(o.decision.reason)}"
        + (f'<br><span class="muted">{_e(o.note if zh else o.note_en)}</span>' if o.note else "")
    )


def _standards(report: Report, results: list[Result], lang: str) -> str:
    rows = []
    for i, r in enumerate(results, 1):
        fin = final_status(r, report.acceptance.outcomes.get(r.rule) if report.acceptance else None)
        rows.append(
            f'<tr data-rule="{_e(r.rule)}" data-final="{_e(fin)}"><td class="num">{i}</td><td>{_e(r.rule)}</td>'
            f'<td>{_e(title_of(r, lang))}</td><td class="num">{_e(figure(r))}</td><td>{_e(requirement(r))}</td>'
            f"<td>{_status_cell(r, report, lang)}</td>"
            f'<td class="st-{_e(fin)}">{_e(status_word(fin, lang))}</td></tr>'
        )
    return (
        '<table class="std"><thead><tr><th>#</th><th>规则</th><th>标准</th><th>实测</th><th>要求</th><th>自动核验</th>'
        f"<th>验收小组决定</th><th>结论</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _opinion(report: Report, lang: str) -> str:
    if report.acceptance and report.acceptance.form.opinion:
        return report.acceptance.form.opinion
    parts = []
    for li in report.line_items:
        v = line_item_verdict(report, li.id)
        parts.append(f"品目 {li.id}（{li.name}）{verdict_word(v, 'zh')}")
    return "；".join(parts) + "。"


def render(report: Report, lang: str) -> str:
    c = report.contract
    acc = report.acceptance
    short = report_hash(report)[:12]
    detail = detail_hash(report, lang)
    final = acc.verdict if acc else report.verdict
    acc_date = acc.form.date if acc and acc.form.date else None
    panel = list(acc.form.panel) if acc else []
    parts = [
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>履约验收书 {_e(c.project_no)}</title>"
        f'<style>:root{{--footer-left:"{_e(c.project_no)} 履约验收书 · 报告指纹 {short}"}}{CSS}</style></head><body>'
        f'<div class="doc" data-report-hash="{short}">',
        "<h1>政府采购项目履约验收书</h1>",
        f'<p class="sub">（公共服务项目）　报告指纹 <code id="short-hash">{short}</code></p>',
        '<h2>一、项目基本情况</h2><table class="keep"><tbody>',
        f"<tr><th>项目编号</th><td>{_e(c.project_no)}</td><th>合同金额</th><td>{c.total_amount:,} 元</td></tr>",
        f'<tr><th>项目名称</th><td colspan="3">{_e(c.title)}</td></tr>',
        f"<tr><th>采购人</th><td>{_e(c.purchaser)}</td><th>供应商</th><td>{_e(c.supplier)}</td></tr>",
        f"<tr><th>代理机构</th><td>{_e(c.agency)}</td><th>中标日期</th><td>{c.award_date}</td></tr>",
        f"<tr><th>服务期</th><td>{_e(c.service_start or '')} 至 {_e(c.service_end or '')}</td>"
        f"<th>验收方案</th><td>规则包 {_e(report.pack_id)} {_e(report.pack_version)}</td></tr>",
        "</tbody></table>",
        '<table class="keep"><thead><tr><th>品目</th><th>名称</th><th>金额（元）</th><th>自动核验结论</th>'
        "<th>最终验收结论</th></tr></thead><tbody>",
    ]
    for li in report.line_items:
        v = line_item_verdict(report, li.id)
        parts.append(
            f'<tr data-line-item="{_e(li.id)}" data-final="{_e(v)}"><td>{_e(li.id)}</td><td>{_e(li.name)}</td>'
            f'<td class="num">{li.amount:,}</td>'
            f'<td class="v-{_e(li.verdict)}">{_e(verdict_word(li.verdict, lang))}</td>'
            f'<td class="v-{_e(v)}">{_e(verdict_word(v, lang))}</td></tr>'
        )
    parts.append("</tbody></table>")
    parts.append(
        '<h2>二、验收组织</h2><table class="keep"><tbody>'
        f"<tr><th>验收日期</th><td>{_e(acc_date or '')}{'' if acc_date else '<span class=line></span>'}</td>"
        f"<th>验收地点</th><td>{_e(acc.form.place if acc else '')}</td></tr>"
        f'<tr><th>验收方式</th><td colspan="3">按验收方案逐项核验供应商提交的证据（评估日期 {report.as_of}）；'
        "无法量化的标准由验收小组审核并逐项记录结论、理由和审核人；第三方意见仅供参考。</td></tr>"
        f'<tr><th>验收小组</th><td colspan="3">'
        + ("、".join(f"{_e(m.name)}（{_e(m.role)}）" for m in panel) or "见签字栏")
        + "</td></tr></tbody></table>"
    )
    clock = payment_clock(report)
    if clock:
        late = "是（超过验收期限）" if clock.late else "否"
        parts.append(
            "<h2>三、验收期限与付款</h2>"
            '<table class="keep" id="payment"><tbody><tr><th>验收期限</th>'
            f"<td>服务期结束后 {clock.acceptance_period_days} 日内，即 {clock.acceptance_due} 前</td>"
            f'<th>验收是否逾期</th><td data-late="{str(clock.late).lower()}">{late}</td></tr>'
            f'<tr><th>付款期限</th><td colspan="3">验收通过之日起 {clock.payment_days} 日内'
            "（验收逾期的，自验收期限届满之日起计算）</td></tr></tbody></table>"
            '<table class="keep"><thead><tr><th>品目</th><th>金额（元）</th><th>最终结论</th><th>应付（元）</th>'
            "<th>暂不支付（元）</th><th>付款截止日</th></tr></thead><tbody>"
            + "".join(
                f'<tr data-pay="{_e(p.id)}"><td>{_e(p.id)}</td><td class="num">{p.amount:,}</td>'
                f'<td>{_e(verdict_word(p.verdict, lang))}</td><td class="num">{p.payable:,}</td>'
                f'<td class="num">{p.withheld:,}</td><td>{_e(p.payment_due or "—")}</td></tr>'
                for p in clock.line_items
            )
            + f'<tr><th>合计</th><td class="num">{c.total_amount:,}</td><td></td>'
            f'<td class="num">{clock.payable_total:,}</td><td class="num">{clock.withheld_total:,}</td><td></td></tr>'
            "</tbody></table>"
        )
    parts.append("<h2>四、各项标准履行情况</h2>")
    for li in report.line_items:
        v = line_item_verdict(report, li.id)
        parts.append(
            f'<h3>品目 {_e(li.id)} {_e(li.name)}：<span class="v-{_e(v)}">{_e(verdict_word(v, lang))}</span></h3>'
        )
        parts.append(_standards(report, li.results, lang))
    if report.contract_results:
        cv = acc.contract_verdict if acc else None
        parts.append(
            "<h3>合同整体" + (f'：<span class="v-{_e(cv)}">{_e(verdict_word(cv, lang))}</span>' if cv else "") + "</h3>"
        )
        parts.append(_standards(report, report.contract_results, lang))
    blocking = [rid for li in report.line_items for rid in (acc.line_items[li.id].blocking if acc else li.blocking)]
    parts.append(
        f'<h2>五、验收结论</h2><p id="final" data-verdict="{_e(final)}">合同整体验收结论：'
        f'<span class="v-{_e(final)}">{_e(verdict_word(final, lang))}</span></p>'
        + (f"<p>未达到要求、须整改的标准：{_e('、'.join(blocking))}</p>" if blocking else "")
        + f'<h3>验收意见</h3><div class="box" id="opinion">{_e(_opinion(report, lang))}</div>'
        f'<h3>服务对象意见</h3><div class="box">{_e(acc.form.recipients_opinion if acc else "")}</div>'
        f'<p class="muted">逐行明细（不符合要求的记录、证据文件与行号）见同一次评估的完整报告（--format html），'
        f'其 SHA-256 为 <code id="detail-hash">{detail}</code>；'
        "本验收书所依据的证据文件及其指纹列于该报告“输入文件”一节。</p>"
    )
    rows = panel or []
    sign_rows = "".join(
        f"<tr><td>{i}</td><td>{_e(m.name)}</td><td>{_e(m.role)}</td><td></td><td></td></tr>"
        for i, m in enumerate(rows, 1)
    ) or "".join(
        f"<tr><td>{i}</td><td></td><td></td><td></td><td></td></tr>" for i in range(1, DEFAULT_SIGNATURE_ROWS + 1)
    )
    parts.append(
        '<div class="sign-block"><h2>六、签字确认</h2>'
        "<p>验收小组成员对本验收书的内容负责（政府采购法第四十一条）。</p>"
        '<table class="signatures"><thead><tr><th>#</th><th>姓名</th><th>角色</th><th>签字</th><th>日期</th>'
        "</tr></thead>"
        f"<tbody>{sign_rows}</tbody></table>"
        f'<div class="box seal" id="purchaser-seal"><strong>采购人意见：</strong><br><br>'
        f'采购人（盖章）：{_e(c.purchaser)}　　负责人签字：<span class="line"></span>　日期：<span class="line"></span>'
        '<span class="stamp">盖章处</span></div>'
        f'<div class="box" id="supplier-confirmation"><strong>供应商确认：</strong>对上述验收结果'
        "□ 无异议　□ 有异议（另附说明）<br><br>"
        f"供应商（盖章）：{_e(c.supplier)}　　"
        '代表签字：<span class="line"></span>　日期：<span class="line"></span></div>'
        "</div>"
    )
    parts.append("</div></body></html>\n")
    return "".join(parts)
