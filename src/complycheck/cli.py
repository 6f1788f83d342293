"""The command line: the only place that prints, writes report files or chooses the exit code.

Exit codes: 0 every line item accepted; 1 at least one not accepted (or awaiting review);
2 invalid input or usage; 3 internal error (a bug); 130 interrupted (Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from complycheck import __version__
from complycheck.console import Progress, check_writable, write_atomic
from complycheck.reports import FORMATS as RENDER_FORMATS

EXIT_OK, EXIT_NOT_ACCEPTED, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 3
FORMATS = list(RENDER_FORMATS)


def _lang_of(ctx: click.Context | None) -> str:
    while ctx is not None:
        if ctx.params.get("lang"):
            return str(ctx.params["lang"])
        ctx = ctx.parent
    return os.environ.get("COMPLYCHECK_LANG", "zh")


def guarded(fn: Callable[..., int]) -> Callable[..., None]:
    """One error boundary: input errors exit 2 with one line each, bugs exit 3, never a traceback."""

    def wrapper(*args: Any, **kwargs: Any) -> None:
        from complycheck.errors import ComplycheckError

        lang = kwargs.get("lang") or _lang_of(click.get_current_context(silent=True))
        try:
            code = fn(*args, **kwargs)
        except ComplycheckError as e:
            click.echo(_clean(e.render(lang)), err=True)
            code = EXIT_INPUT
        except KeyboardInterrupt:
            code = 130
        except BrokenPipeError:  # `complycheck ... | head`: the reader left; not an error of ours
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            code = EXIT_OK
        except MemoryError:
            click.echo("内存不足 / out of memory", err=True)
            code = EXIT_INPUT
        except BaseException as e:  # a bug: one line, and a request to report it (a panic in polars too)
            if not isinstance(e, Exception) and type(e).__name__ != "PanicException":
                raise  # SystemExit and the like
            from complycheck.masking import mask_text

            msg = mask_text(f"{type(e).__name__}: {e}")[:300]
            if lang == "zh":
                click.echo(f"内部错误（程序缺陷）：{msg}。请把命令和这一行报告给 complycheck 维护者。", err=True)
            else:
                click.echo(
                    f"internal error (a bug): {msg}. Please report the command and this line to the complycheck "
                    "maintainers.",
                    err=True,
                )
            if os.environ.get("COMPLYCHECK_DEBUG"):
                raise
            code = EXIT_BUG
        sys.exit(code)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _clean(s: str) -> str:
    from complycheck.reports.text import clean

    return "\n".join(clean(line) for line in s.split("\n"))


def parse_as_of(value: str | None) -> date:
    """--as-of as a date (today by default); an invalid one is an input error."""
    from complycheck.errors import ComplycheckError
    from complycheck.values import to_date

    if value is None:
        return date.today()
    try:
        return to_date(value)
    except ValueError:
        raise ComplycheckError(f"--as-of 日期无效：{value}", None, f"invalid --as-of date: {value}") from None


def _report_targets(fmt: str, output: str | None, reports: tuple[str, ...]) -> list[tuple[str, str | None]]:
    from complycheck.errors import ComplycheckError

    targets: list[tuple[str, str | None]] = [(fmt, output)]
    for spec in reports:
        name, sep, path = spec.partition("=")
        if not sep or name not in FORMATS or not path:
            raise ComplycheckError(
                f"--report 应写成 格式=文件，例如 json=report.json（格式：{', '.join(FORMATS)}）",
                None,
                f"--report takes FORMAT=FILE, e.g. json=report.json (formats: {', '.join(FORMATS)})",
            )
        targets.append((name, path))
    return targets


def entry() -> None:
    """The console script: run a command, then leave at once. Tearing down the heap (a million-row table is
    hundreds of MB of small objects) takes longer than the kernel freeing the process; every file has been
    written and closed by then, and the output streams are flushed here.

    polars' allocator (jemalloc) keeps freed pages for 10 s by default, which holds the text of every batch read
    long after it is typed: a 250 ms decay returns them as loading goes on (peak 1.05 GB -> 0.8 GB at 10^6 rows, no
    measurable cost). It must be set before polars loads; a value the user sets wins."""
    os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:250,muzzy_decay_ms:0")
    from complycheck.console import tolerant_streams

    tolerant_streams()
    import signal

    def stop(signum: int, frame: Any) -> None:  # `kill`, a CI timeout: unwind like Ctrl-C, removing temporary files,
        for sig in (signal.SIGTERM, signal.SIGINT):  # and let no second signal interrupt that clean-up
            signal.signal(sig, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        main()
        code = 0
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            code = e.code or 0
        else:
            print(e.code, file=sys.stderr)
            code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass
    os._exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="complycheck")
def main() -> None:
    """complycheck：按规则和证据判断服务合同是否履约 / decide whether a service contract was fulfilled."""


@main.command()
@click.option("--rules", "rules_dir", default="rules", show_default=True, help="规则包目录 / rule pack folder")
@click.option(
    "--evidence",
    "evidence_dir",
    default="evidence",
    show_default=True,
    help="证据目录（含 manifest.yaml）/ evidence folder",
)
@click.option("--as-of", "as_of", default=None, help="评估日期 YYYY-MM-DD（默认今天）/ evaluation date (default today)")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="报告格式 / report format"
)
@click.option("--output", "-o", default=None, help="报告写入文件（默认输出到屏幕）/ write the report to a file")
@click.option(
    "--report",
    "reports",
    multiple=True,
    metavar="FORMAT=FILE",
    help="另写一种格式，可重复 / also write FORMAT to FILE (repeatable)",
)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="报告语言 / report language"
)
@click.option("--waivers", default=None, help="豁免文件 / waiver file")
@click.option("--quiet", "-q", is_flag=True, help="不显示进度 / no progress on stderr")
@click.option(
    "--spill/--no-spill",
    default=None,
    help="大表写入临时目录并流式计算（内存有界）；默认证据超过 1 GiB 时自动启用 / "
    "write large tables to a temporary folder and stream them (bounded memory); by default when the evidence exceeds "
    "1 GiB",
)
@click.option(
    "--param",
    "param_args",
    multiple=True,
    metavar="NAME=VALUE",
    help="本次运行设定一项民政局决定参数（可重复；RULE:NAME 只改一条规则的）/ set a bureau-decision parameter for this "
    "run (repeatable; RULE:NAME for one rule's own)",
)
@click.option(
    "--params", "params_file", default=None, help="民政局决定参数文件（YAML 映射）/ a YAML file of bureau decisions"
)
@click.option(
    "--reply-days",
    type=click.IntRange(1, 3650),
    default=None,
    help="整改通知书的回复期限（自评估日起的天数，默认 15）/ rectification notice: days to reply (default 15)",
)
@click.option(
    "--decisions",
    "decisions_file",
    default=None,
    help="验收小组决定（XLSX 或 YAML，见 decisions template）/ the panel's decisions (XLSX or YAML)",
)
@guarded
def evaluate(
    rules_dir: str,
    evidence_dir: str,
    as_of: str | None,
    fmt: str,
    output: str | None,
    reports: tuple[str, ...],
    lang: str,
    waivers: str | None,
    quiet: bool,
    spill: bool | None,
    param_args: tuple[str, ...],
    params_file: str | None,
    reply_days: int | None,
    decisions_file: str | None = None,
) -> int:
    """评估证据，给出每个品目的验收结论 / evaluate the evidence and give a verdict per line item."""
    from complycheck.prehash import EarlyDigests

    early = EarlyDigests(Path(evidence_dir))  # the second core hashes the evidence while the first imports polars
    try:
        from complycheck import api
        from complycheck.reports import get as renderer

        settings = api.read_settings(param_args, Path(params_file) if params_file else None)
        targets = _report_targets(fmt, output, reports)
        day = parse_as_of(as_of)
        progress = Progress(lang, enabled=not quiet and sys.stderr.isatty())
        try:
            report = api.run(
                Path(rules_dir),
                Path(evidence_dir),
                day,
                Path(waivers) if waivers else None,
                progress,
                spill,
                settings=settings,
                early=early,
            )
        finally:
            progress.done()
    finally:
        early.cancel()
    if decisions_file:
        from complycheck.decisions.forms import with_decisions

        report = with_decisions(report, Path(rules_dir), Path(evidence_dir), Path(decisions_file))
    rendered = [
        (_rectification(report, lang, reply_days) if name == "rectification" else renderer(name)(report, lang), path)
        for name, path in targets
    ]
    check_writable([p for _, p in rendered if p])
    for text, path in rendered:
        if path:
            write_atomic(Path(path), text)
    for text, path in rendered:
        if not path:
            click.echo(text, nl=False)
    final = report.acceptance.verdict if report.acceptance else report.verdict
    return EXIT_OK if final == "accepted" else EXIT_NOT_ACCEPTED


@main.command("explain")
@click.argument("rule_id")
@click.option("--rules", "rules_dir", default="rules", show_default=True, help="规则包目录 / rule pack folder")
@click.option(
    "--evidence", "evidence_dir", default=None, help="按此证据计算中间数字 / show the figures on this evidence"
)
@click.option("--as-of", "as_of", default=None, help="评估日期 / evaluation date")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@guarded
def explain_cmd(rule_id: str, rules_dir: str, evidence_dir: str | None, as_of: str | None, lang: str) -> int:
    """解释一条规则：条款原文、逻辑、参数，以及按证据算出的中间数字 / explain a rule."""
    from complycheck.engine import evaluate
    from complycheck.evidence import load_evidence
    from complycheck.explain import explain
    from complycheck.pack import load_pack

    pack = load_pack(Path(rules_dir))
    result = None
    if evidence_dir:
        explain(pack, rule_id, lang)  # unknown rule ids fail before any evidence is read
        sub = pack.with_dependencies(rule_id)
        ev = load_evidence(Path(evidence_dir), pack.datasets, {d for r in sub.rules for d in r.reads})
        report = evaluate(sub, ev.tables, parse_as_of(as_of))
        result = report.result(rule_id)
    click.echo(_clean(explain(pack, rule_id, lang, result)), nl=False)
    return EXIT_OK


@main.command("template")
@click.option("--rules", "rules_dir", default="rules", show_default=True, help="规则包目录 / rule pack folder")
@click.option("--output", "-o", default="templates", show_default=True, help="输出目录 / output folder")
@click.option("--csv", "as_csv", is_flag=True, help="生成 CSV 而不是 XLSX / write CSV instead of XLSX")
@guarded
def template_cmd(rules_dir: str, output: str, as_csv: bool) -> int:
    """为每个数据集生成空白证据模板 / write a blank evidence template for every dataset."""
    from complycheck.pack import load_pack
    from complycheck.template import write_templates

    pack = load_pack(Path(rules_dir))
    for p in write_templates(pack, Path(output), "csv" if as_csv else "xlsx"):
        click.echo(str(p))
    return EXIT_OK


@main.command("init")
@click.argument("directory")
@guarded
def init_cmd(directory: str) -> int:
    """新建一个规则包骨架 / scaffold a new contract's rule pack."""
    from complycheck.scaffold import init_pack

    for p in init_pack(Path(directory)):
        click.echo(str(p))
    return EXIT_OK


def _rectification(report: Any, lang: str, reply_days: int | None) -> str:
    from complycheck.reports.rectification import notice

    return notice(report, lang, reply_days)


from complycheck.rounds.commands import COMMANDS  # noqa: E402  (diff, stages, archive, verify: #16)

for _command in COMMANDS:
    main.add_command(_command)
from complycheck.cli_decisions import decisions_group  # noqa: E402  (the `decisions` commands; they import guarded)

main.add_command(decisions_group)
from complycheck.cli_ci import test_cmd, validate  # noqa: E402  (`test` and `validate`, for a rules repository's CI)

main.add_command(test_cmd)
main.add_command(validate)

from complycheck.cli_batch import batch_cmd  # noqa: E402  (`batch`: many submissions in one process, #17.4)

main.add_command(batch_cmd)
