"""maintenance.required-reviews (online): changes need an approving review. Needs a GitHub token."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict


def evaluate(ev: Evidence) -> Verdict:
    if ev.github is None:
        return Verdict.na(ev.github_error or "offline: no GitHub token given")
    protection = ev.github.get("protection")
    reviews = protection.get("required_pull_request_reviews") if isinstance(protection, dict) else None
    if not isinstance(reviews, dict):
        return Verdict.scored(0, "pull requests can merge without an approving review")
    count = int(reviews.get("required_approving_review_count", 0) or 0)
    lines = [f"{count} approving review(s) required"]
    points = 0.0 if count == 0 else 7.0
    if reviews.get("dismiss_stale_reviews"):
        points += 1.5
        lines.append("stale approvals dismissed on new commits")
    if reviews.get("require_code_owner_reviews"):
        points += 1.5
        lines.append("code owners must review")
    return Verdict.scored(points, *lines)


CHECK = Check(
    id="maintenance.required-reviews",
    category="maintenance",
    title="Reviews required before merge (online)",
    weight=2,
    evaluate=evaluate,
    remediation="Require at least one approving review and dismiss stale approvals in branch protection.",
    motivation="A second pair of eyes is the cheapest defect filter there is.",
    online=True,
)
