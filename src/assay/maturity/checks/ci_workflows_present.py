"""ci.workflows-present: CI is defined and runs on every push and pull request."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict
from assay.results import Location


def evaluate(ev: Evidence) -> Verdict:
    workflows = ev.workflows
    lines: list[str] = []
    broken = [w for w in workflows if w.error]
    for w in broken:
        lines.append(f"{w.path}: {w.error}")
    if not workflows and ev.other_ci_files:
        # Other CI systems build every push by default; we cannot read their triggers reliably.
        return Verdict.scored(10, *(f"CI configuration: {p}" for p in ev.other_ci_files))
    if not workflows:
        templates = ev.under(".github/workflow-templates")
        if templates:
            return Verdict.scored(
                2,
                f"{len(templates)} file(s) under .github/workflow-templates/, but templates do not run CI "
                "for this repository (no .github/workflows/)",
            )
        return Verdict.scored(0, "no .github/workflows/*.yml and no other CI configuration found")
    push = [w.path for w in workflows if "push" in w.triggers]
    pr = [w.path for w in workflows if w.triggers & {"pull_request", "pull_request_target", "merge_group"}]
    lines.insert(0, f"{len(workflows)} workflow(s): {', '.join(w.path for w in workflows[:5])}")
    lines.append(f"on push: {', '.join(push) or 'none'}; on pull_request: {', '.join(pr) or 'none'}")
    locations = [Location(w.path) for w in broken]
    if push and pr:
        return Verdict.scored(10 if not broken else 8, *lines, locations=locations)
    if push or pr:
        return Verdict.scored(6, *lines, locations=locations)
    return Verdict.scored(3, *lines, "no workflow is triggered by push or pull_request", locations=locations)


CHECK = Check(
    id="ci.workflows-present",
    category="ci",
    title="CI workflows run on push and pull request",
    weight=3,
    evaluate=evaluate,
    remediation="Add .github/workflows/ci.yml triggered `on: [push, pull_request]` that lints and tests.",
    motivation="Changes that are not built and tested automatically break the main branch unnoticed.",
    effort="low",
)
