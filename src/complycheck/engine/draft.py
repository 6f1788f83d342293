"""A rule's result while the engine works on it: modes fill it in, then due dates, pending conditions, qualitative
review, dependencies and waivers amend it, and the engine hands on the frozen `Result`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from complycheck.model import Rule
from complycheck.results import Failure, Measured, Result


@dataclass
class Draft:
    rule: Rule
    status: str = "error"
    measured: Measured | None = None
    threshold: dict[str, Any] | None = None
    message: str = ""
    message_en: str = ""
    failures: list[Failure] = field(default_factory=list)
    failure_count: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    waiver: dict[str, Any] | None = None
    review_note: tuple[str, str] | None = None  # the "automated checks passed, manual review" words, once added

    def set(self, status: str, zh: str, en: str) -> None:
        """The status and both messages at once."""
        self.status, self.message, self.message_en = status, zh, en

    def freeze(self) -> Result:
        r = self.rule
        return Result(
            r.id,
            r.line_item,
            r.clauses,
            r.title,
            r.title_en,
            r.severity,
            self.status,
            self.measured,
            self.threshold,
            self.message,
            self.message_en,
            tuple(self.failures),
            self.failure_count,
            self.details,
            self.waiver,
            r.qualitative,
            r.review,
            r.review_en,
            r.derived,
        )
