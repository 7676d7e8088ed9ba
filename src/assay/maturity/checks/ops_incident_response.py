"""operations.incident-response: written incident-response procedures (runbooks, playbooks)."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict


def evaluate(ev: Evidence) -> Verdict:
    docs = [
        p
        for p in ev.named_like("*incident*", "*runbook*", "*playbook*", "*on-call*", "*oncall*")
        if not p.endswith(".py") and not p.startswith(("tests/", "src/"))
    ]
    dirs = [d for d in ("runbooks", "playbooks", "docs/runbooks", "security/playbooks") if ev.has_dir(d)]
    found = docs + [f"{d}/" for d in dirs]
    if docs and dirs:
        return Verdict.scored(10, f"incident procedures: {', '.join(found[:5])}")
    if found:
        return Verdict.scored(10 if docs else 7, f"incident procedures: {', '.join(found[:5])}")
    return Verdict.scored(0, "no incident-response procedure, runbook or playbook")


CHECK = Check(
    id="operations.incident-response",
    category="operations",
    title="Incident response procedures",
    weight=2,
    evaluate=evaluate,
    remediation="Write incident-response-procedures.md: severities, who is paged, first steps, updates.",
    motivation="At 3 a.m. nobody improvises well; a written procedure shortens every incident.",
    effort="medium",
)
