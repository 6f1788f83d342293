"""The engine: (compiled pack, evidence tables, as-of date, waivers) -> Report. No I/O, no clock, no printing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from complycheck.engine import fitting, modes
from complycheck.engine.context import RuleContext
from complycheck.engine.draft import Draft
from complycheck.engine.failures import personal_columns, row_failures, unknown_counts, zero_denominators
from complycheck.engine.modes.base import Outcome
from complycheck.engine.probable import probable_matches
from complycheck.engine.rollup import apply_dependencies, apply_waiver, coverage, dependency_order, roll_up
from complycheck.engine.wording import plural
from complycheck.masking import mask_text
from complycheck.model import ALL_DATES, Problem, Rule, RulePack, Table
from complycheck.results import LineItemVerdict, Report, Waiver

Progress = Callable[..., None]


def evaluate(
    pack: RulePack,
    tables: dict[str, Table],
    as_of: date,
    waivers: list[Waiver] | None = None,
    inputs: list[dict[str, Any]] | None = None,
    data_problems: list[Problem] | None = None,
    hold: Callable[[Any], Any] | None = None,
    progress: Progress | None = None,
    memory_budget: int | None = None,
) -> Report:
    """Evaluate every rule, roll results up into line items and the contract.

    `hold`, for streamed tables: a function given a LazyFrame several questions will be asked of, returning an
    equivalent one that is cheap to read again (the caller's to write where it likes; the engine does no I/O).
    `progress(i, n, rule_id, None, "rules")` hears of each rule decided (from a worker thread, one call at a time).
    `memory_budget`: a rule reading spilled tables is decided in memory on the columns it reads when they are
    estimated at no more than this many bytes (default `fitting.MEMORY_BUDGET_BYTES`; 0 streams every such rule)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    waivers = waivers or []
    notes: list[tuple[str, str]] = []
    if any(ALL_DATES in r.reads for r in pack.rules):
        tables = tables | {ALL_DATES: all_dates_table(pack, tables)}
    drafts: dict[str, Draft] = {}
    # Rules are independent computations over shared, read-only frames: two at a time keep both cores busy
    # (polars releases the GIL). Dependencies and waivers are applied afterwards, in dependency order.
    order = dependency_order(pack.rules)
    raw: dict[str, Draft] = {}
    told = threading.Lock()

    spilled = [r for r in order if streams(r, tables)]
    held = [r for r in order if not streams(r, tables)]

    def decide(rule: Rule, streamed: bool, frames: dict[str, Table]) -> None:
        res = evaluate_rule(pack, rule, frames, as_of, streamed, hold)
        with told:
            raw[rule.id] = res
            if progress is not None:
                progress(len(raw) - 1, len(order), rule.id, None, "rules")

    def one_at_a_time() -> None:
        """The rules reading tables spilled to disk (LazyFrames), one at a time (memory, not speed, is the point
        then): first those whose columns fit the memory budget, decided in memory on those columns (collected once
        and kept while they fit), then the others, streamed."""
        columns = fitting.Columns(tables, fitting.MEMORY_BUDGET_BYTES if memory_budget is None else memory_budget)
        fits = {r.id for r in spilled if columns.fits(r)}
        for rule in (r for r in spilled if r.id in fits):
            try:
                frames = columns.tables_for(rule)
            except Exception:  # the columns could not be collected (memory, say): the rule is streamed instead
                columns.clear()
                decide(rule, True, tables)
                continue
            decide(rule, False, frames)
            del frames
        columns.clear()
        for rule in (r for r in spilled if r.id not in fits):
            decide(rule, True, tables)

    def in_memory(rules: list[Rule]) -> None:
        for rule in rules:
            decide(rule, False, tables)

    with ThreadPoolExecutor(max_workers=2) as pool:
        if spilled:  # the rules reading only tables held in memory (the small ones) are decided beside them
            futures = [pool.submit(one_at_a_time), pool.submit(in_memory, held)]
        else:
            futures = [pool.submit(in_memory, [r]) for r in order]
        for f in futures:
            f.result()
    for rule in order:
        res = raw[rule.id]
        apply_dependencies(rule, res, drafts)
        apply_waiver(rule, res, waivers, as_of, notes)
        drafts[rule.id] = res
    ordered = [drafts[r.id].freeze() for r in pack.rules]
    items = []
    for li in pack.contract.line_items:
        rs = [r for r in ordered if r.line_item == li.id]
        verdict, blocking, open_ = roll_up(rs)
        items.append(LineItemVerdict(li.id, li.name, li.name_en, li.amount, verdict, blocking, open_, rs))
    contract_results = [r for r in ordered if r.line_item == "contract"]
    c_verdict, _, _ = roll_up(contract_results)
    verdicts = [i.verdict for i in items] + [c_verdict]
    overall = (
        "not_accepted" if "not_accepted" in verdicts else ("needs_review" if "needs_review" in verdicts else "accepted")
    )
    if pack.contract.service_start is None:
        notes.append(
            (
                "合同未给出服务开始日期，按中标公告日期计算（假定值）",
                "the contract gives no service start; the award date is assumed",
            )
        )
    for w in waivers:
        if w.rule not in drafts:
            notes.append((f"豁免文件中的规则“{w.rule}”不存在", f"waiver names unknown rule '{w.rule}'"))
    return Report(
        pack.contract,
        pack.id,
        pack.version,
        as_of,
        overall,
        items,
        contract_results,
        coverage(pack, ordered),
        inputs or [],
        pack.decisions(),
        notes,
        data_problems or [],
        pack.clauses,
    )


def streams(rule: Rule, tables: dict[str, Table]) -> bool:
    """Whether a rule reads a table spilled to disk (a LazyFrame): it is then streamed, one step at a time."""
    import polars as pl

    return any(isinstance(tables[n].frame, pl.LazyFrame) for n in rule.reads if n in tables)


def all_dates_table(pack: RulePack, tables: dict[str, Table]) -> Table:
    """One row per date cell of every evidence dataset (see model.all_dates_dataset): the row keeps its own file,
    sheet and row number, so a failing date points at the cell in the supplier's file.

    Only the columns some rule reads are built, and the file, sheet and header each row points at are categorical:
    repeated for every date cell of a large submission, text would be copied millions of times."""
    import polars as pl

    read = pack.columns_read()[0].get(ALL_DATES, set())
    cat = pl.Categorical

    def text(v: str | None, col: str, dtype: Any = pl.String) -> Any:
        return pl.lit(v, dtype=dtype).alias(col)

    parts = []
    for name in sorted(tables):
        ds, t = pack.datasets.get(name), tables[name]
        if ds is None:
            continue
        have = set(t.frame.collect_schema().names())
        for c in (c for c in ds.columns.values() if c.type == "date" and c.name in have):
            header = t.headers.get(c.name, c.header)
            visible = {"dataset": name, "column": c.name, "header": header, "file": t.file}
            parts.append(
                t.frame.lazy().select(
                    pl.col("__row"),
                    *(text(v, k) for k, v in visible.items() if k in read),
                    pl.col(c.name).alias("date"),
                    text(t.file, "__file", cat),
                    text(t.sheet, "__sheet", cat),
                    text(header, "__header", cat),
                )
            )
    schema: dict[str, Any] = {"__row": pl.Int64}
    schema |= {k: pl.String for k in ("dataset", "column", "header", "file") if k in read}
    schema |= {"date": pl.Date, "__file": cat, "__sheet": cat, "__header": cat}
    frame = pl.concat([p.cast(schema) for p in parts]) if parts else pl.LazyFrame(schema=schema)
    streamed = any(isinstance(t.frame, pl.LazyFrame) for t in tables.values())
    headers = {c: h for c, h in (("dataset", "数据集"), ("column", "列"), ("header", "表头"), ("date", "日期"))}
    return Table(ALL_DATES, "<all_dates>", None, frame if streamed else frame.collect(), headers)


def evaluate_rule(
    pack: RulePack,
    rule: Rule,
    tables: dict[str, Table],
    as_of: date,
    streaming: bool = False,
    hold: Callable[[Any], Any] | None = None,
) -> Draft:
    """One rule's result (before dependencies and waivers)."""
    res = Draft(rule)
    absent_optional = [n for n in rule.optional if n not in tables]
    if absent_optional:  # optional datasets a submission does not have are read as empty tables
        from complycheck.evidence.tables import empty_table

        tables = dict(tables) | {n: empty_table(pack.datasets[n]) for n in absent_optional}
        res.details["optional_datasets_absent"] = sorted(absent_optional)
    missing = sorted(n for n in rule.reads if n not in tables)
    if missing:
        titles = "、".join(f"{pack.datasets[m].title}（{m}）" for m in missing if m in pack.datasets)
        status = rule.on_missing
        res.status = status
        res.message = f"缺少证据：{titles}"
        res.message_en = f"evidence missing: {', '.join(missing)}"
        if status == "manual_review":
            res.message += "；需人工审核" + (f"：{rule.review}" if rule.review else "")
            res.message_en += "; manual review needed" + (f": {rule.review_en}" if rule.review_en else "")
        res.details["missing_datasets"] = missing
        return res
    ctx = RuleContext(tables, as_of, rule, personal_columns(pack), streaming, hold)
    try:
        empty = empty_submissions(pack, rule, ctx)
        if empty and not rule.on_empty_set:
            names = "、".join(f"{pack.datasets[n].title}（{n}）" for n in empty)
            raise Outcome(
                "missing_evidence",
                f"缺少证据：{names} 没有数据行（空的提交不能证明履约）",
                f"evidence missing: {', '.join(empty)} has no data rows (an empty submission proves nothing)",
            )
        pop = population(rule, ctx)
        try:
            modes.get(rule.mode).evaluate(rule, ctx, pop, res)
        except Outcome as o:  # an empty population, say: rows undecided for the population still count below
            res.set(o.status, o.zh, o.en)
        if ctx.cache.get("__unknown_where"):
            res.details["rows_with_unknown_filter"] = ctx.cache["__unknown_where"]
            undecided_scope(rule, ctx, res)
        if res.status == "fail" and rule.mode in ("count", "measure") and rule.where is not None:
            left_out(rule, ctx, res)
        probable_matches(rule, ctx, res)
    except Outcome as o:
        res.set(o.status, o.zh, o.en)
    except Exception as e:  # an evaluation failure of one rule must not stop the others
        res.status = "error"
        res.message = f"规则计算出错：{type(e).__name__}：{mask_text(str(e))[:200]}"
        res.message_en = f"rule evaluation failed: {type(e).__name__}: {mask_text(str(e))[:200]}"
        return res
    finish(rule, ctx, res)
    absent_columns(pack, rule, ctx, res)
    return res


def absent_columns(pack: RulePack, rule: Rule, ctx: RuleContext, res: Draft) -> None:
    """A rule that reads a column its file does not have says so: the column was read as blank, and a header
    written differently must never turn a failing check into a passing one silently."""
    missing = []
    for frame, cols in sorted(rule.frame_columns().items()):
        ds = ctx.dataset_of(frame)
        table, declared = ctx.tables.get(ds), pack.datasets.get(ds)
        if table is None or declared is None or table.file.startswith("<"):
            continue
        missing += [
            f"{declared.columns[c].header}（{ds}.{c}）"
            for c in sorted(cols)
            if c in declared.columns and c not in table.headers
        ]
    if missing:
        res.details["columns_not_in_file"] = missing
        res.message += f"；文件中没有这些列，按空白处理：{'、'.join(missing)}"
        res.message_en += f"; columns not in the file, read as blank: {', '.join(missing)}"


def empty_submissions(pack: RulePack, rule: Rule, ctx: RuleContext) -> list[str]:
    """The supplier-owned datasets the rule reads (not optional ones) that have no data rows."""
    import polars as pl

    out = []
    for name in sorted(rule.reads - rule.optional):
        ds = pack.datasets.get(name)
        if ds is not None and ds.owner == "supplier" and name in ctx.tables:
            if int(ctx.collect(ctx.tables[name].frame.lazy().select(pl.len())).item()) == 0:
                out.append(name)
    return out


def undecided_scope(rule: Rule, ctx: RuleContext, res: Draft) -> None:
    """Rows whose membership in the population cannot be decided (blank cells, invalid ID numbers) are listed; a rule
    that would pass, or find nothing to check, is at best `on_unknown_scope` (manual review by default): a population
    never shrinks silently."""
    n = ctx.cache["__unknown_where"]
    assert rule.where is not None
    where = rule.where.source
    row_failures(
        ctx,
        rule,
        ctx.cache["__unknown_rows"],
        sorted(rule.where.columns),
        res,
        f"无法判断是否属于范围：{where}",
        f"cannot tell whether the row is in scope: {where}",
        divisors=rule.where.divisors,
    )
    ds = ctx.dataset_of(rule.source)
    zero_n, zero = zero_denominators(ctx, ds, ctx.cache["__unknown_rows"], rule.where.divisors)
    why = unknown_counts(n, zero_n, zero, ctx.tables[ds].headers, res) if zero_n else None
    if rule.on_unknown_scope == "ignore" or res.status not in ("pass", "warn", "not_applicable", "missing_evidence"):
        return
    res.details["status_before_unknown_scope"] = res.status
    res.status = rule.on_unknown_scope
    res.message = (
        f"{n} 行无法判断是否属于范围（{why[0] if why else '单元格空白或无效'}），需人工核实后才能确定：{res.message}"
    )
    res.message_en = (
        f"{plural(n, 'row')} cannot be placed in or out of scope ({why[1] if why else 'blank or invalid cells'}); "
        "to be checked: " + res.message_en
    )


def left_out(rule: Rule, ctx: RuleContext, res: Draft) -> None:
    """A count or measure that falls short lists the rows its scope left out and why (the part of `where` that is
    false, with its values), so the bureau can tell the supplier which records to fix."""
    import polars as pl

    assert rule.where is not None
    excluded = ctx.cache["__scoped"].filter(pl.col("__w").not_().fill_null(False))
    n = int(ctx.collect(excluded.select(pl.len())).item())
    if not n:
        return
    res.details["rows_left_out"] = n
    where = rule.where.source
    row_failures(
        ctx,
        rule,
        excluded,
        sorted(rule.where.columns),
        res,
        f"不计入：不满足 {where}",
        f"left out: not {where}",
        parts=rule.where.parts,
        verb=("不计入", "left out"),
    )


def population(rule: Rule, ctx: RuleContext) -> Any:
    """The rows of `from` where `where` is true; rows it cannot decide (blank cells) are counted."""
    import polars as pl

    df = ctx.frame(rule.source)
    if rule.where is not None:
        df = ctx.hold_column(ctx.with_value(df, rule.where, "__w", ctx.dataset_of(rule.source)), "__w")
        ctx.cache["__scoped"] = df
        unknown = int(ctx.collect(df.select(pl.col("__w").is_null().sum())).item())
        if unknown:
            ctx.cache["__unknown_where"] = unknown
            ctx.cache["__unknown_rows"] = df.filter(pl.col("__w").is_null())
        df = df.filter(pl.col("__w")).drop("__w")
    ctx.cache["rows"] = df
    return df


def finish(rule: Rule, ctx: RuleContext, res: Draft) -> None:
    """Not yet due, pending, or qualitative: what the rule says comes after the figures."""
    if res.status in ("fail", "warn") and rule.due is not None:
        due = rule.due.build(ctx)
        if isinstance(due, date) and ctx.as_of < due:
            res.details["status_before_due"] = res.status
            res.status = "pending"
            res.message = f"尚未到期（截止 {due}）：{res.message}"
            res.message_en = f"not yet due (deadline {due}): {res.message_en}"
    if res.status == "fail" and rule.on_shortfall != "fail":
        res.details["status_before_shortfall"] = res.status
        res.status = rule.on_shortfall
        if rule.on_shortfall == "manual_review":
            res.message = f"未达到要求，按规则交人工审核（{rule.review or rule.title}）：{res.message}"
            res.message_en = (
                "short of the requirement; by the rule, a reviewer decides "
                f"({rule.review_en or rule.title_en or rule.title}): {res.message_en}"
            )
        else:
            res.message = f"缺少证据：{res.message}"
            res.message_en = f"evidence missing: {res.message_en}"
    if rule.pending_if is not None and rule.pending_if.build(ctx) is True and res.status not in ("fail",):
        res.details["status_before_pending"] = res.status
        res.status = "pending"
        res.message = f"{rule.pending_reason or '结果尚无法观察'}：{res.message}"
        res.message_en = f"{rule.pending_reason_en or 'outcome cannot be observed yet'}: {res.message_en}"
    if rule.qualitative and res.status in ("pass", "warn"):
        res.details["automated_checks"] = res.status
        res.status = "manual_review"
        res.review_note = (
            f"自动检查已通过，需人工审核：{rule.review or rule.title}。",
            f"automated checks passed; manual review needed: {rule.review_en or rule.title_en or rule.title}. ",
        )
        res.message = res.review_note[0] + res.message
        res.message_en = res.review_note[1] + res.message_en
