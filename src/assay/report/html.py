"""Render the score page and the periodic report with jinja2 (HTML autoescaped; Markdown via md_escape)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import assay
from assay.formats.markdown import md_escape
from assay.formats.numbers import percent_text, score_text
from assay.report.chart import trend
from assay.report.history import Report

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _env(html: bool) -> Any:
    import jinja2  # heavy: only when a page is rendered

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        # HTML escapes every value; the Markdown template escapes each value with the md filter instead.
        autoescape=html,  # noqa: S701
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["pct"] = percent_text  # the same cell text as the score's table and Markdown
    env.filters["score"] = score_text
    return env


def render_score_page(doc: Mapping[str, Any]) -> str:
    return str(
        _env(True)
        .get_template("score.html.j2")
        .render(
            doc=doc, version=assay.version(), generated=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        )
    )


def render_report(report: Report, fmt: str) -> str:
    html = fmt == "html"
    template = _env(html).get_template("report.html.j2" if html else "report.md.j2")
    return str(template.render(report=report, chart=trend(report.history), version=assay.version()))
