"""`assay security`: the static scan (scan, db) and the runtime monitor (monitor, baseline, status, intel,
quarantine). Subcommands live in their own modules and load only when used."""

from __future__ import annotations

import importlib
import importlib.util

import click

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


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class _SecurityGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(n for n, t in SUBCOMMANDS.items() if _exists(t.split(":")[0]))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None or not _exists(target.split(":")[0]):
            return None
        module, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module), attr, None)
        return command if isinstance(command, click.Command) else None


@click.group(cls=_SecurityGroup)
def security() -> None:
    """Static security scan and the runtime security monitor."""
