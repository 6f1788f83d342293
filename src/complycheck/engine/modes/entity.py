"""Per-entity mode (`per`, `entities`, `at_least`, `min`, optional `period` and `every_period`): the share of
enrolled entities (beneficiaries, households, organisations) that each receive at least N services, counted from a
raw log, per month or quarter when a period is given. An enrolled entity with no rows at all counts as zero."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from complycheck.engine.context import RuleContext
from complycheck.engine.draft import Draft
from complycheck.engine.failures import MAX_FAILURES
from complycheck.engine.modes.base import Outcome, const_of, empty, ge
from complycheck.engine.modes.period import period_label, window
from complycheck.engine.wording import jsonable, pct, show, unit_word
from complycheck.lang.types import to_fraction
from complycheck.masking import show_cell
from complycheck.model import Rule, RulePack
from complycheck.results import Entities, Failure


class EntityMode:
    name = "entity"

    def evaluate(self, rule: Rule, ctx: RuleContext, pop: Any, res: Draft) -> None:
        import polars as pl

        per = rule.per
        assert per is not None
        frame = pop.with_columns(pl.col(per).cast(pl.String).alias("__entity"))
        enrolled = self._entities(rule, ctx, frame)
        if not enrolled:
            empty(rule, "服务对象", "entities")
        counted = pl.col(rule.distinct).n_unique() if rule.distinct else pl.len()
        windows: list[tuple[str | None, date | None, date | None]] = [(None, None, None)]
        by = ["__entity"]
        if rule.period is not None:
            windows, frame = self._periods(rule, ctx, frame, res)
            by.append("__period")
        counts = {
            (r[0], r[1] if len(r) > 2 else None): int(r[-1])
            for r in ctx.collect(
                frame.filter(pl.col("__entity").is_not_null()).group_by(by).agg(counted.alias("__n"))
            ).iter_rows()
        }
        outside = sorted({e for e, _ in counts if e not in enrolled})
        if outside:
            res.details["entities_not_enrolled"] = len(outside)  # served but not on the list: not counted
        need = const_of(rule.at_least, ctx, 1)
        mn = to_fraction(const_of(rule.min, ctx, 1))
        per_period: dict[str, list[int]] = {}
        unmet: list[tuple[str, str | None, int]] = []
        for label, first, last in windows:
            entities = [
                e
                for e, spans in enrolled.items()
                if first is None
                or last is None
                or any((f is None or f <= last) and (u is None or u >= first) for f, u in spans)
            ]
            met = [e for e in entities if ge(counts.get((e, label), 0), need)]
            per_period[label or "all"] = [len(met), len(entities)]
            unmet += [(e, label, counts.get((e, label), 0)) for e in entities if e not in set(met)]
        met_total = sum(m for m, _ in per_period.values())
        total = sum(t for _, t in per_period.values())

        def reaches(m: int, t: int) -> bool:
            return m * mn.denominator >= mn.numerator * t

        if rule.period is not None and rule.every_period:
            short = [p for p, (m, t) in per_period.items() if not reaches(m, t)]
        else:
            short = [] if reaches(met_total, total) else ["all"]
        res.measured = Entities(met_total, total, f"{float(Fraction(met_total, total)):.4f}", per_period)
        res.threshold = {
            "min": jsonable(const_of(rule.min, ctx, 1)),
            "at_least": jsonable(need),
            "every_period": rule.every_period if rule.period is not None else None,
        }
        res.status = "fail" if short else "pass"
        unit = unit_word(rule.period.unit) if rule.period is not None else ""
        figures = "；".join(
            f"{p if p != 'all' else '全期'} {m}/{t} = {pct(Fraction(m, t))}" for p, (m, t) in per_period.items()
        )
        figures_en = "; ".join(
            f"{p if p != 'all' else 'whole term'} {m}/{t} = {pct(Fraction(m, t))}" for p, (m, t) in per_period.items()
        )
        each = f"每{unit}" if unit else ""
        res.details["measured_text"] = f"{met_total}/{total} = {pct(Fraction(met_total, total))} ≥ {pct(mn)}?"
        res.message = f"{each}至少 {show(need)} 次的服务对象占比须 ≥ {pct(mn)}：{figures}" + (
            f"；未达到：{'、'.join(short)}" if short else "；达到"
        )
        res.message_en = (
            f"share of entities with at least {show(need)}{' per ' + rule.period.unit if rule.period else ''} "
            f"must be ≥ {pct(mn)}: {figures_en}" + (f"; not reached: {', '.join(short)}" if short else "; reached")
        )
        kind = ctx.personal.get(ctx.dataset_of(rule.source), {}).get(per)
        res.failure_count = len(unmet)
        res.failures = [
            Failure(
                None,
                None,
                None,
                per,
                {per: show_cell(e, kind), **({"period": p} if p else {})},
                f"{p + '：' if p else ''}{n} 次 < {show(need)}",
                f"{p + ': ' if p else ''}{n} < {show(need)}",
            )
            for e, p, n in unmet[:MAX_FAILURES]
        ]

    @staticmethod
    def _entities(rule: Rule, ctx: RuleContext, frame: Any) -> dict[str, list[tuple[Any, Any]]]:
        """The enrolled entities (as text) with their enrolment spans (from, until; None when not given or blank),
        or the entities the rows name when the rule lists none."""
        import polars as pl

        if rule.entities is None:
            col = ctx.collect(frame.select(pl.col("__entity").drop_nulls().unique()))["__entity"]
            return {e: [(None, None)] for e in sorted(col.to_list())}
        view, name = rule.entities.node.view, rule.entities.node.col
        assert view is not None and name is not None
        start, until = rule.entity_dates
        cols = [pl.col(name).cast(pl.String).alias("__e")] + [
            (pl.col(c) if c else pl.lit(None, dtype=pl.Date)).alias(a) for c, a in ((start, "__f"), (until, "__u"))
        ]
        rows = ctx.collect(ctx.frame(view).select(cols).filter(pl.col("__e").is_not_null()).unique())
        out: dict[str, list[tuple[Any, Any]]] = {}
        for e, f, u in sorted(rows.iter_rows(), key=lambda r: r[0]):
            out.setdefault(e, []).append((f, u))
        return out

    @staticmethod
    def _periods(
        rule: Rule, ctx: RuleContext, frame: Any, res: Draft
    ) -> tuple[list[tuple[str | None, date | None, date | None]], Any]:
        """The required periods (label, first day, last day), and the rows inside the window labelled by period."""
        import polars as pl

        p = rule.period
        assert p is not None
        start, end, overlap, plist = window(rule, ctx)
        labels: list[tuple[str | None, date | None, date | None]] = [(x[0], x[1], x[2]) for x in plist if x[4]]
        if not labels:
            raise Outcome(
                "not_applicable",
                f"不适用：服务期内没有重叠 ≥ {overlap} 天的完整{unit_word(p.unit)}",
                f"not applicable: no {p.unit} overlaps the window by at least {overlap} days",
            )
        col = pl.col(p.column)
        label = period_label(p.column, p.unit)
        outside = int(ctx.collect(frame.select((~col.is_between(start, end)).fill_null(True).sum())).item())
        if outside:
            res.details["rows_outside_window_or_undated"] = outside
        return labels, frame.filter(col.is_between(start, end)).with_columns(label.alias("__period"))

    def describe(self, rule: Rule, pack: RulePack, zh: bool) -> list[str]:
        need = rule.at_least.source if rule.at_least else "1"
        mn = rule.min.source if rule.min else "100%"
        who = (
            rule.entities.source if rule.entities else (f"{rule.per} 出现过的对象" if zh else f"every {rule.per} seen")
        )
        p = rule.period
        if zh:
            per = f"每{unit_word(p.unit)}" if p else ""
            how = ("每个期间都要达到" if rule.every_period else "全期合计") if p else ""
            return [
                f"按 {rule.per} 逐个对象计数（名单：{who}，没有记录的对象按 0 次计）",
                f"每个对象{per}至少 {need} 次；达到的对象占比 ≥ {mn}" + (f"（{how}）" if how else ""),
            ]
        per = f" per {p.unit}" if p else ""
        how = ("every period must reach it" if rule.every_period else "the whole term pooled") if p else ""
        return [
            f"counted per {rule.per} (list: {who}; an entity with no rows counts as zero)",
            f"each needs at least {need}{per}; passes when the share reaching it is ≥ {mn}"
            + (f" ({how})" if how else ""),
        ]


MODE = EntityMode()
