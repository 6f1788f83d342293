"""Calls: a function from the registry, its arguments checked against its signature, then compiled by its own
compile form, or as a row function (a constant when every argument is one, else its columnar form)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from complycheck.lang.columnar import lift
from complycheck.lang.registry import REGISTRY, Func
from complycheck.lang.types import NOVAL, NUMERIC, EvalContext, Node, const, type_name

if TYPE_CHECKING:
    from complycheck.lang.compiler import Compiler


def v_Call(c: Compiler, n: ast.Call, d: int) -> Node:
    if not isinstance(n.func, ast.Name):
        raise c.err(n, "只能调用内置函数", "only the built-in functions may be called")
    name = n.func.id
    f = REGISTRY.get(name)
    if f is None:
        hz, he = c.suggest(name, list(REGISTRY))
        raise c.err(n, f"未知函数“{name}”{hz}", f"unknown function '{name}'{he}")
    if n.keywords:
        raise c.err(n, f"{name}() 不接受关键字参数", f"{name}() takes no keyword arguments")
    if len(n.args) != len(f.sig):
        raise c.err(
            n,
            f"{name}() 需要 {len(f.sig)} 个参数，给了 {len(n.args)} 个",
            f"{name}() takes {len(f.sig)} arguments, got {len(n.args)}",
        )
    args = [c.visit(a, d) for a in n.args]
    for i, (a, want, src) in enumerate(zip(args, f.sig, n.args, strict=True)):
        args[i] = check_arg(c, src, f, i, a, want)
    if f.check is not None:
        args = f.check(c, n, args)
    if f.compile is not None:
        return f.compile(c, n, args)
    return row_call(f, args)


def check_arg(c: Compiler, src: ast.AST, f: Func, i: int, a: Node, want: str) -> Node:
    """One argument against the function's signature (text constants become dates where dates are wanted)."""
    if i in f.const_args and (not a.const or a.value is NOVAL):
        raise c.err(
            src, f"{f.name}() 的第 {i + 1} 个参数必须是常量", f"argument {i + 1} of {f.name}() must be a constant"
        )
    ok = (
        want == "any"
        and a.t not in ("view", "colref")
        or a.t == want
        or (want == "num" and a.t in NUMERIC)
        or (want == "str" and a.t == "id")
        or (want == "id" and a.t == "str")
        or (want == "int" and a.t == "dec" and a.value is not NOVAL and a.value == int(a.value))
        or (want == "date" and a.t == "str" and a.value is not NOVAL)
        or (want == "colref" and a.t == "colref")
        or (want == "view" and a.t == "view")
        or (a.t == "null" and want not in ("view", "colref"))
    )
    if not ok:
        raise c.err(
            src,
            f"{f.name}() 的第 {i + 1} 个参数应为{type_name(want)}，得到{type_name(a.t)}",
            f"argument {i + 1} of {f.name}() should be {want}, got {a.t}",
            about=src,
        )
    if want == "date" and a.t == "str":
        return c.as_date(src, a)
    if want == "int" and a.t == "dec":
        return const(int(a.value))
    return a


def row_call(f: Func, args: list[Node]) -> Node:
    """A row function: a constant when every argument is one, else its columnar form."""
    ret = args[0].t if f.ret == "arg0" else f.ret
    if all(a.const for a in args):
        py = f.py
        assert py is not None
        return Node(ret, lambda ctx: py(*[a.build(ctx) for a in args]), True)

    def build(ctx: EvalContext) -> Any:
        vals = [a.build(ctx) for a in args]
        if f.columnar is not None:
            return f.columnar(args, vals, ctx)
        assert f.pl is not None
        return f.pl(*[lift(v) if not isinstance(v, (list, dict)) else v for v in vals])

    return Node(ret, build, False)
