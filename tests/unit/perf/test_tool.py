"""Results built from decisions: the JSON contract, verdict statuses, history trends and bisect search."""

from __future__ import annotations

import random

from assay.formats import get_writer
from assay.perf.samples import BenchmarkSamples
from assay.perf.stats import Rule
from assay.perf.tool import bisect, compare_all, comparison_result, history_result, trend
from assay.results import Status


def samples(name: str, center: float, seed: int, n: int = 40) -> BenchmarkSamples:
    rng = random.Random(seed)
    return BenchmarkSamples(name, tuple(center * (1 + rng.uniform(-0.02, 0.02)) for _ in range(n)))


def test_comparison_json_has_the_documented_fields_per_benchmark() -> None:
    base = {"a": samples("a", 1e-3, 1), "b": samples("b", 1e-3, 2), "gone": samples("gone", 1e-3, 3)}
    head = {
        "a": samples("a", 2e-3, 4),
        "b": samples("b", 1e-3, 5),
        "new": samples("new", 1e-3, 6),
        "broken": BenchmarkSamples("broken", error="ValueError: x"),
    }
    result = comparison_result(
        compare_all(base, head, Rule()),
        Rule(),
        mode="compare",
        base_info={"label": "main"},
        head_info={"label": "feature"},
    )

    import json

    doc = json.loads(get_writer("json").render(result))
    assert doc["schema"] == "assay.perf/1"
    rows = {b["name"]: b for b in doc["benchmarks"]}
    a = rows["a"]
    assert set(a) >= {"name", "base", "head", "ratio", "ci_low", "ci_high", "p_value", "verdict"}
    assert set(a["base"]) >= {"median", "iqr", "n", "samples"}
    assert a["verdict"] == "regression" and 1.9 < a["ratio"] < 2.1
    assert rows["b"]["verdict"] == "unchanged"
    assert rows["gone"]["verdict"] == "missing" and rows["new"]["verdict"] == "missing"
    assert rows["broken"]["verdict"] == "error" and "ValueError: x" in rows["broken"]["reason"]
    statuses = {o.name: o.status for o in result.outcomes}
    assert (
        statuses["a"] == Status.FAIL and statuses["b"] == Status.PASS and statuses["broken"] == Status.ERROR
    )
    names = {(m.name, m.labels.get("benchmark")): m.value for m in result.measurements}
    assert names[("performance_test_regression_detected", "a")] == 1.0
    assert names[("performance_regressions", None)] == 1.0


def test_markdown_and_github_show_the_regression() -> None:
    result = comparison_result(
        compare_all({"a": samples("a", 1e-3, 1)}, {"a": samples("a", 2e-3, 2)}, Rule()),
        Rule(),
        mode="compare",
        base_info={"label": "main"},
        head_info={"label": "pr"},
    )

    md = get_writer("markdown").render(result)
    gh = get_writer("github").render(result)
    assert "| ❌ | a | fail | regression: " in md
    assert "-&gt; 2 ms (+100." in md
    assert gh.startswith("::error title=a::regression")
    junit = get_writer("junit").render(result)
    assert 'failures="1"' in junit and '<failure message="regression: ' in junit


def test_history_trend_at_five_percent() -> None:
    assert trend(None, 1.0, 0.05) == "-"
    assert trend(1.0, 1.06, 0.05) == "up"
    assert trend(1.0, 0.94, 0.05) == "down"
    assert trend(1.0, 1.04, 0.05) == "flat"
    points = [
        {"commit": c, "samples": samples("x", v, i).samples}
        for i, (c, v) in enumerate([("c1", 1.0), ("c2", 1.01), ("c3", 1.3)])
    ]
    result = history_result("x", points, 0.05)
    assert [p["trend"] for p in result.data["points"]] == ["-", "flat", "up"]
    assert result.data["overall"] == "up"


def test_bisect_finds_the_first_slow_commit_with_few_measurements() -> None:
    commits = [f"c{i}" for i in range(1, 9)]
    first_slow = 5
    measured: list[str] = []

    def measure(commit: str) -> tuple[BenchmarkSamples, str]:
        measured.append(commit)
        index = int(commit[1:])
        return samples("x", 1.5e-3 if index >= first_slow else 1e-3, index), "measured"

    found, steps = bisect(commits, samples("x", 1e-3, 0), measure, Rule())

    assert found == "c5"
    assert len(measured) <= 4  # the bad end, then log2(8) steps
    assert [s.commit for s in steps] == measured


def test_bisect_when_bad_is_not_slower() -> None:
    found, steps = bisect(
        ["c1", "c2"], samples("x", 1e-3, 0), lambda c: (samples("x", 1e-3, 9), "stored"), Rule()
    )
    assert found is None and steps[0].verdict == "unchanged"


def test_bisect_ignores_drift_that_is_nearer_good_than_bad() -> None:
    # The machine got 20% slower after good was measured; the real step (x3) is at c4.
    speeds = {"c1": 1.2e-3, "c2": 1.2e-3, "c3": 1.2e-3, "c4": 3e-3, "c5": 3e-3, "c6": 3e-3}

    found, steps = bisect(
        list(speeds),
        samples("x", 1e-3, 0),
        lambda c: (samples("x", speeds[c], int(c[1:])), "measured"),
        Rule(),
    )

    assert found == "c4"
    assert "nearer good" in {s.verdict for s in steps}
