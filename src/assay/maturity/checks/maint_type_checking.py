"""maintenance.type-checking: a type checker is configured (strict earns full marks)."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict


def evaluate(ev: Evidence) -> Verdict:
    if not ev.python_files:
        return Verdict.na("no Python files")
    mypy = ev.tool_config("mypy")
    if isinstance(mypy, dict):
        if mypy.get("strict") is True:
            return Verdict.scored(10, "mypy strict = true in pyproject.toml")
        return Verdict.scored(8, "mypy configured in pyproject.toml (not strict)")
    for rel in ("mypy.ini", ".mypy.ini", "setup.cfg"):
        parser = ev.ini(rel)
        if parser is not None and parser.has_section("mypy"):
            strict = parser.get("mypy", "strict", fallback="").strip().lower() in ("true", "1", "yes")
            return Verdict.scored(
                10 if strict else 8, f"mypy configured in {rel}" + (" (strict)" if strict else "")
            )
    pyright = ev.tool_config("pyright")
    if isinstance(pyright, dict) or ev.exists("pyrightconfig.json"):
        strict = isinstance(pyright, dict) and pyright.get("typeCheckingMode") == "strict"
        return Verdict.scored(10 if strict else 8, "pyright configured" + (" (strict)" if strict else ""))
    if ev.ci_mentions("mypy", "pyright"):
        return Verdict.scored(6, "CI runs a type checker, but it has no configuration in the repository")
    return Verdict.scored(0, "no mypy or pyright configuration")


CHECK = Check(
    id="maintenance.type-checking",
    category="maintenance",
    title="Type checking configured",
    weight=2,
    evaluate=evaluate,
    remediation="Add `[tool.mypy] strict = true` and run mypy in CI.",
    motivation="Type checking finds whole classes of bugs before a test runs.",
    effort="medium",
)
