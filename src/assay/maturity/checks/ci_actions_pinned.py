"""ci.actions-pinned: third-party actions are pinned to a full commit SHA."""

from __future__ import annotations

import re

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict
from assay.results import Location

FULL_SHA = re.compile(r"@[0-9a-f]{40}$")


def evaluate(ev: Evidence) -> Verdict:
    workflows = [w for w in ev.workflows if w.data is not None]
    total = 0
    unpinned: list[str] = []
    locations: list[Location] = []
    for w in workflows:
        for uses in w.uses():
            if uses.startswith("./"):
                continue  # an action in this repository
            if uses.startswith("docker://"):
                total += 1
                if "@sha256:" not in uses:
                    unpinned.append(f"{w.path}: {uses}")
                    locations.append(Location(w.path, w.line_of(uses)))
                continue
            total += 1
            if not FULL_SHA.search(uses):
                unpinned.append(f"{w.path}: {uses}")
                locations.append(Location(w.path, w.line_of(uses)))
    if total == 0:
        return Verdict.na("no third-party actions used")
    pinned = total - len(unpinned)
    return Verdict.scored(
        10 * pinned / total,
        f"{pinned} of {total} action reference(s) pinned to a full SHA",
        *unpinned[:10],
        locations=locations[:50],
    )


CHECK = Check(
    id="ci.actions-pinned",
    category="ci",
    title="Actions pinned to commit SHAs",
    weight=3,
    evaluate=evaluate,
    remediation=(
        "Pin each `uses:` to a 40-character commit SHA with the tag in a comment; let Dependabot bump it."
    ),
    motivation="A tag can be moved to malicious code; a SHA cannot.",
)
