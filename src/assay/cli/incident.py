"""`assay incident open|list|show|close`: incident records in the store (the monitor opens P0/P1 ones)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from assay.cli.context import AppContext, output_options, pass_app, write_result
from assay.cli.security_monitor import store_option, store_path
from assay.results import Outcome, Result, Status

SCHEMA = "assay.incident/1"


@click.group()
def incident() -> None:
    """Security incidents: opened by hand or by the monitor for P0/P1 events, with playbook steps."""


@incident.command("open")
@click.option("--title", required=True, help="What happened, in one line.")
@click.option("--priority", type=click.Choice(["P0", "P1", "P2", "P3"]), default="P2", show_default=True)
@click.option("--playbook", "playbook_id", default="", help="Playbook id whose steps to attach.")
@store_option
@pass_app
def open_cmd(app: AppContext, title: str, priority: str, playbook_id: str, store: Path | None) -> None:
    """Open an incident by hand."""
    from assay.errors import InputError
    from assay.security import incidents, playbooks
    from assay.security.monitor.config import MonitorSection
    from assay.security.monitor.daemon import resolve
    from assay.security.monitor.schema import open_store

    body = f"# {priority}: {title}\n\nOpened by hand.\n"
    if playbook_id:
        cfg = app.config.section("security.monitor", MonitorSection)
        found = {p.id: p for p in playbooks.load_playbooks(resolve(app.root, cfg.playbooks_dir))}
        book = found.get(playbook_id)
        if book is None:
            raise InputError(f"no playbook {playbook_id!r} (known: {', '.join(sorted(found)) or 'none'})")
        body += f"\n## Playbook: {book.title} (`{book.id}`)\n\n"
        body += "\n".join(f"{n}. [ ] {step}" for n, step in enumerate(book.steps, 1)) + "\n"
    with open_store(store_path(app, store)) as st:
        ident = incidents.open_incident(st, title, priority, playbook=playbook_id, body=body)
    click.echo(f"incident {ident} opened ({priority}): {title}")


@incident.command("list")
@click.option("--status", "status", type=click.Choice(["open", "closed"]), help="Only open or closed ones.")
@store_option
@output_options(default=None)
@pass_app
def list_cmd(
    app: AppContext, status: str | None, store: Path | None, fmt: str | None, output: Path | None
) -> None:
    """Incidents, newest first."""
    from assay.security import incidents
    from assay.security.monitor.schema import open_store

    with open_store(store_path(app, store)) as st:
        found = incidents.list_incidents(st, status=status)
    outcomes = tuple(
        Outcome(
            f"#{i.id} {i.priority} {i.title}",
            Status.PASS if i.status == "closed" else Status.FAIL,
            f"{i.status}, opened {time.strftime('%Y-%m-%d %H:%M', time.gmtime(i.opened_at))} UTC",
        )
        for i in found
    )
    open_count = sum(1 for i in found if i.status == "open")
    result = Result(
        tool="incident",
        schema=SCHEMA,
        outcomes=outcomes,
        data={"incidents": [i.to_json() for i in found]},
        summary=f"{len(found)} incident(s), {open_count} open",
    )
    write_result(result, fmt, output)


@incident.command("show")
@click.argument("incident_id", type=int)
@store_option
@click.option(
    "--format", "-f", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True
)
@pass_app
def show_cmd(app: AppContext, incident_id: int, store: Path | None, fmt: str) -> None:
    """One incident: its Markdown body (playbook steps), or everything as JSON."""
    import json

    from assay.security import incidents
    from assay.security.monitor.schema import open_store

    with open_store(store_path(app, store)) as st:
        found = incidents.get_incident(st, incident_id)
    if fmt == "json":
        click.echo(json.dumps({"schema": SCHEMA, **found.to_json()}, indent=2, default=str))
        return
    click.echo(found.body.rstrip())
    click.echo(f"\nStatus: {found.status}" + (f" ({found.resolution})" if found.resolution else ""))


@incident.command("close")
@click.argument("incident_id", type=int)
@click.option("--resolution", required=True, help="How it was resolved (root cause, actions taken).")
@store_option
@pass_app
def close_cmd(app: AppContext, incident_id: int, resolution: str, store: Path | None) -> None:
    """Close an incident with its resolution."""
    from assay.security import incidents
    from assay.security.monitor.schema import open_store

    with open_store(store_path(app, store)) as st:
        found = incidents.close_incident(st, incident_id, resolution)
    click.echo(f"incident {found.id} closed: {found.resolution}")
