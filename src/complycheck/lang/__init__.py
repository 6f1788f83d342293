"""The rule language: expressions parsed once, type-checked against the pack and compiled to columnar forms.

- `types`: nodes, scopes, compiled expressions and the evaluation context they read (a Protocol);
- `parse`: the parser and its limits; `compiler`, `operators`, `calls`: type checking and building;
- `registry`, `functions`, `aggregates`: the functions rule authors call, each with all of its forms;
- `columnar`: polars building blocks the others share.
"""

from complycheck.lang.compiler import Compiler, compile_expr
from complycheck.lang.parse import parse
from complycheck.lang.registry import REGISTRY, Func, describe
from complycheck.lang.types import NOVAL, NUMERIC, Compiled, EvalContext, Node, Scope, as_decimal, const, to_fraction, value_type

__all__ = ["Compiler", "compile_expr", "parse", "REGISTRY", "Func", "describe", "NOVAL", "NUMERIC", "Compiled",
           "EvalContext", "Node", "Scope", "as_decimal", "const", "to_fraction", "value_type"]
