"""security.binary-artifacts: no compiled binaries or archives committed to the repository."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict
from assay.results import Location

BINARY_SUFFIXES = (
    ".exe", ".dll", ".so", ".dylib", ".jar", ".war", ".ear", ".class", ".pyc", ".pyo", ".pyd", ".whl",
    ".egg", ".o", ".obj", ".a", ".lib", ".bin", ".apk", ".msi", ".deb", ".rpm", ".crx", ".elf",
)  # fmt: skip


def evaluate(ev: Evidence) -> Verdict:
    scope = ev.tracked if ev.is_git else frozenset(ev.files)
    found = [p for p in ev.with_suffix(*BINARY_SUFFIXES) if p in scope]
    if not found:
        return Verdict.scored(10, f"no binary artifacts among {len(scope):,} files")
    return Verdict.scored(
        10 - len(found),
        f"{len(found)} binary artifact(s) committed",
        *found[:10],
        locations=[Location(p) for p in found[:50]],
    )


CHECK = Check(
    id="security.binary-artifacts",
    category="security",
    title="No binary artifacts committed",
    weight=2,
    evaluate=evaluate,
    remediation="Remove compiled files from the repository, build them in CI, and add them to .gitignore.",
    motivation="A committed binary cannot be reviewed and may not match its source.",
)
