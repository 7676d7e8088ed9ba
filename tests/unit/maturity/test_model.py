"""Levels and verdicts: the cut-offs users read in the docs hold exactly at their boundaries."""

from __future__ import annotations

import pytest

from assay.maturity.model import CheckStatus, Verdict, level_for


@pytest.mark.parametrize(
    ("percent", "level", "name"),
    [
        (0.0, 1, "Initial"),
        (49.9, 1, "Initial"),
        (50.0, 2, "Developing"),
        (74.9, 2, "Developing"),
        (75.0, 3, "Defined"),
        (89.9, 3, "Defined"),
        (90.0, 4, "Advanced"),
        (100.0, 4, "Advanced"),
    ],
)
def test_level_cut_offs(percent: float, level: int, name: str) -> None:
    reached = level_for(percent)
    assert (reached.number, reached.name) == (level, name)


@pytest.mark.parametrize(
    ("score", "status"),
    [
        (None, CheckStatus.NOT_APPLICABLE),
        (0, CheckStatus.FAIL),
        (0.1, CheckStatus.PARTIAL),
        (9.9, CheckStatus.PARTIAL),
        (10, CheckStatus.PASS),
    ],
)
def test_verdict_status(score: float | None, status: CheckStatus) -> None:
    verdict = Verdict.na("n/a") if score is None else Verdict.scored(score)
    assert verdict.status is status


def test_scores_are_clamped_to_0_10() -> None:
    assert Verdict.scored(14).score == 10
    assert Verdict.scored(-3).score == 0


def test_only_scored_statuses_count() -> None:
    assert {s for s in CheckStatus if s.counted} == {CheckStatus.PASS, CheckStatus.PARTIAL, CheckStatus.FAIL}
