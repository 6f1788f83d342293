"""A deliberately simple reference evaluator: rows one at a time through simpleeval, in plain Python.

It exists to check the fast (columnar) engine: property-based tests run both on generated tables and compare
statuses, measured values and failing rows. It supports the share and count modes (where, expect, distinct,
min) and the whole function library; it is far too slow for real submissions.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import simpleeval

from complycheck import values as V
from complycheck.lang import REGISTRY
from complycheck.lang.operators import ARITHMETIC, COMPARISON
from complycheck.lang.types import Compiled, to_fraction
from complycheck.model import Rule, RulePack, Table


class _Row(simpleeval.SimpleEval):  # type: ignore[misc]  # simpleeval is untyped
    """simpleeval with three-valued logic: a blank (None) makes a comparison or arithmetic unknown."""

    def __init__(self, ref: Reference):
        super().__init__()
        self.ref = ref
        self.row: dict[str, Any] = {}
        self.functions = {name: self._fn(name) for name in REGISTRY}
        self.nodes[ast.BoolOp] = self._boolop
        self.nodes[ast.Compare] = self._compare
        self.nodes[ast.BinOp] = self._binop
        self.nodes[ast.UnaryOp] = self._unary
        self.nodes[ast.Attribute] = self._attribute
        self.nodes[ast.IfExp] = self._ifexp
        self.nodes[ast.List] = lambda node: [self._eval(e) for e in node.elts]
        self.nodes[ast.Tuple] = self.nodes[ast.List]
        self.names = self._name

    def _name(self, node: ast.Name) -> Any:
        if node.id == "as_of":
            return self.ref.as_of
        if node.id in self.row:
            return self.row[node.id]
        if node.id in self.ref.tables or node.id in self.ref.views:
            return ("view", node.id)
        raise simpleeval.NameNotDefined(node.id, "")

    def _attribute(self, node: ast.Attribute) -> Any:
        base = node.value.id  # type: ignore[attr-defined]
        if base == "params":
            return _dec(self.ref.params[node.attr])
        if base == "contract":
            return self.ref.contract[node.attr]
        return ("colref", base, node.attr)

    def _fn(self, name: str) -> Any:
        f = REGISTRY[name]

        def call(*args: Any) -> Any:
            if name == "deadline":
                return self.ref.deadlines[args[0]]
            if name == "count":
                return len(self.ref.rows_of(args[0][1]))
            if name == "lookup":
                key, (_, view, kcol), (_, _, vcol) = args
                table = {r[kcol]: r[vcol] for r in self.ref.rows_of(view) if r[kcol] is not None}  # the last row wins
                return None if key is None else table.get(key)
            if f.aggregate:
                vals = [r[args[0][2]] for r in self.ref.rows_of(args[0][1]) if r[args[0][2]] is not None]
                if name == "distinct":
                    return len(set(vals))
                combine: dict[str, Callable[[list[Any]], Any]] = {"sum": sum, "min": min, "max": max}
                return combine[name](vals) if vals else None
            if name in ("between", "coalesce") and any(isinstance(a, date) for a in args):
                args = tuple(V.to_date(a) if isinstance(a, str) else a for a in args)
            if name == "age" and isinstance(args[1], str):
                args = (args[0], V.to_date(args[1]))
            return f.py(*args)

        return call

    def _boolop(self, node: ast.BoolOp) -> Any:
        vals = [self._eval(v) for v in node.values]
        if isinstance(node.op, ast.And):
            return False if any(v is False for v in vals) else (None if any(v is None for v in vals) else True)
        return True if any(v is True for v in vals) else (None if any(v is None for v in vals) else False)

    def _unary(self, node: ast.UnaryOp) -> Any:
        v = self._eval(node.operand)
        if v is None:
            return None
        return (not v) if isinstance(node.op, ast.Not) else (-v if isinstance(node.op, ast.USub) else v)

    def _ifexp(self, node: ast.IfExp) -> Any:
        return self._eval(node.body) if self._eval(node.test) else self._eval(node.orelse)

    def _binop(self, node: ast.BinOp) -> Any:
        a, b = self._eval(node.left), self._eval(node.right)
        if a is None or b is None:
            return None
        if isinstance(node.op, ast.Div):
            return None if b == 0 else float(a) / float(b)
        r = ARITHMETIC[type(node.op)](_dec(a), _dec(b))
        return r.days if isinstance(r, timedelta) and isinstance(a, date) and isinstance(b, date) else r

    def _compare(self, node: ast.Compare) -> Any:
        left = self._eval(node.left)
        results = []
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self._eval(right_node)
            results.append(self._cmp(op, left, right))
            left = right
        return False if any(r is False for r in results) else (None if any(r is None for r in results) else True)

    def _cmp(self, op: ast.cmpop, a: Any, b: Any) -> Any:
        if isinstance(op, (ast.In, ast.NotIn)):
            if a is None:
                return None
            if isinstance(b, tuple) and b[0] == "colref":
                r = a in {x[b[2]] for x in self.ref.rows_of(b[1])}
            elif isinstance(b, list) and isinstance(a, date):
                r = a in [V.to_date(x) if isinstance(x, str) else x for x in b]
            elif b is None:  # a blank list cell
                return None
            else:
                r = a in b
            return r if isinstance(op, ast.In) else not r
        if a is None or b is None:
            return None
        if isinstance(a, date) and isinstance(b, str):
            b = V.to_date(b)
        if isinstance(b, date) and isinstance(a, str):
            a = V.to_date(a)
        return COMPARISON[type(op)](_num(a), _num(b))

    def eval_on(self, tree: ast.AST, row: dict[str, Any]) -> Any:
        self.row = row
        return self._eval(tree)


def _dec(v: Any) -> Any:
    return Decimal(repr(v)) if isinstance(v, float) else v


def _num(v: Any) -> Any:
    if isinstance(v, Decimal):
        return Fraction(v)
    if isinstance(v, float):
        return Fraction(Decimal(repr(v)))
    return v


class Reference:
    """Evaluates one rule row by row."""

    def __init__(self, pack: RulePack, tables: dict[str, Table], as_of: date, rule: Rule):
        self.pack, self.rule, self.as_of = pack, rule, as_of
        self.tables: dict[str, list[dict[str, Any]]] = {k: t.frame.to_dicts() for k, t in tables.items()}
        self.params = {k: p.value for k, p in pack.parameters.items()} | {k: p.value for k, p in rule.params.items()}
        self.contract = pack.contract.fields()
        self.deadlines = pack.contract.deadlines()
        self.views = dict(rule.views)
        self.evaluator = _Row(self)
        self._cache: dict[str, list[dict[str, Any]]] = {}

    def _tree(self, c: Compiled) -> ast.AST:
        tree: ast.AST = simpleeval.SimpleEval.parse(c.source).value
        return tree

    def rows_of(self, name: str) -> list[dict[str, Any]]:
        if name in self._cache:
            return self._cache[name]
        if name in self.views:
            ds, where = self.views[name]
            rows = self.tables[ds]
            if where is not None:
                tree = self._tree(where)
                rows = [r for r in rows if self.evaluator.eval_on(tree, r) is True]
        else:
            rows = self.tables[name]
        self._cache[name] = rows
        return rows

    def evaluate(self) -> dict[str, Any]:
        """{status, numerator, denominator, failing_rows} for share rules; {status, value, failing_rows} for count
        rules; {status} alone when nothing was measured."""
        r = self.rule
        owners = {name: ds.owner for name, ds in self.pack.datasets.items()}
        empty = [n for n in r.reads - r.optional if owners.get(n) == "supplier" and not self.tables.get(n)]
        if empty and not r.on_empty_set:
            return {"status": "missing_evidence"}
        rows = self.rows_of(r.source)
        undecided: set[int] = set()
        left_out: set[int] = set()
        if r.where is not None:
            tree = self._tree(r.where)
            scope = [(x, self.evaluator.eval_on(tree, x)) for x in rows]
            rows = [x for x, inside in scope if inside is True]
            undecided = {x["__row"] for x, inside in scope if inside is None}
            left_out = {x["__row"] for x, inside in scope if inside is False}
        out = self._decide(rows)
        if r.expect is None and out["status"] == "fail":  # a count that falls short lists what its scope left out
            out["failing_rows"] = out["failing_rows"] | left_out
        if undecided:
            out["failing_rows"] = out.get("failing_rows", set()) | undecided
            if out["status"] in ("pass", "warn", "not_applicable", "missing_evidence"):
                out["status"] = r.on_unknown_scope if r.on_unknown_scope != "ignore" else out["status"]
        return out

    def _decide(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        r = self.rule
        if r.expect is None:
            n = len({x[r.distinct] for x in rows if x[r.distinct] is not None}) if r.distinct else len(rows)
            mn = self._const(r.min, 1)
            return {
                "status": "pass" if to_fraction(n) >= to_fraction(mn) else "fail",
                "value": n,
                "failing_rows": set(),
            }
        if not rows:
            return {"status": r.on_empty}
        tree = self._tree(r.expect)
        oks = [self.evaluator.eval_on(tree, x) is True for x in rows]
        if r.distinct:
            groups: dict[Any, bool] = {}
            loose = []
            for x, ok in zip(rows, oks, strict=True):
                k = x[r.distinct]
                if k is None:
                    loose.append(ok)
                else:
                    groups[k] = groups.get(k, False) or ok
            num = sum(groups.values()) + sum(loose)
            den = len(groups) + len(loose)
            bad = {k for k, ok in groups.items() if not ok}
            failing = {
                x["__row"]
                for x, ok in zip(rows, oks, strict=True)
                if not ok and (x[r.distinct] is None or x[r.distinct] in bad)
            }
        else:
            num, den = sum(oks), len(oks)
            failing = {x["__row"] for x, ok in zip(rows, oks, strict=True) if not ok}
        mn = to_fraction(self._const(r.min, 1))
        status = "pass" if num * mn.denominator >= mn.numerator * den else "fail"
        return {"status": status, "numerator": num, "denominator": den, "failing_rows": failing}

    def _const(self, c: Compiled | None, default: Any) -> Any:
        if c is None:
            return default
        return self.evaluator.eval_on(self._tree(c), {})
