"""security.policy: a SECURITY.md that tells reporters how to reach the maintainers privately."""

from __future__ import annotations

import re

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict
from assay.results import Location

CONTACT = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.-]+|https?://\S+|security advisor(?:y|ies)|/security/advisories", re.IGNORECASE
)


def evaluate(ev: Evidence) -> Verdict:
    candidates = [p for p in ev.named("security.md", "security.rst", "security.txt") if p.count("/") <= 1]
    candidates = [p for p in candidates if "/" not in p or p.startswith((".github/", "docs/"))]
    if not candidates:
        return Verdict.scored(0, "no SECURITY.md in the root, .github/ or docs/")
    rel = candidates[0]
    text = ev.text(rel, 65536) or ""
    match = CONTACT.search(text)
    if match:
        return Verdict.scored(10, f"{rel} names a contact ({match.group(0)[:60]})")
    return Verdict.scored(
        5, f"{rel} has no e-mail address, URL or advisory link to report to", locations=[Location(rel)]
    )


CHECK = Check(
    id="security.policy",
    category="security",
    title="Security policy with a contact",
    weight=3,
    evaluate=evaluate,
    remediation="Add SECURITY.md: supported versions and a private contact (an e-mail or GitHub advisories).",
    motivation="Reporters who cannot find a private channel disclose vulnerabilities publicly.",
)
