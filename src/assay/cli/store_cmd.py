"""`assay store`: information, backup, restore, prune and integrity check of the SQLite store."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from assay.cli.context import AppContext, pass_app
from assay.errors import StoreError


@click.group()
def store() -> None:
    """Back up, restore, prune and check the SQLite store."""


@store.command()
@pass_app
def info(app: AppContext) -> None:
    """Where the store is, its schema versions and what it holds."""
    path = app.store_path
    if not path.exists():
        click.echo(json.dumps({"path": str(path), "exists": False}, indent=2))
        return
    with app.open_store(readonly=True) as st:
        conn = st.connection
        versions = dict(conn.execute("SELECT component, version FROM schema_versions").fetchall())
        tools = {
            row[0]: {"runs": row[1], "last": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row[2]))}
            for row in conn.execute("SELECT tool, count(*), max(finished_at) FROM runs GROUP BY tool")
        }
    doc = {
        "path": str(path),
        "exists": True,
        "bytes": path.stat().st_size,
        "schema": versions,
        "tools": tools,
    }
    click.echo(json.dumps(doc, indent=2, sort_keys=True))


@store.command()
@click.argument("dest", type=click.Path(path_type=Path))
@pass_app
def backup(app: AppContext, dest: Path) -> None:
    """Copy the store to DEST with SQLite's online backup.

    DEST may be a file, or a directory (or a new path without a suffix) for a timestamped file.
    """
    with app.open_store() as st:
        target = st.backup(dest)
    click.echo(str(target))


@store.command()
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@pass_app
def restore(app: AppContext, source: Path) -> None:
    """Replace the store's content with a backup; the current content is saved beside it first."""
    with app.open_store() as st:
        safety = st.restore(source)
    click.echo(f"restored {source} into {app.store_path}; previous content saved as {safety}", err=True)


@store.command()
@click.option(
    "--keep-days", type=click.IntRange(min=0), required=True, help="Keep runs newer than this many days."
)
@pass_app
def prune(app: AppContext, keep_days: int) -> None:
    """Delete runs older than --keep-days (with their measurements and findings)."""
    with app.open_store() as st:
        removed = st.prune(keep_days)
    click.echo(f"pruned {removed} run(s) older than {keep_days} day(s)", err=True)


@store.command()
@pass_app
def check(app: AppContext) -> None:
    """Run SQLite's integrity check; exit 2 if the store is damaged."""
    with app.open_store(readonly=True) as st:
        problems = st.integrity_check()
    if problems:
        raise StoreError(f"{app.store_path}: integrity check failed: {problems[0]}")
    click.echo(f"{app.store_path}: ok", err=True)
