"""performance.baselines: benchmark baselines are recorded, so a regression can be detected."""

from __future__ import annotations

from assay.maturity.checks.perf_benchmarks_present import benchmark_files
from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict


def evaluate(ev: Evidence) -> Verdict:
    stored = ev.metric("performance_test_duration_seconds")
    if stored:
        names = {m.labels.get("benchmark", "?") for m in stored}
        return Verdict.scored(
            10, f"baselines stored for {len(names)} benchmark(s) at {stored[0].commit[:12]}"
        )
    if not benchmark_files(ev) and not ev.exists("asv.conf.json"):
        return Verdict.na("no benchmarks, so no baselines to record")
    saved = [p for p in ev.under(".benchmarks") if p.endswith(".json")]
    if saved:
        return Verdict.scored(8, f"{len(saved)} pytest-benchmark result file(s) under .benchmarks/")
    return Verdict.scored(
        0, "benchmarks exist but no baseline is stored (`assay perf run`, `assay perf baseline update`)"
    )


CHECK = Check(
    id="performance.baselines",
    category="performance",
    title="Performance baselines recorded",
    weight=2,
    evaluate=evaluate,
    remediation="Record a baseline on the main branch: `assay perf run && assay perf baseline update`.",
    motivation="A benchmark with nothing to compare against cannot flag a regression.",
)
