"""Probable matches for the reviewer: a row a rule lists (failing, or undecided because its ID number is invalid)
may still be the same person or unit as a row of another dataset, by name, birth date and district. Such a match is
shown beside the listed row (the other file and row), never counted as a pass."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from complycheck.engine.context import RuleContext
from complycheck.engine.draft import Draft
from complycheck.model import Rule

MAX_SHOWN = 3


def _keys(columns: tuple[str, ...]) -> list[Any]:
    import polars as pl

    out = []
    for i, c in enumerate(columns):
        if c.startswith("birth:"):  # the eight birth-date digits, even of an invalid number
            out.append(pl.col(c.removeprefix("birth:")).cast(pl.String).str.slice(6, 8).alias(f"__k{i}"))
        else:
            out.append(pl.col(c).cast(pl.String).alias(f"__k{i}"))
    return out


def probable_matches(rule: Rule, ctx: RuleContext, res: Draft) -> None:
    """Amend each listed row of the rule's own file with the rows of `probable_match.with` equal on every column."""
    import polars as pl

    if rule.probable_match is None or not res.failures:
        return
    other, columns = rule.probable_match
    table = ctx.tables.get(ctx.dataset_of(rule.source))
    if other not in ctx.tables or table is None:
        return
    rows = sorted({f.row for f in res.failures if f.row is not None and f.file == table.file})
    if not rows:
        return
    keys = [f"__k{i}" for i in range(len(columns))]
    mine = ctx.collect(
        ctx.tables[ctx.dataset_of(rule.source)]
        .frame.lazy()
        .filter(pl.col("__row").is_in(rows))
        .select(pl.col("__row"), *_keys(columns))
        .drop_nulls(keys)
    )
    theirs = ctx.tables[other].frame.lazy()
    plain = [(i, c) for i, c in enumerate(columns) if not c.startswith("birth:")]
    if plain:  # only the other rows that could match (the listed rows are few): keys of those alone
        i, c = plain[0]
        theirs = theirs.filter(pl.col(c).cast(pl.String).is_in(mine[f"__k{i}"].unique().implode()))
    theirs = ctx.collect(theirs.select(pl.col("__row").alias("__other"), *_keys(columns)).drop_nulls(keys))
    found: dict[int, list[int]] = {}
    for r, o in mine.join(theirs, on=keys, how="inner").select("__row", "__other").sort("__other").iter_rows():
        found.setdefault(r, []).append(o)
    if not found:
        return
    where = ctx.tables[other].file
    by = "、".join(c.replace("birth:", "出生日期:") for c in columns)
    by_en = ", ".join(c.replace("birth:", "birth date of ") for c in columns)
    res.details["probable_matches"] = len(found)
    for k, f in enumerate(res.failures):
        hits = found.get(f.row or -1) if f.file == table.file else None
        if hits:
            shown = "、".join(str(h) for h in hits[:MAX_SHOWN]) + ("…" if len(hits) > MAX_SHOWN else "")
            res.failures[k] = replace(
                f,
                reason=f"{f.reason}；可能匹配 {where} 第 {shown} 行（{by} 相同，供审核，不计为通过）",
                reason_en=f"{f.reason_en}; probable match: {where} row {shown} (same {by_en}; for review, not a pass)",
            )
