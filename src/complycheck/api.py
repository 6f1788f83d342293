"""The Python API: load a rule pack and a submission, evaluate, render; and `run`, everything
`complycheck evaluate` does in one call (the I/O around the pure engine, used by every command).

    from complycheck import run, render
    report = run("rules", "evidence", date(2022, 12, 15))
    print(report.verdict, render(report, "json"))
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from complycheck.engine import evaluate
from complycheck.errors import ComplycheckError, ErrorList, EvidenceError, Location, RuleFileError
from complycheck.evidence import load_evidence, sha256
from complycheck.model import Evidence, RulePack, Setting
from complycheck.pack import load_pack
from complycheck.prehash import EarlyDigests
from complycheck.results import Report, Waiver
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
            errors.append(
                RuleFileError(
                    "豁免的到期日早于开始日", doc.where(("waivers", i, "expires")), "waiver expires before it starts"
                )
            )
            continue
        out.append(Waiver(w["rule"], w["reason"], w["approver"], w.get("reference", ""), start, expires))
    if errors:
        raise ErrorList(errors)
    return out


SPILL_AUTO_BYTES = 1024 * 1024 * 1024


def load_inputs(
    rules: Path,
    evidence: Path,
    waivers: Path | None = None,
    progress: Any = None,
    spill: Path | None = None,
    spill_min_bytes: int | None = None,
    settings: list[Setting] | None = None,
) -> Inputs:
    """Load and validate the pack, the submission and the waivers (large tables spilled to `spill`, if given)."""
    return load_submission(load_pack(rules, settings=settings), evidence, waivers, progress, spill, spill_min_bytes)


def load_submission(
    pack: RulePack,
    evidence: Path,
    waivers: Path | None = None,
    progress: Any = None,
    spill: Path | None = None,
    spill_min_bytes: int | None = None,
) -> Inputs:
    """`load_inputs` with the pack already loaded (one pack, many submissions: `run_many`)."""
    columns, id_columns = pack.columns_read()
    extra: dict[str, Any] = {} if spill_min_bytes is None else {"spill_min_bytes": spill_min_bytes}
    ev = load_evidence(
        evidence, pack.datasets, progress=progress, columns=columns, id_columns=id_columns, spill=spill, **extra
    )
    ws = load_waivers(waivers) if waivers else []
    ids = {r.id for r in pack.rules}
    for w in ws:
        if w.rule not in ids:
            raise RuleFileError(
                f"豁免文件中的规则“{w.rule}”不存在", Location(str(waivers)), f"waiver names unknown rule '{w.rule}'"
            )
    return Inputs(pack, ev, ws)


def input_digests(
    inp: Inputs, waivers: Path | None, early: dict[str, str] | EarlyDigests | None = None
) -> list[dict[str, Any]]:
    """Path and SHA-256 of every file the decision was made on (`early`: those already hashed, or being hashed)."""
    early = early.result() if isinstance(early, EarlyDigests) else (early or {})
    out = [{"path": f, "kind": "rules", "sha256": sha256(Path(f))} for f in inp.pack.files]
    out += [{"path": f, "kind": "evidence", "sha256": early.get(f) or sha256(Path(f))} for f in inp.evidence.files]
    if waivers:
        out.append({"path": str(waivers), "kind": "waivers", "sha256": sha256(waivers)})
    return out


def evidence_bytes(evidence: Path) -> int:
    """The size of the files in the evidence folder and its subfolders (what decides whether to spill)."""
    import os

    total = 0
    for folder, _, files in os.walk(evidence, followlinks=False):
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                try:
                    total += os.stat(path).st_size
                except OSError:
                    continue
    return total


def run(
    rules: str | Path,
    evidence: str | Path,
    as_of: date,
    waivers: str | Path | None = None,
    progress: Any = None,
    spill: bool | None = None,
    spill_min_bytes: int | None = None,
    *,
    params: dict[str, Any] | None = None,
    settings: list[Setting] | None = None,
    early: EarlyDigests | None = None,
) -> Report:
    """Everything `complycheck evaluate` decides, as a Report.

    `params`: bureau decisions set for this run (name or RULE:name -> value, typed like the pack's own; only
    parameters marked bureau_decision); `settings`: the same with where each came from (the CLI's --param).
    `spill`: True writes large tables to a private temporary folder and streams them (bounded memory), False keeps
    everything in memory (fastest), None decides by size (more than 1 GiB of evidence spills). The verdicts are
    the same either way; the folder is removed before this returns. `early`: the evidence files' hashing, if the
    caller started it before its own imports (`complycheck evaluate` does)."""
    rules, evidence = Path(rules), Path(evidence)
    all_settings = (settings or []) + settings_of(params, "api")
    if early is None:  # the files are hashed while the pack is parsed and the evidence read
        early = EarlyDigests(evidence)
    try:
        pack = load_pack(rules, settings=all_settings)
    except BaseException:
        if isinstance(early, EarlyDigests):
            early.cancel()
        raise
    return run_on(pack, evidence, as_of, waivers, progress, spill, spill_min_bytes, early=early)


def run_on(
    pack: RulePack,
    evidence: str | Path,
    as_of: date,
    waivers: str | Path | None = None,
    progress: Any = None,
    spill: bool | None = None,
    spill_min_bytes: int | None = None,
    *,
    early: dict[str, str] | EarlyDigests | None = None,
) -> Report:
    """`run` with the pack already loaded: the same report, byte for byte (`run_many` shares one pack this way).
    `early`: the evidence files' hashes, or their hashing under way (started here when not given)."""
    import contextlib
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    evidence = Path(evidence)
    waivers = Path(waivers) if waivers is not None else None
    if early is None:  # hashing releases the GIL: it overlaps with reading the evidence
        early = EarlyDigests(evidence)
    if spill is None:
        spill = evidence_bytes(evidence) > SPILL_AUTO_BYTES
    try:
        with tempfile.TemporaryDirectory(prefix="complycheck-") if spill else contextlib.nullcontext() as folder:
            inp = load_submission(pack, evidence, waivers, progress, Path(folder) if folder else None, spill_min_bytes)
            with ThreadPoolExecutor(max_workers=1) as pool:  # the rest (rule files, waivers) while rules are decided
                digests = pool.submit(input_digests, inp, waivers, early)
                report = evaluate(
                    inp.pack,
                    inp.evidence.tables,
                    as_of,
                    inp.waivers,
                    None,
                    inp.evidence.problems,
                    _holder(Path(folder)) if folder else None,
                    progress,
                )
                return replace(report, inputs=digests.result())
    finally:
        if isinstance(early, EarlyDigests):
            early.cancel()  # a no-op once done; on an error, no hashing goes on behind the message


HELD_ROWS_PER_FILE = 250_000


def _holder(folder: Path) -> Any:
    """For streamed evaluation: write a frame the engine will read several times to the spill folder, once.

    Written as files of at most HELD_ROWS_PER_FILE rows, read back in order: polars reads one large IPC file
    whole before streaming it (a 417 MB file of 10^7 rows took 615 MB to copy, its 39 parts 212 MB)."""
    import itertools

    import polars as pl

    counter = itertools.count()

    def hold(lf: Any) -> Any:
        parts = folder / f"held-{next(counter):05d}"
        try:
            lf.sink_ipc(
                pl.PartitionBy(str(parts) + "/", max_rows_per_file=HELD_ROWS_PER_FILE), compression="lz4", mkdir=True
            )
        except OSError:  # a full disk: say so, not "a bug"
            raise EvidenceError(
                f"无法写入临时文件（磁盘已满？）：{folder.parent}；可设置 TMPDIR 或改用 --no-spill",
                Location(str(folder)),
                f"cannot write temporary files (disk full?) in {folder.parent}: set TMPDIR or use --no-spill",
            ) from None
        files = sorted(parts.iterdir()) if parts.is_dir() else []  # named in the order written (zero-padded hex)
        return pl.scan_ipc(files) if files else pl.LazyFrame(schema=lf.collect_schema())

    return hold


def load(rules: str | Path, *, params: dict[str, Any] | None = None) -> RulePack:
    """A rule pack folder, validated and compiled (`params`: bureau decisions set instead of the pack's values)."""
    return load_pack(Path(rules), settings=settings_of(params, "api"))


def settings_of(params: dict[str, Any] | None, source: str) -> list[Setting]:
    """Bureau decisions given as a mapping."""
    return [Setting(str(k), v, source) for k, v in (params or {}).items()]


def read_settings(args: tuple[str, ...] | list[str], file: Path | None) -> list[Setting]:
    """Bureau decisions from the command line: `NAME=VALUE` (the value read as YAML: 0.95, 2022-10-31, [a, b], text)
    and a YAML file mapping names to values. A malformed one is an input error naming where it was written."""
    from complycheck.yamlsource import load_yaml_text

    out: list[Setting] = []
    if file is not None:
        doc = load_yaml_file(file, str(file))
        if not isinstance(doc.data, dict):
            raise RuleFileError(
                "参数文件必须是“名称: 值”的映射", doc.where(()), "a parameters file must map names to values"
            )
        out += [Setting(str(k), v, str(file), doc.where((k,))) for k, v in doc.data.items()]
    for arg in args:
        name, sep, text = arg.partition("=")
        where = Location("--param")
        if not sep or not name.strip():
            raise RuleFileError(f"--param 应写成 名称=值：{arg}", where, f"--param takes NAME=VALUE: {arg}")
        value = load_yaml_text(text, "--param").data if text.strip() else None
        if isinstance(value, dict):
            raise RuleFileError(f"--param 的值不能是映射：{arg}", where, f"--param value cannot be a mapping: {arg}")
        out.append(Setting(name.strip(), value, "--param", where))
    return out


def read_evidence(evidence: str | Path, pack: RulePack) -> Evidence:
    """A submission folder's tables, typed against the pack's datasets (only the columns its rules read)."""
    columns, id_columns = pack.columns_read()
    return load_evidence(Path(evidence), pack.datasets, columns=columns, id_columns=id_columns)


def decide(pack: RulePack, evidence: Evidence, as_of: date, *, waivers: list[Waiver] | None = None) -> Report:
    """Evaluate a loaded pack on loaded evidence (pure: no I/O)."""
    return evaluate(pack, evidence.tables, as_of, waivers, None, evidence.problems)


def render(report: Report, fmt: str = "text", lang: str = "zh") -> str:
    """A report as text, json, junit, html or markdown, in Chinese (zh) or English (en)."""
    from complycheck import reports

    return reports.render(report, fmt, lang)
