"""Renderers, chosen by name: each turns a Report into one document, `(report, lang) -> str`.

The table below is the one list of formats: the CLI's `--format` and `--report` choices are read from it.
Modules are imported when a format is first used, so `complycheck --help` stays fast."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from complycheck.results import Report

Renderer = Callable[[Report, str], str]


@dataclass(frozen=True)
class Format:
    name: str
    module: str  # complycheck.reports.<module>.render
    extension: str
    description: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("text", "text", ".txt", "终端文本 / plain text"),
        Format("json", "json_report", ".json", "机读 JSON（schemas/report.schema.json）/ machine-readable JSON"),
        Format("junit", "junit", ".xml", "JUnit XML，供 CI / JUnit XML for CI"),
        Format("sarif", "sarif", ".sarif", "SARIF 2.1.0，供代码扫描面板 / SARIF 2.1.0 for code-scanning dashboards"),
        Format("github", "github", ".txt", "GitHub Actions 注释（::error）/ GitHub workflow annotations"),
        Format("html", "html", ".html", "可打印、可签字的 HTML 报告 / printable HTML report"),
        Format("markdown", "markdown", ".md", "Markdown"),
        Format("rectification", "rectification", ".html", "整改通知书（可打印 HTML）/ rectification notice (HTML)"),
        Format("acceptance", "acceptance", ".html", "可签字的履约验收书（A4）/ the signable acceptance document"),
        Format("notice", "notice", ".html", "验收结果公告（格式九，无个人信息）/ the acceptance result notice"),
    )
}
EXTENSIONS = {name: f.extension for name, f in FORMATS.items()}


def get(name: str) -> Renderer:
    """The renderer for a format name."""
    module = importlib.import_module(f"complycheck.reports.{FORMATS[name].module}")
    fn: Renderer = module.render
    return fn


def render(report: Report, fmt: str = "text", lang: str = "zh") -> str:
    """A report as a document of that format."""
    return get(fmt)(report, lang)
