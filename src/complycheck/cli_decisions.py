"""`complycheck decisions`: the acceptance panel's decisions (click only; the work is in complycheck.decisions)."""

from __future__ import annotations

from pathlib import Path

import click

from complycheck.cli import EXIT_OK, guarded, parse_as_of


@click.group("decisions")
def decisions_group() -> None:
    """验收小组的人工决定 / the acceptance panel's decisions."""


@decisions_group.command("template")
@click.option("--rules", "rules_dir", default="rules", show_default=True, help="规则包目录 / rule pack folder")
@click.option("--evidence", "evidence_dir", default="evidence", show_default=True, help="证据目录 / evidence folder")
@click.option("--as-of", "as_of", default=None, help="评估日期 YYYY-MM-DD（默认今天）/ evaluation date")
@click.option("--param", "param_args", multiple=True, metavar="NAME=VALUE", help="民政局决定参数 / bureau decision")
@click.option("--params", "params_file", default=None, help="民政局决定参数文件 / a YAML file of bureau decisions")
@click.option("--waivers", default=None, help="豁免文件 / waiver file")
@click.option("--output", "-o", default="decisions", show_default=True, help="输出目录 / output folder")
@guarded
def decisions_template(
    rules_dir: str,
    evidence_dir: str,
    as_of: str | None,
    param_args: tuple[str, ...],
    params_file: str | None,
    waivers: str | None,
    output: str,
) -> int:
    """列出需人工决定的每一项，写出 decisions.xlsx 和 decisions.yaml / write the form of every item left to a person."""
    from complycheck import api
    from complycheck.decisions.template import template_for

    settings = api.read_settings(param_args, Path(params_file) if params_file else None)
    report = api.run(
        Path(rules_dir), Path(evidence_dir), parse_as_of(as_of), Path(waivers) if waivers else None, settings=settings
    )
    for p in template_for(report, Path(rules_dir), Path(evidence_dir), Path(output)):
        click.echo(str(p))
    return EXIT_OK
