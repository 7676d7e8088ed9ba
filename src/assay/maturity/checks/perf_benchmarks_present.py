"""performance.benchmarks-present: the project has benchmarks for its hot paths."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict


def benchmark_files(ev: Evidence) -> list[str]:
    """Benchmark modules (shared with the baseline and regression checks, computed once)."""

    def find() -> list[str]:
        found = [p for p in ev.python_files if p.startswith(("benchmarks/", "benchmark/", "bench/"))]
        named = ev.named_like("bench_*.py", "*_bench.py", "*_benchmark.py", "benchmark_*.py")
        return found + sorted(set(named) - set(found))

    return ev.memo("benchmark_files", find)


def evaluate(ev: Evidence) -> Verdict:
    found = benchmark_files(ev)
    asv = ev.exists("asv.conf.json")
    if found or asv:
        what = f"{len(found)} benchmark file(s), e.g. {found[0]}" if found else "asv.conf.json"
        return Verdict.scored(10, what)
    if not ev.python_files:
        return Verdict.na("no Python files")
    return Verdict.scored(0, "no benchmarks/ directory, bench_*.py files or asv configuration")


CHECK = Check(
    id="performance.benchmarks-present",
    category="performance",
    title="Benchmarks present",
    weight=2,
    evaluate=evaluate,
    remediation="Add pytest-benchmark suites under benchmarks/ for the code paths users wait on.",
    motivation="Without benchmarks, slowdowns are found by users.",
    effort="medium",
)
