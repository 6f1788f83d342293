"""The acceptance panel's decisions on the items a run leaves to a person, and the final verdict.

- `records`: what a decisions file holds and what applying it gives (`Acceptance`, stored on the Report);
- `apply`: `apply_decisions(report, form, bindings) -> Report`, pure: a post-step on a Report, no I/O;
- `forms`: the template (XLSX and YAML) and reading a filled one (the I/O);
- `clock`: the payment clock (acceptance due date, payment due date, amounts payable or withheld).
"""

from __future__ import annotations

from complycheck.decisions.apply import apply_decisions, final_status, open_items
from complycheck.decisions.records import CONCLUSIONS, Acceptance, Decision, DecisionForm, Outcome, PanelMember

__all__ = [
    "CONCLUSIONS",
    "Acceptance",
    "Decision",
    "DecisionForm",
    "Outcome",
    "PanelMember",
    "apply_decisions",
    "final_status",
    "open_items",
]
