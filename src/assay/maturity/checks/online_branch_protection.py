"""security.branch-protection (online): the default branch is protected. Needs a GitHub token."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict


def evaluate(ev: Evidence) -> Verdict:
    if ev.github is None:
        return Verdict.na(ev.github_error or "offline: no GitHub token given")
    protection = ev.github.get("protection")
    branch = ev.github.get("default_branch", "?")
    if not isinstance(protection, dict):
        return Verdict.scored(0, f"default branch {branch!r} is not protected")
    points = 6.0
    lines = [f"default branch {branch!r} is protected"]
    if not (protection.get("allow_force_pushes") or {}).get("enabled", False):
        points += 2
        lines.append("force pushes blocked")
    if not (protection.get("allow_deletions") or {}).get("enabled", False):
        points += 1
        lines.append("deletion blocked")
    status_checks = protection.get("required_status_checks") or {}
    if status_checks.get("contexts") or status_checks.get("checks"):
        points += 1
        lines.append("status checks required")
    return Verdict.scored(points, *lines)


CHECK = Check(
    id="security.branch-protection",
    category="security",
    title="Default branch protected (online)",
    weight=3,
    evaluate=evaluate,
    remediation="Protect the default branch: block force pushes and deletion, require status checks.",
    motivation="An unprotected default branch can be rewritten by any compromised account.",
    online=True,
)
