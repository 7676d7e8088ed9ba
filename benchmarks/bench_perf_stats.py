"""assay perf's decision on raw samples: the Mann-Whitney U test plus the bootstrap CI per benchmark."""

from __future__ import annotations

import random
from typing import Any

from assay.perf.stats import Rule, decide, mann_whitney_p


def _samples(n: int, scale: float, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [scale * (0.001 + rng.expovariate(10000)) for _ in range(n)]


BASE = _samples(300, 1.0, 1)
HEAD = _samples(300, 1.1, 2)


def test_decide_300_samples(benchmark: Any) -> None:
    decision = benchmark(decide, BASE, HEAD, Rule(resamples=500))
    assert decision.ratio is not None


def test_mann_whitney_300_samples(benchmark: Any) -> None:
    p = benchmark(mann_whitney_p, BASE, HEAD)
    assert 0.0 <= p <= 1.0
