"""documentation.contributing: contributors are told how to set up, test and submit changes."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict


def evaluate(ev: Evidence) -> Verdict:
    found = [
        p
        for p in ev.named_like("contributing*")
        if p.count("/") == 0 or p.startswith((".github/", "docs/", "doc/"))
    ]
    if found:
        return Verdict.scored(10, f"contributor guide: {found[0]}")
    return Verdict.scored(0, "no CONTRIBUTING file in the root, .github/ or docs/")


CHECK = Check(
    id="documentation.contributing",
    category="documentation",
    title="Contributing guide",
    weight=1,
    evaluate=evaluate,
    remediation="Add CONTRIBUTING.md: how to set up, run the tests, and what a good pull request looks like.",
    motivation="A contributor who cannot run the tests sends changes nobody can merge.",
)
