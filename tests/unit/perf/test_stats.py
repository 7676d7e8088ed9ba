"""The decision rule: table-driven over samples with a known effect."""

from __future__ import annotations

import random

import pytest

from assay.perf.stats import Rule, Verdict, bootstrap_ratio_ci, decide, mann_whitney_p


def noisy(n: int, center: float, spread: float, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [center * (1 + rng.uniform(-spread, spread)) for _ in range(n)]


@pytest.mark.parametrize(
    ("head_center", "spread", "expected"),
    [
        (1.00, 0.02, Verdict.UNCHANGED),
        (1.30, 0.02, Verdict.REGRESSION),
        (0.70, 0.02, Verdict.IMPROVEMENT),
        (1.05, 0.02, Verdict.UNCHANGED),  # significant, but below the 15% minimum effect
    ],
)
def test_verdict_follows_effect_and_significance(
    head_center: float, spread: float, expected: Verdict
) -> None:
    base = noisy(60, 1.0, spread, 1)
    head = noisy(60, head_center, spread, 2)

    d = decide(base, head, Rule())

    assert d.verdict == expected, d.reason
    assert d.base.n == d.head.n == 60


def test_below_threshold_change_is_a_regression_with_a_lower_threshold() -> None:
    base, head = noisy(60, 1.0, 0.02, 1), noisy(60, 1.08, 0.02, 2)

    assert decide(base, head, Rule(threshold=0.15)).verdict == Verdict.UNCHANGED
    assert decide(base, head, Rule(threshold=0.05)).verdict == Verdict.REGRESSION


def test_a_large_but_noisy_change_is_inconclusive_with_advice() -> None:
    base = [1.0, 3.0, 0.5, 2.5, 1.2, 0.4]
    head = [1.6, 0.9, 3.5, 0.6, 2.9, 2.0]

    d = decide(base, head, Rule())

    assert d.verdict == Verdict.INCONCLUSIVE
    assert "add rounds" in d.reason


def test_too_few_samples_is_inconclusive() -> None:
    d = decide([1.0, 1.0, 1.1], [2.0, 2.1, 2.0], Rule(min_samples=5))

    assert d.verdict == Verdict.INCONCLUSIVE
    assert "too few samples (base 3, head 3; need 5)" in d.reason
    assert d.p_value is None and d.ratio is None


def test_zero_variance_samples() -> None:
    same = decide([0.002] * 10, [0.002] * 10, Rule())
    assert same.verdict == Verdict.UNCHANGED
    assert same.p_value == 1.0 and same.ratio == 1.0

    slower = decide([0.002] * 10, [0.003] * 10, Rule())
    assert slower.verdict == Verdict.REGRESSION
    assert slower.ci_low == slower.ci_high == pytest.approx(1.5)


def test_a_zero_base_median_is_inconclusive_not_a_division_error() -> None:
    d = decide([0.0] * 10, [1e-9] * 10, Rule())

    assert d.verdict == Verdict.INCONCLUSIVE
    assert "timer's resolution" in d.reason


def test_bootstrap_ci_is_reproducible_and_brackets_the_ratio() -> None:
    base, head = noisy(80, 1.0, 0.05, 3), noisy(80, 1.2, 0.05, 4)

    first = bootstrap_ratio_ci(base, head, confidence=0.99, resamples=1000, seed=7)
    second = bootstrap_ratio_ci(base, head, confidence=0.99, resamples=1000, seed=7)

    assert first == second
    assert first[0] < 1.2 < first[1]


def test_mann_whitney_matches_scipy_on_distinct_samples() -> None:
    from scipy.stats import mannwhitneyu

    base, head = noisy(30, 1.0, 0.1, 5), noisy(30, 1.1, 0.1, 6)

    assert mann_whitney_p(base, head) == pytest.approx(
        mannwhitneyu(head, base, alternative="two-sided", method="asymptotic").pvalue
    )
