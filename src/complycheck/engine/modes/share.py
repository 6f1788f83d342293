"""Share mode (`expect`, `min`): the share of rows, or of distinct entities, meeting a condition."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from complycheck.engine.context import RuleContext
from complycheck.engine.draft import Draft
from complycheck.engine.failures import row_failures, unknown_counts, zero_denominators
from complycheck.engine.modes.base import const_of, empty, warn
from complycheck.engine.wording import jsonable, pct, percent, plural
from complycheck.lang.types import to_fraction
from complycheck.model import Rule, RulePack
from complycheck.results import Share


class ShareMode:
    name = "share"

    def evaluate(self, rule: Rule, ctx: RuleContext, pop: Any, res: Draft) -> None:
        import polars as pl

        assert rule.expect is not None
        frame = ctx.hold_column(ctx.with_value(pop, rule.expect, "__ok", ctx.dataset_of(rule.source)), "__ok")
        ok = pl.col("__ok").fill_null(False)
        # an ID's integer key stands for it in the distinct counting
        key = (ctx.key_for(ctx.dataset_of(rule.source), rule.distinct) or rule.distinct) if rule.distinct else None
        aggs = [pl.len().alias("n"), ok.sum().alias("num"), pl.col("__ok").is_null().sum().alias("unknown")]
        if key:
            aggs += [
                pl.col(key).n_unique().alias("distinct"),
                pl.col(key).null_count().alias("blank"),
                (ok & pl.col(key).is_null()).sum().alias("blank_ok"),
            ]
        st = ctx.collect(frame.select(aggs)).row(0, named=True)
        if st["n"] == 0:
            empty(rule, "记录", "rows")
        if key and st["distinct"] + max(st["blank"] - 1, 0) != st["n"]:
            # the same entity on several rows counts once: it meets the rule when any of its rows does
            ent = ctx.collect(frame.filter(pl.col(key).is_not_null()).group_by(key).agg(ok.any().alias("__any")))
            den = ent.height + st["blank"]
            num = int(ent["__any"].sum()) + st["blank_ok"]
            bad = ctx.like(frame, ent.filter(~pl.col("__any")).select(key))
            failing = pl.concat([frame.join(bad, on=key, how="semi"), frame.filter(pl.col(key).is_null())]).filter(~ok)
            res.details["duplicate_rows_counted_once"] = st["n"] - den
        else:
            den, num = st["n"], st["num"]
            failing = frame.filter(~ok)
        min_ = to_fraction(const_of(rule.min, ctx, 1))
        share = Fraction(num, den)
        passed = num * min_.denominator >= min_.numerator * den
        res.measured = Share(num, den, f"{float(share):.4f}")
        res.threshold = {"min": jsonable(const_of(rule.min, ctx, 1))}
        sym = "≥" if passed else "<"
        text = f"{num}/{den} = {percent(share, min_)} {sym} {pct(min_)}"
        unknown = st["unknown"]
        res.details["measured_text"] = text
        if unknown:
            res.details["rows_unknown"] = unknown
        res.status = "pass" if passed else "fail"
        unit = "人/项" if rule.distinct else "行"
        ds = ctx.dataset_of(rule.source)
        zero_n, zero = zero_denominators(ctx, ds, frame.filter(pl.col("__ok").is_null()), rule.expect.divisors)
        why_zh, why_en = unknown_counts(unknown, zero_n, zero, ctx.tables[ds].headers, res)
        res.message = f"{text}（{num} / {den} {unit}符合要求）" + (
            (f"；其中 {why_zh}无法判断" if zero_n else f"；其中 {unknown} 行因空白无法判断") if unknown else ""
        )
        what = ("entity", "entities") if rule.distinct else ("row", "rows")
        res.message_en = f"{text} ({num} of {plural(den, *what)} {'meets' if num == 1 else 'meet'} the condition)" + (
            (
                f"; {plural(unknown, 'row')} unknown: {why_en}"
                if zero_n
                else f"; {plural(unknown, 'row')} unknown because of blank cells"
            )
            if unknown
            else ""
        )
        warn(rule, ctx, share, res)
        if not passed and unknown and rule.on_unknown != "fail" and self._would_pass(rule, ctx, frame, key, min_):
            # the verdict hangs on cells left blank: they decide, not the supplier's known shortfall
            res.details["status_before_unknown"] = res.status
            res.status = rule.on_unknown
            if zero_n:
                res.message = f"结果取决于 {unknown} 行无法判断的记录（{why_zh}；核实后再判断）：{res.message}"
                res.message_en = (
                    f"the outcome hangs on {plural(unknown, 'row')} that cannot be decided ({why_en}; "
                    f"to be checked): {res.message_en}"
                )
            else:
                res.message = f"结果取决于 {unknown} 行因空白无法判断的记录（补齐后再判断）：{res.message}"
                res.message_en = (
                    f"the outcome hangs on {plural(unknown, 'row')} left blank (to be completed): {res.message_en}"
                )
        cols = sorted(rule.expect.columns | ({rule.distinct} if rule.distinct else set()))
        row_failures(
            ctx,
            rule,
            failing,
            cols,
            res,
            "不满足条件：" + rule.expect.source,
            "condition not met: " + rule.expect.source,
            unknown_col="__ok",
            parts=rule.expect.parts,
            divisors=rule.expect.divisors,
            rows_of=frame,
        )

    @staticmethod
    def _would_pass(rule: Rule, ctx: RuleContext, frame: Any, key: str | None, min_: Fraction) -> bool:
        """Whether the rule would pass if every row undecided because of blanks met the condition."""
        import polars as pl

        hopeful = pl.col("__ok").fill_null(True)
        if key:
            per = frame.filter(pl.col(key).is_not_null()).group_by(key).agg(hopeful.any().alias("__any"))
            ent = ctx.collect(per)
            loose = ctx.collect(frame.filter(pl.col(key).is_null()).select(pl.len(), hopeful.sum()))
            num, den = int(ent["__any"].sum()) + int(loose.item(0, 1)), ent.height + int(loose.item(0, 0))
        else:
            num, den = ctx.collect(frame.select(hopeful.sum(), pl.len())).row(0)
        return bool(den) and num * min_.denominator >= min_.numerator * den

    def describe(self, rule: Rule, pack: RulePack, zh: bool) -> list[str]:
        assert rule.expect is not None
        mn = rule.min.source if rule.min else None
        return [
            f"每行须满足：{rule.expect.source}" if zh else f"each row must meet: {rule.expect.source}",
            f"通过条件：满足的比例 ≥ {mn or '100%'}（分子、分母都会列出）"
            if zh
            else f"passes when the share meeting it is ≥ {mn or '100%'} (numerator and denominator shown)",
        ]


MODE = ShareMode()
