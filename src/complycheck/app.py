"""Loading and evaluating in one call: the I/O around the pure engine, used by every command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from complycheck.engine import Waiver, evaluate
from complycheck.errors import ComplycheckError, ErrorList, Location, RuleFileError
from complycheck.evidence import load_evidence, sha256
from complycheck.model import Evidence, Report, RulePack
from complycheck.rules import load_pack
from complycheck.schema import validate
from complycheck.values import to_date
from complycheck.yamlsource import load_yaml_file


@dataclass
class Inputs:
    pack: RulePack
    evidence: Evidence
    waivers: list[Waiver]


def load_waivers(path: Path) -> list[Waiver]:
    """A waiver file; a malformed one is an input error, never a silent no-op."""
    doc = load_yaml_file(path, str(path))
    problems = validate(doc, "waivers")
    if problems:
        raise ErrorList(list(problems))
    out = []
    errors: list[ComplycheckError] = []
    for i, w in enumerate(doc.data["waivers"]):
        try:
            start, expires = to_date(w["start"]), to_date(w["expires"])
        except ValueError:
            errors.append(RuleFileError("豁免的日期无效", doc.where(("waivers", i)), "invalid waiver date"))
            continue
        if expires < start:
            errors.append(RuleFileError("豁免的到期日早于开始日", doc.where(("waivers", i, "expires")), "waiver expires before it starts"))
            continue
        out.append(Waiver(w["rule"], w["reason"], w["approver"], w.get("reference", ""), start, expires))
    if errors:
        raise ErrorList(errors)
    return out


def load_inputs(rules: Path, evidence: Path, waivers: Path | None = None, progress: Any = None) -> Inputs:
    """Load and validate the pack, the submission and the waivers."""
    pack = load_pack(rules)
    columns, id_columns = pack.columns_read()
    ev = load_evidence(evidence, pack.datasets, progress=progress, columns=columns, id_columns=id_columns)
    ws = load_waivers(waivers) if waivers else []
    ids = {r.id for r in pack.rules}
    for w in ws:
        if w.rule not in ids:
            raise RuleFileError(f"豁免文件中的规则“{w.rule}”不存在", Location(str(waivers)), f"waiver names unknown rule '{w.rule}'")
    return Inputs(pack, ev, ws)


def input_digests(inp: Inputs, waivers: Path | None) -> list[dict[str, Any]]:
    """Path and SHA-256 of every file the decision was made on."""
    out = [{"path": f, "kind": "rules", "sha256": sha256(Path(f))} for f in inp.pack.files]
    out += [{"path": f, "kind": "evidence", "sha256": sha256(Path(f))} for f in inp.evidence.files]
    if waivers:
        out.append({"path": str(waivers), "kind": "waivers", "sha256": sha256(waivers)})
    return out


def run(rules: Path, evidence: Path, as_of: date, waivers: Path | None = None, progress: Any = None) -> Report:
    """Everything `complycheck evaluate` decides, as a Report."""
    from concurrent.futures import ThreadPoolExecutor

    inp = load_inputs(rules, evidence, waivers, progress)
    with ThreadPoolExecutor(max_workers=1) as pool:  # hashing releases the GIL: it overlaps with the evaluation
        digests = pool.submit(input_digests, inp, waivers)
        report = evaluate(inp.pack, inp.evidence.tables, as_of, inp.waivers, None, inp.evidence.problems)
        report.inputs = digests.result()
    return report
