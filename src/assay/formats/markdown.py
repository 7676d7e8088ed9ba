"""Markdown: a PR comment or step summary. Everything from the repository is escaped."""

from __future__ import annotations

from assay.formats.interface import printable
from assay.results import Result, Status

ICONS = {
    Status.PASS: "✅",
    Status.WARN: "⚠️",
    Status.FAIL: "❌",
    Status.SKIP: "⏭️",
    Status.ERROR: "💥",
}


def md_escape(text: object) -> str:
    """Escape text for a Markdown table cell: pipes, HTML and line breaks."""
    out = printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = out.replace("|", "\\|").replace("`", "\\`")
    return " ".join(out.splitlines())


class MarkdownWriter:
    """Writes results as Markdown."""

    name = "markdown"

    def render(self, result: Result) -> str:
        """The result as Markdown: title, summary and tables of outcomes and findings."""
        lines = [f"## {md_escape(result.title or 'assay ' + result.tool)}", ""]
        if result.summary:
            lines += [md_escape(result.summary), ""]
        if result.outcomes:
            lines += ["| | item | result | detail |", "|---|---|---|---|"]
            for o in result.outcomes:
                lines.append(
                    f"| {ICONS[o.status]} | {md_escape(o.name)} | {o.status.value} | {md_escape(o.message)} |"
                )
            lines.append("")
        if result.findings:
            lines += ["| severity | id | location | message |", "|---|---|---|---|"]
            for f in sorted(result.findings, key=lambda f: -f.severity.rank):
                where = md_escape(f.location) if f.location else ""
                lines.append(
                    f"| {f.severity.value} | `{md_escape(f.id)}` | {where} | {md_escape(f.message)} |"
                )
            lines.append("")
        if result.measurements and not result.outcomes:
            lines += ["| measurement | labels | value |", "|---|---|---|"]
            for m in result.measurements:
                labels = ", ".join(f"{k}={v}" for k, v in sorted(m.labels.items()))
                lines.append(
                    f"| `{m.name}` | {md_escape(labels)} | {m.value:g}{md_escape(m.unit and ' ' + m.unit)} |"
                )
            lines.append("")
        if not (result.outcomes or result.findings or result.measurements):
            lines += ["Nothing to report.", ""]
        return "\n".join(lines)
