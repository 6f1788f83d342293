"""Records of the panel's decisions: as filed (DecisionForm, Decision), and as applied to a run (Acceptance)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# 结论 as the panel writes it -> the conclusion's code
CONCLUSIONS = {"通过": "pass", "不通过": "fail", "暂缓": "defer", "pass": "pass", "fail": "fail", "defer": "defer"}
CONCLUSION_WORDS = {"pass": ("通过", "pass"), "fail": ("不通过", "fail"), "defer": ("暂缓", "deferred")}
STATE_WORDS = {
    "applied": ("已采纳", "applied"),
    "deferred": ("暂缓，仍待审核", "deferred, still open"),
    "lapsed": ("已失效（证据已变更）", "lapsed (evidence changed)"),
    "refused": ("不予采纳", "refused"),
}


@dataclass(frozen=True)
class PanelMember:
    name: str
    role: str


@dataclass(frozen=True)
class Decision:
    """One item as the panel decided it; `evidence` is the SHA-256 of each evidence file (relative to the evidence
    folder) the rule read when the template was written; `where` is the file and row it was read from."""

    rule: str
    conclusion: str  # pass | fail | defer
    reason: str
    reviewer: str
    date: date | None
    evidence: dict[str, str]
    where: str = ""


@dataclass(frozen=True)
class DecisionForm:
    """A filled decisions file: the acceptance's date, place, panel and opinions, and the decisions."""

    path: str
    sha256: str
    project_no: str
    date: date | None = None
    place: str = ""
    opinion: str = ""
    recipients_opinion: str = ""
    panel: tuple[PanelMember, ...] = ()
    decisions: tuple[Decision, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """How one decision was applied: applied, deferred, lapsed (its evidence changed) or refused (the item was not
    open: a decision cannot overturn an automated result)."""

    decision: Decision
    state: str
    note: str = ""
    note_en: str = ""
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class FinalLineItem:
    id: str
    verdict: str
    blocking: list[str]
    open: list[str]


@dataclass(frozen=True)
class Acceptance:
    """The panel's decisions applied to a run: each rule's final status, and the final verdicts."""

    form: DecisionForm
    outcomes: dict[str, Outcome]  # rule -> outcome
    final_status: dict[str, str]  # rule -> status after the decisions
    line_items: dict[str, FinalLineItem] = field(default_factory=dict)
    contract_verdict: str = "needs_review"  # the contract-level rules' own roll-up
    verdict: str = "needs_review"  # the contract's final verdict

    @property
    def complete(self) -> bool:
        """True when no item is left open."""
        return not any(li.open for li in self.line_items.values())
