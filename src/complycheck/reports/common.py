"""What the HTML and Markdown reports share: the words, the figures and the order of things."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from complycheck import __version__
from complycheck.engine.wording import percent
from complycheck.i18n import SEVERITY, STATUS, VERDICT, t, w
from complycheck.model import Parameter
from complycheck.results import Groups, Periods, Report, Result, Share

OPEN_FOR_SIGNOFF = {"manual_review", "waived", "pending"}


def L(key: str, lang: str, **kw: Any) -> str:
    """A report word from the one catalogue (i18n.WORDS), formatted."""
    return w(key, lang, **kw)


def status_word(status: str, lang: str) -> str:
    return t(STATUS, status, lang)


def verdict_word(v: str, lang: str) -> str:
    return t(VERDICT, v, lang)


def severity_word(s: str, lang: str) -> str:
    return t(SEVERITY, s, lang)


def title_of(r: Result, lang: str) -> str:
    return r.title if lang == "zh" or not r.title_en else r.title_en


def message_of(r: Result, lang: str) -> str:
    return r.message if lang == "zh" else r.message_en


def clause_texts(report: Report, r: Result) -> list[tuple[str, str]]:
    return [(cid, report.clauses[cid].source_text) for cid in r.clauses if cid in report.clauses]


def fraction(v: Any) -> Fraction | None:
    """A threshold or share as an exact fraction (None if it is not a number)."""
    try:
        return Fraction(str(v)) if not isinstance(v, (int, Fraction)) else Fraction(v)
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def share_percents(r: Result) -> tuple[str, str] | None:
    """(measured share, required minimum) of a share rule as percentages that never read as equal when they are not."""
    m, th = r.measured, r.threshold or {}
    need = fraction(th.get("min", 1))
    if not isinstance(m, Share) or not m.denominator or need is None:
        return None
    share = Fraction(m.numerator, m.denominator)
    return percent(share, need), percent(need)


def share_fraction(r: Result) -> tuple[float, float] | None:
    """(measured share, required share) for share rules, for the gauge."""
    m, th = r.measured, r.threshold or {}
    if not isinstance(m, Share) or not m.denominator:
        return None
    try:
        return m.numerator / m.denominator, float(th.get("min", 1))
    except (TypeError, ValueError):
        return None


def counts_and_min(r: Result) -> tuple[dict[str, int], float] | None:
    """Counts per period or group and the minimum, for the chart."""
    m, th = r.measured, r.threshold or {}
    if not isinstance(m, (Groups, Periods)) or not m.counts:
        return None
    mn = th.get("min_per_group", th.get("min_per_period", 1))
    try:
        return dict(m.counts), float(mn)
    except (TypeError, ValueError):
        return None


def engine_version() -> str:
    return __version__


def all_results(report: Report) -> list[Result]:
    return report.results()


def param_note(p: Parameter, lang: str) -> str:
    """Whether a parameter is a bureau decision, and who set it for this run when not the pack."""
    if not p.bureau_decision:
        return ""
    if not p.source:
        return L("bureau", lang)
    return L("bureau", lang) + (
        f"（本次运行由 {p.source} 设定）" if lang == "zh" else f" (set for this run by {p.source})"
    )
