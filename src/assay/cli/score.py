"""`assay score [PATH]`: rate a repository's maturity (level 1-4), store it, and list what would raise it."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from assay.cli.context import AppContext, output_options, pass_app
from assay.errors import StoreError, ThresholdFailed

log = logging.getLogger("assay")
FORMATS = ["table", "json", "markdown", "sarif", "html"]


@click.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@output_options(FORMATS)
@click.option("--fail-under", type=click.FloatRange(0, 100), help="Exit 1 when the percent is below this.")
@click.option("--level-at-least", type=click.IntRange(1, 4), help="Exit 1 when the level is below this.")
@click.option("--no-record", is_flag=True, help="Do not store this run (e.g. on a read-only checkout).")
@click.option("--list", "list_checks", is_flag=True, help="List every check (id, category, weight) and exit.")
@pass_app
def score(
    app: AppContext,
    path: Path | None,
    fmt: str | None,
    output: Path | None,
    fail_under: float | None,
    level_at_least: int | None,
    no_record: bool,
    list_checks: bool,
) -> None:
    """Score the repository at PATH (default: --repo, or the current directory).

    Runs every offline check on one walk of the checkout plus the measurements other assay tools
    stored (coverage, benchmarks, security scan, mutation score). Not-applicable and exempt checks
    never count as zero. Exit 1 when --fail-under or --level-at-least is not met.
    """
    from assay.formats import write_text
    from assay.maturity.config import MaturitySection
    from assay.maturity.render import render
    from assay.maturity.service import assess, stored_measurements, to_result

    if list_checks:
        _list_checks()
        return
    if path is not None:
        app.repo_path = path
    repo = app.repo  # InputError when the path does not exist or is not a directory
    section = app.config.section("maturity", MaturitySection)
    measurements = {}
    if app.store_path.exists():
        with app.open_store(readonly=True) as store:
            measurements = stored_measurements(store, repo.root)
    card = assess(repo, section, measurements=measurements)
    result = to_result(card)
    if not no_record:
        try:
            app.record(result)
        except StoreError as exc:
            raise StoreError(f"{exc} (use --no-record or --store PATH to score without storing)") from None
    name = fmt or ("table" if output is None and sys.stdout.isatty() else "json")
    doc = result.data
    if name == "table" and output is None:
        from rich.console import Console

        from assay.maturity.render import build_table

        build_table(doc, Console(highlight=False))
    else:
        write_text(render(doc, name), output)
        if output is not None:
            log.info("wrote %s", output)
    log.info("scored %d files in %.3fs", card.files, card.duration_s)
    fail_under = fail_under if fail_under is not None else section.fail_under
    level_at_least = level_at_least if level_at_least is not None else section.level_at_least
    if fail_under is not None and card.percent < fail_under:
        raise ThresholdFailed(f"maturity {card.percent:.1f}% is below --fail-under {fail_under:g}%")
    if level_at_least is not None and card.level.number < level_at_least:
        raise ThresholdFailed(
            f"maturity level {card.level.number} ({card.level.name}) "
            f"is below --level-at-least {level_at_least}"
        )


def _list_checks() -> None:
    from assay.maturity.model import CATEGORIES
    from assay.maturity.registry import all_checks

    for check in all_checks():
        online = " (online)" if check.online else ""
        click.echo(
            f"{check.id:<34} {CATEGORIES[check.category]:<14} weight {check.weight:g}  {check.title}{online}"
        )
