"""maintenance.linters: a linter is configured and enforced (pre-commit or CI).

A linter counts as configured when a config file or section sets it up, or when the project's own task
files (tox, nox, make) or CI run it: black or flake8 run with their defaults are configured by that choice.
"""

from __future__ import annotations

import re

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict

LINTERS = ("ruff", "flake8", "pylint", "black", "isort")
TASK_FILES = ("tox.ini", "noxfile.py", "Makefile", "makefile", "justfile")
# A linter named as a word ("TOXENV=flake8" too); not "blacklist", "black-box", "pylint-dev/…", "flake8==6".
INVOCATION = re.compile(r"(?<![\w./-])(" + "|".join(LINTERS) + r")(?![\w.=/-])")
NOT_A_RUN = re.compile(r"^\s*(?:#|deps\b)|install", re.IGNORECASE)  # comments, dependency and install lines


def invoked(text: str) -> list[str]:
    """The linters a task or CI file runs: named as a word on a line that is not a comment or an install."""
    found = {
        m
        for line in text.lower().splitlines()
        if not NOT_A_RUN.search(line)
        for m in INVOCATION.findall(line)
    }
    return sorted(found)


def evaluate(ev: Evidence) -> Verdict:
    if not ev.python_files:
        return Verdict.na("no Python files")
    configured = [name for name in LINTERS if isinstance(ev.tool_config(name), dict)]
    configured += [p for p in ("ruff.toml", ".ruff.toml", ".flake8", ".pylintrc", "pylintrc") if ev.exists(p)]
    configured += ev.ini_sections("flake8")
    for rel in ev.at_root(*TASK_FILES):
        configured += [f"{name} (run by {rel})" for name in invoked(ev.text(rel) or "")]
    in_ci = {path: invoked(text) for path, text in ev.ci_text}
    enforced = [path for path, names in in_ci.items() if names] + ev.ci_mentions(
        "pre-commit run", "make lint"
    )
    if not configured:  # a linter only the CI runs is configured with its defaults
        configured = [
            f"{name} (run in CI)" for name in sorted({n for names in in_ci.values() for n in names})
        ]
    precommit = ev.exists(".pre-commit-config.yaml")
    lines = [f"linters configured: {', '.join(configured) or 'none'}"]
    if precommit:
        lines.append(".pre-commit-config.yaml present")
    if enforced:
        lines.append(f"enforced in CI: {', '.join(enforced[:3])}")
    if configured and (precommit or enforced):
        return Verdict.scored(10, *lines)
    if configured or precommit:
        return Verdict.scored(7, *lines, "not enforced by CI")
    return Verdict.scored(0, *lines)


CHECK = Check(
    id="maintenance.linters",
    category="maintenance",
    title="Linters configured and enforced",
    weight=2,
    evaluate=evaluate,
    remediation="Configure ruff in pyproject.toml and run `ruff check` in CI (or through pre-commit).",
    motivation="Linters catch bugs and keep reviews about design instead of style.",
)
