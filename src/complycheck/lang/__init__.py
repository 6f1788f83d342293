"""The rule language: expressions parsed once, type-checked against the pack and compiled to columnar forms.

- `types`: nodes, scopes, compiled expressions and the evaluation context they read (a Protocol);
- `parse`: the parser and its limits; `compiler`, `operators`, `calls`: type checking and building;
- `registry`, `functions`, `aggregates`: the functions rule authors call, each with all of its forms;
- `columnar`: polars building blocks the others share.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "Compiler": "compiler",
    "compile_expr": "compiler",
    "parse": "parse",
    "REGISTRY": "registry",
    "Func": "registry",
    "describe": "registry",
    "NOVAL": "types",
    "NUMERIC": "types",
    "Compiled": "types",
    "EvalContext": "types",
    "Node": "types",
    "Scope": "types",
    "as_decimal": "types",
    "const": "types",
    "to_fraction": "types",
    "value_type": "types",
}


def __getattr__(name: str) -> Any:
    """Names are imported on first use: the records in `types` need neither the compiler nor simpleeval."""
    if name not in _WHERE:
        raise AttributeError(name)
    if name in ("REGISTRY", "describe"):
        importlib.import_module("complycheck.lang.compiler")  # registers every function
    return getattr(importlib.import_module(f"complycheck.lang.{_WHERE[name]}"), name)


__all__ = list(_WHERE)
