"""The compiler: a parsed expression, type-checked against the pack, becomes a tree of nodes that build either
a Python constant or a columnar (polars) expression at evaluation time. Rows are never pushed one at a time
through a tree walker."""

from __future__ import annotations

import ast
import difflib
from decimal import Decimal
from typing import Any

from complycheck import values as V
from complycheck.errors import ExpressionError, Location
from complycheck.lang import aggregates as _aggregates  # noqa: F401  (registers the functions)
from complycheck.lang import calls, operators
from complycheck.lang import functions as _functions  # noqa: F401  (registers the functions)
from complycheck.lang import idfunctions as _idfunctions  # noqa: F401  (registers the functions)
from complycheck.lang.columnar import lift
from complycheck.lang.parse import MAX_DEPTH, MAX_INT_CONST, MAX_STR_CONST, parse, syntax_name
from complycheck.lang.registry import REGISTRY
from complycheck.lang.types import (
    NOVAL,
    NUMERIC,
    Compiled,
    Divisor,
    EvalContext,
    Node,
    Part,
    Scope,
    const,
    type_name,
)


def _column(name: str) -> Any:
    def build(ctx: EvalContext) -> Any:
        import polars as pl

        return pl.col(name)

    return build


class Compiler:
    """Type-checks one parsed expression against a scope and builds its nodes (visitors by syntax: operators in
    `operators`, calls in `calls`, each function's own forms in the registry)."""

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
        self.divisors: list[Divisor] = []

    # --------------------------------------------------------------- errors
    def err(self, node: ast.AST | None, zh: str, en: str, about: ast.AST | None = None) -> ExpressionError:
        """An error at `node`; with `about`, a refused construct, naming the columns it was applied to."""
        if about is not None:
            named = self.columns_in(about)
            if named:
                zh += f"（列 {'、'.join(named)}）"
                en += f" (column{'s' if len(named) > 1 else ''} {', '.join(named)})"
        loc = self.loc
        off = getattr(node, "col_offset", None)
        if off is not None and loc.line is not None and isinstance(loc.column, int) and "\n" not in self.text:
            loc = Location(loc.file, loc.line, loc.column + off)
        return ExpressionError(f"{self.what}：{zh}", loc, f"{self.what_en}: {en}")

    def columns_in(self, n: ast.AST) -> list[str]:
        """The columns an expression reads, as `beds“床位数”` (key and declared header) or `dataset.column`."""
        s = self.scope
        own = s.columns if s.row else s.datasets.get(s.population or "", {})
        first: dict[str, str] = {}
        for h, k in s.headers.items():
            first.setdefault(k, h)
        out: list[str] = []
        for x in ast.walk(n):
            if isinstance(x, ast.Name) and x.id in own:
                name = x.id + (f"“{first[x.id]}”" if first.get(x.id, x.id) != x.id else "")
            elif (
                isinstance(x, ast.Attribute)
                and isinstance(x.value, ast.Name)
                and x.attr in s.datasets.get(x.value.id, {})
            ):
                name = f"{x.value.id}.{x.attr}"
            else:
                continue
            if name not in out:
                out.append(name)
        return out

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
            raise self.err(n, f"不允许的语法：{syntax_name(n)}", f"syntax not allowed: {syntax_name(n)}")
        node: Node = m(n, depth + 1)
        return node

    def v_Expression(self, n: ast.Expression, d: int) -> Node:
        return self.visit(n.body, d)

    def v_Constant(self, n: ast.Constant, d: int) -> Node:
        v = n.value
        if isinstance(v, str) and len(v) > MAX_STR_CONST:
            raise self.err(
                n, f"文本常量超过 {MAX_STR_CONST} 个字符", f"text constant longer than {MAX_STR_CONST} characters"
            )
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
        if any(i.value is NOVAL for i in items):
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
            return Node(t, _column(name), False, col=name)
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
        key = header_key(name, s.headers, fuzzy=not hz)
        if key is not None and (key in s.columns or not s.row):
            hz, he = f"，是不是列“{key}”（表头“{name}”）？", f"; did you mean column '{key}' (header '{name}')?"
        if not s.row and name in s.columns:
            raise self.err(
                n,
                f"这里不能直接使用列“{name}”，请用聚合函数（count、sum、distinct…）",
                f"column '{name}' cannot be used here; use an aggregate (count, sum, distinct ...)",
            )
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

    def divisor(self, n: ast.AST, node: Node) -> None:
        """Remember a denominator that depends on the row, with the row columns it reads."""
        if node.const:
            return
        source = ast.get_source_segment(" ".join(self.text.splitlines()), n) or ast.unparse(n)
        cols = {x.id for x in ast.walk(n) if isinstance(x, ast.Name) and x.id in self.scope.columns}
        self.divisors.append(Divisor(source, node, tuple(sorted(cols))))

    def need_bool(self, p: Node, src: ast.AST) -> None:
        if p.t not in ("bool", "null"):
            raise self.err(
                src,
                f"这里需要真/假条件，得到的是{type_name(p.t)}；检查是否有值请用 present(...)",
                f"a true/false condition is needed here, got {p.t}; use present(...) to test for a value",
                about=src,
            )

    def no_refs(self, n: ast.AST, *nodes: Node) -> None:
        if any(x.t in ("colref", "view") for x in nodes):
            raise self.err(
                n,
                "“数据集.列”或列名在这里只能放进聚合函数（count、sum、distinct、min、max）、lookup() 或 in 的右边",
                "a dataset.column (or a column here) can only be used inside an aggregate "
                "(count, sum, distinct, min, max), lookup() or on the right of 'in'",
                about=n,
            )

    def as_date(self, n: ast.AST, x: Node) -> Node:
        try:
            return const(V.to_date(x.value))
        except ValueError:
            raise self.err(n, f"“{x.value}”不是日期", f"'{x.value}' is not a date") from None

    def v_IfExp(self, n: ast.IfExp, d: int) -> Node:
        test, body, other = self.visit(n.test, d), self.visit(n.body, d), self.visit(n.orelse, d)
        self.need_bool(test, n.test)
        t = body.t if body.t != "null" else other.t
        if body.t != other.t and "null" not in (body.t, other.t) and not (body.t in NUMERIC and other.t in NUMERIC):
            raise self.err(
                n,
                f"if/else 两边类型不同：{type_name(body.t)} 与 {type_name(other.t)}",
                f"if/else branches differ: {body.t} vs {other.t}",
                about=n,
            )
        if test.const and body.const and other.const:
            return Node(t, lambda ctx: body.build(ctx) if test.build(ctx) else other.build(ctx), True)

        def br(ctx: EvalContext) -> Any:
            import polars as pl

            return pl.when(lift(test.build(ctx))).then(lift(body.build(ctx))).otherwise(lift(other.build(ctx)))

        return Node(t, br, False)

    # --------------------------------------------------------------- calls

    # --------------------------------------------------------------- operators and calls
    v_BoolOp = operators.v_BoolOp
    v_UnaryOp = operators.v_UnaryOp
    v_BinOp = operators.v_BinOp
    v_Compare = operators.v_Compare
    v_Call = calls.v_Call


def header_key(name: str, headers: dict[str, str], fuzzy: bool = True) -> str | None:
    """The column key a Chinese header (or alias) typed as a name stands for: exact, after NFKC and without spaces
    and punctuation, or the closest one."""
    import unicodedata

    def loose(s: str) -> str:
        return "".join(ch for ch in unicodedata.normalize("NFKC", s) if ch.isalnum())

    if name in headers:
        return headers[name]
    by_loose = {loose(h): k for h, k in headers.items()}
    if loose(name) in by_loose:
        return by_loose[loose(name)]
    close = difflib.get_close_matches(loose(name), list(by_loose), n=1, cutoff=0.6) if fuzzy else []
    return by_loose[close[0]] if close else None


def compile_expr(
    text: Any, scope: Scope, loc: Location, what: str, want: str | None = None, what_en: str | None = None
) -> Compiled:
    """Parse and type-check an expression; raise ExpressionError naming `what` and the file position."""
    tree = parse(text, loc, what, what_en)
    c = Compiler(scope, str(text), loc, what, what_en)
    we = what_en or what
    try:
        node = c.visit(tree)
    except RecursionError:
        raise ExpressionError(f"{what}：表达式嵌套过深", loc, f"{we}: expression nested too deeply") from None
    if want == "bool":
        c.need_bool(node, tree)
        if node.const and scope.row:
            raise ExpressionError(
                f"{what}：条件不随行变化（常量 {str(text).strip()[:40]}），不能作为逐行的条件",
                loc,
                f"{we}: the condition does not depend on the row (constant {str(text).strip()[:40]}); "
                "it cannot decide rows",
            )
    if want == "const" and not node.const:
        raise ExpressionError(
            f"{what}：这里需要不随行变化的值（参数、合同字段或聚合）",
            loc,
            f"{we}: a value that does not depend on the row is needed (parameter, contract field or aggregate)",
        )
    parts = conjuncts(tree, scope, str(text), loc, what, what_en) if want == "bool" else []
    return Compiled(str(text), node, c.names, c.columns, c.refs, c.id_columns, parts, c.divisors)


_SYMBOLS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


def conjuncts(tree: ast.AST, scope: Scope, text: str, loc: Location, what: str, what_en: str | None) -> list[Part]:
    """The parts of `a and b and c` (or the one condition), each compiled on its own; a comparison keeps its two
    sides, so a failing row can say `nursing_beds <= beds` is false because 173 > 161."""
    joined = " ".join(text.splitlines())
    values = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) else [tree]

    def compiled(n: ast.AST) -> Node:
        return Compiler(scope, text, loc, what, what_en).visit(n)

    def part_of(v: ast.AST) -> Part:
        part = Part(ast.get_source_segment(joined, v) or ast.unparse(v), compiled(v))
        if isinstance(v, ast.Compare) and len(v.ops) == 1 and type(v.ops[0]) in _SYMBOLS:
            left, right = compiled(v.left), compiled(v.comparators[0])
            if {left.t, right.t}.isdisjoint({"colref", "view", "list"}):
                part.left, part.op, part.right = left, _SYMBOLS[type(v.ops[0])], right
        if isinstance(v, ast.BoolOp) and isinstance(v.op, ast.Or):
            part.alternatives = [part_of(a) for a in v.values]
        return part

    return [part_of(v) for v in values]
