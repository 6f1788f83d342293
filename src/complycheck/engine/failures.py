"""Failing rows as the reports list them: the first rows of the file, values masked where personal."""

from __future__ import annotations

from typing import Any

from complycheck.engine.context import RuleContext
from complycheck.engine.draft import Draft
from complycheck.engine.wording import show
from complycheck.masking import mask_text, mask_value
from complycheck.model import Rule, RulePack
from complycheck.results import Failure

MAX_FAILURES = 50


def row_failures(
    ctx: RuleContext,
    rule: Rule,
    failing: Any,
    cols: list[str],
    res: Draft,
    zh: str,
    en: str,
    unknown_col: str | None = None,
) -> None:
    """Count the failing rows and list the first MAX_FAILURES of them (masked)."""
    import polars as pl

    res.failure_count += int(ctx.collect(failing.select(pl.len())).item())
    room = MAX_FAILURES - len(res.failures)
    if room <= 0:
        return
    failing = ctx.collect(failing.bottom_k(room, by="__row").sort("__row"))  # the first rows of the file
    ds_name = ctx.dataset_of(rule.source)
    table = ctx.tables[ds_name]
    personal = ctx.personal.get(ds_name, {})
    shown = [c for c in cols if c in failing.columns][:8]
    for row in failing.head(room).iter_rows(named=True):
        vals = {
            c: mask_value(row[c], personal.get(c))
            if personal.get(c)
            else mask_text(show(row[c]) if row[c] is not None else "")
            for c in shown
        }
        unknown = unknown_col is not None and row.get(unknown_col) is None
        reason = ("因空白无法判断：" if unknown else "") + zh
        reason_en = ("unknown because of blank cells: " if unknown else "") + en
        res.failures.append(
            Failure(
                row.get("__file") or table.file,  # all_dates: each row's own file and sheet
                row.get("__sheet") if "__file" in row else table.sheet,
                row["__row"],
                row.get("__header") or ", ".join(table.headers.get(c, c) for c in shown) or None,
                vals,
                reason,
                reason_en,
            )
        )


def personal_columns(pack: RulePack) -> dict[str, dict[str, str]]:
    """dataset -> column -> kind of personal data (ID-number columns always count)."""
    return {
        n: {c.name: (c.personal or "id_number") for c in ds.columns.values() if c.personal or c.type == "id_number"}
        for n, ds in pack.datasets.items()
    }
