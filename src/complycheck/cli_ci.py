"""`complycheck test` and `complycheck validate`: what a rules repository's CI runs (click only; the work is in
complycheck.ruletests and complycheck.validation)."""

from __future__ import annotations

from pathlib import Path

import click

from complycheck.cli import EXIT_INPUT, EXIT_NOT_ACCEPTED, EXIT_OK, guarded


def _clean(s: str) -> str:
    from complycheck.reports.text import clean

    return "\n".join(clean(line) for line in s.split("\n"))


@click.command("test")
@click.option("--rules", "rules_dir", default="rules", show_default=True, help="规则包目录 / rule pack folder")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "junit", "json"]),
    default="text",
    show_default=True,
    help="输出格式 / output format",
)
@click.option("--output", "-o", default=None, help="写入文件（默认输出到屏幕）/ write to a file")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@guarded
def test_cmd(rules_dir: str, fmt: str, output: str | None, lang: str) -> int:
    """运行规则包 tests/ 中的规则测试 / run the rule tests in the pack's tests/ folder."""
    from complycheck.console import check_writable, write_atomic
    from complycheck.pack import load_pack
    from complycheck.ruletests import TESTS_DIR, run_all
    from complycheck.ruletests_report import render_run

    pack = load_pack(Path(rules_dir))
    run = run_all(pack, Path(rules_dir) / TESTS_DIR)
    text = render_run(run, fmt, lang)
    if output:
        check_writable([output])
        write_atomic(Path(output), text)
        if fmt != "text":  # the summary still reaches the log
            click.echo(f"{len(run.outcomes) - len(run.failed)} passed, {len(run.failed)} failed")
    else:
        click.echo(text, nl=False)
    return EXIT_OK if not run.failed else EXIT_NOT_ACCEPTED


@click.command()
@click.option("--rules", "rules_dir", default="rules", show_default=True, help="规则包目录 / rule pack folder")
@click.option("--evidence", "evidence_dir", default=None, help="同时检查证据目录 / also check this evidence folder")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@guarded
def validate(rules_dir: str, evidence_dir: str | None, lang: str) -> int:
    """检查规则包、规则测试（和证据）而不评估 / check a rule pack, its tests (and a submission) without evaluating."""
    from complycheck.validation import validate_all

    problems = validate_all(Path(rules_dir), Path(evidence_dir) if evidence_dir else None)
    errors = [p for p in problems if p.level == "error"]
    zh = lang == "zh"
    n_warn = len(problems) - len(errors)
    for p in problems:
        prefix = "" if p.level == "error" else ("警告：" if zh else "warning: ")
        click.echo(_clean(f"{p.where}: {prefix}{p.message if zh else p.message_en}"), err=p.level == "error")
    if zh:
        click.echo(
            f"{len(errors)} 个错误，{len(problems) - len(errors)} 个警告"
            if problems
            else "规则包检查通过" + ("，证据可读取" if evidence_dir else "")
        )
    else:
        click.echo(
            f"{len(errors)} error{'' if len(errors) == 1 else 's'}, {n_warn} warning{'' if n_warn == 1 else 's'}"
            if problems
            else "the pack is valid" + (" and the evidence loads" if evidence_dir else "")
        )
    if not evidence_dir:
        click.echo(
            "未检查证据（未指定 --evidence）" if zh else "evidence not checked (no --evidence given)",
        )
    return EXIT_INPUT if errors else EXIT_OK
