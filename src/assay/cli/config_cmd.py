"""`assay config show|validate`: the merged configuration and where it came from."""

from __future__ import annotations

import json

import click

from assay.cli.context import AppContext, pass_app


@click.group()
def config() -> None:
    """Show or validate the merged configuration."""


@config.command()
@click.option(
    "--format", "-f", "fmt", type=click.Choice(["json", "toml-ish"]), default="json", show_default=True
)
@pass_app
def show(app: AppContext, fmt: str) -> None:
    """Print the merged, validated configuration with secrets redacted."""
    cfg = app.config
    sources = [str(s) for s in cfg.sources]
    merged = cfg.redacted()
    if fmt == "json":
        click.echo(json.dumps({"sources": sources, "config": merged}, indent=2, sort_keys=True, default=str))
        return
    for source in sources:
        click.echo(f"# from {source}")
    _print_tables(merged, "tool.assay")


def _print_tables(node: dict[str, object], prefix: str) -> None:
    scalars = {k: v for k, v in node.items() if not isinstance(v, dict)}
    tables: dict[str, dict[str, object]] = {k: v for k, v in node.items() if isinstance(v, dict)}
    if scalars:
        click.echo(f"[{prefix}]")
        for key, value in sorted(scalars.items()):
            click.echo(f"{key} = {json.dumps(value, default=str)}")
        click.echo("")
    for key, value in sorted(tables.items()):
        _print_tables(value, f"{prefix}.{key}")


@config.command()
@pass_app
def validate(app: AppContext) -> None:
    """Check every configuration file; exit 2 with the first problem, naming file and key."""
    cfg = app.config
    names = ", ".join(str(s) for s in cfg.sources) or "no configuration files (defaults)"
    warnings = f" ({len(cfg.warnings)} warning(s) above)" if cfg.warnings else ""
    click.echo(f"configuration is valid: {names}{warnings}", err=True)


@config.command()
@click.argument("section", required=False)
def schema(section: str | None) -> None:
    """Print the JSON schema of one configuration section (or of all of them)."""
    from assay.config import SECTION_MODELS, model_for

    names = [section] if section else sorted(SECTION_MODELS)
    unknown = [n for n in names if n not in SECTION_MODELS]
    if unknown:
        raise click.UsageError(f"unknown section {unknown[0]!r} (known: {', '.join(sorted(SECTION_MODELS))})")
    doc = {name: model_for(name).model_json_schema() for name in names}
    click.echo(json.dumps(doc if section is None else doc[names[0]], indent=2, sort_keys=True))
