"""Operators: and/or/not, arithmetic, comparisons and membership (`in`), each with a constant and a columnar form."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from complycheck.lang.columnar import dtype_for, kleene_and, kleene_or, lift, member_by_join
from complycheck.lang.types import NOVAL, NUMERIC, EvalContext, Node, const, type_name

if TYPE_CHECKING:
    from complycheck.lang.compiler import Compiler

ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {  # the Python operator of each AST one (shared)
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
}
COMPARISON: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_OPNAME: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.FloorDiv: "//",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.MatMult: "@",
}


def _num(v: Any) -> Any:
    return Decimal(repr(v)) if isinstance(v, float) else v


def v_BoolOp(c: Compiler, n: ast.BoolOp, d: int) -> Node:
    parts = [c.visit(v, d) for v in n.values]
    for p, src in zip(parts, n.values, strict=True):
        c.need_bool(p, src)
    is_and = isinstance(n.op, ast.And)
    if all(p.const for p in parts):

        def b(ctx: EvalContext, parts: list[Node] = parts) -> Any:
            vals = [p.build(ctx) for p in parts]
            return kleene_and(vals) if is_and else kleene_or(vals)

        return Node("bool", b, True)

    def br(ctx: EvalContext, parts: list[Node] = parts) -> Any:
        import polars as pl

        exprs = [lift(p.build(ctx)) for p in parts]
        return pl.all_horizontal(exprs) if is_and else pl.any_horizontal(exprs)

    return Node("bool", br, False)


def v_UnaryOp(c: Compiler, n: ast.UnaryOp, d: int) -> Node:
    x = c.visit(n.operand, d)
    if isinstance(n.op, ast.Not):
        c.need_bool(x, n.operand)
        if x.const:
            return Node("bool", lambda ctx: (lambda v: None if v is None else not v)(x.build(ctx)), True)
        return Node("bool", lambda ctx: ~x.build(ctx), False)
    if isinstance(n.op, (ast.USub, ast.UAdd)):
        if x.t not in NUMERIC:
            raise c.err(
                n, f"负号只能用于数字，得到{type_name(x.t)}", f"unary minus needs a number, got {x.t}", about=n.operand
            )
        sign = -1 if isinstance(n.op, ast.USub) else 1
        if x.const:
            node = Node(x.t, lambda ctx: (lambda v: None if v is None else sign * v)(x.build(ctx)), True)
            if x.value is not NOVAL and x.value is not None:
                node.value = sign * x.value
            return node
        return Node(x.t, lambda ctx: x.build(ctx) * sign, False)
    raise c.err(n, "不允许的运算符", "operator not allowed")


def v_BinOp(c: Compiler, n: ast.BinOp, d: int) -> Node:
    a, b = c.visit(n.left, d), c.visit(n.right, d)
    op = type(n.op)
    if op not in ARITHMETIC:
        raise c.err(
            n, f"不允许的运算符 {_OPNAME.get(op, op.__name__)}", f"operator not allowed: {_OPNAME.get(op, op.__name__)}"
        )
    t = arith_type(c, n, op, a, b)
    if op is ast.Div:
        c.divisor(n.right, b)
    pyop = ARITHMETIC[op]
    if a.const and b.const:

        def bc(ctx: EvalContext) -> Any:
            x, y = a.build(ctx), b.build(ctx)
            if x is None or y is None:
                return None
            if op is ast.Div and y == 0:
                return None
            if op is ast.Div and isinstance(x, int) and isinstance(y, int):
                return Decimal(x) / Decimal(y)
            r = pyop(_num(x), _num(y))
            return r.days if isinstance(r, timedelta) and t == "int" else r

        node = Node(t, bc, True)
        return node

    def br(ctx: EvalContext) -> Any:
        import polars as pl

        x, y = lift(a.build(ctx)), lift(b.build(ctx))
        if op is ast.Div:
            x, y = x.cast(pl.Float64) if a.t == "int" else x, y
            return pl.when(y != 0).then(x / y).otherwise(None)
        r = pyop(x, y)
        if a.t == "date" and b.t == "date":
            return r.dt.total_days().cast(pl.Int64)
        return r

    return Node(t, br, False)


def arith_type(c: Compiler, n: ast.AST, op: type, a: Node, b: Node) -> str:
    c.no_refs(n, a, b)
    if a.t in NUMERIC and b.t in NUMERIC:
        if op is ast.Div:
            return "dec" if "dec" in (a.t, b.t) and "num" not in (a.t, b.t) else "num"
        if a.t == b.t:
            return a.t
        return "dec" if "num" not in (a.t, b.t) else "num"
    if a.t == "date" and b.t == "dur" and op in (ast.Add, ast.Sub):
        return "date"
    if a.t == "date" and b.t == "date" and op is ast.Sub:
        return "int"
    if a.t == "null" or b.t == "null":
        return a.t if b.t == "null" else b.t
    raise c.err(
        n,
        f"不能对{type_name(a.t)}和{type_name(b.t)}做 {_OPNAME.get(op, '?')} 运算",
        f"cannot apply {_OPNAME.get(op, '?')} to {a.t} and {b.t}",
        about=n,
    )


def v_Compare(c: Compiler, n: ast.Compare, d: int) -> Node:
    left = c.visit(n.left, d)
    parts: list[Node] = []
    for op, right_src in zip(n.ops, n.comparators, strict=True):
        right = c.visit(right_src, d)
        parts.append(compare(c, n, type(op), left, right))
        left = right
    if len(parts) == 1:
        return parts[0]
    return v_BoolOp_nodes(c, parts)


def v_BoolOp_nodes(c: Compiler, parts: list[Node]) -> Node:
    if all(p.const for p in parts):
        return Node("bool", lambda ctx: kleene_and([p.build(ctx) for p in parts]), True)

    def br(ctx: EvalContext) -> Any:
        import polars as pl

        return pl.all_horizontal([lift(p.build(ctx)) for p in parts])

    return Node("bool", br, False)


def coerce(c: Compiler, n: ast.AST, a: Node, b: Node) -> tuple[Node, Node]:
    """Make two operands comparable: text constants become dates next to dates."""
    if a.t == "date" and b.t == "str" and b.value is not NOVAL:
        b = c.as_date(n, b)
    if b.t == "date" and a.t == "str" and a.value is not NOVAL:
        a = c.as_date(n, a)
    return a, b


def compare(c: Compiler, n: ast.AST, op: type, a: Node, b: Node) -> Node:
    if op in (ast.In, ast.NotIn):
        return membership(c, n, op is ast.NotIn, a, b)
    if op in (ast.Is, ast.IsNot):
        raise c.err(n, "请用 blank(x) 或 present(x) 判断是否为空", "use blank(x) or present(x) to test for a value")
    c.no_refs(n, a, b)
    if a.t == "null" or b.t == "null":
        raise c.err(
            n, "不能与 None 比较；请用 blank(x) 或 present(x)", "cannot compare with None; use blank(x) or present(x)"
        )
    a, b = coerce(c, n, a, b)
    ok = (
        (a.t in NUMERIC and b.t in NUMERIC)
        or (a.t == b.t and a.t in ("date", "str", "bool", "id"))
        or ({a.t, b.t} == {"id", "str"})
    )
    if op not in (ast.Eq, ast.NotEq) and a.t == "bool":
        ok = False
    if not ok:
        raise c.err(n, f"不能比较{type_name(a.t)}和{type_name(b.t)}", f"cannot compare {a.t} with {b.t}", about=n)
    pyop = COMPARISON[op]
    if a.const and b.const:

        def bc(ctx: EvalContext) -> Any:
            x, y = a.build(ctx), b.build(ctx)
            return None if x is None or y is None else pyop(_num(x), _num(y))

        return Node("bool", bc, True)
    return Node("bool", lambda ctx: pyop(lift(a.build(ctx)), lift(b.build(ctx))), False)


def membership(c: Compiler, n: ast.AST, negate: bool, a: Node, b: Node) -> Node:
    import polars as pl

    if b.t == "colref":
        view, col = b.view, b.col
        assert view is not None and col is not None

        def bs(ctx: EvalContext) -> Any:
            import polars as pl

            return ctx.collect(ctx.frame(view).select(pl.col(col)))[col]

        if a.const:

            def bcv(ctx: EvalContext) -> Any:
                v = a.build(ctx)
                r = None if v is None else v in set(bs(ctx).drop_nulls().to_list())
                return None if r is None else (r != negate)

            return Node("bool", bcv, True)

        def br(ctx: EvalContext) -> Any:
            e = member_by_join(ctx, a, view, col)
            if e is None:  # an expression on the left: the other column is collected and hashed
                e = lift(a.build(ctx)).is_in(bs(ctx).implode())
            return ~e if negate else e

        return Node("bool", br, False)
    if b.t == "list" and b.const:
        if a.t == "date" and b.value is not NOVAL:
            b = const([c.as_date(n, const(x)).value if isinstance(x, str) else x for x in (b.value or [])])
        if a.const:

            def bcl(ctx: EvalContext) -> Any:
                v, lst = a.build(ctx), b.build(ctx)
                return None if v is None else ((v in lst) != negate)

            return Node("bool", bcl, True)

        def brl(ctx: EvalContext) -> Any:
            lst = b.build(ctx)
            col = lift(a.build(ctx))
            e = (
                col.is_in(pl.Series(lst, dtype=dtype_for(a.t)).implode())
                if lst
                else pl.when(col.is_null()).then(None).otherwise(False)
            )
            return ~e if negate else e

        return Node("bool", brl, False)
    if b.t == "list" and not b.const:

        def brc(ctx: EvalContext) -> Any:
            e = lift(b.build(ctx)).list.contains(lift(a.build(ctx)))
            return ~e if negate else e

        return Node("bool", brc, False)
    if b.t in ("str", "id") and a.t == "str":
        raise c.err(n, "判断文本包含请用 contains(text, piece)", "use contains(text, piece) to test text", about=n)
    raise c.err(
        n,
        f"“in”右边需要列表或 数据集.列，得到{type_name(b.t)}",
        f"the right side of 'in' must be a list or dataset.column, got {b.t}",
        about=n,
    )
