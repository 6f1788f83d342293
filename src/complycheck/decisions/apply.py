"""Applying the panel's decisions to a Report: pure (no I/O, no clock), Report -> Report.

Only an open item (`manual_review`, `pending`) takes a decision; a decision on anything else is refused with a note
(overturning an automated result is a waiver's job). A decision is bound to the SHA-256 of the evidence files its
rule read when the template was written; when any of them changed (or the rule now reads another file), it lapses
and the item stays open, with the files named."""

from __future__ import annotations

from dataclasses import replace

from complycheck.decisions.records import CONCLUSION_WORDS, Acceptance, Decision, DecisionForm, FinalLineItem, Outcome
from complycheck.engine.rollup import roll_up
from complycheck.errors import ComplycheckError, ErrorList, Location
from complycheck.results import OPEN, Report, Result

Bindings = dict[str, dict[str, str]]  # rule -> evidence file (relative to the evidence folder) -> SHA-256


def open_items(report: Report) -> list[Result]:
    """Every result of a run that needs a person."""
    return [r for r in report.results() if r.status in OPEN]


def _changed(recorded: dict[str, str], now: dict[str, str]) -> list[str]:
    return sorted(f for f in set(recorded) | set(now) if recorded.get(f) != now.get(f))


def _outcome(r: Result, d: Decision, now: dict[str, str]) -> Outcome:
    word, word_en = CONCLUSION_WORDS[d.conclusion]
    if r.status not in OPEN:
        return Outcome(
            d,
            "refused",
            f"{d.where}：{r.rule} 的自动结果为“{r.status}”，不是待审核项；人工决定“{word}”不能改变自动判定的"
            "通过或不通过（如需接受未达标项，请按豁免程序办理），未采纳",
            f"{d.where}: {r.rule} was decided automatically ({r.status}), not left to review; the panel's "
            f"'{word_en}' cannot overturn an automated result (that is what a waiver is for) and was not applied",
        )
    changed = _changed(d.evidence, now)
    if changed:
        return Outcome(
            d,
            "lapsed",
            f"{r.rule} 的人工决定（{word}，{d.reviewer}，{d.date or '无日期'}）已失效：其依据的证据在决定后已变更"
            f"（{'、'.join(changed)}），须重新审核",
            f"the panel's decision on {r.rule} ({word_en}, {d.reviewer}, {d.date or 'undated'}) has lapsed: the "
            f"evidence it rests on changed after it was made ({', '.join(changed)}); review it again",
            tuple(changed),
        )
    if d.conclusion == "defer":
        return Outcome(d, "deferred")
    return Outcome(d, "applied")


def final_status(r: Result, outcome: Outcome | None) -> str:
    """A result's status once the panel has decided: its own, unless an applied decision closes an open item."""
    if outcome is None or outcome.state != "applied":
        return r.status
    return outcome.decision.conclusion  # pass | fail


def apply_decisions(report: Report, form: DecisionForm, bindings: Bindings) -> Report:
    """The report with the panel's decisions: `acceptance` holds each outcome, each rule's final status and the
    final verdicts; refused and lapsed decisions are also added to the report's notes. A decision naming a rule the
    run does not have is an input error (file and row)."""
    by_rule = {r.rule: r for r in report.results()}
    errors: list[ComplycheckError] = []
    seen: dict[str, str] = {}
    for d in form.decisions:
        if d.rule not in by_rule:
            errors.append(
                ComplycheckError(
                    f"决定中的规则“{d.rule}”不在本次评估中",
                    Location(d.where or form.path),
                    f"the decision names rule '{d.rule}', which this run does not have",
                )
            )
        elif d.rule in seen:
            errors.append(
                ComplycheckError(
                    f"规则“{d.rule}”有两条决定（另见 {seen[d.rule]}）",
                    Location(d.where or form.path),
                    f"rule '{d.rule}' is decided twice (see also {seen[d.rule]})",
                )
            )
        seen[d.rule] = d.where
    if errors:
        raise ErrorList(errors)
    outcomes: dict[str, Outcome] = {}
    for d in form.decisions:
        r = by_rule[d.rule]
        outcomes[d.rule] = _outcome(r, d, bindings.get(d.rule, {}))
    finals = {rid: final_status(r, outcomes.get(rid)) for rid, r in by_rule.items()}

    def rolled(results: list[Result]) -> tuple[str, list[str], list[str]]:
        return roll_up([replace(r, status=finals[r.rule]) for r in results])

    items = {}
    for li in report.line_items:
        v, blocking, open_ = rolled(li.results)
        items[li.id] = FinalLineItem(li.id, v, blocking, open_)
    c_verdict, _, _ = rolled(report.contract_results)
    verdicts = [i.verdict for i in items.values()] + [c_verdict]
    verdict = (
        "not_accepted" if "not_accepted" in verdicts else ("needs_review" if "needs_review" in verdicts else "accepted")
    )
    acceptance = Acceptance(form, outcomes, finals, items, c_verdict, verdict)
    notes = list(report.notes) + [(o.note, o.note_en) for o in outcomes.values() if o.state in ("lapsed", "refused")]
    return replace(report, acceptance=acceptance, notes=notes)


def final_verdict(report: Report) -> str:
    """The contract's verdict after the panel's decisions (the automated one when none were applied)."""
    return report.acceptance.verdict if report.acceptance else report.verdict


def line_item_verdict(report: Report, line_item: str) -> str:
    """A line item's verdict after the panel's decisions."""
    if report.acceptance and line_item in report.acceptance.line_items:
        return report.acceptance.line_items[line_item].verdict
    return next(li.verdict for li in report.line_items if li.id == line_item)
