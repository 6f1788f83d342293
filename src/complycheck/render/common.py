"""What the HTML and Markdown reports share: the words, the figures and the order of things."""

from __future__ import annotations

from typing import Any

from complycheck import __version__
from complycheck.i18n import SEVERITY, STATUS, VERDICT, t
from complycheck.model import Groups, Periods, Report, Result, Share

OPEN_FOR_SIGNOFF = {"manual_review", "waived", "pending"}

LABELS = {
    "title": ("履约验收报告", "Contract acceptance report"),
    "contract_info": ("合同信息", "Contract"), "project_no": ("项目编号", "Project no."), "project": ("项目名称", "Project"),
    "purchaser": ("采购人", "Purchaser"), "supplier": ("供应商", "Supplier"), "agency": ("代理机构", "Agency"),
    "total": ("合同总价", "Contract total"), "as_of": ("评估日期", "As of"), "pack": ("规则包版本", "Rule pack"),
    "engine": ("引擎版本", "Engine"), "overall": ("总体结论", "Overall verdict"), "line_items": ("各品目结论", "Line items"),
    "line_item": ("品目", "Line item"), "amount": ("金额（元）", "Amount (CNY)"), "verdict": ("结论", "Verdict"),
    "blocking": ("阻碍验收的标准", "Standards blocking acceptance"), "open": ("待审核/待定", "Awaiting review or pending"),
    "contract_level": ("合同整体", "Contract as a whole"), "clause_text": ("合同条款原文", "Contract text"),
    "measured": ("实测", "Measured"), "threshold": ("要求", "Required"), "failures": ("不符合的记录（已脱敏）", "Failing rows (masked)"),
    "file": ("文件", "File"), "row": ("行", "Row"), "column": ("列", "Column"), "values": ("值", "Values"), "reason": ("原因", "Reason"),
    "more": ("另有 {n} 条未列出（完整清单见 JSON 报告）", "{n} more not shown (the JSON report lists them)"),
    "review": ("审核要点", "To review"), "decision": ("审核意见", "Decision"), "reviewer": ("审核人签字", "Reviewer's signature"),
    "date": ("日期", "Date"), "agree": ("□ 同意  □ 不同意", "□ Agree  □ Disagree"),
    "coverage": ("条款覆盖", "Clause coverage"), "clause": ("条款", "Clause"), "rules": ("规则", "Rules"), "status": ("状态", "Status"),
    "inputs": ("证据与规则文件（SHA-256）", "Evidence and rule files (SHA-256)"), "kind": ("类别", "Kind"),
    "params": ("参数", "Parameters"), "param": ("参数", "Parameter"), "value": ("取值", "Value"), "bureau": ("民政局设定", "bureau setting"),
    "data_problems": ("数据问题", "Data problems"), "notes": ("说明", "Notes"), "panel": ("验收小组签字", "Acceptance panel signatures"),
    "member": ("成员", "Member"), "signature": ("签字", "Signature"), "waiver": ("豁免", "Waiver"), "skip": ("跳到正文", "Skip to content"),
    "toc": ("目录", "Contents"), "chart": ("各期/各组计数与最低要求", "Counts per period or group against the minimum"),
    "minimum": ("最低", "minimum"), "severity": ("严重程度", "Severity"), "summary": ("汇总", "Summary"),
    "uncovered": ("无规则覆盖", "not covered"), "yuan": ("元", "CNY"),
}


def L(key: str, lang: str, **kw: Any) -> str:
    zh, en = LABELS[key]
    return (zh if lang == "zh" else en).format(**kw)


def status_word(status: str, lang: str) -> str:
    return t(STATUS, status, lang)


def verdict_word(v: str, lang: str) -> str:
    return t(VERDICT, v, lang)


def severity_word(s: str, lang: str) -> str:
    return t(SEVERITY, s, lang)


def title_of(r: Result, lang: str) -> str:
    return r.title if lang == "zh" or not r.title_en else r.title_en


def message_of(r: Result, lang: str) -> str:
    return r.message if lang == "zh" else r.message_en


def clause_texts(report: Report, r: Result) -> list[tuple[str, str]]:
    return [(cid, report.clauses[cid].source_text) for cid in r.clauses if cid in report.clauses]


def share_fraction(r: Result) -> tuple[float, float] | None:
    """(measured share, required share) for share rules, for the gauge."""
    m, th = r.measured, r.threshold or {}
    if not isinstance(m, Share) or not m.denominator:
        return None
    try:
        return m.numerator / m.denominator, float(th.get("min", 1))
    except (TypeError, ValueError):
        return None


def counts_and_min(r: Result) -> tuple[dict[str, int], float] | None:
    """Counts per period or group and the minimum, for the chart."""
    m, th = r.measured, r.threshold or {}
    if not isinstance(m, (Groups, Periods)) or not m.counts:
        return None
    mn = th.get("min_per_group", th.get("min_per_period", 1))
    try:
        return dict(m.counts), float(mn)
    except (TypeError, ValueError):
        return None


def engine_version() -> str:
    return __version__


def all_results(report: Report) -> list[Result]:
    return report.results()
