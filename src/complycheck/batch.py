"""Many submissions in one process (#17.4): the pack compiled once, each submission evaluated exactly as
`complycheck evaluate` evaluates it (the same `api.run_on`, so each report is the same byte for byte), two at a
time in worker processes, and a summary of them all. A broken submission is its own input error; the others go on.

    from complycheck import run_many
    for o in run_many("rules", "submissions", date(2022, 12, 15)):
        print(o.name, o.code, o.report.verdict if o.report else o.error)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from complycheck.errors import ComplycheckError, Location
from complycheck.model import Setting
from complycheck.results import Report

EXIT_OK, EXIT_NOT_ACCEPTED, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 3
FAILING = ("fail", "error", "missing_evidence")  # the statuses a summary lists as failing rules


@dataclass(frozen=True)
class Outcome:
    """One submission's result: its report, or the input error (exit 2) or bug (exit 3) that stopped it."""

    name: str
    evidence: Path
    report: Report | None = None
    error: ComplycheckError | None = None
    bug: str | None = None
    texts: dict[str, str] = field(default_factory=dict)  # the report rendered in the worker, by format

    @property
    def code(self) -> int:
        """The exit code `complycheck evaluate` would give this submission alone."""
        if self.bug is not None:
            return EXIT_BUG
        if self.error is not None or self.report is None:
            return EXIT_INPUT
        final = self.report.acceptance.verdict if self.report.acceptance else self.report.verdict
        return EXIT_OK if final == "accepted" else EXIT_NOT_ACCEPTED

    def failing(self) -> list[str]:
        """The rules that failed, erred or lacked evidence, in report order."""
        return [r.rule for r in self.report.results() if r.status in FAILING] if self.report else []


def submissions_in(folder: Path, exclude: Iterable[Path] = ()) -> list[Path]:
    """Every subfolder of `folder` (not hidden, not one of `exclude`), sorted by name: one submission each."""
    if not folder.is_dir():
        raise ComplycheckError(
            f"提交目录不存在：{folder}", Location(str(folder)), f"submissions folder does not exist: {folder}"
        )
    skip = {p.resolve() for p in exclude}
    found = sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and p.resolve() not in skip),
        key=lambda p: p.name,
    )
    if not found:
        raise ComplycheckError(
            f"提交目录中没有子目录（每份提交一个）：{folder}",
            Location(str(folder)),
            f"no submission folders (one per submission) in {folder}",
        )
    return found


class SubmissionError(ComplycheckError):
    """A submission's input error as rendered in the worker (both languages): it crosses to the parent process."""

    def __init__(self, message: str, message_en: str):
        super().__init__(message, None, message_en)
        self.args = (message, message_en)


Render = Callable[[Report], dict[str, str]]
_PACK: Any = None  # a worker process's compiled pack


def run_many(
    rules: str | Path,
    submissions: str | Path | Iterable[str | Path],
    as_of: date,
    waivers: str | Path | None = None,
    *,
    params: dict[str, Any] | None = None,
    settings: list[Setting] | None = None,
    spill: bool | None = None,
    jobs: int | None = None,
    render: Render | None = None,
    each: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Evaluate many submissions against one pack: a folder of submission folders, or a list of them.

    `jobs` submissions are evaluated at a time (default 2, or 1 when one of them will spill: two at a time would
    double the bounded memory), each in a worker process that compiles the pack once (threads reach ~1.4-1.6 of two
    cores, the cells being typed in Python; bench/README.md); with one job, in this process. Returns one Outcome per
    submission, in order. `render(report)` (a picklable function) -> {format: text} runs in the worker, its result in
    `Outcome.texts`; `each(outcome)` is called here as each submission is decided, so reports can be written while the
    others are evaluated. A broken pack or waiver file raises ComplycheckError before any submission is read; a broken
    submission is its Outcome's error."""
    from complycheck import api
    from complycheck.pack import load_pack

    if isinstance(submissions, str | Path):
        folders = submissions_in(Path(submissions))
    else:
        folders = [Path(s) for s in submissions]
    waivers = Path(waivers) if waivers is not None else None
    all_settings = (settings or []) + api.settings_of(params, "api")
    pack = load_pack(Path(rules), settings=all_settings)  # a broken pack: one input error, before anything else
    if waivers is not None:
        api.load_waivers(waivers)  # a malformed waiver file is everyone's input error: say it once
    if jobs is None:
        spills = spill is True or (
            spill is None and any(api.evidence_bytes(f) > api.SPILL_AUTO_BYTES for f in folders if f.is_dir())
        )
        jobs = 1 if spills else 2
    args = (as_of, waivers, spill, render)
    if jobs <= 1 or len(folders) == 1:
        global _PACK
        _PACK = pack
        try:
            return [_told(_one(f, *args), each) for f in folders]
        finally:
            _PACK = None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(
        min(jobs, len(folders)),
        mp_context=multiprocessing.get_context("spawn"),  # never fork a process polars' threads run in
        initializer=_start,
        initargs=(Path(rules), all_settings),
    )
    try:
        futures = [pool.submit(_one, f, *args) for f in folders]
        for fut in futures:
            _told(fut.result(), each)
        return [fut.result() for fut in futures]
    finally:  # Ctrl-C, SIGTERM: start no other submission; the ones running finish and remove their spill folders
        pool.shutdown(wait=True, cancel_futures=True)


def _start(rules: Path, settings: list[Setting]) -> None:
    """A worker process: compile the pack, once."""
    from complycheck.pack import load_pack

    global _PACK
    _PACK = load_pack(rules, settings=settings)


def _told(outcome: Outcome, each: Callable[[Outcome], None] | None) -> Outcome:
    if each is not None:
        each(outcome)
    return outcome


def _one(folder: Path, as_of: date, waivers: Path | None, spill: bool | None, render: Render | None) -> Outcome:
    """One submission, as `complycheck evaluate` would evaluate it (`api.run_on`): its report or its error."""
    from complycheck import api

    try:
        report = api.run_on(_PACK, folder, as_of, waivers, spill=spill)
        return Outcome(folder.name, folder, report=report, texts=render(report) if render else {})
    except ComplycheckError as e:
        return Outcome(folder.name, folder, error=SubmissionError(e.render("zh"), e.render("en")))
    except MemoryError:
        return Outcome(folder.name, folder, error=SubmissionError(f"{folder}: 内存不足", f"{folder}: out of memory"))
    except Exception as e:  # a bug on one submission: say so for that one, and go on with the others
        from complycheck.masking import mask_text

        return Outcome(folder.name, folder, bug=mask_text(f"{type(e).__name__}: {e}")[:300])


def rendered(report: Report, formats: list[str], lang: str, reply_days: int | None = None) -> dict[str, str]:
    """The report in each format, as `complycheck evaluate --format FMT` renders it (`render` for run_many)."""
    from complycheck.reports import get

    out = {}
    for fmt in formats:
        if fmt == "rectification":
            from complycheck.reports.rectification import notice

            out[fmt] = notice(report, lang, reply_days)
        else:
            out[fmt] = get(fmt)(report, lang)
    return out


def worst(outcomes: list[Outcome]) -> int:
    """The batch's exit code: the worst of its submissions' (0 < 1 < 2 < 3)."""
    return max((o.code for o in outcomes), default=EXIT_OK)


def summary(outcomes: list[Outcome], as_of: date, lang: str, reports: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The summary as JSON: per submission its verdicts, failing rules, exit code, report files or error."""
    subs = []
    for o in outcomes:
        entry: dict[str, Any] = {"submission": o.name, "evidence": str(o.evidence), "exit_code": o.code}
        if o.report is not None:
            r = o.report
            entry["verdict"] = r.acceptance.verdict if r.acceptance else r.verdict
            entry["line_items"] = {li.id: li.verdict for li in r.line_items}
            entry["failing_rules"] = o.failing()
            entry["reports"] = reports.get(o.name, {})
        else:
            entry["error"] = o.error.render(lang) if o.error is not None else o.bug
        subs.append(entry)
    return {"as_of": as_of.isoformat(), "exit_code": worst(outcomes), "submissions": subs}


def summary_text(outcomes: list[Outcome], lang: str) -> str:
    """The summary as a text table: one line per submission, then the batch's exit code."""
    from complycheck.i18n import VERDICT, t
    from complycheck.reports.text import clean

    zh = lang == "zh"
    items: list[str] = []
    for o in outcomes:
        for li in o.report.line_items if o.report else []:
            if li.id not in items:
                items.append(li.id)
    head = ["提交" if zh else "submission", *items, "结论" if zh else "verdict", "退出码" if zh else "exit"]
    head.append("不通过的规则" if zh else "failing rules")
    rows = []
    for o in outcomes:
        if o.report is not None:
            by = {li.id: t(VERDICT, li.verdict, lang) for li in o.report.line_items}
            final = o.report.acceptance.verdict if o.report.acceptance else o.report.verdict
            last = ", ".join(o.failing()) or "-"
            rows.append([o.name, *(by.get(i, "-") for i in items), t(VERDICT, final, lang), str(o.code), last])
        else:
            what = o.error.render(lang).split("\n")[0] if o.error is not None else str(o.bug)
            word = ("输入错误" if zh else "input error") if o.error is not None else ("内部错误" if zh else "bug")
            rows.append([o.name, *("-" for _ in items), word, str(o.code), what])
    rows = [[clean(c) for c in row] for row in rows]
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]
    lines = ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1] for r in [head, *rows]]
    n = len(outcomes)
    tail = f"{n} 份提交，退出码 {worst(outcomes)}" if zh else f"{n} submissions, exit code {worst(outcomes)}"
    return "\n".join(line.rstrip() for line in lines) + "\n" + tail + "\n"


def _width(s: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))
