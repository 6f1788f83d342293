"""After every rule is decided: dependencies, waivers, the verdict of each line item and of the contract, and which
clauses the rules cover."""

from __future__ import annotations

from datetime import date
from typing import Any

from complycheck.engine.draft import Draft
from complycheck.model import Rule, RulePack
from complycheck.results import BLOCKING, OPEN, Result, Waiver

SEVERITY_BLOCKS = {"critical", "major"}
STATUS_ORDER = [
    "error",
    "fail",
    "missing_evidence",
    "pending",
    "manual_review",
    "warn",
    "waived",
    "not_applicable",
    "pass",
]


def dependency_order(rules: list[Rule]) -> list[Rule]:
    by_id = {r.id: r for r in rules}
    done: set[str] = set()
    out: list[Rule] = []

    def visit(r: Rule) -> None:
        if r.id in done:
            return
        done.add(r.id)
        for d in r.depends_on:
            visit(by_id[d])
        out.append(r)

    for r in rules:
        visit(r)
    return out


def roll_up(results: list[Result]) -> tuple[str, list[str], list[str]]:
    blocking = [r.rule for r in results if r.status in BLOCKING and r.severity in SEVERITY_BLOCKS]
    open_ = [r.rule for r in results if r.status in OPEN]
    if blocking:
        return "not_accepted", blocking, open_
    if open_:
        return "needs_review", blocking, open_
    return "accepted", blocking, open_


def coverage(pack: RulePack, results: list[Result]) -> list[dict[str, Any]]:
    out = []
    ids = list(pack.clauses) or sorted({c for r in results for c in r.clauses})
    for cid in ids:
        rs = [r for r in results if cid in r.clauses]
        status = "uncovered" if not rs else min((r.status for r in rs), key=STATUS_ORDER.index)
        clause = pack.clauses.get(cid)
        out.append(
            {
                "clause": cid,
                "line_item": clause.line_item if clause else "",
                "rules": [r.rule for r in rs],
                "status": status,
            }
        )
    return out


def apply_dependencies(rule: Rule, res: Draft, results: dict[str, Draft]) -> None:
    """A roll-up fails only when a check it depends on fails; one that could not be decided for lack of evidence
    (or errored) makes it missing evidence (or error), never a failure."""
    res.details["depends_on"] = {d: results[d].status for d in rule.depends_on}
    if res.status not in ("pass", "manual_review", "warn", "not_applicable"):
        return
    for status, zh, en in (
        ("fail", "依赖的检查未通过", "depends on checks that did not pass"),
        ("error", "依赖的检查出错", "depends on checks that could not be computed"),
        (
            "missing_evidence",
            "依赖的检查缺少证据，无法判断",
            "depends on checks that lack evidence, so it cannot be decided",
        ),
    ):
        hit = [d for d in rule.depends_on if results[d].status == status]
        if hit:
            if res.review_note is not None:  # no "automated checks passed" beside a failed dependency
                res.message = res.message.removeprefix(res.review_note[0])
                res.message_en = res.message_en.removeprefix(res.review_note[1])
            res.status = status
            own = ("本项自身：", "On its own: ") if res.message else ("", "")  # its own figure is met, not the rule
            res.message = f"{zh}：{'、'.join(hit)}。{own[0]}" + res.message
            res.message_en = f"{en}: {', '.join(hit)}. {own[1]}" + res.message_en
            return


def apply_waiver(rule: Rule, res: Draft, waivers: list[Waiver], as_of: date, notes: list[tuple[str, str]]) -> None:
    for w in waivers:
        if w.rule != rule.id:
            continue
        info: dict[str, Any] = {
            "reason": w.reason,
            "approver": w.approver,
            "reference": w.reference,
            "start": w.start.isoformat(),
            "expires": w.expires.isoformat(),
        }
        if w.start <= as_of <= w.expires:
            info["active"] = True
            res.waiver = info
            res.details["status_before_waiver"] = res.status
            res.status = "waived"
            res.message = (
                f"已豁免（{w.approver} 批准，{w.reference or '无文号'}，有效至 {w.expires}）：{w.reason}。"
                f"原结果：{res.message}"
            )
            res.message_en = (
                f"waived (approved by {w.approver}, {w.reference or 'no reference'}, until {w.expires}): "
                f"{w.reason}. Underlying result: {res.message_en}"
            )
        else:
            info["active"] = False
            res.waiver = info
            state = "已过期" if as_of > w.expires else "尚未生效"
            state_en = "expired" if as_of > w.expires else "not yet in force"
            res.message += f"（豁免{state}，不再适用：{w.start}～{w.expires}）"
            res.message_en += f" (waiver {state_en} and not applied: {w.start} to {w.expires})"
            notes.append(
                (
                    f"规则 {rule.id} 的豁免{state}（{w.start}～{w.expires}），未适用",
                    f"waiver for {rule.id} {state_en} ({w.start} to {w.expires}); not applied",
                )
            )
