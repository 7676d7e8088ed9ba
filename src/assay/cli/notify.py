"""`assay notify test|send|escalate|ack|status`: direct notifications when no Alertmanager is present."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from assay.cli.context import AppContext, output_options, pass_app, write_result
from assay.errors import InputError, ToolError
from assay.results import Outcome, Result, Severity, Status


@click.group()
def notify() -> None:
    """Send alerts to Slack, Teams, email, PagerDuty, SMS or webhooks (configured in [tool.assay.notify])."""


def _fail_if_undelivered(result: Result) -> None:
    failed = [o.name for o in result.outcomes if o.status == Status.FAIL]
    if failed:
        raise ToolError(
            f"notification not delivered to: {', '.join(failed)} (see the output for each channel)"
        )


@notify.command()
@click.option("--channel", "channels", multiple=True, help="Only this channel (repeatable; default: all).")
@output_options(["table", "json", "markdown"])
@pass_app
def test(app: AppContext, channels: tuple[str, ...], fmt: str | None, output: Path | None) -> None:
    """Send a test alert to every configured channel (or --channel), ignoring routes and cooldown."""
    from assay.notify import Notifier, deliveries_result

    notifier = Notifier.from_config(app.config)
    result = deliveries_result(notifier.test(channels), event=None, title="assay notify test")
    write_result(result, fmt, output)
    _fail_if_undelivered(result)


@notify.command()
@click.option("--event", "event_type", required=True, help="Event type, e.g. gate.failed, deploy.rollback.")
@click.option("--severity", default="info", show_default=True, help="info, low, medium, high or critical.")
@click.option("--title", required=True, help="One line saying what happened.")
@click.option("--body", default="", help="More detail.")
@click.option("--source", default="", help="Where it happened (repository, host).")
@click.option("--key", default="", help="Alert identity for cooldown and ack (default: event|source|title).")
@click.option("--runbook", default="", help="Link to the procedure to follow.")
@output_options(["table", "json", "markdown"])
@pass_app
def send(
    app: AppContext,
    event_type: str,
    severity: str,
    title: str,
    body: str,
    source: str,
    key: str,
    runbook: str,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Route one event to its channels (by type, severity and role), honouring cooldown and escalation."""
    from assay.notify import Notifier, deliveries_result
    from assay.results import Event

    try:
        level = Severity.parse(severity)
    except ValueError as exc:
        raise InputError(f"--severity: {exc}") from None
    if not event_type.strip() or not title.strip():
        raise InputError("--event and --title must not be empty")
    event = Event(event_type.strip(), level, title.strip(), body, source, key, runbook)
    with app.open_store() as store:
        notifier = Notifier.from_config(app.config, store)
        deliveries = notifier.notify(event)
    result = deliveries_result(deliveries, event=event, title=f"assay notify send {event.type}")
    write_result(result, fmt, output)
    _fail_if_undelivered(result)


@notify.command()
@output_options(["table", "json", "markdown"])
@pass_app
def escalate(app: AppContext, fmt: str | None, output: Path | None) -> None:
    """Escalate unacknowledged alerts that waited long enough (run from cron, a timer or the daemon)."""
    from dataclasses import replace

    from assay.notify import Notifier, deliveries_result

    with app.open_store() as store:
        escalated = Notifier.from_config(app.config, store).escalate_due()
    deliveries = [d for _, ds in escalated for d in ds]
    result = deliveries_result(deliveries, event=None, title="assay notify escalate")
    result = replace(
        result,
        data={**result.data, "alerts": [key for key, _ in escalated]},
        summary=f"{len(escalated)} alert(s) escalated; {result.summary}",
    )
    write_result(result, fmt, output)
    _fail_if_undelivered(result)


@notify.command()
@click.argument("key")
@click.option("--by", default="", help="Who acknowledges (default: the current user).")
@pass_app
def ack(app: AppContext, key: str, by: str) -> None:
    """Acknowledge an alert so it stops escalating."""
    from assay.notify import Notifier

    with app.open_store() as store:
        Notifier.from_config(app.config, store).acknowledge(key, by or getpass.getuser())
    click.echo(f"acknowledged {key}", err=True)


@notify.command()
@output_options(["table", "json", "markdown"])
@pass_app
def status(app: AppContext, fmt: str | None, output: Path | None) -> None:
    """List notified alerts: escalation level and who acknowledged them."""
    from assay.notify import SCHEMA, Notifier

    with app.open_store() as store:
        alerts = Notifier.from_config(app.config, store).open_alerts()
    outcomes = tuple(
        Outcome(
            a["key"],
            Status.PASS if a["acked_at"] is not None else Status.WARN,
            f"{a['severity']} {a['event_type']}: {a['title']}"
            + (
                f" (acknowledged by {a['acked_by']})"
                if a["acked_at"] is not None
                else f" (level {a['level']})"
            ),
        )
        for a in alerts
    )
    unacked = sum(a["acked_at"] is None for a in alerts)
    write_result(
        Result(
            tool="notify",
            outcomes=outcomes,
            schema=SCHEMA,
            data={"alerts": alerts},
            title="assay notify status",
            summary=f"{len(alerts)} alert(s), {unacked} unacknowledged",
        ),
        fmt,
        output,
    )
