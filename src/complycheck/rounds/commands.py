"""The command-line side of rounds of acceptance (#16): `diff`, `stages`, `archive`, `verify`. Click only, each a
thin function over complycheck.rounds; registered on the main group by complycheck.cli."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import click

from complycheck.cli import EXIT_NOT_ACCEPTED, EXIT_OK, guarded
from complycheck.console import write_atomic
from complycheck.errors import ComplycheckError, Location
from complycheck.reports.common import verdict_word
from complycheck.reports.text import clean


def to_day(value: str) -> date:
    from complycheck.values import to_date

    try:
        return to_date(value)
    except ValueError:
        raise ComplycheckError(f"日期无效：{value}", None, f"invalid date: {value}") from None


def writable(path: str) -> None:
    parent = Path(path).absolute().parent
    if not parent.is_dir() or Path(path).is_dir() or not os.access(parent, os.W_OK):
        raise ComplycheckError(
            "无法写入文件（目录不存在或不可写）",
            Location(path),
            "cannot write the file (folder missing or not writable)",
        )


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "html", "markdown"]), default="text", show_default=True
)
@click.option("--output", "-o", default=None, help="写入文件 / write to a file")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@guarded
def diff_cmd(old: str, new: str, fmt: str, output: str | None, lang: str) -> int:
    """对比两轮验收的 JSON 报告；有退步或已验收证据被改写时退出码 1 / compare two rounds' JSON reports."""
    from complycheck.rounds import diff
    from complycheck.rounds.reportfile import read_report

    d = diff.compare(read_report(old), read_report(new), old, new)
    text = diff.render(d, fmt, lang)
    if output:
        writable(output)
        write_atomic(Path(output), text)
    else:
        click.echo(text, nl=False)
    return diff.exit_code(d)


@click.command("stages")
@click.argument("stages", nargs=-1, required=True, metavar="START..END=REPORT.json...")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@guarded
def stages_cmd(stages: tuple[str, ...], fmt: str, lang: str) -> int:
    """列出分阶段验收的阶段报告（期间、结论、SHA-256）；全部通过时退出码 0 / list stage reports by period and hash."""
    from complycheck.rounds import stages as st

    listed = st.check_stages([st.read_stage(s) for s in stages])
    click.echo(st.render(listed, fmt, lang), nl=False)
    return EXIT_OK if all(s.verdict == "accepted" for s in listed) else EXIT_NOT_ACCEPTED


@click.command("archive")
@click.option("--output", "-o", required=True, help="归档文件（.zip）/ the archive file to write")
@click.option("--rules", "rules_dir", default="rules", show_default=True, help="规则包目录 / rule pack folder")
@click.option("--evidence", "evidence_dir", default="evidence", show_default=True, help="证据目录 / evidence folder")
@click.option("--as-of", "as_of", required=True, help="评估日期 YYYY-MM-DD / evaluation date")
@click.option("--accepted-on", default=None, help="验收日期（默认评估日期）/ acceptance date (default: --as-of)")
@click.option("--waivers", default=None, help="豁免文件 / waiver file")
@click.option("--params", "params_file", default=None, help="民政局决定参数文件 / a YAML file of bureau decisions")
@click.option("--param", "param_args", multiple=True, metavar="NAME=VALUE", help="民政局决定参数 / a bureau decision")
@click.option("--decisions", "decisions_file", default=None, help="验收小组决定（XLSX 或 YAML）/ the panel's decisions")
@click.option(
    "--stage", "stage_args", multiple=True, metavar="START..END=REPORT.json", help="阶段报告（可重复）/ a stage report"
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@guarded
def archive_cmd(
    output: str,
    rules_dir: str,
    evidence_dir: str,
    as_of: str,
    accepted_on: str | None,
    waivers: str | None,
    params_file: str | None,
    param_args: tuple[str, ...],
    decisions_file: str | None,
    stage_args: tuple[str, ...],
    lang: str,
) -> int:
    """归档规则包、证据、豁免、决定和报告（含 SHA-256 清单，保存 15 年）/ seal an acceptance into a zip archive."""
    from complycheck.rounds import archive

    writable(output)
    digest, manifest = archive.create(
        Path(rules_dir),
        Path(evidence_dir),
        to_day(as_of),
        Path(output),
        waivers=Path(waivers) if waivers else None,
        params_file=Path(params_file) if params_file else None,
        panel_decisions=Path(decisions_file) if decisions_file else None,
        param=param_args,
        stages=list(stage_args),
        accepted_on=to_day(accepted_on) if accepted_on else None,
    )
    zh = lang == "zh"
    click.echo(f"{'归档' if zh else 'archive'}: {output}")
    click.echo(f"SHA-256: {digest}")
    click.echo(f"{'文件数' if zh else 'files'}: {len(manifest['files'])}")
    click.echo(f"{'结论' if zh else 'verdict'}: {verdict_word(manifest['verdict'], lang)}")
    click.echo(f"{'保存至' if zh else 'keep until'}: {manifest['keep_until']}")
    return EXIT_OK


@click.command("verify")
@click.argument("archive_file")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@guarded
def verify_cmd(archive_file: str, lang: str) -> int:
    """校验归档：哈希、版本，重新评估后报告须逐字节一致；任何不符均失败 / verify an archive, failing closed."""
    from complycheck.rounds import archive

    zh = lang == "zh"
    try:
        done = archive.verify(Path(archive_file))
    except archive.VerifyFailed as e:
        click.echo(("验证失败：" if zh else "verification FAILED: ") + clean(e.render(lang)), err=True)
        try:
            click.echo(f"SHA-256: {archive.sha256_file(Path(archive_file))}", err=True)
        except OSError:
            pass
        return EXIT_NOT_ACCEPTED
    m = done.manifest
    click.echo(f"SHA-256: {done.sha256}")
    click.echo(
        f"{'验证通过' if zh else 'verified'}: {len(m['files'])} "
        + ("个文件哈希一致；" if zh else "files match their SHA-256; ")
        + ("重新评估后报告逐字节一致：" if zh else "re-evaluated, reports byte-identical: ")
        + ", ".join(done.reports)
    )
    click.echo(
        f"complycheck {m['tool']['version']} · {m['project_no']} · {'评估日期' if zh else 'as of'} {m['as_of']} · "
        f"{'结论' if zh else 'verdict'} {verdict_word(m['verdict'], lang)} · {'保存至' if zh else 'keep until'} "
        f"{m['keep_until']}"
    )
    for s in m.get("stages") or []:
        click.echo(f"{'阶段' if zh else 'stage'} {s['period']}: {verdict_word(s['verdict'], lang)} {s['sha256']}")
    return EXIT_OK


COMMANDS: list[click.Command] = [diff_cmd, stages_cmd, archive_cmd, verify_cmd]
