"""The acceptance result notice (公共服务项目验收结果公告, format no. 9 of 财办库〔2020〕50号) as one self-contained
HTML page to publish. It carries no personal data: the panel is given by its composition (roles and numbers), never
by name; no evidence rows, no reviewers; free text from the decisions file is masked (ID and phone numbers)."""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

from complycheck.decisions.apply import line_item_verdict
from complycheck.masking import mask_text
from complycheck.reports.acceptance import report_hash
from complycheck.reports.common import verdict_word
from complycheck.reports.text import clean
from complycheck.results import Report

CSS = """
@page{size:A4;margin:20mm 18mm}*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei","Source Han Sans SC","Microsoft YaHei",sans-serif;color:#111;
margin:0;line-height:1.7;font-size:11pt}.doc{max-width:180mm;margin:0 auto;padding:8mm 4mm}
h1{text-align:center;font-size:16pt}h2{font-size:12pt;margin:5mm 0 1mm}dl{display:grid;
grid-template-columns:max-content 1fr;gap:1mm 4mm;margin:0 0 0 6mm}dt{color:#444}dd{margin:0}
table{border-collapse:collapse;width:100%;margin:1mm 0}th,td{border:1px solid #666;padding:1mm 2mm;text-align:left}
.num{text-align:right}.muted{color:#555;font-size:9pt}
"""


def _e(s: Any) -> str:
    return escape(mask_text(clean("" if s is None else str(s))), quote=True)


def role_of(role: str) -> str:
    """组长（采购人代表） -> 采购人代表: the capacity a member sits in, not their rank or name."""
    for left, right in (("（", "）"), ("(", ")")):
        if left in role and role.endswith(right):
            return role[role.index(left) + 1 : -1].strip() or role
    return role.strip() or "成员"


def composition(report: Report) -> str:
    """The panel by role and number, e.g. 采购人代表 2 名、专家 2 名、服务对象代表 1 名."""
    panel = report.acceptance.form.panel if report.acceptance else ()
    counts = Counter(role_of(m.role) for m in panel)
    return "、".join(f"{role} {n} 名" for role, n in counts.items()) or "（待验收小组组成后填写）"


def render(report: Report, lang: str) -> str:
    c = report.contract
    acc = report.acceptance
    final = acc.verdict if acc else report.verdict
    day = acc.form.date if acc and acc.form.date else None
    items = "".join(
        f'<tr data-line-item="{_e(li.id)}"><td>{_e(li.id)}</td><td>{_e(li.name)}</td><td>{_e(c.service_start or "")}'
        f' 至 {_e(c.service_end or "")}</td><td class="num">{li.amount:,}</td>'
        f"<td>{_e(verdict_word(line_item_verdict(report, li.id), 'zh'))}</td></tr>"
        for li in report.line_items
    )
    opinion = acc.form.opinion if acc and acc.form.opinion else f"合同整体{verdict_word(final, 'zh')}。"
    parts = [
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{_e(c.title)}验收结果公告</title><style>{CSS}</style></head><body><div class="doc">',
        f"<h1>{_e(c.title)}验收结果公告</h1>",
        f'<h2>一、合同编号</h2><dl><dt></dt><dd id="contract-no">{_e(c.project_no)}</dd></dl>',
        f"<h2>二、合同名称</h2><dl><dt></dt><dd>{_e(c.title)}政府采购合同</dd></dl>",
        f"<h2>三、项目编号</h2><dl><dt></dt><dd>{_e(c.project_no)}</dd></dl>",
        f"<h2>四、项目名称</h2><dl><dt></dt><dd>{_e(c.title)}</dd></dl>",
        "<h2>五、合同主体</h2><dl>"
        f"<dt>采购人（甲方）</dt><dd>{_e(c.purchaser)}</dd>"
        f"<dt>供应商（乙方）</dt><dd>{_e(c.supplier)}</dd>"
        f"<dt>采购代理机构</dt><dd>{_e(c.agency)}</dd></dl>",
        "<h2>六、合同主要信息</h2>"
        "<table><thead><tr><th>品目</th><th>主要标的名称（服务内容）</th><th>履约期限</th><th>金额（元）</th>"
        f"<th>验收结论</th></tr></thead><tbody>{items}</tbody></table>"
        f"<dl><dt>合同金额</dt><dd>{c.total_amount:,} 元</dd><dt>中标（成交）日期</dt><dd>{_e(c.award_date)}</dd></dl>",
        "<h2>七、验收结果</h2><dl>"
        f'<dt>验收日期</dt><dd id="acceptance-date">{_e(day or "")}</dd>'
        f'<dt>验收组成员</dt><dd id="panel">{_e(composition(report))}</dd>'
        f'<dt>验收结论</dt><dd id="verdict" data-verdict="{_e(final)}">{_e(verdict_word(final, "zh"))}</dd>'
        f"<dt>验收意见</dt><dd>{_e(opinion)}</dd></dl>",
        "<h2>八、其他补充事宜</h2><dl>"
        f"<dt>验收书</dt><dd>报告指纹 {report_hash(report)[:12]}（验收书及完整验收报告由采购人存档备查）</dd></dl>",
        f'<p style="text-align:right">{_e(c.purchaser)}<br>{_e(day or "")}</p>',
        '<p class="muted">本公告不含个人信息：验收组成员按身份列示，服务对象和证据明细不予公开。</p>',
        "</div></body></html>\n",
    ]
    return "".join(parts)
