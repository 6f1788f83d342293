"""Renderers: one function per format, `(report, lang) -> str`, chosen by name."""

from __future__ import annotations

from typing import Callable

from complycheck.model import Report

Renderer = Callable[[Report, str], str]


def _text(report: Report, lang: str) -> str:
    from complycheck.render.text import render
    return render(report, lang)


def _json(report: Report, lang: str) -> str:
    from complycheck.render.json_report import render
    return render(report, lang)


def _junit(report: Report, lang: str) -> str:
    from complycheck.render.junit import render
    return render(report, lang)


def _html(report: Report, lang: str) -> str:
    from complycheck.render.html import render
    return render(report, lang)


def _markdown(report: Report, lang: str) -> str:
    from complycheck.render.markdown import render
    return render(report, lang)


RENDERERS: dict[str, Renderer] = {"text": _text, "json": _json, "junit": _junit, "html": _html, "markdown": _markdown}
EXTENSIONS = {"text": ".txt", "json": ".json", "junit": ".xml", "html": ".html", "markdown": ".md"}


def get(name: str) -> Renderer:
    """The renderer for a format name."""
    return RENDERERS[name]
