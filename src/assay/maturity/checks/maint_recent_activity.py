"""maintenance.recent-activity: commits in the last 90 days."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict

WINDOW_DAYS = 90
FULL_MARKS = 10  # commits in the window


def evaluate(ev: Evidence) -> Verdict:
    if ev.commits is None:
        return Verdict.na("not a git repository: history unknown")
    if not ev.commits:
        return Verdict.na("no commits yet")
    recent = ev.commits_since(WINDOW_DAYS)
    return Verdict.scored(
        10 * min(1.0, len(recent) / FULL_MARKS),
        f"{len(recent)} commit(s) in the last {WINDOW_DAYS} days (full marks at {FULL_MARKS})",
    )


CHECK = Check(
    id="maintenance.recent-activity",
    category="maintenance",
    title="Active in the last 90 days",
    weight=2,
    evaluate=evaluate,
    remediation="Keep the project maintained: merge dependency updates and fixes regularly.",
    motivation="An unmaintained project does not get security fixes.",
)
