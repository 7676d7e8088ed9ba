"""`assay overview`: what assay knows about this repository (the main job of `make run`)."""

from __future__ import annotations

import json
import time

import click

from assay import version
from assay.cli.context import AppContext, pass_app
from assay.config import StoreSection
from assay.formats.interface import printable


@click.command()
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_app
def overview(app: AppContext, fmt: str) -> None:
    """Summarise the repository, the configuration and the store: the latest result of every tool."""
    repo = app.repo
    cfg = app.config
    store_path = app.store_path
    store_exists = store_path.exists()
    tools: dict[str, dict[str, object]] = {}
    if store_exists:
        with app.open_store(readonly=True) as st:
            for tool, (run, measurements) in sorted(st.latest_measurements(repo_root=repo.root).items()):
                tools[tool] = {
                    "when": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(run.finished_at)),
                    "commit": run.commit[:12],
                    "summary": run.summary,
                    "measurements": len(measurements),
                }
    doc = {
        "assay": version(),
        "repository": str(repo.root),
        "git": repo.is_git,
        "commit": repo.commit,
        "branch": repo.branch,
        "dirty": repo.dirty,
        "config_sources": [str(s) for s in cfg.sources],
        "store": str(store_path),
        "store_exists": store_exists,
        "store_section": cfg.section("store", StoreSection).model_dump(),
        "tools": tools,
    }
    if fmt == "json":
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(f"assay {version()} — {repo.root}")
    if repo.is_git:
        dirty = " (uncommitted changes)" if repo.dirty else ""
        click.echo(f"  git:    {repo.branch} @ {repo.commit[:12]}{dirty}")
    else:
        click.echo("  git:    not a git repository (commits recorded as unknown)")
    sources = ", ".join(
        str(s.relative_to(repo.root)) if s.is_relative_to(repo.root) else str(s) for s in cfg.sources
    )
    click.echo(f"  config: {sources or 'defaults only'}")
    click.echo(f"  store:  {store_path}{'' if store_exists else ' (not created yet)'}")
    if not tools:
        click.echo("  no tool has stored a result for this repository yet")
    for tool, info in tools.items():
        click.echo(f"  {tool:<16} {info['when']}  {info['commit']}  {printable(info['summary'])}")
