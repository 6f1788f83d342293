"""Failing rows as the reports list them: the first rows of the file, values masked where personal."""

from __future__ import annotations

from typing import Any

from complycheck.engine.context import RuleContext
from complycheck.engine.draft import Draft
from complycheck.engine.wording import show
from complycheck.lang.types import Compiled, Node, Part
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
    parts: list[Part] | None = None,
    verb: tuple[str, str] = ("不满足", "not met"),
) -> None:
    """Count the failing rows and list the first MAX_FAILURES of them (masked). With the condition's `parts`, each
    row's reason names the part that is false, with its values (`nursing_beds <= beds`: 173 > 161)."""
    import polars as pl

    res.failure_count += int(ctx.collect(failing.select(pl.len())).item())
    room = MAX_FAILURES - len(res.failures)
    if room <= 0:
        return
    failing = ctx.collect(failing.bottom_k(room, by="__row").sort("__row"))  # the first rows of the file
    ds_name = ctx.dataset_of(rule.source)
    if parts and len(parts) > 0:
        failing = _with_parts(ctx, ds_name, failing, parts)
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
        if parts:
            reason, reason_en = _which_part(row, parts, personal, verb) or (reason, reason_en)
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


_NEGATED = {"==": "≠", "!=": "=", "<": "≥", "<=": ">", ">": "≤", ">=": "<"}


def _with_parts(ctx: RuleContext, ds: str, frame: Any, parts: list[Part]) -> Any:
    """The (few) failing rows with each part's truth and, for comparisons, both sides' values."""
    if ctx.streaming:  # the builders join other (streamed) frames onto this one: same kind of frame
        frame = frame.lazy()
    for i, p in _numbered(parts):
        frame = ctx.with_value(frame, Compiled(p.source, p.node), f"__p{i}", ds)
        for side, node in (("l", p.left), ("r", p.right)):
            if node is not None:
                frame = ctx.with_value(frame, Compiled(p.source, node), f"__{side}{i}", ds)
    return ctx.collect(frame)


def _numbered(parts: list[Part], prefix: str = "") -> list[tuple[str, Part]]:
    """Every part and alternative with a column suffix of its own: 0, 1, 1_0, 1_1, ..."""
    out = []
    for i, p in enumerate(parts):
        out.append((f"{prefix}{i}", p))
        out += _numbered(p.alternatives, f"{prefix}{i}_")
    return out


def _which_part(
    row: dict[str, Any], parts: list[Part], personal: dict[str, str], verb: tuple[str, str]
) -> tuple[str, str] | None:
    """The reason in words: the first part that is false (with its values), else the first that is unknown."""

    def value(node: Node | None, v: Any) -> str:
        if v is None:
            return "空白"
        kind = personal.get(node.col or "") if node is not None else None
        return mask_value(v, kind) if kind else mask_text(show(v))

    def figures(i: str, p: Part) -> list[str]:  # why a false part is false, in values
        if p.op is not None and row.get(f"__l{i}") is not None and row.get(f"__r{i}") is not None:
            return [f"{value(p.left, row[f'__l{i}'])} {_NEGATED[p.op]} {value(p.right, row[f'__r{i}'])}"]
        return [x for j, a in enumerate(p.alternatives) for x in figures(f"{i}_{j}", a)]

    for i, p in enumerate(parts):
        if row.get(f"__p{i}") is False:
            shown = "；".join(figures(str(i), p))
            if shown:
                return f"{verb[0]}：{p.source}（{shown}）", f"{verb[1]}: {p.source} ({shown.replace('；', '; ')})"
            return f"{verb[0]}：{p.source}", f"{verb[1]}: {p.source}"
    for i, p in enumerate(parts):
        if row.get(f"__p{i}") is None:
            return f"因空白无法判断：{p.source}", f"unknown because of blank cells: {p.source}"
    return None


def personal_columns(pack: RulePack) -> dict[str, dict[str, str]]:
    """dataset -> column -> kind of personal data (ID-number columns always count)."""
    return {
        n: {c.name: (c.personal or "id_number") for c in ds.columns.values() if c.personal or c.type == "id_number"}
        for n, ds in pack.datasets.items()
    }
