"""Period mode (`period`, optional `group_by`, `min`): every required month or quarter of a window (and every
group) reaches a minimum count; a period overlapping the window by fewer than `min_overlap_days` is not required."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from complycheck.engine.context import RuleContext
from complycheck.engine.draft import Draft
from complycheck.engine.failures import MAX_FAILURES
from complycheck.engine.modes.base import Outcome, const_of, ge
from complycheck.engine.modes.group import expected_groups, group_counts, group_names, with_group
from complycheck.engine.wording import jsonable, plural, show, unit_word
from complycheck.model import Rule, RulePack
from complycheck.results import Failure, Periods


def periods_in(start: date, end: date, unit: str, min_overlap: int) -> list[tuple[str, date, date, int, bool]]:
    """Calendar periods overlapping [start, end]: (label, first day, last day, overlap days, required)."""
    out = []
    y, m = start.year, start.month
    if unit == "quarter":
        m = (m - 1) // 3 * 3 + 1
    step = 1 if unit == "month" else 3
    while date(y, m, 1) <= end:
        first = date(y, m, 1)
        ly, lm = (y, m + step - 1)
        last = date(ly, lm, calendar.monthrange(ly, lm)[1])
        overlap = (min(last, end) - max(first, start)).days + 1
        label = f"{y}-{m:02d}" if unit == "month" else f"{y}Q{(m - 1) // 3 + 1}"
        out.append((label, first, last, overlap, overlap >= min_overlap))
        m += step
        if m > 12:
            y, m = y + 1, m - 12
    return out


def window(rule: Rule, ctx: RuleContext) -> tuple[date, date, int, list[tuple[str, date, date, int, bool]]]:
    """The rule's period window: start, end, the minimum overlap in days, and its calendar periods (periods_in)."""
    p = rule.period
    assert p is not None
    start, end = p.start.build(ctx), p.end.build(ctx)
    if not isinstance(start, date) or not isinstance(end, date):
        raise Outcome("error", "period.start/end 必须是日期", "period.start/end must be dates")
    overlap = int(const_of(p.min_overlap_days, ctx, 1) or 1)
    return start, end, overlap, periods_in(start, end, p.unit, overlap)


def period_label(column: str, unit: str) -> Any:
    """The period a date falls in, as periods_in labels it: 2022-10 or 2022Q4."""
    import polars as pl

    col = pl.col(column)
    if unit == "month":
        return col.dt.strftime("%Y-%m")
    return col.dt.year().cast(pl.String) + "Q" + col.dt.quarter().cast(pl.String)


class PeriodMode:
    name = "period"

    def evaluate(self, rule: Rule, ctx: RuleContext, pop: Any, res: Draft) -> None:
        import polars as pl

        p = rule.period
        assert p is not None
        start, end, overlap, plist = window(rule, ctx)
        required = [x for x in plist if x[4]]
        col = pl.col(p.column)
        inside = pop.filter(col.is_between(start, end))
        before, late, undated = ctx.collect(
            pop.select((col < start).sum().alias("b"), (col > end).sum().alias("l"), col.is_null().sum().alias("u"))
        ).row(0)
        inside = inside.with_columns(period_label(p.column, p.unit).alias("__period"))
        if rule.group_by is not None:
            inside = with_group(rule, ctx, inside)
        by = ["__period"] + (["__group"] if rule.group_by else [])
        counts = group_counts(rule, ctx, inside, by)
        groups = expected_groups(rule, ctx) if rule.group_by else [None]
        if rule.group_by and groups is None:
            groups = sorted({k[1] for k in counts if k[1] is not None}, key=str)
        mn = const_of(rule.min, ctx, 1)
        if not required:
            raise Outcome(
                "not_applicable",
                f"不适用：服务期内没有重叠 ≥ {overlap} 天的完整{unit_word(p.unit)}",
                f"not applicable: no {p.unit} overlaps the window by at least {overlap} days",
            )
        cells = [(lbl, g) for (lbl, _, _, _, req) in plist if req for g in (groups or [None])]
        cnt = {cell: counts.get((cell[0],) + ((cell[1],) if rule.group_by else ()), 0) for cell in cells}
        unmet = [c for c in cells if not ge(cnt[c], mn)]
        shown = group_names(rule, ctx, [g for g in (groups or []) if g is not None]) if rule.group_by else {}

        def cell_label(c: tuple[str, Any]) -> str:  # a period, or a period and its group (masked if personal)
            return c[0] if c[1] is None else f"{c[0]}/{shown[c[1]]}"

        res.measured = Periods(
            len(cells) - len(unmet),
            len(cells),
            {cell_label(c): cnt[c] for c in cells},
            [x[0] for x in plist if not x[4]],
        )
        res.threshold = {
            "min_per_period": jsonable(mn),
            "unit": p.unit,
            "window": [start.isoformat(), end.isoformat()],
            "min_overlap_days": overlap,
        }
        res.details.update({"rows_before_start": before, "rows_after_end": late, "rows_undated": undated})
        res.status = "pass" if not unmet else "fail"
        u = unit_word(p.unit)
        na = [x[0] for x in plist if not x[4]]
        res.details["measured_text"] = f"{len(cells) - len(unmet)}/{len(cells)} 个{u}达到 ≥ {show(mn)}"
        res.message = (
            f"{len(cells) - len(unmet)}/{len(cells)} 个{u}{'（及分组）' if rule.group_by else ''}"
            f"达到每{u}至少 {show(mn)} 次"
            + (f"；未达到：{'、'.join(cell_label(c) for c in unmet[:12])}" if unmet else "")
            + (f"；不足 {overlap} 天的{u}不计：{'、'.join(na)}" if na else "")
        )
        res.message_en = (
            f"{len(cells) - len(unmet)} of {plural(len(cells), p.unit)}{' (by group)' if rule.group_by else ''} "
            f"reach at least {show(mn)}"
            + (f"; not reached: {', '.join(cell_label(c) for c in unmet[:12])}" if unmet else "")
            + (f"; partial {p.unit}s under {overlap} days not required: {', '.join(na)}" if na else "")
        )
        res.failure_count = len(unmet)
        res.failures = [
            Failure(
                None,
                None,
                None,
                p.column,
                {"period": c[0], **({rule.group_by.source: shown[c[1]]} if rule.group_by else {})},
                f"{cell_label(c)}：{cnt[c]} 次 < {show(mn)}",
                f"{cell_label(c)}: {cnt[c]} < {show(mn)}",
            )
            for c in unmet[:MAX_FAILURES]
        ]

    def describe(self, rule: Rule, pack: RulePack, zh: bool) -> list[str]:
        p = rule.period
        assert p is not None
        mn = rule.min.source if rule.min else None
        unit = unit_word(p.unit) if zh else p.unit
        overlap = p.min_overlap_days.source if p.min_overlap_days else 1
        out = [
            f"按{unit}统计 {p.column}，服务期 {p.start.source} 至 {p.end.source}；"
            f"与服务期重叠不足 {overlap} 天的{unit}不要求；每{unit}至少 {mn or 1} 次"
            if zh
            else f"counted per {unit} of {p.column} between {p.start.source} and {p.end.source}; "
            f"{unit}s overlapping by less than {overlap} days are not required; at least {mn or 1} per {unit}"
        ]
        if rule.group_by:
            out.append(
                f"并且每个 {rule.group_by.source} 分组都要满足"
                if zh
                else f"and for every group of {rule.group_by.source}"
            )
        return out


MODE = PeriodMode()
