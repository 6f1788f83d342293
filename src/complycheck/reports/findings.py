"""What CI annotations show (SARIF and GitHub workflow commands): one finding per failing or erroring rule, at the
rule's file and line (its failing rows as related locations), and one per data problem, at the evidence file and
row. Messages are masked; the level follows severity (critical and major: error, minor: warning)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from complycheck.i18n import STATUS, t
from complycheck.masking import mask_text
from complycheck.reports.text import clean
from complycheck.results import Report, Result

SHOWN = {"fail", "error", "missing_evidence"}
BLOCKING_SEVERITIES = {"critical", "major"}
MAX_RELATED = 20


@dataclass(frozen=True)
class Spot:
    file: str
    line: int | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class Finding:
    kind: str  # "rule" or "data"
    rule: str  # the rule id, or "data-problem"
    level: str  # "error" or "warning"
    title: str
    message: str
    where: Spot
    related: tuple[Spot, ...] = ()
    severity: str = ""
    status: str = ""


def rule_locations(report: Report) -> dict[str, Spot]:
    """Rule id -> its rule file and the line of its `id:`, read from the pack files the report lists (when they
    are still there; else the rule has no location and the finding names only the rule)."""
    from complycheck.errors import ComplycheckError
    from complycheck.yamlsource import load_yaml_file

    out: dict[str, Spot] = {}
    for inp in report.inputs:
        if inp.get("kind") != "rules" or not Path(inp["path"]).is_file():
            continue
        try:
            doc = load_yaml_file(Path(inp["path"]), inp["path"])
        except ComplycheckError:
            continue
        rules = doc.data.get("rules") if isinstance(doc.data, dict) else None
        for i, r in enumerate(rules if isinstance(rules, list) else []):
            if isinstance(r, dict) and isinstance(r.get("id"), str):
                out.setdefault(r["id"], Spot(inp["path"], doc.where(("rules", i, "id")).line))
    return out


def _rule_finding(r: Result, lang: str, spots: dict[str, Spot]) -> Finding:
    zh = lang == "zh"
    title = r.title if zh or not r.title_en else r.title_en
    msg = r.message if zh else r.message_en
    status = t(STATUS, r.status, lang)
    related = tuple(Spot(f.file, f.row, f.sheet) for f in r.failures[:MAX_RELATED] if f.file)
    text = f"{r.rule} [{r.severity}] {status}: {title}: {msg}"
    if r.failure_count:
        text += (
            f"（{r.failure_count} 行）" if zh else f" ({r.failure_count} {'row' if r.failure_count == 1 else 'rows'})"
        )
    return Finding(
        "rule",
        r.rule,
        "error" if r.severity in BLOCKING_SEVERITIES else "warning",
        clean(mask_text(f"{r.rule} {title}")),
        clean(mask_text(text)),
        spots.get(r.rule, Spot("")),
        related,
        r.severity,
        r.status,
    )


def findings(report: Report, lang: str) -> list[Finding]:
    """Failing and erroring rules, then data problems, in report order."""
    spots = rule_locations(report)
    out = [_rule_finding(r, lang, spots) for r in report.results() if r.status in SHOWN]
    for p in report.data_problems:
        where = f"[{p.sheet}] " if p.sheet else ""
        col = f"{p.column}: " if p.column else ""
        msg = p.message if lang == "zh" else p.message_en
        out.append(
            Finding(
                "data",
                "data-problem",
                "error" if p.level == "error" else "warning",
                "证据数据问题" if lang == "zh" else "evidence data problem",
                clean(mask_text(f"{where}{col}{msg}")),
                Spot(p.file, p.row, p.sheet),
            )
        )
    return out
