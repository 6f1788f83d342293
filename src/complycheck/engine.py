"""The engine: (compiled pack, evidence tables, as-of date, waivers) -> Report. No I/O, no clock, no printing."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable

from complycheck.idnumbers import id_key_column
from complycheck.lang.types import Compiled, to_fraction
from complycheck.masking import mask_text, mask_value
from complycheck.model import (BLOCKING, OPEN, Failure, LineItemVerdict, Problem, Report, Result, Rule, RulePack, Table)

MAX_FAILURES = 50
SEVERITY_BLOCKS = {"critical", "major"}
STATUS_ORDER = ["error", "fail", "missing_evidence", "pending", "manual_review", "warn", "waived", "not_applicable", "pass"]


@dataclass(frozen=True)
class Waiver:
    rule: str
    reason: str
    approver: str
    reference: str
    start: date
    expires: date


class _Ctx:
    """Frames for one rule's evaluation: datasets, the rule's views and its population (`rows`).

    Frames are polars DataFrames when the tables are in memory (each step computed as it is taken), or LazyFrames
    over tables spilled to disk (streamed, so memory stays bounded: only small results are collected). The code is
    the same for both: only collect(), hold() and like() tell them apart."""

    id_birth_cached = True  # tables from the loaders carry the birth-date column of every ID column

    def __init__(self, tables: dict[str, Table], as_of: date, rule: Rule, personal: dict[str, dict[str, str]], streaming: bool = False,
                 hold: Callable[[Any], Any] | None = None):
        self.current: Any = None  # the frame a row expression is being built for (builders may join columns onto it)
        self.current_ds: str | None = None  # the dataset that frame's rows come from
        self.tables = tables
        self.personal = personal
        self.as_of = as_of
        self.rule = rule
        self.cache: dict[str, Any] = {}
        self.need = rule.frame_columns()
        self.streaming = streaming
        self.helpers = 0
        self._hold = hold

    def dataset_of(self, view: str) -> str:
        if view == "rows":
            view = self.rule.source
        return self.rule.views[view][0] if view in self.rule.views else view

    def key_for(self, ds: str | None, col: str | None) -> str | None:
        """The integer-key column standing for ID column `col` of dataset `ds`, when every ID there has a key."""
        t = self.tables.get(ds) if ds is not None else None
        return id_key_column(col) if t is not None and col is not None and col in t.keyed else None

    def helper(self) -> str:
        self.helpers += 1
        return f"__h{self.helpers}"

    def collect(self, lf: Any) -> Any:
        """A frame's result: a DataFrame as is (in memory every step is computed as it is taken), a LazyFrame run."""
        if not hasattr(lf, "collect"):
            return lf
        return lf.collect(engine="streaming") if self.streaming else lf.collect()

    def hold(self, lf: Any) -> Any:
        """A frame several questions will be asked of: in memory it is already computed; streamed, the caller's
        `hold` (if any) computes it once (joins and all) so the questions only read it."""
        return self._hold(lf) if self.streaming and self._hold is not None else lf

    def like(self, frame: Any, df: Any) -> Any:
        """A small DataFrame in the same mode as `frame`, to join or concatenate with it."""
        return df.lazy() if hasattr(frame, "collect") else df

    def with_value(self, lf: Any, compiled: Compiled, name: str, ds: str) -> Any:
        """`lf` with the value of a row expression as column `name` (builders may join helper columns onto it)."""
        outer = (self.current, self.current_ds)
        self.current, self.current_ds = lf, ds
        try:
            e = _as_expr(compiled.build(self))
            return self.current.with_columns(e.alias(name))
        finally:
            self.current, self.current_ds = outer

    def _narrow(self, lf: Any, *names: str) -> Any:
        """Only the columns the rule reads from this frame (and the row number)."""
        want = {"__row"}.union(*(self.need.get(n, set()) for n in names))
        want |= {id_key_column(c) for c in want}  # ID numbers travel with their integer keys
        have = lf.collect_schema().names()
        return lf.select([c for c in have if c in want])

    def frame(self, view: str) -> Any:
        import polars as pl

        if view in self.cache:
            return self.cache[view]
        ds = self.dataset_of(view)
        base = self.tables[ds].frame
        if self.streaming and isinstance(base, pl.DataFrame):
            base = base.lazy()
        lf = self._narrow(base, view, *([self.rule.source] if view == self.rule.source else []))
        if view in self.rule.views and self.rule.views[view][1] is not None:
            where = self.rule.views[view][1]
            lf = self.hold(self.with_value(lf, where, "__v", ds).filter(pl.col("__v")).drop("__v"))
        self.cache[view] = lf
        return lf


def _as_expr(v: Any) -> Any:
    import polars as pl

    return v if isinstance(v, pl.Expr) else pl.lit(v)


class _Outcome(Exception):
    """Raised inside rule evaluation to end it with a status (not an error)."""

    def __init__(self, status: str, zh: str, en: str):
        self.status, self.zh, self.en = status, zh, en


def evaluate(pack: RulePack, tables: dict[str, Table], as_of: date, waivers: list[Waiver] | None = None,
             inputs: list[dict[str, Any]] | None = None, data_problems: list[Problem] | None = None,
             hold: Callable[[Any], Any] | None = None, progress: Callable[..., None] | None = None) -> Report:
    """Evaluate every rule, roll results up into line items and the contract.

    `hold`, for streamed tables: a function given a LazyFrame several questions will be asked of, returning an
    equivalent one that is cheap to read again (the caller's to write where it likes; the engine does no I/O).
    `progress(i, n, rule_id, None, "rules")` hears of each rule decided."""
    waivers = waivers or []
    notes: list[tuple[str, str]] = []
    results: dict[str, Result] = {}
    from concurrent.futures import ThreadPoolExecutor

    # Rules are independent computations over shared, read-only frames: two at a time keep both cores busy
    # (polars releases the GIL). Dependencies and waivers are applied afterwards, in dependency order.
    order = _dependency_order(pack.rules)
    # tables spilled to disk (LazyFrames) are streamed, one rule at a time: memory, not speed, is the point then
    import polars as pl

    streaming = any(isinstance(t.frame, pl.LazyFrame) for t in tables.values())
    with ThreadPoolExecutor(max_workers=1 if streaming else 2) as pool:
        raw = {}
        for k, (rule, res) in enumerate(zip(order, pool.map(lambda r: _evaluate_rule(pack, r, tables, as_of, streaming, hold), order))):
            raw[rule.id] = res
            if progress is not None:
                progress(k, len(order), rule.id, None, "rules")
    for rule in order:
        res = raw[rule.id]
        _apply_dependencies(rule, res, results)
        _apply_waiver(rule, res, waivers, as_of, notes)
        results[rule.id] = res
    ordered = [results[r.id] for r in pack.rules]
    items = []
    for li in pack.contract.line_items:
        rs = [r for r in ordered if r.line_item == li.id]
        verdict, blocking, open_ = _roll_up(rs)
        items.append(LineItemVerdict(li.id, li.name, li.name_en, li.amount, verdict, blocking, open_, rs))
    contract_results = [r for r in ordered if r.line_item == "contract"]
    c_verdict, _, _ = _roll_up(contract_results)
    verdicts = [i.verdict for i in items] + [c_verdict]
    overall = "not_accepted" if "not_accepted" in verdicts else ("needs_review" if "needs_review" in verdicts else "accepted")
    if pack.contract.service_start is None:
        notes.append(("合同未给出服务开始日期，按中标公告日期计算（假定值）", "the contract gives no service start; the award date is assumed"))
    for w in waivers:
        if w.rule not in results:
            notes.append((f"豁免文件中的规则“{w.rule}”不存在", f"waiver names unknown rule '{w.rule}'"))
    return Report(pack.contract, pack.id, pack.version, as_of, overall, items, contract_results,
                  _coverage(pack, ordered), inputs or [], pack.parameters, notes, data_problems or [], pack.clauses)


def _dependency_order(rules: list[Rule]) -> list[Rule]:
    by_id = {r.id: r for r in rules}
    done: set[str] = set()
    out: list[Rule] = []

    def visit(r: Rule) -> None:
        if r.id in done:
            return
        done.add(r.id)
        for d in r.depends_on:
            visit(by_id[d])
        out.append(r)
    for r in rules:
        visit(r)
    return out


def _roll_up(results: list[Result]) -> tuple[str, list[str], list[str]]:
    blocking = [r.rule for r in results if r.status in BLOCKING and r.severity in SEVERITY_BLOCKS]
    open_ = [r.rule for r in results if r.status in OPEN]
    if blocking:
        return "not_accepted", blocking, open_
    if open_:
        return "needs_review", blocking, open_
    return "accepted", blocking, open_


def _coverage(pack: RulePack, results: list[Result]) -> list[dict[str, Any]]:
    out = []
    ids = list(pack.clauses) or sorted({c for r in results for c in r.clauses})
    for cid in ids:
        rs = [r for r in results if cid in r.clauses]
        status = "uncovered" if not rs else min((r.status for r in rs), key=STATUS_ORDER.index)
        clause = pack.clauses.get(cid)
        out.append({"clause": cid, "line_item": clause.line_item if clause else "", "rules": [r.rule for r in rs], "status": status})
    return out


def _apply_dependencies(rule: Rule, res: Result, results: dict[str, Result]) -> None:
    failed = [d for d in rule.depends_on if results[d].status in BLOCKING | {"fail"}]
    if failed and res.status in ("pass", "manual_review", "warn", "not_applicable"):
        res.status = "fail"
        res.message = f"依赖的检查未通过：{'、'.join(failed)}。" + res.message
        res.message_en = f"depends on checks that did not pass: {', '.join(failed)}. " + res.message_en
    res.details["depends_on"] = {d: results[d].status for d in rule.depends_on}


def _apply_waiver(rule: Rule, res: Result, waivers: list[Waiver], as_of: date, notes: list[tuple[str, str]]) -> None:
    for w in waivers:
        if w.rule != rule.id:
            continue
        info = {"reason": w.reason, "approver": w.approver, "reference": w.reference, "start": w.start.isoformat(), "expires": w.expires.isoformat()}
        if w.start <= as_of <= w.expires:
            info["active"] = True
            res.waiver = info
            res.details["status_before_waiver"] = res.status
            res.status = "waived"
            res.message = f"已豁免（{w.approver} 批准，{w.reference or '无文号'}，有效至 {w.expires}）：{w.reason}。原结果：{res.message}"
            res.message_en = f"waived (approved by {w.approver}, {w.reference or 'no reference'}, until {w.expires}): {w.reason}. Underlying result: {res.message_en}"
        else:
            info["active"] = False
            res.waiver = info
            state = "已过期" if as_of > w.expires else "尚未生效"
            state_en = "expired" if as_of > w.expires else "not yet in force"
            res.message += f"（豁免{state}，不再适用：{w.start}～{w.expires}）"
            res.message_en += f" (waiver {state_en} and not applied: {w.start} to {w.expires})"
            notes.append((f"规则 {rule.id} 的豁免{state}（{w.start}～{w.expires}），未适用", f"waiver for {rule.id} {state_en} ({w.start} to {w.expires}); not applied"))


# --------------------------------------------------------------------------- one rule
def _new_result(rule: Rule) -> Result:
    return Result(rule.id, rule.line_item, rule.clauses, rule.title, rule.title_en, rule.severity, "error", None, None, "", "",
                  qualitative=rule.qualitative, review=rule.review, review_en=rule.review_en, derived=rule.derived)


def _evaluate_rule(pack: RulePack, rule: Rule, tables: dict[str, Table], as_of: date, streaming: bool = False,
                   hold: Callable[[Any], Any] | None = None) -> Result:
    res = _new_result(rule)
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
    ctx = _Ctx(tables, as_of, rule, personal_columns(pack), streaming, hold)
    try:
        _run(pack, rule, ctx, res)
    except _Outcome as o:
        res.status, res.message, res.message_en = o.status, o.zh, o.en
    except Exception as e:  # an evaluation failure of one rule must not stop the others
        res.status = "error"
        res.message = f"规则计算出错：{type(e).__name__}：{mask_text(str(e))[:200]}"
        res.message_en = f"rule evaluation failed: {type(e).__name__}: {mask_text(str(e))[:200]}"
        return res
    _finish(rule, ctx, res)
    return res


def _const(c: Compiled | None, ctx: _Ctx, default: Any = None) -> Any:
    return default if c is None else c.build(ctx)


def _population(rule: Rule, ctx: _Ctx) -> Any:
    import polars as pl

    df = ctx.frame(rule.source)
    if rule.where is not None:
        df = ctx.hold(ctx.with_value(df, rule.where, "__w", ctx.dataset_of(rule.source)))
        unknown = int(ctx.collect(df.select(pl.col("__w").is_null().sum())).item())
        if unknown:
            ctx.cache["__unknown_where"] = unknown
        df = df.filter(pl.col("__w")).drop("__w")
    ctx.cache["rows"] = df
    return df


def _run(pack: RulePack, rule: Rule, ctx: _Ctx, res: Result) -> None:
    pop = _population(rule, ctx)
    mode = rule.mode
    if mode == "share":
        _share(rule, ctx, pop, res)
    elif mode == "count":
        _count(rule, ctx, pop, res)
    elif mode == "measure":
        _measure(rule, ctx, pop, res)
    elif mode == "group":
        _groups(rule, ctx, pop, res)
    else:
        _periods(rule, ctx, pop, res)
    if ctx.cache.get("__unknown_where"):
        res.details["rows_with_unknown_filter"] = ctx.cache["__unknown_where"]


def _empty(rule: Rule, what: str, what_en: str) -> None:
    if rule.on_empty == "fail":
        raise _Outcome("fail", f"没有符合条件的{what}", f"no {what_en} in scope")
    if rule.on_empty == "pass":
        raise _Outcome("pass", f"没有符合条件的{what}，按通过处理", f"no {what_en} in scope; treated as pass")
    raise _Outcome("not_applicable", f"不适用：没有符合条件的{what}（总体为空）", f"not applicable: no {what_en} in scope (empty population)")


def _pct(f: Fraction, digits: int = 1) -> str:
    """A share as a percentage, rounded half up; callers add digits when rounding would hide a difference."""
    value = Decimal(f.numerator) * 100 / Decimal(f.denominator)
    return f"{value.quantize(Decimal(1).scaleb(-digits), rounding='ROUND_HALF_UP')}%"


def _share(rule: Rule, ctx: _Ctx, pop: Any, res: Result) -> None:
    import polars as pl

    assert rule.expect is not None
    frame = ctx.hold(ctx.with_value(pop, rule.expect, "__ok", ctx.dataset_of(rule.source)))
    ok = pl.col("__ok").fill_null(False)
    # an ID's integer key stands for it in the distinct counting
    key = (ctx.key_for(ctx.dataset_of(rule.source), rule.distinct) or rule.distinct) if rule.distinct else None
    aggs = [pl.len().alias("n"), ok.sum().alias("num"), pl.col("__ok").is_null().sum().alias("unknown")]
    if key:
        aggs += [pl.col(key).n_unique().alias("distinct"), pl.col(key).null_count().alias("blank"), (ok & pl.col(key).is_null()).sum().alias("blank_ok")]
    st = ctx.collect(frame.select(aggs)).row(0, named=True)
    if st["n"] == 0:
        _empty(rule, "记录", "rows")
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
    min_ = to_fraction(_const(rule.min, ctx, 1))
    share = Fraction(num, den)
    ok = num * min_.denominator >= min_.numerator * den
    res.measured = {"kind": "share", "numerator": num, "denominator": den, "value": f"{float(share):.4f}"}
    res.threshold = {"min": _jsonable(_const(rule.min, ctx, 1))}
    sym = "≥" if ok else "<"
    digits = 1
    while digits < 4 and share != min_ and _pct(share, digits) == _pct(min_, digits):
        digits += 1
    text = f"{num}/{den} = {_pct(share, digits)} {sym} {_pct(min_)}"
    unknown = st["unknown"]
    res.details["measured_text"] = text
    if unknown:
        res.details["rows_unknown"] = unknown
    res.status = "pass" if ok else "fail"
    unit = "人/项" if rule.distinct else "行"
    res.message = f"{text}（{num} / {den} {unit}符合要求）" + (f"；其中 {unknown} 行因空白无法判断" if unknown else "")
    res.message_en = f"{text} ({num} of {den} {'entities' if rule.distinct else 'rows'} meet the condition)" + (f"; {unknown} rows unknown because of blank cells" if unknown else "")
    _warn(rule, ctx, share, res)
    cols = sorted(rule.expect.columns | ({rule.distinct} if rule.distinct else set()))
    _row_failures(ctx, rule, failing, cols, res, "不满足条件：" + rule.expect.source, "condition not met: " + rule.expect.source, unknown_col="__ok")


def _warn(rule: Rule, ctx: _Ctx, value: Fraction, res: Result) -> None:
    if rule.warn_min is None or res.status != "pass":
        return
    w = to_fraction(_const(rule.warn_min, ctx))
    res.threshold = dict(res.threshold or {}, warn_min=_jsonable(_const(rule.warn_min, ctx)))
    if value < w:
        res.status = "warn"
        res.message += f"；低于预警线 {_fmt_num(w)}"
        res.message_en += f"; below the warning level {_fmt_num(w)}"


def _fmt_num(f: Fraction) -> str:
    return _pct(f) if f <= 1 else str(float(f))


def _count(rule: Rule, ctx: _Ctx, pop: Any, res: Result) -> None:
    import polars as pl

    key = ctx.key_for(ctx.dataset_of(rule.source), rule.distinct) or rule.distinct
    n = int(ctx.collect(pop.select(pl.col(key).drop_nulls().n_unique() if rule.distinct else pl.len())).item())
    _compare(rule, ctx, n, res, "数量", "count", default_min=1)
    res.measured = {"kind": "count", "value": n}


def _measure(rule: Rule, ctx: _Ctx, pop: Any, res: Result) -> None:
    import polars as pl

    assert rule.measure is not None
    v = rule.measure.build(ctx)
    if v is None:
        if ctx.collect(pop.select(pl.len())).item() == 0:
            _empty(rule, "记录", "rows")
        raise _Outcome("fail", "无法计算度量值（数据为空白）", "the measure could not be computed (blank data)")
    _compare(rule, ctx, v, res, "度量值", "measure", default_min=None)
    res.measured = {"kind": "value", "value": _jsonable(v)}


def _compare(rule: Rule, ctx: _Ctx, v: Any, res: Result, what: str, what_en: str, default_min: Any) -> None:
    mn = _const(rule.min, ctx, default_min)
    mx = _const(rule.max, ctx)
    eq = _const(rule.equals, ctx)
    res.threshold = {k: _jsonable(x) for k, x in (("min", mn), ("max", mx), ("equals", eq)) if x is not None}
    checks = []
    if eq is not None:
        checks.append((_eq(v, eq), f"= {_show(eq)}", f"= {_show(eq)}"))
    if mn is not None:
        checks.append((_ge(v, mn), f"≥ {_show(mn)}", f">= {_show(mn)}"))
    if mx is not None:
        checks.append((_ge(mx, v), f"≤ {_show(mx)}", f"<= {_show(mx)}"))
    ok = all(c[0] for c in checks)
    res.status = "pass" if ok else "fail"
    need = "，".join(c[1] for c in checks) or "（无阈值）"
    need_en = ", ".join(c[2] for c in checks) or "(no threshold)"
    res.details["measured_text"] = f"{_show(v)} {'满足' if ok else '不满足'} {need}"
    res.message = f"{what} {_show(v)}，要求 {need}：{'符合' if ok else '不符合'}"
    res.message_en = f"{what_en} {_show(v)}, required {need_en}: {'met' if ok else 'not met'}"
    if rule.warn_min is not None and ok and isinstance(v, (int, Decimal)):
        _warn(rule, ctx, to_fraction(v), res)


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, (int, Decimal, float)) and isinstance(b, (int, Decimal, float)):
        return to_fraction(a) == to_fraction(b)
    return bool(a == b)


def _ge(a: Any, b: Any) -> bool:
    if isinstance(a, (int, Decimal, float)) and isinstance(b, (int, Decimal, float)):
        return to_fraction(a) >= to_fraction(b)
    return bool(a >= b)


def _show(v: Any) -> str:
    if isinstance(v, float):
        v = Decimal(repr(v))
    if isinstance(v, Decimal) and isinstance(v.as_tuple().exponent, int) and v.as_tuple().exponent < -4:
        v = v.quantize(Decimal("0.0001"))
    if isinstance(v, Decimal):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, list):
        return "、".join(_show(x) for x in v)
    return str(v)


def _jsonable(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Fraction):
        return str(Decimal(v.numerator) / Decimal(v.denominator))
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    return v


def _expected_groups(rule: Rule, ctx: _Ctx) -> list[Any] | None:
    import polars as pl

    if rule.groups is None:
        return None
    node = rule.groups.node
    if node.t == "colref":
        col = ctx.collect(ctx.frame(node.view).select(pl.col(node.col).drop_nulls().unique()))[node.col]
        return sorted(col.to_list(), key=str)
    v = rule.groups.build(ctx)
    if not isinstance(v, list):
        raise _Outcome("error", "groups 必须是列表或 数据集.列", "groups must be a list or dataset.column")
    return v


def _group_counts(rule: Rule, ctx: _Ctx, df: Any, by: list[str]) -> dict[tuple[Any, ...], int]:
    import polars as pl

    col = "__group" if rule.group_by is not None else None
    if col is not None and isinstance(df.collect_schema()[col], pl.List):
        df = df.explode(col)
    key = ctx.key_for(ctx.dataset_of(rule.source), rule.distinct) or rule.distinct
    agg = pl.col(key).n_unique() if rule.distinct else pl.len()
    g = ctx.collect(df.group_by(by).agg(agg.alias("__n")))
    return {tuple(r[:-1]): int(r[-1]) for r in g.iter_rows()}


def _with_group(rule: Rule, ctx: _Ctx, df: Any) -> Any:
    assert rule.group_by is not None
    return ctx.with_value(df, rule.group_by, "__group", ctx.dataset_of(rule.source))


def _groups(rule: Rule, ctx: _Ctx, pop: Any, res: Result) -> None:
    assert rule.group_by is not None
    pop = _with_group(rule, ctx, pop)
    counts = {k[0]: v for k, v in _group_counts(rule, ctx, pop, ["__group"]).items()}
    label = rule.group_by.source if rule.group_by.source.isidentifier() else "分组"
    expected = _expected_groups(rule, ctx)
    groups = expected if expected is not None else sorted((k for k in counts if k is not None), key=str)
    if not groups:
        _empty(rule, "分组", "groups")
    mn = _const(rule.min, ctx, 1)
    met = [g for g in groups if _ge(counts.get(g, 0), mn)]
    unmet = [g for g in groups if g not in met]
    res.measured = {"kind": "groups", "met": len(met), "total": len(groups), "counts": {str(g): counts.get(g, 0) for g in groups}}
    res.threshold = {"min_per_group": _jsonable(mn)}
    if expected is not None:
        extra = sorted((str(k) for k in counts if k is not None and k not in set(expected)))
        if extra:
            res.details["groups_not_expected"] = extra[:50]
    res.status = "pass" if not unmet else "fail"
    res.details["measured_text"] = f"{len(met)}/{len(groups)} 组达到 ≥ {_show(mn)}"
    res.message = f"{len(met)}/{len(groups)} 个{'“' + label + '”' if label != '分组' else ''}分组达到每组至少 {_show(mn)}" + (f"；未达到：{'、'.join(map(str, unmet[:10]))}" if unmet else "")
    res.message_en = f"{len(met)} of {len(groups)} groups{' of ' + repr(label) if label != '分组' else ''} reach at least {_show(mn)} each" + (f"; not reached: {', '.join(map(str, unmet[:10]))}" if unmet else "")
    res.failure_count = len(unmet)
    res.failures = [Failure(None, None, None, label, {label: mask_text(str(g))}, f"数量 {counts.get(g, 0)} < {_show(mn)}",
                            f"count {counts.get(g, 0)} < {_show(mn)}") for g in unmet[:MAX_FAILURES]]


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


def _periods(rule: Rule, ctx: _Ctx, pop: Any, res: Result) -> None:
    import polars as pl

    p = rule.period
    assert p is not None
    start, end = p.start.build(ctx), p.end.build(ctx)
    if not isinstance(start, date) or not isinstance(end, date):
        raise _Outcome("error", "period.start/end 必须是日期", "period.start/end must be dates")
    overlap = int(_const(p.min_overlap_days, ctx, 1) or 1)
    plist = periods_in(start, end, p.unit, overlap)
    required = [x for x in plist if x[4]]
    col = pl.col(p.column)
    inside = pop.filter(col.is_between(start, end))
    before, late, undated = ctx.collect(pop.select((col < start).sum().alias("b"), (col > end).sum().alias("l"), col.is_null().sum().alias("u"))).row(0)
    label = (col.dt.strftime("%Y-%m") if p.unit == "month" else col.dt.year().cast(pl.String) + "Q" + col.dt.quarter().cast(pl.String))
    inside = inside.with_columns(label.alias("__period"))
    if rule.group_by is not None:
        inside = _with_group(rule, ctx, inside)
    by = ["__period"] + (["__group"] if rule.group_by else [])
    counts = _group_counts(rule, ctx, inside, by)
    groups = _expected_groups(rule, ctx) if rule.group_by else [None]
    if rule.group_by and groups is None:
        groups = sorted({k[1] for k in counts if k[1] is not None}, key=str)
    mn = _const(rule.min, ctx, 1)
    if not required:
        raise _Outcome("not_applicable", f"不适用：服务期内没有重叠 ≥ {overlap} 天的完整{_unit(p.unit)}", f"not applicable: no {p.unit} overlaps the window by at least {overlap} days")
    cells = [(lbl, g) for (lbl, _, _, _, req) in plist if req for g in (groups or [None])]
    cnt = {cell: counts.get((cell[0],) + ((cell[1],) if rule.group_by else ()), 0) for cell in cells}
    unmet = [c for c in cells if not _ge(cnt[c], mn)]
    res.measured = {"kind": "periods", "met": len(cells) - len(unmet), "total": len(cells),
                    "counts": {(c[0] if c[1] is None else f"{c[0]}/{c[1]}"): cnt[c] for c in cells},
                    "not_applicable": [x[0] for x in plist if not x[4]]}
    res.threshold = {"min_per_period": _jsonable(mn), "unit": p.unit, "window": [start.isoformat(), end.isoformat()], "min_overlap_days": overlap}
    res.details.update({"rows_before_start": before, "rows_after_end": late, "rows_undated": undated})
    res.status = "pass" if not unmet else "fail"
    u = _unit(p.unit)
    na = [x[0] for x in plist if not x[4]]
    res.details["measured_text"] = f"{len(cells) - len(unmet)}/{len(cells)} 个{u}达到 ≥ {_show(mn)}"
    res.message = (f"{len(cells) - len(unmet)}/{len(cells)} 个{u}{'（及分组）' if rule.group_by else ''}达到每{u}至少 {_show(mn)} 次"
                   + (f"；未达到：{'、'.join(_cell(c) for c in unmet[:12])}" if unmet else "")
                   + (f"；不足 {overlap} 天的{u}不计：{'、'.join(na)}" if na else ""))
    res.message_en = (f"{len(cells) - len(unmet)} of {len(cells)} {p.unit}s{' (by group)' if rule.group_by else ''} reach at least {_show(mn)}"
                      + (f"; not reached: {', '.join(_cell(c) for c in unmet[:12])}" if unmet else "")
                      + (f"; partial {p.unit}s under {overlap} days not required: {', '.join(na)}" if na else ""))
    res.failure_count = len(unmet)
    res.failures = [Failure(None, None, None, p.column, {"period": c[0], **({rule.group_by.source: mask_text(str(c[1]))} if rule.group_by else {})},
                            f"{_cell(c)}：{cnt[c]} 次 < {_show(mn)}", f"{_cell(c)}: {cnt[c]} < {_show(mn)}") for c in unmet[:MAX_FAILURES]]


def _unit(u: str) -> str:
    return "月" if u == "month" else "季度"


def _cell(c: tuple[str, Any]) -> str:
    return c[0] if c[1] is None else f"{c[0]}/{c[1]}"


def _row_failures(ctx: _Ctx, rule: Rule, failing: Any, cols: list[str], res: Result, zh: str, en: str, unknown_col: str | None = None) -> None:
    res.failure_count = int(ctx.collect(failing.select(__import__("polars").len())).item())
    failing = ctx.collect(failing.bottom_k(MAX_FAILURES, by="__row").sort("__row"))  # the first rows of the file
    ds_name = rule.views[rule.source][0] if rule.source in rule.views else rule.source
    table = ctx.tables[ds_name]
    personal = ctx.personal.get(ds_name, {})
    show = [c for c in cols if c in failing.columns][:8]
    for row in failing.head(MAX_FAILURES).iter_rows(named=True):
        vals = {c: mask_value(row[c], personal.get(c)) if personal.get(c) else mask_text(_show(row[c]) if row[c] is not None else "") for c in show}
        unknown = unknown_col is not None and row.get(unknown_col) is None
        reason = ("因空白无法判断：" if unknown else "") + zh
        reason_en = ("unknown because of blank cells: " if unknown else "") + en
        res.failures.append(Failure(table.file, table.sheet, row["__row"], ", ".join(table.headers.get(c, c) for c in show) or None, vals, reason, reason_en))


def personal_columns(pack: RulePack) -> dict[str, dict[str, str]]:
    """dataset -> column -> kind of personal data (ID-number columns always count)."""
    return {n: {c.name: (c.personal or "id_number") for c in ds.columns.values() if c.personal or c.type == "id_number"}
            for n, ds in pack.datasets.items()}


def _finish(rule: Rule, ctx: _Ctx, res: Result) -> None:
    if res.status in ("fail", "warn") and rule.due is not None:
        due = rule.due.build(ctx)
        if isinstance(due, date) and ctx.as_of < due:
            res.details["status_before_due"] = res.status
            res.status = "pending"
            res.message = f"尚未到期（截止 {due}）：{res.message}"
            res.message_en = f"not yet due (deadline {due}): {res.message_en}"
    if rule.pending_if is not None and rule.pending_if.build(ctx) is True and res.status not in ("fail",):
        res.details["status_before_pending"] = res.status
        res.status = "pending"
        res.message = f"{rule.pending_reason or '结果尚无法观察'}：{res.message}"
        res.message_en = f"{rule.pending_reason_en or 'outcome cannot be observed yet'}: {res.message_en}"
    if rule.qualitative and res.status in ("pass", "warn"):
        res.details["automated_checks"] = res.status
        res.status = "manual_review"
        res.message = f"自动检查已通过，需人工审核：{rule.review or rule.title}。{res.message}"
        res.message_en = f"automated checks passed; manual review needed: {rule.review_en or rule.title_en or rule.title}. {res.message_en}"
