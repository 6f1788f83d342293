"""Count mode (rows or distinct entities within `min`/`max`) and measure mode (an aggregate's value within `min`,
`max`, `equals`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from complycheck.engine.context import RuleContext
from complycheck.engine.draft import Draft
from complycheck.engine.modes.base import Outcome, const_of, empty, eq, ge, warn
from complycheck.engine.wording import jsonable, show
from complycheck.lang.types import to_fraction
from complycheck.model import Rule, RulePack
from complycheck.results import Count, Value


def compare(rule: Rule, ctx: RuleContext, v: Any, res: Draft, what: str, what_en: str, default_min: Any) -> None:
    """Decide a count or a measured value against the rule's min, max and equals."""
    mn = const_of(rule.min, ctx, default_min)
    mx = const_of(rule.max, ctx)
    want = const_of(rule.equals, ctx)
    res.threshold = {k: jsonable(x) for k, x in (("min", mn), ("max", mx), ("equals", want)) if x is not None}
    checks = []
    if want is not None:
        checks.append((eq(v, want), f"= {show(want)}", f"= {show(want)}"))
    if mn is not None:
        checks.append((ge(v, mn), f"≥ {show(mn)}", f"≥ {show(mn)}"))
    if mx is not None:
        checks.append((ge(mx, v), f"≤ {show(mx)}", f"≤ {show(mx)}"))
    ok = all(c[0] for c in checks)
    res.status = "pass" if ok else "fail"
    need = "，".join(c[1] for c in checks) or "（无阈值）"
    need_en = ", ".join(c[2] for c in checks) or "(no threshold)"
    res.details["measured_text"] = f"{show(v)} {'满足' if ok else '不满足'} {need}"
    res.message = f"{what} {show(v)}，要求 {need}：{'符合' if ok else '不符合'}"
    res.message_en = f"{what_en} {show(v)}, required {need_en}: {'met' if ok else 'not met'}"
    if rule.warn_min is not None and ok and isinstance(v, (int, Decimal)):
        warn(rule, ctx, to_fraction(v), res)


class CountMode:
    name = "count"

    def evaluate(self, rule: Rule, ctx: RuleContext, pop: Any, res: Draft) -> None:
        import polars as pl

        if rule.distinct:
            key = ctx.key_for(ctx.dataset_of(rule.source), rule.distinct) or rule.distinct
            n = int(ctx.collect(pop.select(pl.col(key).drop_nulls().n_unique())).item())
        else:
            n = int(ctx.collect(pop.select(pl.len())).item())
        compare(rule, ctx, n, res, "数量", "count", default_min=1)
        res.measured = Count(n)

    def describe(self, rule: Rule, pack: RulePack, zh: bool) -> list[str]:
        mn = rule.min.source if rule.min else None
        mx = rule.max.source if rule.max else None
        if zh:
            return [f"通过条件：行数（或对象数）≥ {mn or 1}" + (f" 且 ≤ {mx}" if mx else "")]
        return [f"passes when the number of rows (or entities) is ≥ {mn or 1}" + (f" and ≤ {mx}" if mx else "")]


class MeasureMode:
    name = "measure"

    def evaluate(self, rule: Rule, ctx: RuleContext, pop: Any, res: Draft) -> None:
        import polars as pl

        assert rule.measure is not None
        v = rule.measure.build(ctx)
        if v is None:
            if ctx.collect(pop.select(pl.len())).item() == 0:
                empty(rule, "记录", "rows")
            raise Outcome("fail", "无法计算度量值（数据为空白）", "the measure could not be computed (blank data)")
        compare(rule, ctx, v, res, "度量值", "measure", default_min=None)
        res.measured = Value(jsonable(v))

    def describe(self, rule: Rule, pack: RulePack, zh: bool) -> list[str]:
        assert rule.measure is not None
        mn = rule.min.source if rule.min else None
        conds = [
            f"= {rule.equals.source}" if rule.equals else "",
            f"≥ {mn}" if mn else "",
            f"≤ {rule.max.source}" if rule.max else "",
        ]
        return [
            (f"度量：{rule.measure.source}，须 " if zh else f"measure: {rule.measure.source}, must be ")
            + " ".join(c for c in conds if c)
        ]


COUNT = CountMode()
MEASURE = MeasureMode()
