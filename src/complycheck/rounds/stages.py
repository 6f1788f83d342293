"""Stage acceptance: each stage report (a JSON report) covers a period; the final acceptance lists every stage report
by its SHA-256 (`complycheck stages`, and the archive's manifest).

A stage is given as `START..END=REPORT.json` (ISO dates). Checks: the report is a complycheck JSON report, the
periods do not overlap, every stage report was evaluated on or after its period ended, and all stages use the same
rule pack id."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from complycheck.errors import ComplycheckError, Location
from complycheck.rounds.reportfile import read_report


@dataclass(frozen=True)
class Stage:
    start: date
    end: date
    path: str
    sha256: str
    as_of: str
    verdict: str
    pack: dict[str, Any]

    @property
    def period(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "path": self.path,
            "sha256": self.sha256,
            "as_of": self.as_of,
            "verdict": self.verdict,
            "pack": self.pack,
        }


def parse_period(text: str) -> tuple[date, date]:
    start, sep, end = text.partition("..")
    try:
        if not sep:
            raise ValueError
        a, b = date.fromisoformat(start.strip()), date.fromisoformat(end.strip())
    except ValueError:
        raise ComplycheckError(
            f"阶段期间应写成 开始..结束（YYYY-MM-DD..YYYY-MM-DD）：{text}",
            None,
            f"a stage period is START..END (YYYY-MM-DD..YYYY-MM-DD): {text}",
        ) from None
    if b < a:
        raise ComplycheckError(f"阶段期间结束早于开始：{text}", None, f"stage period ends before it starts: {text}")
    return a, b


def read_stage(spec: str) -> Stage:
    """`START..END=REPORT.json`: one stage report, hashed."""
    period, sep, path = spec.partition("=")
    if not sep or not path:
        raise ComplycheckError(
            f"阶段应写成 期间=报告.json，例如 2022-09-19..2022-10-31=stage1.json：{spec}",
            None,
            f"a stage is PERIOD=REPORT.json, e.g. 2022-09-19..2022-10-31=stage1.json: {spec}",
        )
    start, end = parse_period(period)
    doc = read_report(path)
    if date.fromisoformat(doc["as_of"]) < end:
        raise ComplycheckError(
            f"阶段报告的评估日期 {doc['as_of']} 早于阶段结束 {end}：阶段结束后才能验收",
            Location(path),
            f"the stage report was evaluated on {doc['as_of']}, before its period ends on {end}",
        )
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return Stage(start, end, path, digest, doc["as_of"], doc["verdict"], dict(doc["pack"]))


def check_stages(stages: list[Stage]) -> list[Stage]:
    """The stages in date order; overlapping periods or different packs are an input error."""
    ordered = sorted(stages, key=lambda s: s.start)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.start <= a.end:
            raise ComplycheckError(
                f"阶段期间重叠：{a.period} 与 {b.period}", None, f"stage periods overlap: {a.period} and {b.period}"
            )
    ids = {s.pack.get("id") for s in ordered}
    if len(ids) > 1:
        raise ComplycheckError(
            f"阶段报告来自不同的规则包：{', '.join(sorted(map(str, ids)))}",
            None,
            f"stage reports come from different rule packs: {', '.join(sorted(map(str, ids)))}",
        )
    return ordered


def render(stages: list[Stage], fmt: str, lang: str) -> str:
    import json

    from complycheck.reports.common import verdict_word
    from complycheck.reports.text import clean

    if fmt == "json":
        return json.dumps({"stages": [s.to_json() for s in stages]}, ensure_ascii=False, indent=2) + "\n"
    zh = lang == "zh"
    head = ("阶段", "期间", "评估日期", "结论", "SHA-256") if zh else ("stage", "period", "as of", "verdict", "SHA-256")
    rows = [
        (str(i), s.period, s.as_of, verdict_word(s.verdict, lang), s.sha256 + "  " + clean(s.path))
        for i, s in enumerate(stages, 1)
    ]
    if fmt == "markdown":
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(r) + " |" for r in rows]
    else:
        out = ["  ".join(r) for r in rows]
    accepted = all(s.verdict == "accepted" for s in stages)
    out.append("")
    if zh:
        out.append("所有阶段均已验收通过" if accepted else "有阶段未验收通过")
    else:
        out.append("every stage accepted" if accepted else "not every stage is accepted")
    return "\n".join(out) + "\n"
