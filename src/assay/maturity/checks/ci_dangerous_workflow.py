"""ci.dangerous-workflow: no pull_request_target checkout of PR code, no untrusted input in run: scripts."""

from __future__ import annotations

import re

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict
from assay.results import Location

# Expressions an outside contributor controls (GitHub's "untrusted input" list).
UNTRUSTED = re.compile(
    r"\$\{\{\s*github\.(?:event\.(?:issue\.(?:title|body)|pull_request\.(?:title|body|head\.ref|head\.label|"
    r"head\.repo\.default_branch)|comment\.body|review\.body|review_comment\.body|pages\.[^}]*\.page_name|"
    r"commits\.[^}]*\.(?:message|author\.email|author\.name)|head_commit\.(?:message|author\.email|"
    r"author\.name)|workflow_run\.(?:head_branch|head_commit\.message))|head_ref)\s*\}\}"
)
PR_HEAD = re.compile(r"github\.event\.pull_request\.head\.(?:sha|ref)|github\.head_ref|refs/pull/")


def evaluate(ev: Evidence) -> Verdict:
    workflows = [w for w in ev.workflows if w.data is not None]
    if not workflows:
        return Verdict.na("no parseable GitHub workflows")
    lines: list[str] = []
    locations: list[Location] = []
    for w in workflows:
        for script in w.run_scripts():
            match = UNTRUSTED.search(script)
            if match:
                lines.append(f"{w.path}: untrusted input {match.group(0)} expanded in a run: script")
                locations.append(Location(w.path, w.line_of(match.group(0))))
        if "pull_request_target" in w.triggers:
            for step in w.steps():
                uses, inputs = str(step.get("uses", "")), step.get("with")
                ref = str(inputs.get("ref", "")) if isinstance(inputs, dict) else ""
                if uses.startswith("actions/checkout") and PR_HEAD.search(ref):
                    lines.append(f"{w.path}: pull_request_target checks out the pull request's code ({ref})")
                    locations.append(Location(w.path, w.line_of("pull_request_target")))
    if lines:
        return Verdict.scored(0, *lines, locations=locations)
    return Verdict.scored(10, f"{len(workflows)} workflow(s) checked: no dangerous pattern")


CHECK = Check(
    id="ci.dangerous-workflow",
    category="ci",
    title="No dangerous workflow patterns",
    weight=4,
    evaluate=evaluate,
    remediation=(
        'Pass untrusted values through `env:` and quote them ("$TITLE") instead of `${{ ... }}` in run:; '
        "never check out the PR head in a pull_request_target workflow that has secrets."
    ),
    motivation="Script injection and pwn-request workflows let anyone who opens a PR run code with secrets.",
    effort="medium",
)
