"""Reading a JSON report back: one clear input error for anything that is not a complycheck report."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from complycheck.errors import ComplycheckError, Location

MAX_REPORT_BYTES = 256 * 1024 * 1024


class ReportFileError(ComplycheckError):
    """A file given as a JSON report is missing, malformed or not a complycheck report."""


def read_report(path: str | Path) -> dict[str, Any]:
    """A complycheck JSON report (schema_version 1.x), checked against the shipped report schema."""
    import jsonschema

    from complycheck.schema import load_schema

    where = Location(str(path))
    p = Path(path)
    try:
        if not p.is_file():
            raise ReportFileError("文件不存在或不是普通文件", where, "no such file (or not a regular file)")
        if os.path.getsize(p) > MAX_REPORT_BYTES:
            raise ReportFileError("文件过大，不像 JSON 报告", where, "file too large for a JSON report")
        raw = p.read_bytes()
    except OSError as e:
        raise ReportFileError(f"无法读取：{e.strerror}", where, f"cannot read: {e.strerror}") from None
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ReportFileError("不是 UTF-8 文本，不是 JSON 报告", where, "not UTF-8 text: not a JSON report") from None
    except json.JSONDecodeError as e:
        raise ReportFileError(
            f"JSON 格式错误（第 {e.lineno} 行第 {e.colno} 列）：{e.msg}",
            Location(str(path), e.lineno, e.colno),
            f"malformed JSON (line {e.lineno}, column {e.colno}): {e.msg}",
        ) from None
    except RecursionError:
        raise ReportFileError("JSON 嵌套过深", where, "JSON nested too deeply") from None
    tool = doc.get("tool") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or not isinstance(tool, dict) or tool.get("name") != "complycheck":
        raise ReportFileError(
            "不是 complycheck 的 JSON 报告（缺少 tool.name = complycheck）",
            where,
            "not a complycheck JSON report (no tool.name = complycheck)",
        )
    version = doc.get("schema_version")
    if not isinstance(version, str) or not version.startswith("1."):
        raise ReportFileError(
            f"不支持的报告格式版本：{str(version)[:20]}（支持 1.x）",
            where,
            f"unsupported report schema_version: {str(version)[:20]} (1.x supported)",
        )
    validator = jsonschema.Draft202012Validator(load_schema("report"))
    error = next(iter(sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))), None)
    if error is not None:
        crumb = "/".join(str(x) for x in error.absolute_path) or "(top)"
        msg = error.message[:160]
        raise ReportFileError(
            f"不符合 JSON 报告格式（{crumb}）：{msg}", where, f"does not match the JSON report schema at {crumb}: {msg}"
        )
    return doc


def results_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every result of a report: line item by line item, then the contract's."""
    out: list[dict[str, Any]] = [r for li in doc["line_items"] for r in li["results"]]
    return out + list(doc["contract_results"])


def input_root(doc: dict[str, Any], kind: str) -> str:
    """The folder the inputs of one kind were read from (their common folder), '' when unknown."""
    folders = [os.path.dirname(i["path"]) for i in doc["inputs"] if i.get("kind") == kind]
    if not folders:
        return ""
    try:
        return str(os.path.commonpath(folders))
    except ValueError:
        return ""


def evidence_root(doc: dict[str, Any]) -> str:
    """The folder the evidence was read from, '' when unknown."""
    return input_root(doc, "evidence")


def relative_to(path: str | None, root: str) -> str | None:
    """A file path relative to a folder (the file names that stay the same from one submission folder to the next)."""
    if path is None or not root:
        return path
    prefix = root.rstrip("/\\") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else path


def rules_root(doc: dict[str, Any]) -> str:
    """The folder the rule files were read from, '' when unknown."""
    return input_root(doc, "rules")
