"""Terminal tables with rich: outcomes, findings, measurements."""

from __future__ import annotations

import io
import sys

from rich.console import Console
from rich.markup import escape as escape_markup
from rich.table import Table

from assay.formats.interface import printable
from assay.results import Result, Severity, Status

STATUS_STYLE = {
    Status.PASS: "green",
    Status.WARN: "yellow",
    Status.FAIL: "bold red",
    Status.SKIP: "dim",
    Status.ERROR: "bold magenta",
}
SEVERITY_STYLE = {
    Severity.INFO: "dim",
    Severity.LOW: "cyan",
    Severity.MEDIUM: "yellow",
    Severity.HIGH: "red",
    Severity.CRITICAL: "bold red",
}


def escape(text: object) -> str:
    """Text from a result, safe for a rich console: no markup, no terminal control characters."""
    return escape_markup(printable(text))


def build(result: Result, console: Console) -> None:
    """Print the result's title, summary, outcomes and findings as rich tables to the console."""
    if result.title:
        console.print(f"[bold]{escape(result.title)}[/bold]")
    if result.summary:
        console.print(escape(result.summary))
    if result.outcomes:
        table = Table(show_header=True, header_style="bold", expand=False)
        table.add_column("item")
        table.add_column("result")
        table.add_column("detail", overflow="fold")
        for o in result.outcomes:
            style = STATUS_STYLE[o.status]
            table.add_row(escape(o.name), f"[{style}]{o.status.value}[/{style}]", escape(o.message))
        console.print(table)
    if result.findings:
        table = Table(show_header=True, header_style="bold")
        table.add_column("severity")
        table.add_column("id")
        table.add_column("location", overflow="fold")
        table.add_column("message", overflow="fold")
        for f in sorted(result.findings, key=lambda f: -f.severity.rank):
            style = SEVERITY_STYLE[f.severity]
            where = escape(str(f.location)) if f.location else ""
            table.add_row(f"[{style}]{f.severity.value}[/{style}]", escape(f.id), where, escape(f.message))
        console.print(table)
    if result.measurements and not result.outcomes:
        table = Table(show_header=True, header_style="bold")
        table.add_column("measurement")
        table.add_column("labels")
        table.add_column("value", justify="right")
        for m in result.measurements:
            labels = ", ".join(f"{k}={v}" for k, v in sorted(m.labels.items()))
            table.add_row(escape(m.name), escape(labels), f"{m.value:g}{(' ' + m.unit) if m.unit else ''}")
        console.print(table)
    if not (result.outcomes or result.findings or result.measurements or result.summary):
        console.print("nothing to report")


def print_table(result: Result) -> None:
    """Print the result as tables to stdout (120 columns when not a terminal)."""
    # A pipe or file gets a fixed, wide layout instead of rich's 80-column fallback.
    width = None if sys.stdout.isatty() else 120
    build(result, Console(highlight=False, width=width))


class TableWriter:
    """Writes results as plain-text tables."""

    name = "table"

    def render(self, result: Result) -> str:
        """The result as plain-text tables, 120 columns wide."""
        buffer = io.StringIO()
        build(result, Console(file=buffer, width=120, no_color=True, highlight=False, force_terminal=False))
        return buffer.getvalue()
