"""testing.coverage-configured: coverage measurement is configured for the test suite."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict


def coverage_config(ev: Evidence) -> list[str]:
    found: list[str] = []
    cov = ev.tool_config("coverage")
    if isinstance(cov, dict) and cov:
        found.append("pyproject.toml [tool.coverage]")
    if ev.exists(".coveragerc"):
        found.append(".coveragerc")
    found += ev.ini_sections("coverage:")
    pytest_cfg = ev.tool_config("pytest")
    addopts = ""
    if isinstance(pytest_cfg, dict) and isinstance(pytest_cfg.get("ini_options"), dict):
        addopts = str(pytest_cfg["ini_options"].get("addopts", ""))
    if "--cov" in addopts:
        found.append("pytest addopts --cov")
    return found


def evaluate(ev: Evidence) -> Verdict:
    if not ev.python_files:
        return Verdict.na("no Python files")
    found = coverage_config(ev)
    if found:
        return Verdict.scored(10, f"coverage configured: {', '.join(found)}")
    if ev.ci_mentions("--cov", "coverage run"):
        return Verdict.scored(6, "CI measures coverage, but there is no shared configuration for local runs")
    return Verdict.scored(0, "no [tool.coverage], .coveragerc or --cov configuration")


CHECK = Check(
    id="testing.coverage-configured",
    category="testing",
    title="Coverage measurement configured",
    weight=2,
    evaluate=evaluate,
    remediation='Add `[tool.coverage.run] source = ["yourpkg"]` and `branch = true` to pyproject.toml.',
    motivation="Coverage shows which code no test executes.",
)
