"""testing.suite-present: a test suite exists and a runner can discover it."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict


def runner_config(ev: Evidence) -> list[str]:
    found: list[str] = []
    pytest_cfg = ev.tool_config("pytest")
    if isinstance(pytest_cfg, dict) and pytest_cfg:
        found.append("pyproject.toml [tool.pytest.ini_options]")
    found += [p for p in ("pytest.ini", "noxfile.py") if ev.exists(p)]
    found += ev.ini_sections("tool:pytest") + ev.ini_sections("pytest") + ev.ini_sections("tox")
    return found


def evaluate(ev: Evidence) -> Verdict:
    tests = ev.test_files
    if not ev.python_files:
        return Verdict.na("no Python files")
    if not tests:
        return Verdict.scored(0, "no test files (tests/, test_*.py, *_test.py)")
    discovered = [p for p in tests if p.rsplit("/", 1)[-1].startswith("test_") or p.endswith("_test.py")]
    config = runner_config(ev)
    lines = [f"{len(discovered)} test module(s) of {len(tests)} file(s) in test locations"]
    if config:
        lines.append(f"runner configured: {', '.join(config)}")
    if discovered and config:
        return Verdict.scored(10, *lines)
    if discovered:
        return Verdict.scored(7, *lines, "no pytest/tox configuration: discovery relies on defaults")
    return Verdict.scored(3, *lines, "no file follows test_*.py / *_test.py, so runners will not find them")


CHECK = Check(
    id="testing.suite-present",
    category="testing",
    title="Test suite present and discoverable",
    weight=4,
    evaluate=evaluate,
    remediation='Put tests in tests/test_*.py; set `[tool.pytest.ini_options] testpaths = ["tests"]`.',
    motivation="Without tests every change is a guess.",
    effort="high",
)
