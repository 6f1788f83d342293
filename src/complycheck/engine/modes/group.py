"""Group mode (`group_by`, `groups`, `min`): every group reaches a minimum count; and the grouping helpers the
period mode shares."""

from __future__ import annotations

from typing import Any

from complycheck.engine.context import RuleContext
from complycheck.engine.draft import Draft
from complycheck.engine.failures import MAX_FAILURES
from complycheck.engine.modes.base import Outcome, const_of, empty, ge
from complycheck.engine.wording import jsonable, plural, show
from complycheck.masking import show_cell
from complycheck.model import Rule, RulePack
from complycheck.results import Failure, Groups


def expected_groups(rule: Rule, ctx: RuleContext) -> list[Any] | None:
    import polars as pl

    if rule.groups is None:
        return None
    node = rule.groups.node
    if node.t == "colref":
        assert node.view is not None and node.col is not None
        col = ctx.collect(ctx.frame(node.view).select(pl.col(node.col).drop_nulls().unique()))[node.col]
        return sorted(col.to_list(), key=str)
    v = rule.groups.build(ctx)
    if not isinstance(v, list):
        raise Outcome("error", "groups 必须是列表或 数据集.列", "groups must be a list or dataset.column")
    return v


def group_counts(rule: Rule, ctx: RuleContext, df: Any, by: list[str]) -> dict[tuple[Any, ...], int]:
    import polars as pl

    col = "__group" if rule.group_by is not None else None
    if col is not None and isinstance(df.collect_schema()[col], pl.List):
        df = df.explode(col)
    if rule.distinct:
        key = ctx.key_for(ctx.dataset_of(rule.source), rule.distinct) or rule.distinct
        agg = pl.col(key).n_unique()
    else:
        agg = pl.len()
    g = ctx.collect(df.group_by(by).agg(agg.alias("__n")))
    return {tuple(r[:-1]): int(r[-1]) for r in g.iter_rows()}


def with_group(rule: Rule, ctx: RuleContext, df: Any) -> Any:
    assert rule.group_by is not None
    return ctx.with_value(df, rule.group_by, "__group", ctx.dataset_of(rule.source))


def group_names(rule: Rule, ctx: RuleContext, values: list[Any]) -> dict[Any, str]:
    """How each group value is shown: masked when the grouping reads personal data (a count per person), so names
    and ID numbers never reach counts, messages or failing rows; masked names that coincide are told apart (#2)."""
    assert rule.group_by is not None
    personal = ctx.personal.get(ctx.dataset_of(rule.source), {})
    kinds = [personal[c] for c in sorted(rule.group_by.columns) if c in personal]
    kind = personal.get(rule.group_by.node.col or "", kinds[0]) if kinds else None
    out: dict[Any, str] = {}
    seen: dict[str, int] = {}
    for v in values:  # long values are clipped: those that coincide then are told apart too
        m = show_cell(v if kind else str(v), kind)
        seen[m] = seen.get(m, 0) + 1
        out[v] = m if seen[m] == 1 else f"{m}#{seen[m]}"
    return out


class GroupMode:
    name = "group"

    def evaluate(self, rule: Rule, ctx: RuleContext, pop: Any, res: Draft) -> None:
        assert rule.group_by is not None
        pop = with_group(rule, ctx, pop)
        counts = {k[0]: v for k, v in group_counts(rule, ctx, pop, ["__group"]).items()}
        label = rule.group_by.source if rule.group_by.source.isidentifier() else "分组"
        expected = expected_groups(rule, ctx)
        groups = expected if expected is not None else sorted((k for k in counts if k is not None), key=str)
        if not groups:
            empty(rule, "分组", "groups")
        mn = const_of(rule.min, ctx, 1)
        met = [g for g in groups if ge(counts.get(g, 0), mn)]
        unmet = [g for g in groups if g not in met]
        shown = group_names(rule, ctx, groups)
        res.measured = Groups(len(met), len(groups), {shown[g]: counts.get(g, 0) for g in groups})
        res.threshold = {"min_per_group": jsonable(mn)}
        if expected is not None:
            others = [k for k in counts if k is not None and k not in set(expected)]
            extra = sorted(group_names(rule, ctx, others).values())
            if extra:
                res.details["groups_not_expected"] = extra[:50]
        res.status = "pass" if not unmet else "fail"
        res.details["measured_text"] = f"{len(met)}/{len(groups)} 组达到 ≥ {show(mn)}"
        res.message = (
            f"{len(met)}/{len(groups)} 个{'“' + label + '”' if label != '分组' else ''}分组达到每组至少 {show(mn)}"
            + (f"；未达到：{'、'.join(shown[g] for g in unmet[:10])}" if unmet else "")
        )
        res.message_en = (
            f"{len(met)} of {plural(len(groups), 'group')}{' of ' + repr(label) if label != '分组' else ''} "
            f"reach at least {show(mn)} each"
            + (f"; not reached: {', '.join(shown[g] for g in unmet[:10])}" if unmet else "")
        )
        res.failure_count = len(unmet)
        res.failures = [
            Failure(
                None,
                None,
                None,
                label,
                {label: shown[g]},
                f"数量 {counts.get(g, 0)} < {show(mn)}",
                f"count {counts.get(g, 0)} < {show(mn)}",
            )
            for g in unmet[:MAX_FAILURES]
        ]

    def describe(self, rule: Rule, pack: RulePack, zh: bool) -> list[str]:
        assert rule.group_by is not None
        mn = rule.min.source if rule.min else None
        return [
            (
                f"按 {rule.group_by.source} 分组，每组至少 {mn or 1} 行"
                if zh
                else f"grouped by {rule.group_by.source}, each group needs at least {mn or 1} rows"
            )
            + (
                (f"；必须出现的分组：{rule.groups.source}" if zh else f"; required groups: {rule.groups.source}")
                if rule.groups
                else ""
            )
        ]


MODE = GroupMode()
