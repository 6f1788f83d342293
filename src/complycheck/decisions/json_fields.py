"""The JSON report's fields of schema 1.2 (additive): each result's panel decision and final status, each line
item's and the contract's final verdict, the acceptance (date, panel, opinions, decisions file) and the payment
clock."""

from __future__ import annotations

from typing import Any

from complycheck.decisions.apply import final_status
from complycheck.decisions.clock import payment_clock
from complycheck.decisions.records import Outcome
from complycheck.results import Report


def decision_dict(o: Outcome) -> dict[str, Any]:
    d = o.decision
    return {
        "conclusion": d.conclusion,
        "reason": d.reason,
        "reviewer": d.reviewer,
        "date": d.date.isoformat() if d.date else None,
        "state": o.state,
        "note": {"zh": o.note, "en": o.note_en} if o.note else None,
        "changed": list(o.changed),
        "evidence": [{"file": f, "sha256": h} for f, h in d.evidence.items()],
        "source": d.where,
    }


def add_fields(out: dict[str, Any], report: Report) -> dict[str, Any]:
    """Add the 1.2 fields to a report dict built by json_report (in place; also returned)."""
    acc = report.acceptance
    outcomes = acc.outcomes if acc else {}
    results = {r.rule: r for r in report.results()}
    for res in [x for li in out["line_items"] for x in li["results"]] + out["contract_results"]:
        o = outcomes.get(res["rule"])
        res["decision"] = decision_dict(o) if o else None
        res["final_status"] = final_status(results[res["rule"]], o)
    for li in out["line_items"]:
        li["final_verdict"] = acc.line_items[li["id"]].verdict if acc else li["verdict"]
    out["final_verdict"] = acc.verdict if acc else report.verdict
    out["acceptance"] = (
        {
            "decisions_file": {"path": acc.form.path, "sha256": acc.form.sha256},
            "date": acc.form.date.isoformat() if acc.form.date else None,
            "place": acc.form.place,
            "panel": [{"name": m.name, "role": m.role} for m in acc.form.panel],
            "opinion": acc.form.opinion,
            "recipients_opinion": acc.form.recipients_opinion,
            "complete": acc.complete,
            "verdict": acc.verdict,
            "line_items": [
                {"id": li.id, "verdict": li.verdict, "blocking": li.blocking, "open": li.open}
                for li in acc.line_items.values()
            ],
            "decisions": {state: sum(o.state == state for o in outcomes.values()) for state in STATES},
        }
        if acc
        else None
    )
    clock = payment_clock(report)
    out["payment"] = clock.to_json() if clock else None
    return out


STATES = ("applied", "deferred", "lapsed", "refused")
