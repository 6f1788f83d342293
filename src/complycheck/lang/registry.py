"""The function registry: every function rule authors may call, with everything it does in one place.

A function declares its argument types (`sig`) and result type (`ret`, or "arg0" for the type of the first
argument) and brings its own forms:
- `py`: the Python form, for constants (all arguments known) and for the reference evaluator;
- `pl`: the columnar form on polars expressions (arguments already lifted to expressions);
- `columnar`: a columnar form that needs the argument nodes or the evaluation context (instead of `pl`);
- `check`: its own compile-time checks and coercions, after the generic argument type checks;
- `compile`: a whole compile form of its own (aggregates over a dataset, lookup, deadline).
Its docstring is its entry in docs/rules.md: first line the summary, then an `Example:` line.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from complycheck.lang.types import EvalContext, Node

if TYPE_CHECKING:
    from complycheck.lang.compiler import Compiler

Check = Callable[["Compiler", ast.Call, list[Node]], list[Node]]
CompileForm = Callable[["Compiler", ast.Call, list[Node]], Node]
Columnar = Callable[[list[Node], list[Any], EvalContext], Any]

Forms = tuple[Callable[..., Any], Callable[..., Any] | None]  # (Python form, columnar form on polars expressions)


@dataclass(frozen=True)
class Func:
    name: str
    sig: tuple[str, ...]
    ret: str
    doc: str
    py: Callable[..., Any] | None = None
    pl: Callable[..., Any] | None = None
    aggregate: bool = False
    const_args: tuple[int, ...] = ()  # argument positions that must be constants known when the pack loads
    columnar: Columnar | None = None
    check: Check | None = None
    compile: CompileForm | None = None


REGISTRY: dict[str, Func] = {}


def func(
    name: str,
    sig: tuple[str, ...],
    ret: str,
    *,
    aggregate: bool = False,
    const_args: tuple[int, ...] = (),
    columnar: Columnar | None = None,
    check: Check | None = None,
    compile: CompileForm | None = None,
) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register a function. The decorated function returns its Python form, or (Python form, columnar form)."""

    def wrap(f: Callable[[], Any]) -> Callable[[], Any]:
        impl = f()
        py, pl_ = impl if isinstance(impl, tuple) else (impl, None)
        REGISTRY[name] = Func(
            name, sig, ret, (f.__doc__ or "").strip(), py, pl_, aggregate, const_args, columnar, check, compile
        )
        return f

    return wrap


def describe(name: str) -> tuple[str, str]:
    """(summary, example) of a function, from its docstring."""
    doc = REGISTRY[name].doc
    summary = doc.split("\n")[0]
    m = re.search(r"Example:\s*(.+)", doc, re.S)
    return summary, " ".join(m.group(1).split()) if m else ""
