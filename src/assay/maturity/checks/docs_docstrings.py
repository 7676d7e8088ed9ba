"""documentation.docstrings: public functions, classes and methods have docstrings (lexical scan)."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict

FULL_MARKS = 0.8


def evaluate(ev: Evidence) -> Verdict:
    documented, total, parsed, considered = ev.docstrings
    if total == 0:
        return Verdict.na("no public functions or classes in Python source")
    ratio = documented / total
    sample = f" (a fixed sample of {parsed} of {considered} files)" if parsed < considered else ""
    return Verdict.scored(
        10 * min(1.0, ratio / FULL_MARKS),
        f"{documented} of {total} public definitions documented ({ratio:.0%}){sample}; full marks at 80%",
    )


CHECK = Check(
    id="documentation.docstrings",
    category="documentation",
    title="Docstrings on public API",
    weight=2,
    evaluate=evaluate,
    remediation="Document public functions and classes: what it does in one line, then surprising arguments.",
    motivation="Readers of an API should not have to read its body to use it.",
    effort="medium",
)
