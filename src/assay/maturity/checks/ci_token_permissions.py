"""ci.token-permissions: every workflow declares a read-only GITHUB_TOKEN by default."""

from __future__ import annotations

from typing import Any

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict
from assay.results import Location


def read_only(permissions: Any) -> bool:
    if permissions in ("read-all", {}):
        return True
    if isinstance(permissions, dict):
        return all(str(v) in ("read", "none") for v in permissions.values())
    return False


def evaluate(ev: Evidence) -> Verdict:
    workflows = [w for w in ev.workflows if w.data is not None]
    if not workflows:
        return Verdict.na("no parseable GitHub workflows")
    bad: list[str] = []
    locations: list[Location] = []
    for w in workflows:
        assert w.data is not None
        top = w.data.get("permissions", None)
        if top is None:
            jobs = w.jobs()
            # Every job declaring its own permissions is as good as a top-level default.
            if jobs and all("permissions" in j for j in jobs.values()):
                continue
            bad.append(f"{w.path}: no top-level `permissions:` (the token gets the repository default)")
            locations.append(Location(w.path, 1))
        elif not read_only(top):
            bad.append(f"{w.path}: top-level permissions {top!r} are not read-only")
            locations.append(Location(w.path, w.line_of("permissions")))
    good = len(workflows) - len(bad)
    return Verdict.scored(
        10 * good / len(workflows),
        f"{good} of {len(workflows)} workflow(s) default to a read-only token",
        *bad,
        locations=locations,
    )


CHECK = Check(
    id="ci.token-permissions",
    category="ci",
    title="Workflow token is read-only by default",
    weight=3,
    evaluate=evaluate,
    remediation="Add `permissions: contents: read` at the top of each workflow; grant writes per job.",
    motivation="A compromised step with a write token can push code or publish releases.",
)
