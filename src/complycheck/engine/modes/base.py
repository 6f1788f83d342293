"""What every mode shares: the Mode protocol, ending a rule early with a status, the empty-population policy,
threshold comparisons and the warning level."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol

from complycheck.engine.context import RuleContext
from complycheck.engine.draft import Draft
from complycheck.engine.wording import fmt_num, jsonable
from complycheck.lang.types import Compiled, to_fraction
from complycheck.model import Rule, RulePack


class Mode(Protocol):
    """How a rule of one mode is decided and described. `evaluate` fills the draft from the rule's population;
    `describe` gives the mode's part of the rule's logic in words (for `explain`)."""

    name: str

    def evaluate(self, rule: Rule, ctx: RuleContext, pop: Any, res: Draft) -> None: ...

    def describe(self, rule: Rule, pack: RulePack, zh: bool) -> list[str]: ...


class Outcome(Exception):
    """Raised inside rule evaluation to end it with a status (not an error)."""

    def __init__(self, status: str, zh: str, en: str):
        super().__init__(en)
        self.status, self.zh, self.en = status, zh, en


def const_of(c: Compiled | None, ctx: RuleContext, default: Any = None) -> Any:
    """The value of a constant expression (a threshold, a parameter), or `default` when the rule has none."""
    return default if c is None else c.build(ctx)


def empty(rule: Rule, what: str, what_en: str) -> None:
    """End a rule whose population is empty, as its `on_empty` says."""
    if rule.on_empty == "fail":
        raise Outcome("fail", f"没有符合条件的{what}", f"no {what_en} in scope")
    if rule.on_empty == "pass":
        raise Outcome("pass", f"没有符合条件的{what}，按通过处理", f"no {what_en} in scope; treated as pass")
    if rule.on_empty == "missing_evidence":
        raise Outcome(
            "missing_evidence",
            f"缺少证据：没有符合条件的{what}（总体为空，空的提交不能证明履约）",
            f"evidence missing: no {what_en} in scope (an empty population proves nothing)",
        )
    if rule.on_empty == "manual_review":
        raise Outcome(
            "manual_review",
            f"没有符合条件的{what}（总体为空），需人工审核",
            f"no {what_en} in scope (empty population); manual review needed",
        )
    raise Outcome(
        "not_applicable",
        f"不适用：没有符合条件的{what}（总体为空）",
        f"not applicable: no {what_en} in scope (empty population)",
    )


def warn(rule: Rule, ctx: RuleContext, value: Fraction, res: Draft) -> None:
    """A narrow pass below `warn_min` becomes a warning."""
    if rule.warn_min is None or res.status != "pass":
        return
    w = to_fraction(const_of(rule.warn_min, ctx))
    res.threshold = dict(res.threshold or {}, warn_min=jsonable(const_of(rule.warn_min, ctx)))
    if value < w:
        res.status = "warn"
        res.message += f"；低于预警线 {fmt_num(w)}"
        res.message_en += f"; below the warning level {fmt_num(w)}"


def eq(a: Any, b: Any) -> bool:
    """Equality, exact for numbers of any kind."""
    if isinstance(a, (int, Decimal, float)) and isinstance(b, (int, Decimal, float)):
        return to_fraction(a) == to_fraction(b)
    return bool(a == b)


def ge(a: Any, b: Any) -> bool:
    """a >= b, exact for numbers of any kind."""
    if isinstance(a, (int, Decimal, float)) and isinstance(b, (int, Decimal, float)):
        return to_fraction(a) >= to_fraction(b)
    return bool(a >= b)
