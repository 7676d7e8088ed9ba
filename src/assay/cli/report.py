"""`assay report`: the periodic maturity report from stored scores (Markdown or self-contained HTML)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from assay.cli.context import AppContext, pass_app
from assay.errors import InputError

log = logging.getLogger("assay")


@click.command()
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["markdown", "html"]),
    help="Default: html when --output ends in .html, else markdown.",
)
@click.option(
    "--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write here (atomically)."
)
@click.option("--since", "since_days", type=click.FloatRange(min=0, min_open=True), default=90.0,
              show_default=True, help="Days of history in the trend.")  # fmt: skip
@click.option(
    "--no-remember", is_flag=True, help="A preview: the next report still compares with the last one."
)
@pass_app
def report(
    app: AppContext, fmt: str | None, output: Path | None, since_days: float, no_remember: bool
) -> None:
    """Render the maturity report: score over time, what changed since the previous report, next actions.

    Reads the scores `assay score` stored; it never re-scores. Each report is remembered so the
    next one says what changed since it (use --no-remember for a preview).
    """
    from assay.formats import write_text
    from assay.report.history import build_report, remember
    from assay.report.html import render_report

    name = fmt or (
        "html" if output is not None and output.suffix.lower() in (".html", ".htm") else "markdown"
    )
    if not app.store_path.exists():
        raise InputError(f"{app.store_path}: no store yet; run `assay score` first")
    with app.open_store(readonly=no_remember) as store:
        built = build_report(store, app.repo.root, since_days=since_days)
        write_text(render_report(built, name), output)
        if output is not None:
            log.info("wrote %s", output)
        if not no_remember:
            remember(store, built, name)
