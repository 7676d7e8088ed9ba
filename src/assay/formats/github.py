"""GitHub Actions workflow commands (annotations) and the job's step summary."""

from __future__ import annotations

import os
from pathlib import Path

from assay.formats.interface import printable
from assay.formats.markdown import MarkdownWriter
from assay.results import Result, Severity, Status

COMMAND = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    """Escape text for the message part of a GitHub Actions workflow command."""
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """Escape text for a property value of a GitHub Actions workflow command."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubWriter:
    """Writes findings as GitHub Actions annotations."""

    name = "github"

    def render(self, result: Result) -> str:
        """One workflow-command annotation line per finding."""
        lines = []
        for f in result.findings:
            props = [f"title={escape_property(f.id)}"]
            if f.location is not None:
                props.insert(0, f"file={escape_property(f.location.path)}")
                if f.location.line:
                    props.insert(1, f"line={f.location.line}")
                if f.location.end_line:
                    props.insert(2, f"endLine={f.location.end_line}")
            message = f.message + (f" — {f.remediation}" if f.remediation else "")
            lines.append(f"::{COMMAND[f.severity]} {','.join(props)}::{escape_data(message)}")
        for o in result.outcomes:
            if o.status in (Status.FAIL, Status.ERROR):
                lines.append(
                    f"::error title={escape_property(o.name)}::{escape_data(o.message or o.status.value)}"
                )
            elif o.status == Status.WARN:
                lines.append(
                    f"::warning title={escape_property(o.name)}::{escape_data(o.message or 'warning')}"
                )
        if result.summary:
            lines.append(
                f"::notice title=assay {escape_property(result.tool)}::{escape_data(result.summary)}"
            )
        return "\n".join(lines) + ("\n" if lines else "")


def write_step_summary(result: Result) -> Path | None:
    """Append the Markdown rendering to $GITHUB_STEP_SUMMARY when running in Actions."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(MarkdownWriter().render(result) + "\n")
    return path
