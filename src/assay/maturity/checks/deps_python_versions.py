"""dependencies.python-versions: the supported Python versions are declared."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict


def evaluate(ev: Evidence) -> Verdict:
    if not ev.python_files:
        return Verdict.na("no Python files")
    project = ev.pyproject.get("project", {})
    if isinstance(project, dict) and project.get("requires-python"):
        return Verdict.scored(10, f"requires-python = {project['requires-python']!r} in pyproject.toml")
    poetry = ev.tool_config("poetry")
    deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if isinstance(deps, dict) and deps.get("python"):
        return Verdict.scored(10, "python version in [tool.poetry.dependencies]")
    setup_cfg = ev.ini("setup.cfg")
    if setup_cfg is not None and setup_cfg.has_option("options", "python_requires"):
        return Verdict.scored(10, "python_requires in setup.cfg")
    setup_py = ev.text("setup.py") if ev.exists("setup.py") else None
    if setup_py and "python_requires" in setup_py:
        return Verdict.scored(10, "python_requires in setup.py")
    if ev.exists(".python-version"):
        return Verdict.scored(
            5, ".python-version pins a local interpreter, but no package metadata declares support"
        )
    return Verdict.scored(0, "no requires-python / python_requires declared")


CHECK = Check(
    id="dependencies.python-versions",
    category="dependencies",
    title="Supported Python versions declared",
    weight=1,
    evaluate=evaluate,
    remediation='Add `requires-python = ">=3.11"` to [project] in pyproject.toml.',
    motivation="Users on an unsupported interpreter get confusing failures instead of a clear refusal.",
)
