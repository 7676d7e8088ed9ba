"""ci.tests-in-ci: the CI definition actually runs the test suite."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict

TEST_COMMANDS = (
    "pytest",
    "python -m unittest",
    "tox",
    "nox",
    "make test",
    "hatch test",
    "hatch run test",
    "make check",
    ".ci/run",
    "stestr",
    "assay coverage run",
)


def evaluate(ev: Evidence) -> Verdict:
    if not ev.ci_text:
        return Verdict.scored(0, "no CI configuration, so no tests run in CI")
    hits = ev.ci_mentions(*TEST_COMMANDS)
    if hits:
        return Verdict.scored(10, f"tests run in: {', '.join(hits[:5])}")
    return Verdict.scored(0, f"none of {len(ev.ci_text)} CI file(s) runs pytest, tox, nox or make test")


CHECK = Check(
    id="ci.tests-in-ci",
    category="ci",
    title="Tests run in CI",
    weight=3,
    evaluate=evaluate,
    remediation="Add a CI step that runs the test suite, e.g. `run: python -m pytest`.",
    motivation="A test suite that CI does not run protects nothing at merge time.",
)
