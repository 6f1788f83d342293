"""`complycheck batch`: many submissions in one process (click only; the work is in complycheck.batch)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import click

from complycheck.cli import guarded, parse_as_of
from complycheck.reports import FORMATS

SUMMARY = "summary"  # summary.txt and summary.json in the output folder
SHARED_HTML = ("rectification", "acceptance", "notice")  # .html like the HTML report: named NAME.FORMAT.html


def report_name(submission: str, fmt: str) -> str:
    """A submission's report file: NAME.json, NAME.html, ...; NAME.rectification.html for the documents that share
    the HTML report's extension."""
    from complycheck.reports import EXTENSIONS

    return f"{submission}.{fmt}{EXTENSIONS[fmt]}" if fmt in SHARED_HTML else f"{submission}{EXTENSIONS[fmt]}"


@click.command("batch")
@click.option("--rules", "rules_dir", default="rules", show_default=True, help="规则包目录 / rule pack folder")
@click.option(
    "--submissions",
    "submissions_dir",
    required=True,
    help="提交目录：每个子目录是一份提交（含 manifest.yaml）/ a folder of submission folders (each with a manifest)",
)
@click.option("--output-dir", "-o", "output_dir", required=True, help="报告和汇总写入的目录 / folder for the reports")
@click.option("--as-of", "as_of", default=None, help="评估日期 YYYY-MM-DD（默认今天）/ evaluation date (default today)")
@click.option(
    "--format",
    "fmts",
    type=click.Choice(list(FORMATS)),
    multiple=True,
    help="报告格式，可重复（默认 text）/ report format, repeatable (default text)",
)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="报告语言 / report language"
)
@click.option("--waivers", default=None, help="豁免文件（所有提交共用）/ waiver file (shared by all)")
@click.option("--param", "param_args", multiple=True, metavar="NAME=VALUE", help="民政局决定参数 / bureau decision")
@click.option("--params", "params_file", default=None, help="民政局决定参数文件 / a YAML file of bureau decisions")
@click.option("--spill/--no-spill", default=None, help="同 evaluate / as for evaluate")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="同时评估的提交数（默认 2；需落盘时 1）/ submissions evaluated at a time (default 2; 1 when spilling)",
)
@click.option("--reply-days", type=click.IntRange(1, 3650), default=None, help="整改通知书回复期限 / notice: days")
@click.option("--quiet", "-q", is_flag=True, help="不显示进度 / no progress on stderr")
@guarded
def batch_cmd(
    rules_dir: str,
    submissions_dir: str,
    output_dir: str,
    as_of: str | None,
    fmts: tuple[str, ...],
    lang: str,
    waivers: str | None,
    param_args: tuple[str, ...],
    params_file: str | None,
    spill: bool | None,
    jobs: int | None,
    reply_days: int | None,
    quiet: bool,
) -> int:
    """评估目录中的每份提交：每份一套报告，外加汇总 / evaluate every submission in a folder: reports and a summary."""
    import functools
    import json

    from complycheck import api, batch
    from complycheck.console import check_writable, write_atomic
    from complycheck.errors import ComplycheckError, Location

    formats = list(dict.fromkeys(fmts or ("text",)))
    settings = api.read_settings(param_args, Path(params_file) if params_file else None)
    day = parse_as_of(as_of)
    out = Path(output_dir)
    folders = batch.submissions_in(Path(submissions_dir), exclude=[out])
    names = [report_name(f.name, fmt) for f in folders for fmt in formats]
    clash = sorted({n for n in names if names.count(n) > 1} | {n for n in names if n.startswith(SUMMARY + ".")})
    if clash:
        raise ComplycheckError(
            f"报告文件名冲突：{', '.join(clash)}", Location(submissions_dir), f"report names clash: {', '.join(clash)}"
        )
    out.mkdir(parents=True, exist_ok=True)
    check_writable([str(out / n) for n in names] + [str(out / f"{SUMMARY}.json")])
    written: dict[str, dict[str, str]] = {}
    lock = threading.Lock()
    show = not quiet and sys.stderr.isatty()

    def each(o: batch.Outcome) -> None:
        """Render and write one submission's reports as soon as it is decided (in the worker thread)."""
        files = {fmt: out / report_name(o.name, fmt) for fmt in formats}
        if o.report is None:
            for path in files.values():  # an earlier run's report of a now broken submission must not mislead
                path.unlink(missing_ok=True)
        else:
            for fmt, path in files.items():
                write_atomic(path, o.texts[fmt])
        with lock:
            written[o.name] = {fmt: str(p) for fmt, p in files.items()} if o.report is not None else {}
            if show:
                click.echo(f"{len(written)}/{len(folders)} {o.name}: {o.code}", err=True)

    outcomes = batch.run_many(
        Path(rules_dir),
        folders,
        day,
        Path(waivers) if waivers else None,
        settings=settings,
        spill=spill,
        jobs=jobs,
        render=functools.partial(batch.rendered, formats=formats, lang=lang, reply_days=reply_days),
        each=each,
    )
    table = batch.summary_text(outcomes, lang)
    doc = batch.summary(outcomes, day, lang, written)
    write_atomic(out / f"{SUMMARY}.json", json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    write_atomic(out / f"{SUMMARY}.txt", table)
    click.echo(table, nl=False)
    return batch.worst(outcomes)
