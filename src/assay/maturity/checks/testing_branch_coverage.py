"""testing.branch-coverage: coverage measures branches, not only lines."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict


def evaluate(ev: Evidence) -> Verdict:
    if not ev.python_files:
        return Verdict.na("no Python files")
    cov = ev.tool_config("coverage")
    if isinstance(cov, dict) and isinstance(cov.get("run"), dict) and cov["run"].get("branch") is True:
        return Verdict.scored(10, "pyproject.toml [tool.coverage.run] branch = true")
    for rel, section in ((".coveragerc", "run"), ("setup.cfg", "coverage:run"), ("tox.ini", "coverage:run")):
        parser = ev.ini(rel)
        value = parser.get(section, "branch", fallback="") if parser is not None else ""
        if value.strip().lower() in ("true", "1", "yes", "on"):
            return Verdict.scored(10, f"{rel} [{section}] branch = true")
    if ev.ci_mentions("--cov-branch", "--branch"):
        return Verdict.scored(10, "CI runs coverage with branch measurement")
    return Verdict.scored(0, "branch coverage is not enabled")


CHECK = Check(
    id="testing.branch-coverage",
    category="testing",
    title="Branch coverage enabled",
    weight=1,
    evaluate=evaluate,
    remediation="Set `[tool.coverage.run] branch = true`.",
    motivation="Line coverage counts an `if` as tested when only one of its branches ran.",
)
