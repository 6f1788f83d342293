"""The records a run produces: measured values, failing rows, waivers, results, line-item verdicts and the report.
Plain frozen records; the engine fills results in as drafts and hands these on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from complycheck.model import Clause, Contract, Parameter, Problem

if TYPE_CHECKING:
    from complycheck.decisions.records import Acceptance

STATUSES = ("pass", "fail", "warn", "not_applicable", "missing_evidence", "manual_review", "pending", "waived", "error")
BLOCKING = {"fail", "error", "missing_evidence"}
OPEN = {"manual_review", "pending"}


# --------------------------------------------------------------------------- measured values
@dataclass(frozen=True)
class Share:
    """numerator of denominator rows (or entities) meet the condition."""

    numerator: int
    denominator: int
    value: str  # numerator / denominator, 4 decimals
    kind: str = "share"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "numerator": self.numerator, "denominator": self.denominator, "value": self.value}


@dataclass(frozen=True)
class Count:
    """The number of rows, or of distinct entities."""

    value: int
    kind: str = "count"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value}


@dataclass(frozen=True)
class Value:
    """An aggregate's value (JSON form: exact decimals as text, dates ISO)."""

    value: Any
    kind: str = "value"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value}


@dataclass(frozen=True)
class Groups:
    """met of total groups reach the minimum; the count of each."""

    met: int
    total: int
    counts: dict[str, int]
    kind: str = "groups"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "met": self.met, "total": self.total, "counts": self.counts}


@dataclass(frozen=True)
class Periods:
    """met of total required periods (and groups) reach the minimum; the count of each; periods not required."""

    met: int
    total: int
    counts: dict[str, int]
    not_applicable: list[str]
    kind: str = "periods"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "met": self.met,
            "total": self.total,
            "counts": self.counts,
            "not_applicable": self.not_applicable,
        }


@dataclass(frozen=True)
class Entities:
    """met of total entities (or entity-periods) reach their count; per period: [met, total] of that period."""

    met: int
    total: int
    value: str  # met / total, 4 decimals
    per_period: dict[str, list[int]]
    kind: str = "entities"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "met": self.met,
            "total": self.total,
            "value": self.value,
            "per_period": self.per_period,
        }


Measured = Share | Count | Value | Groups | Periods | Entities


# --------------------------------------------------------------------------- waivers
@dataclass(frozen=True)
class Waiver:
    """The bureau's approval to accept a rule's shortfall, for a time."""

    rule: str
    reason: str
    approver: str
    reference: str
    start: date
    expires: date


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Failure:
    """One row (or group or period) that did not meet the rule; values already masked."""

    file: str | None
    sheet: str | None
    row: int | None
    column: str | None
    values: dict[str, str]
    reason: str
    reason_en: str


@dataclass(frozen=True)
class Result:
    rule: str
    line_item: str
    clauses: tuple[str, ...]
    title: str
    title_en: str
    severity: str
    status: str
    measured: Measured | None
    threshold: dict[str, Any] | None
    message: str
    message_en: str
    failures: tuple[Failure, ...] = ()
    failure_count: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    waiver: dict[str, Any] | None = None
    qualitative: bool = False
    review: str = ""
    review_en: str = ""
    derived: bool = False


@dataclass(frozen=True)
class LineItemVerdict:
    id: str
    name: str
    name_en: str
    amount: Decimal
    verdict: str  # accepted | not_accepted | needs_review
    blocking: list[str]
    open: list[str]
    results: list[Result]


@dataclass(frozen=True)
class Report:
    contract: Contract
    pack_id: str
    pack_version: str
    as_of: date
    verdict: str
    line_items: list[LineItemVerdict]
    contract_results: list[Result]
    clause_coverage: list[dict[str, Any]]
    inputs: list[dict[str, Any]]
    parameters: dict[str, Parameter]
    notes: list[tuple[str, str]] = field(default_factory=list)
    data_problems: list[Problem] = field(default_factory=list)
    clauses: dict[str, Clause] = field(default_factory=dict)
    acceptance: Acceptance | None = None  # the panel's decisions and the final verdicts (complycheck.decisions)

    def results(self) -> list[Result]:
        """Every rule's result: line item by line item, then the contract's."""
        return [r for li in self.line_items for r in li.results] + self.contract_results

    def result(self, rule_id: str) -> Result:
        """One rule's result."""
        return next(r for r in self.results() if r.rule == rule_id)
