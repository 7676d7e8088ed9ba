"""testing.test-ratio: how much test code there is for the code it tests (bytes of Python)."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict

TARGET = 0.5  # half a byte of test per byte of code earns full marks


def evaluate(ev: Evidence) -> Verdict:
    source = sum(ev.size(p) for p in ev.source_files)
    tests = sum(ev.size(p) for p in ev.test_files)
    if source == 0:
        return Verdict.na("no Python source outside tests")
    ratio = tests / source
    return Verdict.scored(
        10 * min(1.0, ratio / TARGET),
        f"test code / source code = {ratio:.2f} ({tests:,} / {source:,} bytes; full marks at {TARGET})",
    )


CHECK = Check(
    id="testing.test-ratio",
    category="testing",
    title="Test-to-code ratio",
    weight=2,
    evaluate=evaluate,
    remediation="Write tests for the modules that have none; `assay coverage analyze` ranks them.",
    motivation="Very little test code for a lot of product code usually means untested behaviour.",
    effort="high",
)
