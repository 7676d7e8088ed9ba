"""Maturity output: a terminal table with the top actions, Markdown, SARIF (one rule per check), JSON
(the assay.maturity/1 document) and a self-contained HTML page. Everything from the repository is escaped.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from assay import version
from assay.formats.interface import printable
from assay.formats.markdown import md_escape
from assay.formats.numbers import percent_text, score_text

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

STATUS_STYLE = {
    "pass": "green",
    "partial": "yellow",
    "fail": "bold red",
    "not_applicable": "dim",
    "error": "bold magenta",
    "exempt": "cyan",
}
STATUS_SHORT = {"not_applicable": "n/a"}  # the terminal table's narrow status column
STATUS_ICON = {
    "pass": "✅",
    "partial": "⚠️",
    "fail": "❌",
    "not_applicable": "⏭️",
    "error": "💥",
    "exempt": "🛡️",
}


def build_table(doc: Mapping[str, Any], console: Console) -> None:
    """Print a scorecard's categories, checks and top actions as rich tables to the console."""
    from rich.table import Table

    from assay.formats.table import escape  # rich loads only for the table

    console.print(
        f"[bold]{escape(str(doc['repository']))}[/bold] @ {escape(str(doc['commit'])[:12])}: "
        f"[bold]Level {doc['level']} {doc['level_name']}[/bold] — {doc['percent']:.1f}%"
    )
    cats = Table(title="Categories", show_header=True, header_style="bold")
    cats.add_column("category")
    cats.add_column("percent", justify="right")
    cats.add_column("checks counted", justify="right")
    for c in doc["categories"]:
        cats.add_row(escape(c["title"]), percent_text(c["percent"]), f"{c['counted']}/{c['checks']}")
    console.print(cats)
    checks = Table(title="Checks", show_header=True, header_style="bold")
    # Narrow terminals lose the weight column first (below 100 columns), then the evidence (below 72):
    # a row is never cut off by the edge of the screen.
    wide, roomy = console.width >= 100, console.width >= 72
    checks.add_column("check", no_wrap=True, overflow="ellipsis")
    checks.add_column("status", no_wrap=True)
    checks.add_column("score", justify="right", no_wrap=True)
    if wide:
        checks.add_column("weight", justify="right", no_wrap=True)
    if roomy:
        checks.add_column("evidence", ratio=1, min_width=10)
    for c in doc["checks"]:
        style = STATUS_STYLE.get(c["status"], "")
        status = f"[{style}]{STATUS_SHORT.get(c['status'], c['status'])}[/{style}]"
        weight = [f"{c['weight']:g}"] if wide else []
        evidence = [_evidence_cell(c)] if roomy else []
        checks.add_row(escape(c["id"]), status, score_text(c["score"]), *weight, *evidence)
    console.print(checks)
    if doc.get("exemptions"):
        console.print("[bold]Exempted (not passed):[/bold]")
        for e in doc["exemptions"]:
            console.print(f"  {escape(e['check'])}: {escape(e['reason'])}")
    if doc["actions"]:
        console.print("[bold]Top actions to raise the score:[/bold]")
        for n, a in enumerate(doc["actions"], start=1):
            console.print(f"  {n}. +{a['gain']:.1f} pts  {escape(a['check'])}: {escape(a['remediation'])}")
    else:
        console.print("Nothing left to raise: every applicable check passes.")
    for problem in doc.get("problems", [])[:10]:
        console.print(f"[dim]note: {escape(problem)}[/dim]")


def _evidence_cell(check: Mapping[str, Any]) -> Text:
    """What a terminal row shows: one line for a check that passed or does not apply, two for the rest;
    each line cut with an ellipsis, so the table stays one screen (JSON and Markdown keep it all)."""
    from rich.text import Text

    if check.get("exemption"):
        lines = [f"exempt: {check['exemption']}"]
    else:
        lines = list(check["evidence"][: 1 if check["status"] in ("pass", "not_applicable") else 2])
    return Text(printable("\n".join(lines)), no_wrap=True, overflow="ellipsis")


def render_table(doc: Mapping[str, Any], width: int = 120) -> str:
    """A scorecard as plain-text tables of the given width."""
    from rich.console import Console

    buffer = io.StringIO()
    build_table(doc, Console(file=buffer, width=width, no_color=True, highlight=False, force_terminal=False))
    return buffer.getvalue()


def render_markdown(doc: Mapping[str, Any]) -> str:
    """A scorecard as Markdown (for PR comments and job summaries)."""
    lines = [
        f"## Maturity: Level {doc['level']} {doc['level_name']} — {doc['percent']:.1f}%",
        "",
        f"Repository `{md_escape(doc['repository'])}` at `{md_escape(str(doc['commit'])[:12])}`.",
        "",
        "| category | percent | checks counted |",
        "|---|---:|---:|",
    ]
    lines += [
        f"| {md_escape(c['title'])} | {percent_text(c['percent'])} | {c['counted']}/{c['checks']} |"
        for c in doc["categories"]
    ]
    lines += ["", "| | check | score | weight | evidence |", "|---|---|---:|---:|---|"]
    for c in doc["checks"]:
        evidence = f"exempt: {c['exemption']}" if c.get("exemption") else "; ".join(c["evidence"][:2])
        lines.append(
            f"| {STATUS_ICON.get(c['status'], '')} {c['status']} | `{md_escape(c['id'])}` "
            f"| {score_text(c['score'])} | {c['weight']:g} | {md_escape(evidence)} |"
        )
    if doc.get("exemptions"):
        lines += ["", "**Exempted (not passed):**", ""]
        lines += [f"- `{md_escape(e['check'])}`: {md_escape(e['reason'])}" for e in doc["exemptions"]]
    lines += ["", "### Next actions", ""]
    if doc["actions"]:
        lines += [
            f"{n}. **+{a['gain']:.1f} points** `{md_escape(a['check'])}`: {md_escape(a['remediation'])}"
            for n, a in enumerate(doc["actions"], start=1)
        ]
    else:
        lines.append("Every applicable check passes.")
    return "\n".join(lines) + "\n"


SARIF_LEVEL = {"fail": "error", "error": "error", "partial": "warning"}


def render_sarif(doc: Mapping[str, Any]) -> str:
    """One rule per check; a result for each check below full marks, located where the check knows."""
    rules = []
    results = []
    for index, c in enumerate(doc["checks"]):
        rules.append(
            {
                "id": c["id"],
                "name": c["id"].replace(".", "/"),
                "shortDescription": {"text": c["title"]},
                "help": {"text": c["remediation"], "markdown": c["remediation"]},
                "defaultConfiguration": {"level": "warning"},
                "properties": {"category": c["category"], "weight": c["weight"], "tags": ["maturity"]},
            }
        )
        if c.get("exemption"):
            rules[-1]["properties"]["exemption"] = c["exemption"]
        level = SARIF_LEVEL.get(c["status"])
        if level is None:
            continue
        locations = c.get("locations") or [{"path": _default_location(c)}]
        results.append(
            {
                "ruleId": c["id"],
                "ruleIndex": index,
                "level": level,
                "message": {
                    "text": f"{c['title']}: {score_text(c['score'])}/10. " + "; ".join(c["evidence"][:3])
                },
                "locations": [_sarif_location(loc) for loc in locations[:10]],
                "properties": {"score": c["score"], "status": c["status"]},
            }
        )
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "assay maturity",
                        "version": version(),
                        "informationUri": "https://pypi.org/project/assay/",
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": "assay/maturity/"},
                "results": results,
                # Exempted checks are listed, with their reasons, rather than silently passing.
                "properties": {
                    "percent": doc["percent"],
                    "level": doc["level"],
                    "exemptions": list(doc.get("exemptions", [])),
                },
            }
        ],
    }
    return json.dumps(sarif, indent=2) + "\n"


def _default_location(check: Mapping[str, Any]) -> str:
    # Code scanning needs a file for every result; a repository-wide finding points at its README or root.
    return (
        "README.md"
        if check["category"] == "documentation"
        else ".github/workflows"
        if check["category"] == "ci"
        else "."
    )


def _sarif_location(loc: Mapping[str, Any]) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": str(loc["path"]), "uriBaseId": "%SRCROOT%"}}
    if loc.get("line"):
        physical["region"] = {"startLine": int(loc["line"])}
    return {"physicalLocation": physical}


def render_json(doc: Mapping[str, Any]) -> str:
    """A scorecard as indented JSON."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_html(doc: Mapping[str, Any]) -> str:
    """A scorecard as a standalone HTML page."""
    from assay.report.html import render_score_page  # jinja2 loads only for HTML

    return render_score_page(doc)


def render(doc: Mapping[str, Any], fmt: str) -> str:
    """A scorecard in the named format (table, json, markdown, sarif or html)."""
    renderers = {
        "table": render_table,
        "json": render_json,
        "markdown": render_markdown,
        "sarif": render_sarif,
        "html": render_html,
    }
    return renderers[fmt](doc)
