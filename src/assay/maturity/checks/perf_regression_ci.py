"""performance.regression-ci: CI compares benchmarks against a baseline on every change."""

from __future__ import annotations

from assay.maturity.checks.perf_benchmarks_present import benchmark_files
from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict

COMMANDS = (
    "assay perf",
    "--benchmark-compare",
    "asv continuous",
    "asv compare",
    "performance-regression-test",
    "codspeed",
    "benchmark-action/github-action-benchmark",
)


def evaluate(ev: Evidence) -> Verdict:
    if not benchmark_files(ev) and not ev.exists("asv.conf.json"):
        return Verdict.na("no benchmarks to compare")
    hits = ev.ci_mentions(*COMMANDS)
    if hits:
        return Verdict.scored(10, f"benchmark comparison in CI: {', '.join(hits[:5])}")
    if ev.ci_mentions("--benchmark-only", "pytest benchmarks"):
        return Verdict.scored(4, "CI runs benchmarks but never compares them with a baseline")
    return Verdict.scored(0, "no CI job compares benchmarks with a baseline")


CHECK = Check(
    id="performance.regression-ci",
    category="performance",
    title="Performance regression check in CI",
    weight=2,
    evaluate=evaluate,
    remediation="Run `assay perf compare --base origin/main --fail-on-regression` on pull requests.",
    motivation="Regressions caught at review time cost minutes; in production they cost incidents.",
    effort="medium",
)
