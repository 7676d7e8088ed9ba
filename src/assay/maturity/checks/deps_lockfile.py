"""dependencies.lockfile: dependencies are locked or pinned, so builds are reproducible."""

from __future__ import annotations

import re

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict

LOCKS = ("poetry.lock", "uv.lock", "Pipfile.lock", "pdm.lock", "pylock.toml", "conda-lock.yml")
SPECIFIER = re.compile(r"[<>=~!]=?|@")


def requirement_lines(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith(("-", "--")):
            out.append(line)
    return out


def evaluate(ev: Evidence) -> Verdict:
    locks = [p for p in LOCKS if ev.exists(p)]
    if locks:
        return Verdict.scored(10, f"lock file: {', '.join(locks)}")
    reqs = [p for p in ev.named_like("requirements*.txt", "constraints*.txt") if p.count("/") <= 1]
    if reqs:
        lines = [line for p in reqs for line in requirement_lines(ev.text(p) or "")]
        pinned = [line for line in lines if "==" in line or "--hash" in line]
        if lines and len(pinned) == len(lines):
            return Verdict.scored(10, f"all {len(lines)} requirement(s) pinned with == in {', '.join(reqs)}")
        if lines:
            return Verdict.scored(
                5, f"{len(pinned)} of {len(lines)} requirement(s) pinned in {', '.join(reqs)}"
            )
    project = ev.pyproject.get("project", {})
    deps = project.get("dependencies", []) if isinstance(project, dict) else []
    if not isinstance(deps, list):
        deps = []
    if not deps and not reqs:
        if ev.exists("setup.py"):
            return Verdict.scored(3, "setup.py declares dependencies; no lock or pinned requirements")
        return Verdict.na("no declared dependencies")
    bounded = [d for d in deps if SPECIFIER.search(str(d))]
    if deps and len(bounded) == len(deps):
        return Verdict.scored(
            6,
            f"all {len(deps)} dependencies in pyproject.toml have version bounds (library style), "
            "but no lock or constraints file pins what CI installs",
        )
    return Verdict.scored(3, f"{len(deps) - len(bounded)} of {len(deps)} dependencies have no version bound")


CHECK = Check(
    id="dependencies.lockfile",
    category="dependencies",
    title="Dependencies locked or pinned",
    weight=2,
    evaluate=evaluate,
    remediation="Commit a lock file (uv lock / poetry lock) or a fully pinned constraints.txt used by CI.",
    motivation="Unpinned dependencies make yesterday's green build red without a single commit.",
)
