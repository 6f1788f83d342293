"""The one word catalogue: every word the reports use, in Chinese (default) and English."""

from __future__ import annotations

STATUS = {
    "pass": ("通过", "pass"),
    "fail": ("不通过", "fail"),
    "warn": ("预警", "warn"),
    "not_applicable": ("不适用", "not applicable"),
    "missing_evidence": ("缺少证据", "missing evidence"),
    "manual_review": ("需人工审核", "manual review"),
    "pending": ("待定（尚无法判断）", "pending"),
    "waived": ("已豁免", "waived"),
    "error": ("出错", "error"),
    "uncovered_short": ("无规则覆盖", "not covered"),
}
VERDICT = {
    "accepted": ("验收通过", "accepted"),
    "not_accepted": ("验收不通过", "not accepted"),
    "needs_review": ("待人工审核后确定", "needs review"),
}
SEVERITY = {"critical": ("关键", "critical"), "major": ("重要", "major"), "minor": ("次要", "minor")}
# words of the text report (the *_short forms) and of every format
WORDS = {
    "contract": ("合同", "Contract"),
    "project_no": ("项目编号", "Project no."),
    "purchaser": ("采购人", "Purchaser"),
    "supplier": ("供应商", "Supplier"),
    "agency": ("代理机构", "Agency"),
    "as_of": ("评估日期", "As of"),
    "pack_short": ("规则包", "Rule pack"),
    "engine_short": ("引擎", "Engine"),
    "verdict": ("结论", "Verdict"),
    "line_item": ("品目", "Line item"),
    "amount_short": ("金额", "Amount"),
    "yuan": ("元", "CNY"),
    "contract_level": ("合同整体", "Contract as a whole"),
    "blocking_short": ("阻碍验收", "Blocking"),
    "open_short": ("待审核/待定", "Open"),
    "coverage": ("条款覆盖", "Clause coverage"),
    "clauses": ("条款", "Clauses"),
    "failures_short": ("不符合的记录", "Failing rows"),
    "more_short": ("另有 {n} 条未列出", "{n} more not shown"),
    "row_short": ("第 {n} 行", "row {n}"),
    "inputs_short": ("输入文件", "Input files"),
    "notes": ("说明", "Notes"),
    "data_problems": ("数据问题", "Data problems"),
    "summary": ("汇总", "Summary"),
    "waiver": ("豁免", "Waiver"),
    "review": ("审核要点", "To review"),
    "uncovered": ("无规则覆盖的条款", "Clauses without a rule"),
}

# words of the documents (HTML, Markdown)
WORDS.update(
    {
        "title": ("履约验收报告", "Contract acceptance report"),
        "contract_info": ("合同信息", "Contract"),
        "project_no": ("项目编号", "Project no."),
        "project": ("项目名称", "Project"),
        "purchaser": ("采购人", "Purchaser"),
        "supplier": ("供应商", "Supplier"),
        "agency": ("代理机构", "Agency"),
        "total": ("合同总价", "Contract total"),
        "as_of": ("评估日期", "As of"),
        "pack": ("规则包版本", "Rule pack"),
        "engine": ("引擎版本", "Engine"),
        "overall": ("总体结论", "Overall verdict"),
        "line_items": ("各品目结论", "Line items"),
        "line_item": ("品目", "Line item"),
        "amount": ("金额（元）", "Amount (CNY)"),
        "verdict": ("结论", "Verdict"),
        "blocking": ("阻碍验收的标准", "Standards blocking acceptance"),
        "open": ("待审核/待定", "Awaiting review or pending"),
        "contract_level": ("合同整体", "Contract as a whole"),
        "clause_text": ("合同条款原文", "Contract text"),
        "measured": ("实测", "Measured"),
        "threshold": ("要求", "Required"),
        "failures": ("不符合的记录（已脱敏）", "Failing rows (masked)"),
        "file": ("文件", "File"),
        "row": ("行", "Row"),
        "column": ("列", "Column"),
        "values": ("值", "Values"),
        "reason": ("原因", "Reason"),
        "more": ("另有 {n} 条未列出（完整清单见 JSON 报告）", "{n} more not shown (the JSON report lists them)"),
        "review": ("审核要点", "To review"),
        "decision": ("审核意见", "Decision"),
        "reviewer": ("审核人签字", "Reviewer's signature"),
        "date": ("日期", "Date"),
        "agree": ("□ 同意  □ 不同意", "□ Agree  □ Disagree"),
        "coverage": ("条款覆盖", "Clause coverage"),
        "clause": ("条款", "Clause"),
        "rules": ("规则", "Rules"),
        "status": ("状态", "Status"),
        "inputs": ("证据与规则文件（SHA-256）", "Evidence and rule files (SHA-256)"),
        "kind": ("类别", "Kind"),
        "params": ("参数", "Parameters"),
        "param": ("参数", "Parameter"),
        "value": ("取值", "Value"),
        "bureau": ("民政局设定", "bureau setting"),
        "data_problems": ("数据问题", "Data problems"),
        "notes": ("说明", "Notes"),
        "panel": ("验收小组签字", "Acceptance panel signatures"),
        "member": ("成员", "Member"),
        "signature": ("签字", "Signature"),
        "waiver": ("豁免", "Waiver"),
        "skip": ("跳到正文", "Skip to content"),
        "toc": ("目录", "Contents"),
        "chart": ("各期/各组计数与最低要求", "Counts per period or group against the minimum"),
        "minimum": ("最低", "minimum"),
        "severity": ("严重程度", "Severity"),
        "summary": ("汇总", "Summary"),
        "uncovered": ("无规则覆盖", "not covered"),
        "yuan": ("元", "CNY"),
    }
)

# why a row could not be decided (engine messages: failing rows, rule messages and details)
UNKNOWN = {
    "blank": ("因空白无法判断：", "unknown because of blank cells: "),
    "zero": ("除数为 0（列 {cols}）无法判断：", "zero denominator (column {cols}), unknown: "),
    "zero_note": ("（除数为 0：列 {cols}）", " (zero denominator: column {cols})"),
    "rows_blank": ("{n} 行因空白", "{n} because of blank cells"),
    "rows_zero": ("{n} 行因除数为 0（列 {cols}）", "{n} because of a zero denominator (column {cols})"),
}


def t(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    """Look a word up in a table; unknown keys are shown as they are."""
    pair = table.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]


def w(key: str, lang: str, **kw: object) -> str:
    """A report word, formatted."""
    return t(WORDS, key, lang).format(**kw)
