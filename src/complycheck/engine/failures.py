"""Failing rows as the reports list them: the first rows of the file, values masked where personal."""

from __future__ import annotations

from typing import Any

from complycheck.engine.context import RuleContext
from complycheck.engine.draft import Draft
from complycheck.engine.wording import show
from complycheck.i18n import UNKNOWN
from complycheck.lang.types import Compiled, Divisor, Node, Part
from complycheck.masking import show_cell
from complycheck.model import ALL_DATES, Rule, RulePack
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
    divisors: list[Divisor] | None = None,
    rows_of: Any = None,
) -> None:
    """Count the failing rows and list the first MAX_FAILURES of them (masked). With the condition's `parts`, each
    row's reason names the part that is false, with its values (`nursing_beds <= beds`: 173 > 161); with its
    `divisors`, a row left unknown by a denominator of 0 says so, naming the column, not blank cells.

    `rows_of`: the frame the failing rows are rows of. Streamed, and when row numbers are unique there (one
    dataset's rows, not all dates'), the first failing rows are found by their row numbers alone and read from it: a
    join in `failing` (the entities that fail) would otherwise carry every column through the join, which polars'
    streaming engine gathers whole."""
    import polars as pl

    res.failure_count += int(ctx.collect(failing.select(pl.len())).item())
    room = MAX_FAILURES - len(res.failures)
    if room <= 0:
        return
    ds_name = ctx.dataset_of(rule.source)
    if ctx.streaming and rows_of is not None and ds_name != ALL_DATES:
        first = ctx.collect(failing.select(pl.col("__row").bottom_k(room)))["__row"]
        failing = ctx.collect(rows_of.filter(pl.col("__row").is_in(first.implode()))).sort("__row")
    else:
        # the first rows of the file; rows of all dates share row numbers across files, sheets and columns: those,
        # by name, so that in memory and streamed list the same cells
        names = failing.collect_schema().names()
        order = [pl.col("__row")] + [pl.col(c).cast(pl.String) for c in ("__file", "__sheet", "__header") if c in names]
        failing = ctx.collect(failing.bottom_k(room, by=order).sort(order))
    with ctx.explaining():
        if parts and len(parts) > 0:
            failing = _with_parts(ctx, ds_name, failing, parts)
        if divisors:
            failing = ctx.collect(with_divisors(ctx, ds_name, failing.lazy() if ctx.streaming else failing, divisors))
    table = ctx.tables[ds_name]
    personal = ctx.personal.get(ds_name, {})
    shown = [c for c in cols if c in failing.columns][:8]
    for row in failing.head(room).iter_rows(named=True):
        vals = {
            c: show_cell(row[c], personal.get(c))
            if personal.get(c)
            else show_cell(show(row[c]) if row[c] is not None else "")
            for c in shown
        }
        unknown = unknown_col is not None and row.get(unknown_col) is None
        zero = [d for i, d in enumerate(divisors or []) if _is_zero(row.get(f"__z{i}"))]
        why = unknown_words(zero, table.headers)
        reason = (why[0] if unknown else "") + zh
        reason_en = (why[1] if unknown else "") + en
        if zero and unknown_col is None:  # rows undecided for the scope: the zero denominator is why
            names = divisor_names(zero, table.headers)
            reason += UNKNOWN["zero_note"][0].format(cols=names[0])
            reason_en += UNKNOWN["zero_note"][1].format(cols=names[1])
        if parts:
            reason, reason_en = _which_part(row, parts, personal, verb, zero, table.headers) or (reason, reason_en)
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
    row: dict[str, Any],
    parts: list[Part],
    personal: dict[str, str],
    verb: tuple[str, str],
    zero: list[Divisor],
    headers: dict[str, str],
) -> tuple[str, str] | None:
    """The reason in words: the first part that is false (with its values), else the first that is unknown."""

    def value(node: Node | None, v: Any) -> str:
        if v is None:
            return "空白"
        kind = personal.get(node.col or "") if node is not None else None
        return show_cell(v, kind) if kind else show_cell(show(v))

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
            zh, en = unknown_words([d for d in zero if d.source in p.source], headers)
            return zh + p.source, en + p.source
    return None


def _is_zero(v: Any) -> bool:
    return v is not None and not isinstance(v, bool) and v == 0


def with_divisors(ctx: RuleContext, ds: str, frame: Any, divisors: list[Divisor]) -> Any:
    """`frame` with each row-dependent denominator's value as column __z0, __z1, ..."""
    for i, d in enumerate(divisors):
        frame = ctx.with_value(frame, Compiled(d.source, d.node), f"__z{i}", ds)
    return frame


def divisor_names(zero: list[Divisor], headers: dict[str, str]) -> tuple[str, str]:
    """The columns the zero denominators read, as `beds（床位数）`, or the denominator when it reads none."""
    keys = sorted({c for d in zero for c in d.columns})
    bare = [d.source for d in zero if not d.columns]
    named = [f"{c}“{headers[c]}”" if headers.get(c, c) != c else c for c in keys]
    return "、".join(named + bare), ", ".join(named + bare)


def unknown_words(zero: list[Divisor], headers: dict[str, str]) -> tuple[str, str]:
    """Why a row is unknown: blank cells, or a denominator of 0 (naming its columns)."""
    if not zero:
        return UNKNOWN["blank"]
    zh, en = divisor_names(zero, headers)
    return UNKNOWN["zero"][0].format(cols=zh), UNKNOWN["zero"][1].format(cols=en)


def zero_denominators(ctx: RuleContext, ds: str, unknown: Any, divisors: list[Divisor]) -> tuple[int, list[Divisor]]:
    """Of the unknown rows, how many have a denominator of 0, and which denominators were 0."""
    import polars as pl

    if not divisors:
        return 0, []
    frame = with_divisors(ctx, ds, unknown, divisors)
    zeros = [(pl.col(f"__z{i}") == 0).fill_null(False) for i in range(len(divisors))]
    got = ctx.collect(frame.select(pl.any_horizontal(zeros).sum().alias("n"), *(z.any() for z in zeros)))
    row = got.row(0)
    return int(row[0]), [d for d, hit in zip(divisors, row[1:], strict=True) if hit]


def unknown_counts(n: int, zero_n: int, zero: list[Divisor], headers: dict[str, str], res: Any) -> tuple[str, str]:
    """'3 行因空白、1 行因除数为 0（列 beds）' for a rule's message; the zero denominators go into its details."""
    blank_zh, blank_en = (
        UNKNOWN["rows_blank"][0].format(n=n - zero_n),
        UNKNOWN["rows_blank"][1].format(n=n - zero_n),
    )
    if not zero_n:
        return blank_zh, blank_en
    zh, en = divisor_names(zero, headers)
    res.details["rows_zero_denominator"] = zero_n
    res.details["zero_denominator_columns"] = sorted({c for d in zero for c in d.columns} or {d.source for d in zero})
    zero_zh, zero_en = (
        UNKNOWN["rows_zero"][0].format(n=zero_n, cols=zh),
        UNKNOWN["rows_zero"][1].format(n=zero_n, cols=en),
    )
    if zero_n == n:
        return zero_zh, zero_en
    return f"{blank_zh}、{zero_zh}", f"{blank_en}, {zero_en}"


def personal_columns(pack: RulePack) -> dict[str, dict[str, str]]:
    """dataset -> column -> kind of personal data (ID-number columns always count)."""
    return {
        n: {c.name: (c.personal or "id_number") for c in ds.columns.values() if c.personal or c.type == "id_number"}
        for n, ds in pack.datasets.items()
    }
