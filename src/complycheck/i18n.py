"""Words the reports use, in Chinese (default) and English."""

from __future__ import annotations

STATUS = {
    "pass": ("通过", "pass"), "fail": ("不通过", "fail"), "warn": ("预警", "warn"),
    "not_applicable": ("不适用", "not applicable"), "missing_evidence": ("缺少证据", "missing evidence"),
    "manual_review": ("需人工审核", "manual review"), "pending": ("待定（尚无法判断）", "pending"),
    "waived": ("已豁免", "waived"), "error": ("出错", "error"), "uncovered": ("无规则覆盖", "not covered"),
}
VERDICT = {
    "accepted": ("验收通过", "accepted"), "not_accepted": ("验收不通过", "not accepted"),
    "needs_review": ("待人工审核后确定", "needs review"),
}
SEVERITY = {"critical": ("关键", "critical"), "major": ("重要", "major"), "minor": ("次要", "minor")}
WORDS = {
    "contract": ("合同", "Contract"), "project_no": ("项目编号", "Project no."), "purchaser": ("采购人", "Purchaser"),
    "supplier": ("供应商", "Supplier"), "agency": ("代理机构", "Agency"), "as_of": ("评估日期", "As of"),
    "pack": ("规则包", "Rule pack"), "engine": ("引擎", "Engine"), "verdict": ("结论", "Verdict"),
    "line_item": ("品目", "Line item"), "amount": ("金额", "Amount"), "yuan": ("元", "CNY"),
    "contract_level": ("合同整体", "Contract as a whole"), "blocking": ("阻碍验收", "Blocking"),
    "open": ("待审核/待定", "Open"), "coverage": ("条款覆盖", "Clause coverage"), "clauses": ("条款", "Clauses"),
    "failures": ("不符合的记录", "Failing rows"), "more": ("另有 {n} 条未列出", "{n} more not shown"),
    "row": ("第 {n} 行", "row {n}"), "inputs": ("输入文件", "Input files"), "notes": ("说明", "Notes"),
    "data_problems": ("数据问题", "Data problems"), "summary": ("汇总", "Summary"), "waiver": ("豁免", "Waiver"),
    "review": ("审核要点", "To review"), "uncovered": ("无规则覆盖的条款", "Clauses without a rule"),
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
