"""SARIF 2.1.0 (static-analysis results, as code-scanning dashboards read them): one result per failing or
erroring rule, located at the rule file and line with its failing rows as related locations, and one per evidence
data problem, at the evidence file and row. Level from severity: critical and major `error`, minor `warning`."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from complycheck import __version__
from complycheck.reports.findings import Spot, findings
from complycheck.results import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DATA_RULE = "data-problem"


def _location(s: Spot) -> dict[str, Any]:
    phys: dict[str, Any] = {"artifactLocation": {"uri": quote(s.file.replace("\\", "/"))}}
    if s.line and s.line >= 1:
        phys["region"] = {"startLine": s.line}
    loc: dict[str, Any] = {"physicalLocation": phys}
    if s.sheet:
        loc["message"] = {"text": f"sheet {s.sheet}"}
    return loc


def render(report: Report, lang: str) -> str:
    zh = lang == "zh"
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for r in report.results():
        index[r.rule] = len(rules)
        rules.append(
            {
                "id": r.rule,
                "shortDescription": {"text": r.title if zh or not r.title_en else r.title_en},
                "defaultConfiguration": {"level": "error" if r.severity in ("critical", "major") else "warning"},
                "properties": {"severity": r.severity, "clauses": list(r.clauses), "line_item": r.line_item},
            }
        )
    index[DATA_RULE] = len(rules)
    rules.append(
        {
            "id": DATA_RULE,
            "shortDescription": {
                "text": "证据中无法读取的单元格或行" if zh else "a cell or row of the evidence that could not be read"
            },
            "defaultConfiguration": {"level": "error"},
        }
    )
    results = []
    for f in findings(report, lang):
        res: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": f.level,
            "message": {"text": f.message},
        }
        if f.where.file:
            res["locations"] = [_location(f.where)]
        if f.related:
            res["relatedLocations"] = [{"id": i, **_location(s)} for i, s in enumerate(f.related)]
        if f.kind == "rule":
            res["properties"] = {"severity": f.severity, "status": f.status}
        results.append(res)
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "complycheck",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
                "properties": {
                    "contract": report.contract.project_no,
                    "as_of": report.as_of.isoformat(),
                    "verdict": report.verdict,
                },
            }
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
