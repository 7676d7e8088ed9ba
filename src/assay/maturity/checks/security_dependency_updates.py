"""security.dependency-update-tool: Dependabot or Renovate keeps dependencies current."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict

CONFIGS = (
    ".github/dependabot.yml",
    ".github/dependabot.yaml",
    "renovate.json",
    "renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
    ".pyup.yml",
)


def evaluate(ev: Evidence) -> Verdict:
    found = [c for c in CONFIGS if ev.exists(c)]
    if found:
        return Verdict.scored(10, f"dependency update tool configured: {', '.join(found)}")
    return Verdict.scored(0, "no Dependabot or Renovate configuration")


CHECK = Check(
    id="security.dependency-update-tool",
    category="security",
    title="Dependency update tool",
    weight=2,
    evaluate=evaluate,
    remediation="Add .github/dependabot.yml with the pip and github-actions ecosystems, weekly.",
    motivation="Known-vulnerable dependencies stay in place when nobody proposes the update.",
)
