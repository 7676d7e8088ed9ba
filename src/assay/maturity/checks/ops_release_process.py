"""operations.release-process: releases are tagged and published by a repeatable workflow."""

from __future__ import annotations

import re

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict

VERSION_TAG = re.compile(r"^v?\d+\.\d+(?:\.\d+)?")
RELEASE_MARKERS = (
    "pypa/gh-action-pypi-publish",
    "twine upload",
    "release-please",
    "semantic-release",
    "softprops/action-gh-release",
    "gh release create",
    "uv publish",
    "poetry publish",
    "flit publish",
    "hatch publish",
)
RELEASE_CONFIGS = (".bumpversion.cfg", ".release-please-manifest.json", "release-please-config.json",
                   ".releaserc", ".releaserc.json", "tbump.toml", ".goreleaser.yml")  # fmt: skip


def evaluate(ev: Evidence) -> Verdict:
    tags = [name for name, _ in ev.tags or () if VERSION_TAG.match(name)]
    tagged_workflows = [w.path for w in ev.workflows if w.triggers & {"release"}]
    tagged_workflows += [w.path for w in ev.workflows if w.tag_triggered()]
    automation = sorted(set(tagged_workflows + ev.ci_mentions(*RELEASE_MARKERS)))
    automation += [c for c in RELEASE_CONFIGS if ev.exists(c)]
    lines = []
    if ev.tags is None:
        lines.append("not a git repository: tags unknown")
    else:
        lines.append(f"{len(tags)} version tag(s)" + (f", latest {tags[-1]}" if tags else ""))
    lines.append(f"release automation: {', '.join(automation[:5]) or 'none'}")
    if tags and automation:
        return Verdict.scored(10, *lines)
    if tags or automation:
        return Verdict.scored(5, *lines)
    return Verdict.scored(0, *lines)


CHECK = Check(
    id="operations.release-process",
    category="operations",
    title="Release process (tags and release workflow)",
    weight=2,
    evaluate=evaluate,
    remediation="Tag releases (vX.Y.Z) and publish them from a workflow the tag triggers.",
    motivation="Hand-made releases differ; tagged, automated ones can be reproduced and rolled back.",
    effort="medium",
)
