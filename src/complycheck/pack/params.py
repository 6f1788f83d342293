"""Parameters: values as the pack writes them, typed (dates, exact decimals) and checked against their type."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from complycheck import values as V
from complycheck.errors import Location, RuleFileError
from complycheck.lang.types import as_decimal
from complycheck.model import Parameter

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def typed_param(name: str, raw: Any, loc: Location) -> Parameter:
    """A parameter from its YAML form, with its value typed (dates, exact decimals)."""
    meta: dict[str, Any] = raw if isinstance(raw, dict) else {"value": raw}
    value, t = meta.get("value"), meta.get("type")
    if t is None:
        if isinstance(value, str) and _DATE_RE.match(value):
            t = "date"
        elif isinstance(value, bool):
            t = "boolean"
        elif isinstance(value, int):
            t = "integer"
        elif isinstance(value, float):
            t = "number"
        elif isinstance(value, list):
            t = "list"
        elif isinstance(value, dict):
            t = "map"
        else:
            t = "string"
    try:
        value = _coerce(value, t)
    except (ValueError, TypeError) as e:
        raise RuleFileError(
            f"参数“{name}”的值与类型 {t} 不符：{e}", loc, f"parameter '{name}' does not match type {t}: {e}"
        ) from None
    return Parameter(
        name,
        value,
        t,
        meta.get("title", ""),
        meta.get("title_en", ""),
        meta.get("note", ""),
        bool(meta.get("bureau_decision", False)),
    )


def _coerce(value: Any, t: str) -> Any:
    if value is None:
        return None
    if t == "date":
        return V.to_date(value)
    if t == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{value!r} 不是整数")
        return value
    if t == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"{value!r} 不是数字")
        return Decimal(str(value)) if not isinstance(value, float) else as_decimal(value)
    if t == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"{value!r} 不是 true/false")
        return value
    if t == "list":
        if not isinstance(value, list):
            raise ValueError("不是列表")
        return [as_decimal(v) for v in value]
    if t == "map":
        if not isinstance(value, dict):
            raise ValueError("不是映射")
        return {str(k): v for k, v in value.items()}
    if not isinstance(value, str):
        raise ValueError(f"{value!r} 不是文本")
    return value


def display_path(p: Path) -> str:
    """A path as reports show it: relative to the working folder when inside it."""
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)
