"""security.sast: static analysis for security runs in CI (bandit, CodeQL, semgrep, assay security scan)."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict

TOOLS = ("bandit", "github/codeql-action", "semgrep", "assay security scan", "pysa", "snyk code")


def evaluate(ev: Evidence) -> Verdict:
    in_ci = ev.ci_mentions(*TOOLS)
    if in_ci:
        tools = [t for t in TOOLS if ev.ci_mentions(t)]
        return Verdict.scored(10, f"{', '.join(tools)} in CI: {', '.join(in_ci[:5])}")
    precommit = ev.text(".pre-commit-config.yaml") if ev.exists(".pre-commit-config.yaml") else None
    if precommit and any(t in precommit for t in ("bandit", "semgrep")):
        return Verdict.scored(5, ".pre-commit-config.yaml runs bandit/semgrep, but CI does not enforce it")
    ruff = ev.tool_config("ruff")
    selected = str((ruff or {}).get("lint", {}).get("select", "")) if isinstance(ruff, dict) else ""
    if "'S'" in selected or '"S"' in selected:
        return Verdict.scored(4, "ruff's flake8-bandit rules (S) are selected, but no SAST tool runs in CI")
    return Verdict.scored(0, "no bandit, CodeQL or semgrep in CI")


CHECK = Check(
    id="security.sast",
    category="security",
    title="Static security analysis in CI",
    weight=3,
    evaluate=evaluate,
    remediation="Run `assay security scan --format sarif` or CodeQL on each pull request.",
    motivation="Injection, unsafe deserialisation and shell=True are found cheaply before merge.",
)
