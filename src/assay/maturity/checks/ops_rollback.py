"""operations.rollback: documented rollback procedures."""

from __future__ import annotations

import re

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict

HEADING = re.compile(r"^#{1,6}\s*.*\b(?:roll(?:ing)?[ -]?back|revert(?:ing)? a release)\b", re.I | re.M)


def evaluate(ev: Evidence) -> Verdict:
    named = [p for p in ev.named_like("*rollback*", "*roll-back*") if not p.endswith(".py")]
    named = [p for p in named if not p.startswith(("tests/", "src/"))]
    if named:
        return Verdict.scored(10, f"rollback procedure: {named[0]}")
    docs = [p for p in ev.with_suffix(".md", ".rst") if p.count("/") == 0 or p.startswith(("docs/", "doc/"))]
    for rel in docs[:200]:
        if HEADING.search(ev.text(rel, 262144) or ""):
            return Verdict.scored(10, f"rollback section in {rel}")
    return Verdict.scored(0, "no rollback document and no rollback section in the docs")


CHECK = Check(
    id="operations.rollback",
    category="operations",
    title="Documented rollback",
    weight=2,
    evaluate=evaluate,
    remediation="Write docs/rollback.md: how to return to the previous release, data migrations included.",
    motivation="The fastest fix for a bad release is going back; that must be practised and written down.",
)
