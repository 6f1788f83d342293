"""complycheck: decide whether a service contract was fulfilled, rule by rule, on evidence anyone can re-check.

The public API (see docs/api.md):

- `load_pack(rules, params=None)` -> RulePack: a rule pack folder, validated and compiled;
- `load_evidence(evidence, pack)` -> Evidence: a submission folder's typed tables;
- `evaluate(pack, evidence, as_of, waivers=None)` -> Report: the pure engine;
- `run(rules, evidence, as_of, waivers=None, *, params=None)` -> Report: all of the above in one call;
- `run_many(rules, submissions, as_of, waivers=None, *, params=None, jobs=None)` -> [Outcome]: many submissions,
  the pack compiled once;
- `render(report, fmt="text", lang="zh")` -> str: text, json, junit, html or markdown;
- `Report`, `Result`, `ComplycheckError` (every input error: `.render("zh"|"en")`, `.location`).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = {
    "load_pack": ("complycheck.api", "load"),
    "load_evidence": ("complycheck.api", "read_evidence"),
    "evaluate": ("complycheck.api", "decide"),
    "run": ("complycheck.api", "run"),
    "run_many": ("complycheck.batch", "run_many"),
    "render": ("complycheck.api", "render"),
    "Report": ("complycheck.model", "Report"),
    "Result": ("complycheck.model", "Result"),
    "ComplycheckError": ("complycheck.errors", "ComplycheckError"),
}


def __getattr__(name: str) -> Any:
    """The API's names are imported on first use, so the command line starts fast."""
    if name not in _API:
        raise AttributeError(f"module 'complycheck' has no attribute '{name}'")
    module, attr = _API[name]
    return getattr(importlib.import_module(module), attr)


__all__ = ["__version__", *_API]
