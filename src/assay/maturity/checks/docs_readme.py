"""documentation.readme: a README that says how to install and how to use the project."""

from __future__ import annotations

import re

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict
from assay.results import Location

HEADING = re.compile(r"^(?:#{1,6}\s*(.+?)\s*#*\s*$|(.+)\n[=~^\-]{3,}\s*$)", re.MULTILINE)
INSTALL = re.compile(r"install|setup|set up|getting started|quick ?start|the two commands", re.IGNORECASE)
USAGE = re.compile(r"usage|quick ?start|example|tour|how to|getting started|tutorial|commands", re.IGNORECASE)


def evaluate(ev: Evidence) -> Verdict:
    readmes = ev.at_root("README.md", "README.rst", "README.txt", "README", "README.markdown")
    if not readmes:
        return Verdict.scored(0, "no README at the repository root")
    rel = readmes[0]
    text = ev.text(rel, 262144) or ""
    headings = [m.group(1) or m.group(2) for m in HEADING.finditer(text)]
    install = [h for h in headings if INSTALL.search(h)]
    usage = [h for h in headings if USAGE.search(h)]
    lines = [f"{rel}: {len(headings)} heading(s)"]
    if install:
        lines.append(f"install section: {install[0]!r}")
    if usage:
        lines.append(f"usage section: {usage[0]!r}")
    if install and usage:
        return Verdict.scored(10, *lines)
    missing = " and ".join(n for n, ok in (("install", install), ("usage", usage)) if not ok)
    lines.append(f"no {missing} section")
    return Verdict.scored(6 if (install or usage) else 3, *lines, locations=[Location(rel)])


CHECK = Check(
    id="documentation.readme",
    category="documentation",
    title="README with install and usage",
    weight=3,
    evaluate=evaluate,
    remediation="Give the README an `## Installation` and a `## Usage` section with copy-pasteable commands.",
    motivation="The README is the first and often only page a new user reads.",
)
