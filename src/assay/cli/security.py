"""`assay security`: the static scan (scan, db) and the runtime monitor (monitor, baseline, status, intel,
quarantine). Subcommands live in their own modules and load only when used."""

from __future__ import annotations

import click

from assay.cli import LazyGroup

# Subcommand -> "module:attribute"; a module that is not there yet simply does not list its command.
SUBCOMMANDS: dict[str, str] = {
    "scan": "assay.cli.security_scan:scan",
    "db": "assay.cli.security_scan:db",
    "monitor": "assay.cli.security_monitor:monitor",
    "baseline": "assay.cli.security_monitor:baseline",
    "status": "assay.cli.security_monitor:status",
    "intel": "assay.cli.security_monitor:intel",
    "quarantine": "assay.cli.security_monitor:quarantine",
}


class _SecurityGroup(LazyGroup):
    lazy_commands = SUBCOMMANDS


@click.group(cls=_SecurityGroup)
def security() -> None:
    """Static security scan and the runtime security monitor."""
