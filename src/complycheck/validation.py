"""`complycheck validate`: every problem of a pack (and a submission) in one run, without evaluating."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from complycheck.errors import ComplycheckError, ErrorList, Location
from complycheck.model import RulePack


@dataclass(frozen=True)
class Finding:
    where: str
    message: str
    message_en: str
    level: str = "error"


def _findings(e: ComplycheckError) -> list[Finding]:
    errs = e.errors if isinstance(e, ErrorList) else [e]
    return [Finding(str(x.location) if x.location else "-", x.message, x.message_en) for x in errs]


def unused_parameters(pack: RulePack) -> list[Finding]:
    """Parameters defined but read by no rule."""
    from complycheck.decisions.clock import PARAMETERS as read_by_reports

    used: set[str] = set().union(*(r.params_used() for r in pack.rules)) | set(read_by_reports)
    out = []
    for name in pack.parameters:
        if name not in used:
            out.append(
                Finding(
                    pack.root,
                    f"参数“{name}”已定义但没有规则使用",
                    f"parameter '{name}' is defined but no rule uses it",
                    "warning",
                )
            )
    for r in pack.rules:
        for name in r.params:
            own = r.params_used()
            if name not in own:
                out.append(
                    Finding(
                        str(r.location),
                        f"规则 {r.id} 的参数“{name}”没有被使用",
                        f"rule {r.id}: parameter '{name}' is not used",
                        "warning",
                    )
                )
    return out


def empty_is_fine(pack: RulePack) -> list[Finding]:
    """Critical and major rules that say an empty population is fine: worth a second look, since an empty
    submission proves nothing."""
    return [
        Finding(
            str(r.location),
            f"规则 {r.id}（{r.severity}）在总体为空时给出 {r.on_empty}：请确认空的提交确实可以接受",
            f"rule {r.id} ({r.severity}) gives {r.on_empty} when its population is empty: make sure an empty "
            "submission is really acceptable",
            "warning",
        )
        for r in pack.rules
        if r.on_empty_set and r.on_empty in ("pass", "not_applicable") and r.severity in ("critical", "major")
    ]


def rule_test_problems(pack: RulePack, rules: Path) -> list[Finding]:
    """The pack's rule tests (`rules/tests/`), read as `complycheck test` reads them: a test naming an unknown rule,
    dataset or parameter, or a malformed test file, is an error with its file and line."""
    from complycheck.ruletests import TESTS_DIR, load_tests

    try:
        load_tests(pack, rules / TESTS_DIR)
    except ComplycheckError as e:
        return _findings(e)
    return []


def validate_all(rules: Path, evidence: Path | None) -> list[Finding]:
    """All findings: errors (exit 2) and warnings."""
    from complycheck.evidence import load_evidence
    from complycheck.pack import load_pack

    try:
        pack = load_pack(rules)
    except ComplycheckError as e:
        return _findings(e)
    out = unused_parameters(pack) + empty_is_fine(pack) + rule_test_problems(pack, rules)
    if evidence is None:
        return out
    try:
        ev = load_evidence(evidence, pack.datasets)
    except ComplycheckError as e:
        return out + _findings(e)
    for p in ev.problems:
        loc = Location(p.file, p.row, p.column, p.sheet, "row")
        out.append(Finding(str(loc), p.message, p.message_en, p.level))
    missing = sorted(set(pack.datasets) - set(ev.tables))
    for name in missing:
        readers = [r.id for r in pack.rules if name in r.reads and name not in r.optional]
        if readers:
            out.append(
                Finding(
                    str(evidence / "manifest.yaml"),
                    f"清单中没有数据集“{name}”（{pack.datasets[name].title}），"
                    f"规则 {', '.join(readers[:5])} 将缺少证据",
                    f"the manifest has no dataset '{name}'; rules {', '.join(readers[:5])} will lack evidence",
                    "warning",
                )
            )
    return out
