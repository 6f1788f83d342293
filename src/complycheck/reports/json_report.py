"""The JSON report: a public interface, versioned by schema_version and described by report.schema.json."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from complycheck import __version__
from complycheck.results import Report, Result

SCHEMA_VERSION = "1.3"


def _j(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): _j(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_j(x) for x in v]
    return v


def result_dict(r: Result) -> dict[str, Any]:
    """One rule's result as the JSON report shows it."""
    return {
        "rule": r.rule,
        "line_item": r.line_item,
        "clauses": list(r.clauses),
        "title": r.title,
        "title_en": r.title_en,
        "severity": r.severity,
        "status": r.status,
        "measured": _j(r.measured.to_json() if r.measured else None),
        "threshold": _j(r.threshold),
        "message": {"zh": r.message, "en": r.message_en},
        "failure_count": r.failure_count,
        "failures": [
            {
                "file": f.file,
                "sheet": f.sheet,
                "row": f.row,
                "column": f.column,
                "values": f.values,
                "reason": {"zh": f.reason, "en": f.reason_en},
            }
            for f in r.failures
        ],
        "qualitative": r.qualitative,
        "derived": r.derived,
        "review": {"zh": r.review, "en": r.review_en} if (r.review or r.review_en) else None,
        "waiver": r.waiver,
        "details": _j(r.details),
    }


def report_dict(report: Report) -> dict[str, Any]:
    """The whole report as plain JSON data (1.2: with the panel's decisions, final verdicts and payment clock)."""
    from complycheck.decisions.json_fields import add_fields

    return add_fields(base_dict(report), report)


def base_dict(report: Report) -> dict[str, Any]:
    """The fields of schema 1.1."""
    c = report.contract
    all_results = [r for li in report.line_items for r in li.results] + report.contract_results
    summary: dict[str, int] = {}
    for r in all_results:
        summary[r.status] = summary.get(r.status, 0) + 1
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "complycheck", "version": __version__},
        "pack": {"id": report.pack_id, "version": report.pack_version},
        "contract": {
            "project_no": c.project_no,
            "title": c.title,
            "title_en": c.title_en,
            "purchaser": c.purchaser,
            "supplier": c.supplier,
            "agency": c.agency,
            "award_date": c.award_date.isoformat(),
            "total_amount": str(c.total_amount),
            "service_start": _j(c.service_start),
            "service_end": _j(c.service_end),
        },
        "as_of": report.as_of.isoformat(),
        "verdict": report.verdict,
        "summary": dict(sorted(summary.items())),
        "line_items": [
            {
                "id": li.id,
                "name": li.name,
                "name_en": li.name_en,
                "amount": str(li.amount),
                "verdict": li.verdict,
                "blocking": li.blocking,
                "open": li.open,
                "results": [result_dict(r) for r in li.results],
            }
            for li in report.line_items
        ],
        "contract_results": [result_dict(r) for r in report.contract_results],
        "clause_coverage": report.clause_coverage,
        "parameters": {
            k: {
                "value": _j(p.value),
                "type": p.type,
                "title": p.title,
                "bureau_decision": p.bureau_decision,
                "source": p.source or "pack",
            }
            for k, p in report.parameters.items()
        },
        "inputs": report.inputs,
        "data_problems": [
            {
                "file": p.file,
                "sheet": p.sheet,
                "row": p.row,
                "column": p.column,
                "level": p.level,
                "message": {"zh": p.message, "en": p.message_en},
            }
            for p in report.data_problems
        ],
        "notes": [{"zh": zh, "en": en} for zh, en in report.notes],
    }


def render(report: Report, lang: str) -> str:
    """Deterministic JSON: the same inputs and --as-of give the same bytes."""
    return json.dumps(report_dict(report), ensure_ascii=False, indent=2) + "\n"
