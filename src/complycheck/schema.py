"""JSON Schema validation of YAML files, with every error mapped to file:line:column."""

from __future__ import annotations

import difflib
import json
import re
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from complycheck.errors import RuleFileError
from complycheck.yamlsource import YamlDoc


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A schema shipped in the package (pack, manifest, waivers, report)."""
    schema: dict[str, Any] = json.loads(
        resources.files("complycheck.schemas").joinpath(f"{name}.schema.json").read_text("utf-8")
    )
    return schema


def _breadcrumb(path: tuple[Any, ...]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(顶层)"


def _allowed_keys(err: jsonschema.ValidationError) -> list[str]:
    return sorted((err.schema.get("properties") or {}).keys()) if isinstance(err.schema, dict) else []


def _message(err: jsonschema.ValidationError, doc: YamlDoc) -> tuple[str, str, tuple[Any, ...], bool]:
    path = tuple(err.absolute_path)
    crumb = _breadcrumb(path)
    v = err.validator
    if v == "additionalProperties":
        extra = [k for k in (err.instance or {}) if k not in (err.schema.get("properties") or {})]
        key = extra[0] if extra else "?"
        close = difflib.get_close_matches(key, _allowed_keys(err), n=1, cutoff=0.6)
        hz = f"，是不是“{close[0]}”？" if close else f"；可用的键：{', '.join(_allowed_keys(err))}"
        he = f"; did you mean '{close[0]}'?" if close else f"; allowed keys: {', '.join(_allowed_keys(err))}"
        return f"{crumb}: 未知的键“{key}”{hz}", f"{crumb}: unknown key '{key}'{he}", path + (key,), True
    if v == "required":
        m = re.search(r"'([^']+)' is a required property", err.message)
        key = m.group(1) if m else "?"
        return f"{crumb}: 缺少必填的键“{key}”", f"{crumb}: missing required key '{key}'", path, False
    if v == "type":
        want = err.validator_value
        return (
            f"{crumb}: 类型应为 {want}，实际是 {_kind(err.instance)}",
            f"{crumb}: should be {want}, got {_kind(err.instance)}",
            path,
            False,
        )
    if v == "enum":
        opts = ", ".join(str(x) for x in err.validator_value)
        return (
            f"{crumb}: 值“{err.instance}”不在可选范围内（{opts}）",
            f"{crumb}: '{err.instance}' is not one of: {opts}",
            path,
            False,
        )
    if v == "pattern":
        return (
            f"{crumb}: 值“{err.instance}”格式不对（应匹配 {err.validator_value}）",
            f"{crumb}: '{err.instance}' does not match {err.validator_value}",
            path,
            False,
        )
    if v == "const":
        return f"{crumb}: 值应为 {err.validator_value}", f"{crumb}: must be {err.validator_value}", path, False
    if v in ("minItems", "minProperties", "minLength"):
        return f"{crumb}: 不能为空", f"{crumb}: must not be empty", path, False
    if v == "maxLength":
        return f"{crumb}: 文本过长", f"{crumb}: text too long", path, False
    return f"{crumb}: {err.message}", f"{crumb}: {err.message}", path, False


def _kind(v: Any) -> str:
    return {
        dict: "映射/object",
        list: "列表/array",
        str: "文本/string",
        bool: "布尔/boolean",
        int: "整数/integer",
        float: "数字/number",
    }.get(type(v), "空/null" if v is None else type(v).__name__)


def _leaf(err: jsonschema.ValidationError) -> jsonschema.ValidationError:
    if err.context:
        return jsonschema.exceptions.best_match(err.context) or err
    return err


def validate(doc: YamlDoc, schema_name: str) -> list[RuleFileError]:
    """Every schema problem of a document, each with its line and column."""
    if not isinstance(doc.data, dict):
        what = "空文件" if doc.data is None else f"顶层是{_kind(doc.data)}"
        what_en = "empty file" if doc.data is None else f"top level is {_kind(doc.data)}"
        return [
            RuleFileError(
                f"{what}；顶层必须是映射（键: 值）",
                doc.where(()),
                f"{what_en}; the top level must be a mapping (key: value)",
            )
        ]
    validator = jsonschema.Draft202012Validator(load_schema(schema_name))
    out: list[RuleFileError] = []
    seen: set[tuple[Any, ...]] = set()
    for err in sorted(validator.iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path]):
        leaf = _leaf(err)
        zh, en, path, at_key = _message(leaf, doc)
        if path in seen:
            continue
        seen.add(path)
        out.append(RuleFileError(zh, doc.where_key(path) if at_key else doc.where(path), en))
    return out
