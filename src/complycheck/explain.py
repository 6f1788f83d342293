"""`complycheck explain RULE`: the clause's text, the rule's logic in words, its parameters and, with
evidence, the intermediate figures behind its verdict."""

from __future__ import annotations

from complycheck.engine import modes
from complycheck.errors import ComplycheckError
from complycheck.i18n import SEVERITY, STATUS, t
from complycheck.model import Rule, RulePack
from complycheck.results import Groups, Periods, Result, Share
from complycheck.values import show_value


def logic_in_words(rule: Rule, pack: RulePack, lang: str) -> list[str]:
    """The rule's logic as sentences."""
    zh = lang == "zh"
    src = rule.views[rule.source][0] if rule.source in rule.views else rule.source
    ds = pack.datasets.get(src)
    title = (ds.title if zh else (ds.title_en or ds.title)) if ds else src
    out = [(f"数据集：{src}（{title}）" if zh else f"dataset: {src} ({title})")]
    for name, (vds, where) in rule.views.items():
        out.append(
            f"视图 {name} = {vds}"
            + (f" 中满足 {where.source} 的行" if where and zh else (f" where {where.source}" if where else ""))
            if zh
            else f"view {name} = {vds}" + (f" where {where.source}" if where else "")
        )
    if rule.where:
        out.append(
            f"范围：只看满足 {rule.where.source} 的行（空白无法判断的行不计入，并在结果中计数）"
            if zh
            else f"scope: rows where {rule.where.source} (rows unknown because of blanks are left out and counted)"
        )
    if rule.distinct:
        out.append(
            f"按 {rule.distinct} 去重：同一对象只计一次（有一行满足即算满足）"
            if zh
            else f"counted once per {rule.distinct} (an entity meets the rule when any of its rows does)"
        )
    out += modes.get(rule.mode).describe(rule, pack, zh)
    if rule.warn_min:
        out.append(f"低于 {rule.warn_min.source} 时预警" if zh else f"warns below {rule.warn_min.source}")
    if rule.due:
        out.append(
            f"{rule.due.source} 之前未达标为“待定”（尚未到期）"
            if zh
            else f"before {rule.due.source} a shortfall is pending (not yet due)"
        )
    if rule.pending_if:
        out.append(
            f"当 {rule.pending_if.source} 时结果为“待定”：{rule.pending_reason}"
            if zh
            else f"pending while {rule.pending_if.source}: {rule.pending_reason_en or rule.pending_reason}"
        )
    if rule.depends_on:
        out.append(
            f"依赖规则 {', '.join(rule.depends_on)}：其中任何一条不通过，本规则即不通过"
            if zh
            else f"fails when any of {', '.join(rule.depends_on)} fails"
        )
    if rule.qualitative:
        out.append(
            f"定性条款：自动检查通过后仍需人工审核（{rule.review}）"
            if zh
            else f"qualitative: after the automated checks a person decides ({rule.review_en or rule.review})"
        )
    out.append(
        f"缺少证据时：{rule.on_missing}；总体为空时：{rule.on_empty}"
        if zh
        else f"when evidence is missing: {rule.on_missing}; when the population is empty: {rule.on_empty}"
    )
    return out


def explain(pack: RulePack, rule_id: str, lang: str, result: Result | None = None) -> str:
    """The whole explanation as text."""
    by_id = {r.id: r for r in pack.rules}
    if rule_id not in by_id:
        import difflib

        close = difflib.get_close_matches(rule_id, list(by_id), n=1)
        hint = f"，是不是“{close[0]}”？" if close else ""
        raise ComplycheckError(
            f"没有规则“{rule_id}”{hint}",
            None,
            f"no rule '{rule_id}'" + (f"; did you mean '{close[0]}'?" if close else ""),
        )
    rule = by_id[rule_id]
    zh = lang == "zh"
    lines = [
        f"{'规则' if zh else 'Rule'} {rule.id}  {rule.title if zh else (rule.title_en or rule.title)}",
        f"{'品目' if zh else 'Line item'} {rule.line_item} · {'严重程度' if zh else 'severity'} "
        f"{t(SEVERITY, rule.severity, lang)} · {'条款' if zh else 'clauses'} {', '.join(rule.clauses)}",
        f"{'定义于' if zh else 'defined at'} {rule.location}",
        "",
    ]
    for cid in rule.clauses:
        c = pack.clauses.get(cid)
        if c:
            lines.append(f"条款 {cid} 原文：{c.source_text}" if zh else f"Clause {cid} text: {c.source_text}")
            if c.meaning_en:
                lines.append(f"  {'含义' if zh else 'meaning'}: {c.meaning_en}")
    lines += ["", "逻辑：" if zh else "Logic:"] + [f"  - {x}" for x in logic_in_words(rule, pack, lang)]
    used = sorted(rule.params_used())
    if used:
        lines += ["", "参数（当前值）：" if zh else "Parameters (current values):"]
        for name in used:
            p = rule.params.get(name) or pack.parameters.get(name)
            if p is None:
                continue
            note = (
                " [民政局设定，非合同条款]"
                if p.bureau_decision and zh
                else (" [bureau setting, not a contract term]" if p.bureau_decision else "")
            )
            lines.append(f"  {name} = {show_value(p.value)}  {p.title if zh else (p.title_en or p.title)}{note}")
    if result is not None:
        lines += [
            "",
            ("按证据计算：" if zh else "On the evidence:"),
            f"  {'状态' if zh else 'status'}: {t(STATUS, result.status, lang)}",
            f"  {result.message if zh else result.message_en}",
        ]
        m = result.measured
        if isinstance(m, Share):
            lines.append(f"  {'分子/分母' if zh else 'numerator/denominator'}: {m.numerator}/{m.denominator}")
        if isinstance(m, (Groups, Periods)):
            lines.append(
                f"  {'各组/各期计数' if zh else 'counts per group or period'}: "
                + ", ".join(f"{k}={v}" for k, v in m.counts.items())
            )
        details = [
            (k, v)
            for k, v in sorted((result.details or {}).items())
            if k != "measured_text" and v not in ({}, [], None)
        ]
        if details:  # under their names in the JSON report (docs/report-schema.md), which pipelines read
            lines.append(f"  {'明细（JSON 报告 details 字段）' if zh else 'details (fields of the JSON report)'}:")
            lines += [f"    {k}: {v}" for k, v in details]
        if result.failures:
            lines.append(f"  {'前几条不符合的记录（已脱敏）' if zh else 'first failing rows (masked)'}:")
            for f in result.failures[:10]:
                where = " ".join(
                    x
                    for x in [
                        f.file or "",
                        f"[{f.sheet}]" if f.sheet else "",
                        (f"第 {f.row} 行" if zh else f"row {f.row}") if f.row else "",
                    ]
                    if x
                )
                lines.append(f"    - {where} {', '.join(f'{k}={v}' for k, v in f.values.items())}")
    return "\n".join(lines) + "\n"
