"""The payment clock (保障中小企业款项支付条例): when acceptance was due, whether it ran late, when payment is due
and how much is payable or withheld per line item. Pure: computed from a Report and the pack's bureau-decision
parameters `acceptance_period_days` and `payment_days`; absent either, there is no clock.

- acceptance is due `acceptance_period_days` after the service period ends;
- the acceptance date is the panel's (decisions file), else the evaluation date (`--as-of`);
- a line item that passes acceptance is payable in full within `payment_days` of passing, or of the end of the
  acceptance period when acceptance ran late (delaying acceptance starts the clock);
- one not accepted is withheld; one still open is on hold (its clock already runs when acceptance is overdue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from complycheck.decisions.apply import line_item_verdict
from complycheck.results import Report

PARAMETERS = ("acceptance_period_days", "payment_days")  # read by the reports, not by rules


@dataclass(frozen=True)
class LinePayment:
    id: str
    amount: Decimal
    verdict: str
    state: str  # payable | withheld | on_hold
    payable: Decimal
    withheld: Decimal
    payment_due: date | None


@dataclass(frozen=True)
class PaymentClock:
    acceptance_period_days: int
    payment_days: int
    service_end: date
    acceptance_due: date
    acceptance_date: date
    acceptance_from_panel: bool
    late: bool
    line_items: tuple[LinePayment, ...]

    @property
    def payable_total(self) -> Decimal:
        return sum((li.payable for li in self.line_items), Decimal(0))

    @property
    def withheld_total(self) -> Decimal:
        return sum((li.withheld for li in self.line_items), Decimal(0))

    def to_json(self) -> dict[str, Any]:
        return {
            "acceptance_period_days": self.acceptance_period_days,
            "payment_days": self.payment_days,
            "service_end": self.service_end.isoformat(),
            "acceptance_due": self.acceptance_due.isoformat(),
            "acceptance_date": self.acceptance_date.isoformat(),
            "acceptance_date_source": "panel" if self.acceptance_from_panel else "as_of",
            "late": self.late,
            "payable_total": str(self.payable_total),
            "withheld_total": str(self.withheld_total),
            "line_items": [
                {
                    "id": li.id,
                    "amount": str(li.amount),
                    "verdict": li.verdict,
                    "state": li.state,
                    "payable": str(li.payable),
                    "withheld": str(li.withheld),
                    "payment_due": li.payment_due.isoformat() if li.payment_due else None,
                }
                for li in self.line_items
            ],
        }


def _days(report: Report, name: str) -> int | None:
    p = report.parameters.get(name)
    if p is None or isinstance(p.value, bool):
        return None
    try:
        return int(p.value)
    except (TypeError, ValueError):
        return None


def payment_clock(report: Report) -> PaymentClock | None:
    """The clock, or None when the pack sets no acceptance period or payment term (or no service end)."""
    period, pay = _days(report, "acceptance_period_days"), _days(report, "payment_days")
    end = report.contract.service_end
    if period is None or pay is None or end is None:
        return None
    due = end + timedelta(days=period)
    panel_date = report.acceptance.form.date if report.acceptance else None
    accepted_on = panel_date or report.as_of
    late = accepted_on > due
    clock_start = min(accepted_on, due)
    rows = []
    for li in report.line_items:
        verdict = line_item_verdict(report, li.id)
        if verdict == "accepted":
            rows.append(
                LinePayment(li.id, li.amount, verdict, "payable", li.amount, Decimal(0), clock_start + timedelta(pay))
            )
        elif verdict == "not_accepted":
            rows.append(LinePayment(li.id, li.amount, verdict, "withheld", Decimal(0), li.amount, None))
        else:
            running = due + timedelta(days=pay) if report.as_of > due else None
            rows.append(LinePayment(li.id, li.amount, verdict, "on_hold", Decimal(0), li.amount, running))
    return PaymentClock(period, pay, end, due, accepted_on, panel_date is not None, late, tuple(rows))


def text_lines(report: Report, lang: str) -> list[str]:
    """The text report's lines on the panel's decisions, the final verdict and the payment clock."""
    from complycheck.decisions.records import CONCLUSION_WORDS, STATE_WORDS
    from complycheck.i18n import VERDICT, t
    from complycheck.masking import mask_text

    zh, k = lang == "zh", (0 if lang == "zh" else 1)
    out: list[str] = []
    acc = report.acceptance
    if acc:
        out.append(("验收小组决定（" if zh else "Panel decisions (") + acc.form.path + ("）：" if zh else "):"))
        for rule, o in acc.outcomes.items():
            d = o.decision
            out.append(
                f"  {rule}: {CONCLUSION_WORDS[d.conclusion][k]} [{STATE_WORDS[o.state][k]}] {d.reviewer} {d.date or ''}"
                f" — {mask_text(d.reason)}"  # a reason may quote an ID or phone number
            )
        for li in acc.line_items.values():
            out.append(f"  {'品目' if zh else 'Line item'} {li.id}: {t(VERDICT, li.verdict, lang)}")
        out.append(
            ("验收小组决定后的最终结论：" if zh else "Final verdict after the panel's decisions: ")
            + t(VERDICT, acc.verdict, lang)
        )
    clock = payment_clock(report)
    if clock:
        out.append(
            (
                f"验收期限 {clock.acceptance_due}（{'已逾期' if clock.late else '未逾期'}），"
                f"应付 {clock.payable_total:,} 元，暂不支付 {clock.withheld_total:,} 元"
                if zh
                else f"Acceptance due {clock.acceptance_due} ({'late' if clock.late else 'on time'}); payable "
                f"{clock.payable_total:,}, withheld {clock.withheld_total:,}"
            )
            + "".join(
                f"；{p.id} 付款截止 {p.payment_due}" if zh else f"; {p.id} due {p.payment_due}"
                for p in clock.line_items
                if p.payment_due
            )
        )
    return out
