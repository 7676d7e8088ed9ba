"""The per-benchmark decision: Mann-Whitney U on raw samples, a bootstrap CI of the ratio of medians,
and a minimum effect size. Pure functions of the samples, so every verdict can be recomputed from them.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


class Verdict(enum.StrEnum):
    """The outcome of comparing one benchmark between base and head."""

    REGRESSION = "regression"
    IMPROVEMENT = "improvement"
    UNCHANGED = "unchanged"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"  # the benchmark failed on one side
    MISSING = "missing"  # the benchmark exists on one side only (new, removed, or the side did not run)


@dataclass(frozen=True)
class Summary:
    """Median, interquartile range and count of a benchmark's samples."""

    median: float
    iqr: float
    n: int

    def as_dict(self) -> dict[str, float | int]:
        """The summary as a JSON-ready dict."""
        return {"median": self.median, "iqr": self.iqr, "n": self.n}


@dataclass(frozen=True)
class Decision:
    """The verdict on one benchmark, with the head/base ratio, its confidence interval and p-value."""

    verdict: Verdict
    base: Summary
    head: Summary
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    reason: str


@dataclass(frozen=True)
class Rule:
    """How a difference becomes a verdict (see docs/perf.md)."""

    threshold: float = 0.15
    alpha: float = 0.01
    min_samples: int = 5
    resamples: int = 2000
    seed: int = 0

    @property
    def slower(self) -> float:
        """The head/base ratio above which a change is slower."""
        return 1.0 + self.threshold

    @property
    def faster(self) -> float:
        # Symmetric on a log scale: 15% slower and "1.15x faster" are the same size of effect.
        """The head/base ratio below which a change is faster (symmetric to ``slower`` on a log scale)."""
        return 1.0 / (1.0 + self.threshold)


def summarize(samples: Sequence[float]) -> Summary:
    """Median, IQR and count of the samples (NaN median and IQR when there are none)."""
    if not samples:
        return Summary(math.nan, math.nan, 0)
    arr = np.asarray(samples, dtype=float)
    q1, med, q3 = np.percentile(arr, [25, 50, 75])
    return Summary(float(med), float(q3 - q1), int(arr.size))


def mann_whitney_p(base: Sequence[float], head: Sequence[float]) -> float:
    """Two-sided Mann-Whitney U p value; 1.0 when every sample on both sides is the same value."""
    a = np.asarray(base, dtype=float)
    b = np.asarray(head, dtype=float)
    if np.ptp(np.concatenate([a, b])) == 0:
        return 1.0
    from scipy.stats import mannwhitneyu

    method = "asymptotic" if (a.size > 8 or b.size > 8 or _has_ties(a, b)) else "exact"
    p = float(mannwhitneyu(b, a, alternative="two-sided", method=method).pvalue)
    return 1.0 if math.isnan(p) else p


def _has_ties(a: np.ndarray, b: np.ndarray) -> bool:
    both = np.concatenate([a, b])
    return bool(np.unique(both).size < both.size)


def bootstrap_ratio_ci(
    base: Sequence[float], head: Sequence[float], *, confidence: float, resamples: int, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap CI of median(head) / median(base); seeded, so it is reproducible."""
    rng = np.random.default_rng(seed)
    a = _thin(np.asarray(base, dtype=float))
    b = _thin(np.asarray(head, dtype=float))
    ma = np.median(a[rng.integers(0, a.size, size=(resamples, a.size))], axis=1)
    mb = np.median(b[rng.integers(0, b.size, size=(resamples, b.size))], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = mb / ma
    ratios = ratios[np.isfinite(ratios)]
    if ratios.size == 0:
        return math.nan, math.nan
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(ratios, [tail, 100.0 - tail])
    return float(low), float(high)


BOOTSTRAP_MAX_SAMPLES = 2000


def _thin(arr: np.ndarray) -> np.ndarray:
    """Every k-th sample so at most BOOTSTRAP_MAX_SAMPLES remain: the cost stays bounded and the CI
    only gets wider (conservative), never narrower. The U test still uses every sample."""
    if arr.size <= BOOTSTRAP_MAX_SAMPLES:
        return arr
    step = -(-arr.size // BOOTSTRAP_MAX_SAMPLES)
    return arr[::step]


def untested(verdict: Verdict, base: Summary, head: Summary, reason: str) -> Decision:
    """A decision reached without the test: no ratio, CI or p value."""
    return Decision(verdict, base, head, None, None, None, None, reason)


def decide(base: Sequence[float], head: Sequence[float], rule: Rule) -> Decision:
    """Regression: significant (p < alpha and the CI above 1) and at least `threshold` slower.

    Improvement mirrors it. A large change that is not significant, or too few samples, is
    inconclusive; everything else is unchanged.
    """
    sb, sh = summarize(base), summarize(head)
    if sb.n < rule.min_samples or sh.n < rule.min_samples:
        return untested(
            Verdict.INCONCLUSIVE,
            sb,
            sh,
            f"too few samples (base {sb.n}, head {sh.n}; need {rule.min_samples}): add rounds",
        )
    if sb.median <= 0:
        return untested(
            Verdict.INCONCLUSIVE, sb, sh, "base median is 0: the benchmark is below the timer's resolution"
        )
    ratio = sh.median / sb.median
    p = mann_whitney_p(base, head)
    low, high = bootstrap_ratio_ci(
        base, head, confidence=1.0 - rule.alpha, resamples=rule.resamples, seed=rule.seed
    )
    significant = p < rule.alpha
    change = f"{(ratio - 1) * 100:+.1f}%"
    if significant and low > 1.0 and ratio >= rule.slower:
        verdict, reason = Verdict.REGRESSION, f"{change} slower (p={p:.2g})"
    elif significant and high < 1.0 and ratio <= rule.faster:
        verdict, reason = Verdict.IMPROVEMENT, f"{change} (p={p:.2g})"
    elif ratio >= rule.slower or ratio <= rule.faster:
        verdict = Verdict.INCONCLUSIVE
        reason = f"{change} but not significant (p={p:.2g}): too noisy, add rounds"
    elif significant:
        verdict, reason = (
            Verdict.UNCHANGED,
            f"{change}: significant but below the {rule.threshold:.0%} threshold",
        )
    else:
        verdict, reason = Verdict.UNCHANGED, f"{change} (p={p:.2g})"
    return Decision(verdict, sb, sh, ratio, low, high, p, reason)
