"""security.scan-findings: the latest `assay security scan` has no new findings."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict


def evaluate(ev: Evidence) -> Verdict:
    stored = ev.metric("security_findings_new")
    if not stored:
        return Verdict.na("no `assay security scan` result stored; inconclusive")
    by_severity: dict[str, float] = {}
    for m in stored:
        severity = m.labels.get("severity", "unknown")
        by_severity[severity] = by_severity.get(severity, 0) + m.value
    total = sum(by_severity.values())
    counts = ", ".join(f"{k}={v:g}" for k, v in sorted(by_severity.items()) if v) or "none"
    line = f"new findings in the latest scan at {stored[0].commit[:12]}: {counts}"
    if total == 0:
        return Verdict.scored(10, line)
    if by_severity.get("critical", 0) or by_severity.get("high", 0):
        return Verdict.scored(0, line)
    if by_severity.get("medium", 0):
        return Verdict.scored(5, line)
    return Verdict.scored(8, line)


CHECK = Check(
    id="security.scan-findings",
    category="security",
    title="No new security scan findings",
    weight=3,
    evaluate=evaluate,
    remediation="Fix or triage (with a reason) the findings `assay security scan` reports.",
    motivation="Known findings left open are the cheapest attacks.",
    effort="medium",
)
