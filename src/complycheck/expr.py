"""Rule expressions: parsed once with simpleeval's parser, type-checked against the pack, compiled to
columnar (polars) expressions. Rows are never pushed one at a time through a tree walker.

Two kinds of value come out of compilation: *row* values (a polars expression over the rows of the
rule's dataset) and *constants* (a Python value that does not depend on the row: literals,
parameters, contract fields, `as_of`, aggregates over datasets). Both are built at evaluation time
from a context, so the as-of date and the evidence are inputs, not globals.
"""

from __future__ import annotations

import ast
import difflib
import operator
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable, Protocol

import simpleeval

from complycheck import values as V
from complycheck.errors import ExpressionError, Location
from complycheck.functions import NUMERIC, REGISTRY, Func, as_decimal

MAX_EXPR_CHARS = 2000
MAX_NODES = 400
MAX_DEPTH = 40
MAX_STR_CONST = 500
MAX_INT_CONST = 10**15
RESERVED = {"as_of", "params", "contract"}


class Ctx(Protocol):
    """What an expression needs at evaluation time."""

    as_of: date

    def frame(self, view: str) -> Any: ...


_NOVAL = object()


@dataclass
class Node:
    """A type-checked expression node."""

    t: str  # bool int dec num str id date dur list map view colref null
    build: Callable[[Any], Any]
    const: bool = True
    elem: str | None = None
    view: str | None = None
    col: str | None = None
    value: Any = _NOVAL  # known at compile time (literals, parameters, contract fields)


@dataclass
class Scope:
    """Names an expression may use, and their types."""

    columns: dict[str, str]  # row columns of the rule's dataset (empty in a constant context)
    datasets: dict[str, dict[str, str]]  # every dataset and view: its columns and their types
    params: dict[str, Any]  # name -> typed value
    contract: dict[str, Any]
    deadlines: dict[str, date]
    population: str | None = None  # in `measure`, bare columns refer to this view
    row: bool = True


@dataclass
class Compiled:
    """A compiled expression: its source text, result type and builder."""

    source: str
    node: Node
    names: set[str] = field(default_factory=set)  # datasets/views it reads
    columns: set[str] = field(default_factory=set)  # row columns it reads
    refs: set[tuple[str, str]] = field(default_factory=set)  # (dataset, view or "rows", column) it reads by name
    id_columns: set[str] = field(default_factory=set)  # row columns passed to valid_id/age/birth_date/sex

    @property
    def type(self) -> str:
        return self.node.t

    def build(self, ctx: Any) -> Any:
        return self.node.build(ctx)


def value_type(v: Any) -> str:
    """The expression type of a Python value."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, Decimal):
        return "dec"
    if isinstance(v, float):
        return "num"
    if isinstance(v, str):
        return "str"
    if isinstance(v, date):
        return "date"
    if isinstance(v, timedelta):
        return "dur"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "map"
    return "any"


def const(v: Any) -> Node:
    v = as_decimal(v)
    elem = None
    if isinstance(v, list):
        v = [as_decimal(x) for x in v]
        kinds = {value_type(x) for x in v if x is not None}
        elem = kinds.pop() if len(kinds) == 1 else ("any" if kinds else None)
    return Node(value_type(v), lambda ctx, v=v: v, True, elem=elem, value=v)


def lift(v: Any) -> Any:
    """A constant as a polars literal of the right type."""
    import polars as pl

    if isinstance(v, pl.Expr):
        return v
    if isinstance(v, list):
        return pl.lit(pl.Series(v))
    return pl.lit(v)


class _Compiler:
    def __init__(self, scope: Scope, text: str, loc: Location, what: str, what_en: str | None = None):
        self.scope = scope
        self.text = text
        self.loc = loc
        self.what = what
        self.what_en = what_en or what
        self.names: set[str] = set()
        self.columns: set[str] = set()
        self.refs: set[tuple[str, str]] = set()
        self.id_columns: set[str] = set()

    # --------------------------------------------------------------- errors
    def err(self, node: ast.AST | None, zh: str, en: str) -> ExpressionError:
        loc = self.loc
        off = getattr(node, "col_offset", None)
        if off is not None and loc.line is not None and isinstance(loc.column, int) and "\n" not in self.text:
            loc = Location(loc.file, loc.line, loc.column + off)
        return ExpressionError(f"{self.what}：{zh}", loc, f"{self.what_en}: {en}")

    def suggest(self, name: str, options: list[str]) -> tuple[str, str]:
        close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
        if close:
            return f"，是不是“{close[0]}”？", f"; did you mean '{close[0]}'?"
        return "", ""

    # --------------------------------------------------------------- dispatch
    def visit(self, n: ast.AST, depth: int = 0) -> Node:
        if depth > MAX_DEPTH:
            raise self.err(n, "表达式嵌套过深", "expression nested too deeply")
        m = getattr(self, "v_" + type(n).__name__, None)
        if m is None:
            raise self.err(n, f"不允许的语法：{_syntax_name(n)}", f"syntax not allowed: {_syntax_name(n)}")
        return m(n, depth + 1)

    def v_Expression(self, n: ast.Expression, d: int) -> Node:
        return self.visit(n.body, d)

    def v_Constant(self, n: ast.Constant, d: int) -> Node:
        v = n.value
        if isinstance(v, str) and len(v) > MAX_STR_CONST:
            raise self.err(n, f"文本常量超过 {MAX_STR_CONST} 个字符", f"text constant longer than {MAX_STR_CONST} characters")
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return const(v)
        if isinstance(v, int):
            if abs(v) > MAX_INT_CONST:
                raise self.err(n, "数字过大", "number too large")
            return const(v)
        if isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                raise self.err(n, "不允许 NaN 或无穷大", "NaN and infinity are not allowed")
            return const(Decimal(repr(v)))
        raise self.err(n, f"不允许的常量：{type(v).__name__}", f"constant not allowed: {type(v).__name__}")

    def v_List(self, n: ast.List | ast.Tuple, d: int) -> Node:
        items = [self.visit(e, d) for e in n.elts]
        if any(i.value is _NOVAL for i in items):
            raise self.err(n, "列表中只能写常量", "lists may only hold constants")
        return const([i.value for i in items])

    v_Tuple = v_List

    def v_Name(self, n: ast.Name, d: int) -> Node:
        s = self.scope
        name = n.id
        if name.startswith("_"):
            raise self.err(n, f"名称不能以下划线开头：{name}", f"names may not start with '_': {name}")
        if name == "as_of":
            return Node("date", lambda ctx: ctx.as_of, True)
        if s.row and name in s.columns:
            t = s.columns[name]
            self.columns.add(name)
            import polars as pl

            return Node(t, lambda ctx, c=name: pl.col(c), False, col=name)
        if not s.row and s.population and name in s.datasets.get(s.population, {}):
            t = s.datasets[s.population][name]
            self.refs.add((s.population, name))
            return Node("colref", lambda ctx: None, True, view=s.population, col=name, elem=t)
        if name in s.datasets:
            self.names.add(name)
            return Node("view", lambda ctx: None, True, view=name)
        if name in s.params:
            zh, en = f"参数要写成 params.{name}", f"write parameters as params.{name}"
            raise self.err(n, zh, en)
        options = list(s.columns) + list(s.datasets) + ["as_of", "params", "contract"] + list(REGISTRY)
        hz, he = self.suggest(name, options)
        if not s.row and name in s.columns:
            raise self.err(n, f"这里不能直接使用列“{name}”，请用聚合函数（count、sum、distinct…）", f"column '{name}' cannot be used here; use an aggregate (count, sum, distinct ...)")
        raise self.err(n, f"未知名称“{name}”{hz}", f"unknown name '{name}'{he}")

    def v_Attribute(self, n: ast.Attribute, d: int) -> Node:
        if not isinstance(n.value, ast.Name):
            raise self.err(n, "不允许访问属性", "attribute access is not allowed")
        base, attr = n.value.id, n.attr
        if attr.startswith("_"):
            raise self.err(n, f"不允许访问“{attr}”", f"access to '{attr}' is not allowed")
        s = self.scope
        if base == "params":
            if attr not in s.params:
                hz, he = self.suggest(attr, list(s.params))
                raise self.err(n, f"未定义的参数“{attr}”{hz}", f"undefined parameter '{attr}'{he}")
            self.names.add("params." + attr)
            return const(s.params[attr])
        if base == "contract":
            if attr not in s.contract:
                hz, he = self.suggest(attr, list(s.contract))
                raise self.err(n, f"合同没有字段“{attr}”{hz}", f"the contract has no field '{attr}'{he}")
            return const(s.contract[attr])
        if base in s.datasets:
            cols = s.datasets[base]
            if attr not in cols:
                hz, he = self.suggest(attr, list(cols))
                raise self.err(n, f"数据集“{base}”没有列“{attr}”{hz}", f"dataset '{base}' has no column '{attr}'{he}")
            self.names.add(base)
            self.refs.add((base, attr))
            return Node("colref", lambda ctx: None, True, view=base, col=attr, elem=cols[attr])
        hz, he = self.suggest(base, list(s.datasets) + ["params", "contract"])
        raise self.err(n, f"未知名称“{base}”{hz}", f"unknown name '{base}'{he}")

    # --------------------------------------------------------------- operators
    def v_BoolOp(self, n: ast.BoolOp, d: int) -> Node:
        parts = [self.visit(v, d) for v in n.values]
        for p, src in zip(parts, n.values):
            self.need_bool(p, src)
        is_and = isinstance(n.op, ast.And)
        if all(p.const for p in parts):
            def b(ctx, parts=parts):
                vals = [p.build(ctx) for p in parts]
                return _kleene_and(vals) if is_and else _kleene_or(vals)
            return Node("bool", b, True)

        def br(ctx, parts=parts):
            import polars as pl

            exprs = [lift(p.build(ctx)) for p in parts]
            return pl.all_horizontal(exprs) if is_and else pl.any_horizontal(exprs)
        return Node("bool", br, False)

    def need_bool(self, p: Node, src: ast.AST) -> None:
        if p.t not in ("bool", "null"):
            raise self.err(src, f"这里需要真/假条件，得到的是{_tname(p.t)}；检查是否有值请用 present(...)",
                           f"a true/false condition is needed here, got {p.t}; use present(...) to test for a value")

    def v_UnaryOp(self, n: ast.UnaryOp, d: int) -> Node:
        x = self.visit(n.operand, d)
        if isinstance(n.op, ast.Not):
            self.need_bool(x, n.operand)
            if x.const:
                return Node("bool", lambda ctx: (lambda v: None if v is None else not v)(x.build(ctx)), True)
            return Node("bool", lambda ctx: ~x.build(ctx), False)
        if isinstance(n.op, (ast.USub, ast.UAdd)):
            if x.t not in NUMERIC:
                raise self.err(n, f"负号只能用于数字，得到{_tname(x.t)}", f"unary minus needs a number, got {x.t}")
            sign = -1 if isinstance(n.op, ast.USub) else 1
            if x.const:
                node = Node(x.t, lambda ctx: (lambda v: None if v is None else sign * v)(x.build(ctx)), True)
                if x.value is not _NOVAL and x.value is not None:
                    node.value = sign * x.value
                return node
            return Node(x.t, lambda ctx: x.build(ctx) * sign, False)
        raise self.err(n, "不允许的运算符", "operator not allowed")

    def v_BinOp(self, n: ast.BinOp, d: int) -> Node:
        a, b = self.visit(n.left, d), self.visit(n.right, d)
        op = type(n.op)
        if op not in _ARITH:
            raise self.err(n, f"不允许的运算符 {_OPNAME.get(op, op.__name__)}", f"operator not allowed: {_OPNAME.get(op, op.__name__)}")
        t = self.arith_type(n, op, a, b)
        pyop = _ARITH[op]
        if a.const and b.const:
            def bc(ctx):
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

        def br(ctx):
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

    def no_refs(self, n: ast.AST, *nodes: Node) -> None:
        if any(x.t in ("colref", "view") for x in nodes):
            raise self.err(n, "“数据集.列”或列名在这里只能放进聚合函数（count、sum、distinct、min、max）、lookup() 或 in 的右边",
                           "a dataset.column (or a column here) can only be used inside an aggregate (count, sum, distinct, min, max), lookup() or on the right of 'in'")

    def arith_type(self, n: ast.AST, op: type, a: Node, b: Node) -> str:
        self.no_refs(n, a, b)
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
        raise self.err(n, f"不能对{_tname(a.t)}和{_tname(b.t)}做 {_OPNAME.get(op, '?')} 运算",
                       f"cannot apply {_OPNAME.get(op, '?')} to {a.t} and {b.t}")

    def v_Compare(self, n: ast.Compare, d: int) -> Node:
        left = self.visit(n.left, d)
        parts: list[Node] = []
        for op, right_src in zip(n.ops, n.comparators):
            right = self.visit(right_src, d)
            parts.append(self.compare(n, type(op), left, right))
            left = right
        if len(parts) == 1:
            return parts[0]
        return self.v_BoolOp_nodes(parts)

    def v_BoolOp_nodes(self, parts: list[Node]) -> Node:
        if all(p.const for p in parts):
            return Node("bool", lambda ctx: _kleene_and([p.build(ctx) for p in parts]), True)

        def br(ctx):
            import polars as pl

            return pl.all_horizontal([lift(p.build(ctx)) for p in parts])
        return Node("bool", br, False)

    def coerce(self, n: ast.AST, a: Node, b: Node) -> tuple[Node, Node]:
        """Make two operands comparable: text constants become dates next to dates."""
        if a.t == "date" and b.t == "str" and b.value is not _NOVAL:
            b = self.as_date(n, b)
        if b.t == "date" and a.t == "str" and a.value is not _NOVAL:
            a = self.as_date(n, a)
        return a, b

    def as_date(self, n: ast.AST, x: Node) -> Node:
        try:
            return const(V.to_date(x.value))
        except ValueError:
            raise self.err(n, f"“{x.value}”不是日期", f"'{x.value}' is not a date") from None

    def compare(self, n: ast.AST, op: type, a: Node, b: Node) -> Node:
        if op in (ast.In, ast.NotIn):
            return self.membership(n, op is ast.NotIn, a, b)
        if op in (ast.Is, ast.IsNot):
            raise self.err(n, "请用 blank(x) 或 present(x) 判断是否为空", "use blank(x) or present(x) to test for a value")
        self.no_refs(n, a, b)
        if a.t == "null" or b.t == "null":
            raise self.err(n, "不能与 None 比较；请用 blank(x) 或 present(x)", "cannot compare with None; use blank(x) or present(x)")
        a, b = self.coerce(n, a, b)
        ok = (a.t in NUMERIC and b.t in NUMERIC) or (a.t == b.t and a.t in ("date", "str", "bool", "id")) \
            or ({a.t, b.t} == {"id", "str"})
        if op not in (ast.Eq, ast.NotEq) and a.t == "bool":
            ok = False
        if not ok:
            raise self.err(n, f"不能比较{_tname(a.t)}和{_tname(b.t)}", f"cannot compare {a.t} with {b.t}")
        pyop = _CMP[op]
        if a.const and b.const:
            def bc(ctx):
                x, y = a.build(ctx), b.build(ctx)
                return None if x is None or y is None else pyop(_num(x), _num(y))
            return Node("bool", bc, True)
        return Node("bool", lambda ctx: pyop(lift(a.build(ctx)), lift(b.build(ctx))), False)

    def membership(self, n: ast.AST, negate: bool, a: Node, b: Node) -> Node:
        import polars as pl

        if b.t == "colref":
            view, col = b.view, b.col

            def bs(ctx):
                import polars as pl

                return ctx.collect(ctx.frame(view).select(pl.col(col)))[col]
            if a.const:
                def bcv(ctx):
                    v = a.build(ctx)
                    r = None if v is None else v in set(bs(ctx).drop_nulls().to_list())
                    return None if r is None else (r != negate)
                return Node("bool", bcv, True)

            def br(ctx):
                e = _member_by_join(ctx, a, view, col)
                if e is None:  # an expression on the left: the other column is collected and hashed
                    e = lift(a.build(ctx)).is_in(bs(ctx).implode())
                return ~e if negate else e
            return Node("bool", br, False)
        if b.t == "list" and b.const:
            if a.t == "date":
                b = const([V.to_date(x) if isinstance(x, str) else x for x in (b.value or [])]) if b.value is not _NOVAL else b
            if a.const:
                def bcl(ctx):
                    v, lst = a.build(ctx), b.build(ctx)
                    return None if v is None else ((v in lst) != negate)
                return Node("bool", bcl, True)

            def brl(ctx):
                lst = b.build(ctx)
                col = lift(a.build(ctx))
                e = col.is_in(pl.Series(lst, dtype=_dtype_for(a.t)).implode()) if lst else pl.when(col.is_null()).then(None).otherwise(False)
                return ~e if negate else e
            return Node("bool", brl, False)
        if b.t == "list" and not b.const:
            def brc(ctx):
                e = lift(b.build(ctx)).list.contains(lift(a.build(ctx)))
                return ~e if negate else e
            return Node("bool", brc, False)
        if b.t in ("str", "id") and a.t == "str":
            raise self.err(n, "判断文本包含请用 contains(text, piece)", "use contains(text, piece) to test text")
        raise self.err(n, f"“in”右边需要列表或 数据集.列，得到{_tname(b.t)}", f"the right side of 'in' must be a list or dataset.column, got {b.t}")

    def v_IfExp(self, n: ast.IfExp, d: int) -> Node:
        test, body, other = self.visit(n.test, d), self.visit(n.body, d), self.visit(n.orelse, d)
        self.need_bool(test, n.test)
        t = body.t if body.t != "null" else other.t
        if body.t != other.t and "null" not in (body.t, other.t) and not (body.t in NUMERIC and other.t in NUMERIC):
            raise self.err(n, f"if/else 两边类型不同：{_tname(body.t)} 与 {_tname(other.t)}", f"if/else branches differ: {body.t} vs {other.t}")
        if test.const and body.const and other.const:
            return Node(t, lambda ctx: body.build(ctx) if test.build(ctx) else other.build(ctx), True)

        def br(ctx):
            import polars as pl

            return pl.when(lift(test.build(ctx))).then(lift(body.build(ctx))).otherwise(lift(other.build(ctx)))
        return Node(t, br, False)

    # --------------------------------------------------------------- calls
    def v_Call(self, n: ast.Call, d: int) -> Node:
        if not isinstance(n.func, ast.Name):
            raise self.err(n, "只能调用内置函数", "only the built-in functions may be called")
        name = n.func.id
        f = REGISTRY.get(name)
        if f is None:
            hz, he = self.suggest(name, list(REGISTRY))
            raise self.err(n, f"未知函数“{name}”{hz}", f"unknown function '{name}'{he}")
        if n.keywords:
            raise self.err(n, f"{name}() 不接受关键字参数", f"{name}() takes no keyword arguments")
        if len(n.args) != len(f.sig):
            raise self.err(n, f"{name}() 需要 {len(f.sig)} 个参数，给了 {len(n.args)} 个", f"{name}() takes {len(f.sig)} arguments, got {len(n.args)}")
        args = [self.visit(a, d) for a in n.args]
        for i, (a, want, src) in enumerate(zip(args, f.sig, n.args)):
            args[i] = self.check_arg(src, f, i, a, want)
        if f.aggregate:
            return self.aggregate(n, f, args[0])
        if f.name == "lookup":
            return self.lookup(n, args)
        if f.name == "deadline":
            key = args[0].value
            if key not in self.scope.deadlines:
                hz, he = self.suggest(str(key), list(self.scope.deadlines))
                raise self.err(n, f"合同中没有截止日期“{key}”{hz}", f"the contract has no deadline '{key}'{he}")
            return const(self.scope.deadlines[key])
        return self.row_call(n, f, args)

    def check_arg(self, src: ast.AST, f: Func, i: int, a: Node, want: str) -> Node:
        if i in f.const_args and (not a.const or a.value is _NOVAL):
            raise self.err(src, f"{f.name}() 的第 {i + 1} 个参数必须是常量", f"argument {i + 1} of {f.name}() must be a constant")
        ok = (
            want == "any" and a.t not in ("view", "colref")
            or a.t == want
            or (want == "num" and a.t in NUMERIC)
            or (want == "str" and a.t == "id")
            or (want == "id" and a.t == "str")
            or (want == "int" and a.t == "dec" and a.value is not _NOVAL and a.value == int(a.value))
            or (want == "date" and a.t == "str" and a.value is not _NOVAL)
            or (want == "colref" and a.t == "colref")
            or (want == "view" and a.t == "view")
            or (a.t == "null" and want not in ("view", "colref"))
        )
        if not ok:
            raise self.err(src, f"{f.name}() 的第 {i + 1} 个参数应为{_tname(want)}，得到{_tname(a.t)}",
                           f"argument {i + 1} of {f.name}() should be {want}, got {a.t}")
        if want == "date" and a.t == "str":
            return self.as_date(src, a)
        if want == "int" and a.t == "dec":
            return const(int(a.value))
        if f.name == "date" and a.value is not _NOVAL:
            self.as_date(src, a)
        if f.name == "matches" and i == 1:
            _check_regex(self, src, a.value)
        return a

    def aggregate(self, n: ast.AST, f: Func, a: Node) -> Node:
        view, col = a.view, a.col
        assert view is not None
        self.names.add(view)
        import polars as pl

        def one(ctx: Any, e: Any) -> Any:
            return ctx.collect(ctx.frame(view).select(e.alias("v")))["v"][0]
        if f.name == "count":
            return Node("int", lambda ctx: int(one(ctx, pl.len())), True)
        elem = a.elem or "any"
        if f.name == "distinct":  # an ID's integer key stands for it
            return Node("int", lambda ctx: int(one(ctx, pl.col(ctx.key_for(ctx.dataset_of(view), col) or col).drop_nulls().n_unique())), True)
        if f.name == "sum":
            if elem not in NUMERIC:
                raise self.err(n, f"sum() 需要数字列，“{col}”是{_tname(elem)}", f"sum() needs a numeric column; '{col}' is {elem}")
            return Node(elem, lambda ctx: _py(one(ctx, pl.col(col).drop_nulls().sum())), True)
        getter = "min" if f.name == "min" else "max"
        return Node(elem, lambda ctx: _py(one(ctx, getattr(pl.col(col).drop_nulls(), getter)())), True)

    def lookup(self, n: ast.AST, args: list[Node]) -> Node:
        key, kref, vref = args
        if kref.view != vref.view:
            raise self.err(n, "lookup() 的第 2、3 个参数必须来自同一数据集", "arguments 2 and 3 of lookup() must come from the same dataset")
        view, kcol, vcol = kref.view, kref.col, vref.col
        self.names.add(view)

        def table(ctx):
            import polars as pl

            current = getattr(ctx, "current", None)
            lf = ctx.frame(view).select([kcol, vcol]).filter(pl.col(kcol).is_not_null())
            if key.col is not None and current is not None and key.col in current.collect_schema().names():
                # only the keys the frame at hand holds: the collected table stays as small as the question
                lf = lf.join(current.select(pl.col(key.col).alias(kcol)).unique(), on=kcol, how="semi", maintain_order="left")
            return ctx.collect(lf.unique(subset=[kcol], keep="last", maintain_order=True))
        if key.const:
            def bc(ctx):
                k = key.build(ctx)
                df = table(ctx)
                hit = df.filter(df[kcol] == k)
                return None if k is None or hit.height == 0 else hit[vcol][0]
            return Node(vref.elem or "any", bc, True)

        def br(ctx):
            df = table(ctx)
            return lift(key.build(ctx)).replace_strict(df[kcol], df[vcol], default=None, return_dtype=df.schema[vcol])
        return Node(vref.elem or "any", br, False)

    def row_call(self, n: ast.AST, f: Func, args: list[Node]) -> Node:
        if f.name in ("between", "coalesce") and any(a.t == "date" for a in args):
            args = [self.as_date(n, a) if a.t == "str" and a.value is not _NOVAL else a for a in args]
        ret = args[0].t if f.ret == "arg0" else f.ret
        if f.name == "length" and args[0].t not in ("str", "id", "list"):
            raise self.err(n, "length() 需要文本或列表", "length() needs text or a list")
        if f.name in ("contains_any", "alias", "band") and not args[1].const:
            raise self.err(n, f"{f.name}() 的第 2 个参数必须是常量", f"argument 2 of {f.name}() must be a constant")
        if all(a.const for a in args):
            assert f.py is not None
            return Node(ret, lambda ctx: f.py(*[a.build(ctx) for a in args]), True)
        if f.name in ("valid_id", "age", "birth_date", "sex") and args[0].col is not None:
            self.id_columns.add(args[0].col)
        special = _COLUMNAR_SPECIAL.get(f.name)

        def br(ctx):
            vals = [a.build(ctx) for a in args]
            if special is not None:
                return special(args, vals, ctx) if getattr(special, "wants_ctx", False) else special(args, vals)
            ex = [lift(v) if not isinstance(v, (list, dict)) else v for v in vals]
            return f.pl(*ex)
        return Node(ret, br, False)


def _check_regex(c: _Compiler, src: ast.AST, rx: Any) -> None:
    import re

    if not isinstance(rx, str) or len(rx) > 200:
        raise c.err(src, "正则表达式过长", "regular expression too long")
    try:
        re.compile(rx)
    except re.error as e:
        raise c.err(src, f"正则表达式错误：{e}", f"bad regular expression: {e}") from None


# ------------------------------------------------------------------------------- columnar forms
def _member_by_join(ctx: Any, a: Node, view: str, col: str) -> Any:
    """`column in dataset.column` on the frame being evaluated (ctx.current) as a join that adds a helper column
    (on the integer keys of ID numbers when both sides have them): in memory a semi-join marking rows, 2-4x faster
    than is_in; streamed a left join with the other column's distinct values. Same result as is_in: null stays null,
    nulls in the other column match nothing. None when it does not apply (an expression on the left, other types)."""
    import polars as pl

    cur = getattr(ctx, "current", None)
    if a.col is None or cur is None:
        return None
    schema, other = cur.collect_schema(), ctx.frame(view)
    if a.col not in schema.names() or schema[a.col] != other.collect_schema()[col]:
        return None
    lk, rk = ctx.key_for(ctx.current_ds, a.col), ctx.key_for(ctx.dataset_of(view), col)
    lcol, rcol = (lk, rk) if lk and rk else (a.col, col)
    hit = ctx.helper()
    if ctx.streaming:  # a left join with the distinct values: streams, with only those values in memory
        right = other.select(pl.col(rcol).alias(lcol)).filter(pl.col(lcol).is_not_null()).unique().with_columns(pl.lit(True).alias(hit))
        ctx.current = cur.join(right, on=lcol, how="left", maintain_order="left")
    else:  # in memory (the frame at hand is already computed): a semi-join marks the rows, 2-4x faster than is_in
        df = ctx.collect(cur)
        rows = df.select(pl.col(lcol).alias("__k")).with_row_index("__i")
        found = rows.join(ctx.collect(other.select(pl.col(rcol).alias("__k"))), on="__k", how="semi")["__i"]
        mask = pl.zeros(df.height, pl.Boolean, eager=True)
        if found.len():
            mask = mask.scatter(found, True)
        ctx.current = df.with_columns(mask.alias(hit))
    return pl.when(pl.col(a.col).is_null()).then(None).otherwise(pl.col(hit).fill_null(False))


def _id_birth(x: Any, digit: Callable[[int], Any], shape: Any = None, last: Any = None) -> Any:
    """Birth date of a valid GB 11643 ID number, else null. `digit(i)` gives the i-th digit (0-16) as an integer
    expression: text slices for one expression, integer arithmetic on a materialised column for the loaders, which
    also pass the shape test and the check character's value (X = 10) computed once."""
    import polars as pl

    total = None
    for i, w in enumerate(V.ID_WEIGHTS):
        term = digit(i) * w
        total = term if total is None else total + term
    if last is None:
        check = (total % 11).replace_strict(list(range(11)), list(V.ID_CHECK), return_dtype=pl.String, default=None)
        good = check == x.str.slice(17, 1)
    else:  # GB 11643: the 18 weighted digits (the check weighs 1) sum to 1 modulo 11
        good = (total + last) % 11 == 1
    if shape is None:
        shape = x.str.contains(r"^\d{17}[0-9X]$")
    born = x.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    ok = shape & good & (born.dt.year() >= 1880)
    return pl.when(ok).then(born).otherwise(None)


def birth_column(name: str) -> str:
    """The hidden column where loaders keep the birth date of each valid ID number of column `name`."""
    return f"__birth__{name}"


def with_id_births(frame: Any, births: dict[str, str], keys: dict[str, str] | None = None) -> Any:
    """Add, for ID text columns, the birth date of each valid ID number (`births`: text column -> output column, see
    _id_birth) and an integer key for each well-formed one (`keys`, see id_key_column), on a DataFrame or a LazyFrame.
    Two steps: the first 17 digits as one integer column, then integer arithmetic on it (2.5x faster than 17 text
    slices, or than the integer parsed again inside one expression: polars does not share it)."""
    import polars as pl

    keys = keys or {}
    srcs = list(dict.fromkeys([*births, *keys]))
    n17, shape, last = ({src: f"__{what}__{src}" for src in srcs} for what in ("n17", "shape", "last"))
    step1 = []
    for src in srcs:
        x, ch = pl.col(src), pl.col(src).str.slice(17, 1)
        step1 += [x.str.slice(0, 17).str.to_integer(strict=False).alias(n17[src]), x.str.contains(r"^\d{17}[0-9X]$").alias(shape[src]),
                  pl.when(ch == "X").then(pl.lit(10, pl.Int64)).otherwise(ch.str.to_integer(strict=False)).alias(last[src])]
    frame = frame.with_columns(step1)
    exprs = [_id_birth(pl.col(src), lambda i, t=n17[src]: (pl.col(t) // (10 ** (16 - i))) % 10, pl.col(shape[src]), pl.col(last[src])).alias(out)
             for src, out in births.items()]
    exprs += [pl.when(pl.col(shape[src])).then(pl.col(n17[src]) * 11 + pl.col(last[src])).otherwise(None).alias(out) for src, out in keys.items()]
    return frame.with_columns(exprs).drop([*n17.values(), *shape.values(), *last.values()])


def birth_dates(ids: Any) -> Any:
    """The birth-date Series of a Series of ID numbers."""
    return with_id_births(ids.alias("id").to_frame(), {"id": "b"})["b"]


def id_keys(ids: Any) -> Any:
    """The integer-key Series of a Series of ID numbers (see id_key_column)."""
    return with_id_births(ids.alias("id").to_frame(), {}, {"id": "k"})["k"]


def id_key_column(name: str) -> str:
    """The hidden Int64 column where loaders keep a key for each well-formed ID number of column `name`: the 17
    digits times 11 plus the check character (X = 10), so equal keys mean equal ID numbers. Joins, membership and
    distinct counts use it (several times faster than hashing text) when every ID of both frames has a key."""
    return f"__key__{name}"


def pl_birth_date(x: Any) -> Any:
    """Birth date of a valid ID number (null when blank or invalid), as one columnar expression."""
    import polars as pl

    return _id_birth(x, lambda i: x.str.slice(i, 1).cast(pl.Int64, strict=False))


def _pl_age_from_birth(b: Any, at: Any) -> Any:
    import polars as pl

    at = lift(at)
    before = (at.dt.month().cast(pl.Int32) * 100 + at.dt.day().cast(pl.Int32)) < (b.dt.month().cast(pl.Int32) * 100 + b.dt.day().cast(pl.Int32))
    return (at.dt.year().cast(pl.Int64) - b.dt.year().cast(pl.Int64) - before.cast(pl.Int64))


def _pl_sex_from_birth(x: Any, b: Any) -> Any:
    import polars as pl

    odd = (x.str.slice(16, 1).cast(pl.Int64, strict=False) % 2) == 1
    return pl.when(b.is_not_null()).then(pl.when(odd).then(pl.lit("男")).otherwise(pl.lit("女"))).otherwise(None)


def _pl_length(nodes: list[Node], vals: list[Any]) -> Any:
    x = lift(vals[0])
    return (x.list.len() if nodes[0].t == "list" else x.str.len_chars()).cast(__import__("polars").Int64)


def _pl_date_const(nodes: list[Node], vals: list[Any]) -> Any:
    return lift(V.to_date(vals[0]))


def _pl_round(nodes: list[Node], vals: list[Any]) -> Any:
    n = vals[1]
    if not isinstance(n, int):
        raise TypeError("round() needs a constant number of places")
    return lift(vals[0]).round(n)


def _pl_days(nodes: list[Node], vals: list[Any]) -> Any:
    import polars as pl

    return pl.duration(days=lift(vals[0]))


def _birth_of(node: Node, value: Any, ctx: Any) -> Any:
    """The birth-date column for an ID argument: the loader's cached one for a plain column, else computed."""
    import polars as pl

    if node.col is not None and getattr(ctx, "id_birth_cached", False):
        return pl.col(birth_column(node.col))
    return pl_birth_date(lift(value))


def _id_fn(kind: str) -> Callable[..., Any]:
    def build(nodes: list[Node], vals: list[Any], ctx: Any = None) -> Any:
        import polars as pl

        x = lift(vals[0])
        b = _birth_of(nodes[0], vals[0], ctx)
        if kind == "valid_id":
            return pl.when(x.is_null()).then(None).otherwise(b.is_not_null())
        if kind == "birth_date":
            return b
        if kind == "age":
            return _pl_age_from_birth(b, vals[1])
        return _pl_sex_from_birth(x, b)
    build.wants_ctx = True  # type: ignore[attr-defined]
    return build


_COLUMNAR_SPECIAL: dict[str, Callable[..., Any]] = {
    "valid_id": _id_fn("valid_id"),
    "birth_date": _id_fn("birth_date"),
    "age": _id_fn("age"),
    "sex": _id_fn("sex"),
    "length": _pl_length,
    "date": _pl_date_const,
    "days": _pl_days,
    "round": _pl_round,
}


# ------------------------------------------------------------------------------- helpers
_ARITH: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv, ast.Mod: operator.mod,
}
_CMP: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_OPNAME = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Mod: "%", ast.Pow: "**", ast.FloorDiv: "//",
           ast.LShift: "<<", ast.RShift: ">>", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.MatMult: "@"}
_TNAMES = {"bool": "真/假", "int": "整数", "dec": "数字", "num": "数字", "str": "文本", "id": "身份证号", "date": "日期",
           "dur": "天数", "list": "列表", "map": "映射", "view": "数据集", "colref": "数据集.列", "null": "空值", "any": "任意值"}


def _tname(t: str) -> str:
    return _TNAMES.get(t, t)


def _syntax_name(n: ast.AST) -> str:
    names = {"Lambda": "lambda", "ListComp": "列表推导式 / comprehension", "GeneratorExp": "生成器 / generator",
             "DictComp": "推导式 / comprehension", "SetComp": "推导式 / comprehension", "Subscript": "下标 [..] / subscript",
             "JoinedStr": "f-string", "NamedExpr": ":=", "Dict": "字典 / dict", "Set": "集合 / set", "Starred": "*args",
             "Await": "await", "Yield": "yield"}
    return names.get(type(n).__name__, type(n).__name__)


def _num(v: Any) -> Any:
    if isinstance(v, float):
        return Decimal(repr(v))
    return v


def _py(v: Any) -> Any:
    if isinstance(v, float):
        return Decimal(repr(v))
    return v


def _dtype_for(t: str) -> Any:
    import polars as pl

    return {"str": pl.String, "id": pl.String, "int": pl.Int64, "date": pl.Date, "bool": pl.Boolean}.get(t)


def _kleene_and(vals: list[Any]) -> Any:
    if any(v is False for v in vals):
        return False
    return None if any(v is None for v in vals) else True


def _kleene_or(vals: list[Any]) -> Any:
    if any(v is True for v in vals):
        return True
    return None if any(v is None for v in vals) else False


def parse(text: Any, loc: Location, what: str, what_en: str | None = None) -> ast.AST:
    """Parse one expression through simpleeval's parser, refusing statements and extra expressions."""
    we = what_en or what
    if isinstance(text, bool) or text is None or not isinstance(text, (str, int, float)):
        raise ExpressionError(f"{what}：表达式必须是文本", loc, f"{we}: an expression must be text")
    src = str(text)
    if len(src) > MAX_EXPR_CHARS:
        raise ExpressionError(f"{what}：表达式超过 {MAX_EXPR_CHARS} 个字符", loc, f"{we}: expression longer than {MAX_EXPR_CHARS} characters")
    if not src.strip():
        raise ExpressionError(f"{what}：表达式为空", loc, f"{we}: empty expression")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", simpleeval.MultipleExpressions)
            warnings.simplefilter("ignore", SyntaxWarning)
            node = simpleeval.SimpleEval.parse(" ".join(src.splitlines()))  # YAML folding may leave line breaks
    except simpleeval.MultipleExpressions:
        raise ExpressionError(f"{what}：只能写一个表达式（多余的语句）", loc, f"{we}: only one expression is allowed (extra statements)") from None
    except SyntaxError as e:
        col = (loc.column if isinstance(loc.column, int) else 1) + max(0, (e.offset or 1) - 1)
        raise ExpressionError(f"{what}：表达式语法错误（第 {e.offset} 个字符）：{e.msg}", Location(loc.file, loc.line, col),
                              f"{we}: expression syntax error at character {e.offset}: {e.msg}") from None
    except simpleeval.InvalidExpression:
        raise ExpressionError(f"{what}：表达式为空（只有注释？）", loc, f"{we}: empty expression (only a comment?)") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(f"{what}：表达式过于复杂", loc, f"{we}: expression too complex") from None
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
        raise ExpressionError(f"{what}：这里是赋值“=”；比较相等请用“==”", loc, f"{we}: this is an assignment '='; use '==' to compare")
    if not isinstance(node, ast.Expr):
        raise ExpressionError(f"{what}：只能写表达式，不能写语句", loc, f"{we}: only an expression is allowed, not a statement")
    count = sum(1 for _ in ast.walk(node))
    if count > MAX_NODES:
        raise ExpressionError(f"{what}：表达式过长（{count} 个节点）", loc, f"{we}: expression too large ({count} nodes)")
    return node.value


def compile_expr(text: Any, scope: Scope, loc: Location, what: str, want: str | None = None, what_en: str | None = None) -> Compiled:
    """Parse and type-check an expression; raise ExpressionError naming `what` and the file position."""
    tree = parse(text, loc, what, what_en)
    c = _Compiler(scope, str(text), loc, what, what_en)
    we = what_en or what
    try:
        node = c.visit(tree)
    except RecursionError:
        raise ExpressionError(f"{what}：表达式嵌套过深", loc, f"{we}: expression nested too deeply") from None
    if want == "bool":
        c.need_bool(node, tree)
    if want == "const" and not node.const:
        raise ExpressionError(f"{what}：这里需要不随行变化的值（参数、合同字段或聚合）", loc,
                              f"{we}: a value that does not depend on the row is needed (parameter, contract field or aggregate)")
    return Compiled(str(text), node, c.names, c.columns, c.refs, c.id_columns)


def to_fraction(v: Any) -> Fraction:
    """An exact fraction from an int, a Decimal or a float's shortest repr."""
    if isinstance(v, float):
        return Fraction(Decimal(repr(v)))
    return Fraction(v)
