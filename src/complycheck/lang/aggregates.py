"""Functions over a whole dataset or view (count, distinct, sum, min, max), lookup() into another dataset, and
deadline() from the contract: each compiles itself into a constant or a row value (see `registry`)."""

from __future__ import annotations

import ast
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from complycheck.lang.columnar import FEW_ROWS, beside, lift
from complycheck.lang.registry import func
from complycheck.lang.types import NUMERIC, EvalContext, Node, const, type_name

if TYPE_CHECKING:
    from complycheck.lang.compiler import Compiler


def _py(v: Any) -> Any:
    return Decimal(repr(v)) if isinstance(v, float) else v


def _one(ctx: EvalContext, view: str, e: Any) -> Any:
    """One aggregate value of a view."""
    return ctx.collect(ctx.frame(view).select(e.alias("v")))["v"][0]


def _aggregate(c: Compiler, n: ast.AST, args: list[Node]) -> Node:
    import polars as pl

    a = args[0]
    name = n.func.id if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) else "?"
    view, col = a.view, a.col
    assert view is not None
    c.names.add(view)
    if name == "count":
        return Node("int", lambda ctx: int(_one(ctx, view, pl.len())), True)
    assert col is not None
    elem = a.elem or "any"
    if name == "distinct":  # an ID's integer key stands for it
        return Node(
            "int",
            lambda ctx: int(
                _one(ctx, view, pl.col(ctx.key_for(ctx.dataset_of(view), col) or col).drop_nulls().n_unique())
            ),
            True,
        )
    if name == "sum":
        if elem not in NUMERIC:
            raise c.err(
                n,
                f"sum() 需要数字列，得到{type_name(elem)}",
                f"sum() needs a numeric column, got {elem}",
                about=n,
            )
        return Node(elem, lambda ctx: _py(_one(ctx, view, pl.col(col).drop_nulls().sum())), True)
    if name == "min":
        return Node(elem, lambda ctx: _py(_one(ctx, view, pl.col(col).drop_nulls().min())), True)
    return Node(elem, lambda ctx: _py(_one(ctx, view, pl.col(col).drop_nulls().max())), True)


def _lookup_form(c: Compiler, n: ast.AST, args: list[Node]) -> Node:
    key, kref, vref = args
    if kref.view != vref.view:
        raise c.err(
            n,
            "lookup() 的第 2、3 个参数必须来自同一数据集",
            "arguments 2 and 3 of lookup() must come from the same dataset",
        )
    view, kcol, vcol = kref.view, kref.col, vref.col
    assert view is not None and kcol is not None and vcol is not None
    c.names.add(view)

    def table(ctx: EvalContext) -> Any:
        import polars as pl

        current = ctx.current
        lf = ctx.frame(view).select([kcol, vcol]).filter(pl.col(kcol).is_not_null())
        if key.col is not None and current is not None and key.col in current.collect_schema().names():
            # only the keys the frame at hand holds: the collected table stays as small as the question
            lf = lf.join(
                current.select(pl.col(key.col).alias(kcol)).unique(), on=kcol, how="semi", maintain_order="left"
            )
        return ctx.collect(lf.unique(subset=[kcol], keep="last", maintain_order=True))

    if key.const:

        def bc(ctx: EvalContext) -> Any:
            k = key.build(ctx)
            df = table(ctx)
            hit = df.filter(df[kcol] == k)
            return None if k is None or hit.height == 0 else hit[vcol][0]

        return Node(vref.elem or "any", bc, True)

    def br(ctx: EvalContext) -> Any:
        joined = lookup_by_join(ctx, key, view, kcol, vcol)
        if joined is not None:
            return joined
        df = table(ctx)
        return lift(key.build(ctx)).replace_strict(df[kcol], df[vcol], default=None, return_dtype=df.schema[vcol])

    return Node(vref.elem or "any", br, False)


def lookup_by_join(ctx: EvalContext, key: Node, view: str, kcol: str, vcol: str) -> Any:
    """`lookup(column, view.k, view.v)` on the frame being evaluated as a left join with the last row of each key
    (on the integer keys of ID numbers when both sides have them): one hash join instead of collecting the keys
    at hand and replacing through a map. None when it does not apply (an expression as the key, other types)."""
    import polars as pl

    cur = ctx.current
    if key.col is None or cur is None:
        return None
    lazy = isinstance(cur, pl.LazyFrame)  # streamed: the table of keys is collected once, the join streams
    schema, other = cur.collect_schema(), ctx.frame(view)
    if key.col not in schema.names() or schema[key.col] != other.collect_schema()[kcol]:
        return None
    lk, rk = ctx.key_for(ctx.current_ds, key.col), ctx.key_for(ctx.dataset_of(view), kcol)
    lcol, rcol = (lk, rk) if lk and rk else (key.col, kcol)
    hit, on, name = ctx.helper(), ctx.helper(), f"lookup:{view}:{rcol}:{vcol}"
    if name in ctx.cache:
        table = ctx.cache[name]
    else:
        table = other.select(pl.col(rcol).alias("__k"), pl.col(vcol).alias("__v")).filter(pl.col("__k").is_not_null())
    few = ctx.is_few() or (not lazy and cur.height <= FEW_ROWS)
    if few:  # a few rows (the failing rows shown): only their keys of the other side
        mine = ctx.collect(cur.select(lcol))[lcol] if lazy else cur[lcol]
        table = table.filter(pl.col("__k").is_in(mine.drop_nulls().unique().implode()))
    if name not in ctx.cache:  # the last row of each key, kept for the rule's other questions when complete
        table = ctx.collect(table.filter(pl.col("__k").is_last_distinct()))
        if not few:
            ctx.cache[name] = table
    right = table.rename({"__k": on, "__v": hit})
    if lazy:
        if few:
            ctx.current = cur.join(right.lazy(), left_on=lcol, right_on=on, how="left", maintain_order="left")
        else:  # the key column alone goes through the join (the keys are unique on the right: one value per row)
            keyed = cur.select(pl.col(lcol).alias(on)).join(right.lazy(), on=on, how="left", maintain_order="left")
            ctx.current = beside(ctx, cur, keyed, hit)
        return pl.col(hit)
    # the key column alone goes through the join (the keys are unique on the right: one value per row, in order)
    found = cur.select(pl.col(lcol).alias(on)).join(right, on=on, how="left", maintain_order="left")[hit]
    ctx.current = cur.with_columns(found)
    return pl.col(hit)


def _deadline_form(c: Compiler, n: ast.AST, args: list[Node]) -> Node:
    key = args[0].value
    if key not in c.scope.deadlines:
        hz, he = c.suggest(str(key), list(c.scope.deadlines))
        raise c.err(n, f"合同中没有截止日期“{key}”{hz}", f"the contract has no deadline '{key}'{he}")
    return const(c.scope.deadlines[key])


@func("deadline", ("str",), "date", const_args=(0,), compile=_deadline_form)
def _deadline() -> None:
    """A deadline from the contract file: a line item ("1-3", its latest) or a named one ("1-1.assessment").

    Example: `assessment_date <= deadline("1-1.assessment")` — on or before 2022-10-31."""
    return None


@func("count", ("view",), "int", aggregate=True, compile=_aggregate)
def _count() -> None:
    """The number of rows of a dataset or view (after its filter).

    Example: `count(retrofit_households)` — 2,000."""
    return None


@func("distinct", ("colref",), "int", aggregate=True, compile=_aggregate)
def _distinct() -> None:
    """The number of distinct non-blank values of a column of a dataset or view.

    Example: `distinct(valid_checks.household_id) >= 400`."""
    return None


@func("sum", ("colref",), "colnum", aggregate=True, compile=_aggregate)
def _sum() -> None:
    """The sum of a numeric column (money stays exact).

    Example: `sum(contract_lines.total) == contract.total_amount`."""
    return None


@func("min", ("colref",), "coltype", aggregate=True, compile=_aggregate)
def _min() -> None:
    """The smallest value of a column (blank cells ignored).

    Example: `min(training_1_2.date)` — the first training day."""
    return None


@func("max", ("colref",), "coltype", aggregate=True, compile=_aggregate)
def _max() -> None:
    """The largest value of a column (blank cells ignored).

    Example: `max(centre_evaluations.eval_date) <= deadline("1-1.survey_and_evaluation")`."""
    return None


@func("lookup", ("any", "colref", "colref"), "coltype", compile=_lookup_form)
def _lookup() -> None:
    """The value of a column in another dataset for the row whose key matches (blank when no row matches).

    Example: `recheck_final_level == lookup(id_number, elderly_assessments.id_number,
    elderly_assessments.final_level)`."""
    return None
