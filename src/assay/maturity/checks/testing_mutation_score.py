"""testing.mutation-score: the latest mutation score, when a mutation run has been stored."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict

FULL_MARKS = 80.0


def evaluate(ev: Evidence) -> Verdict:
    stored = ev.metric("mutation_score_percent")
    if not stored:
        return Verdict.na("no mutation score stored (run `assay coverage mutate`); inconclusive")
    m = stored[0]
    return Verdict.scored(
        10 * min(1.0, m.value / FULL_MARKS),
        f"mutation score {m.value:.1f}% at {m.commit[:12]} (full marks at {FULL_MARKS:.0f}%)",
    )


CHECK = Check(
    id="testing.mutation-score",
    category="testing",
    title="Mutation score",
    weight=2,
    evaluate=evaluate,
    remediation="Add assertions that kill the surviving mutants the mutation report lists.",
    motivation="Tests that execute code without checking its result let bugs survive.",
    effort="high",
)
