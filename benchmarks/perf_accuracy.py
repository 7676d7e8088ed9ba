#!/usr/bin/env python3
"""Accuracy of `assay perf`'s verdicts on this machine, beside pytest-benchmark's own compare-fail.

A CPU-bound pytest-benchmark suite does work scaled by a known factor (1.00, 1.00, 1.08, 1.15). Each
trial runs the four variants interleaved (rotating order) for --rounds real pytest subprocesses each,
through assay's runner, then decides:
  - assay: the pooled raw samples, Mann-Whitney U + bootstrap CI + minimum effect (threshold 5% and 15%);
  - pytest-benchmark: `--benchmark-compare-fail=median:5%` on one run of each side (its own check class).
Then it times a full `assay perf compare` of a 10-benchmark suite in a git repo.

    .venv/bin/python benchmarks/perf_accuracy.py --trials 40 --rounds 4 [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pytest_benchmark.utils import PercentageRegressionCheck

from assay.perf.runner import SuiteOptions, pooled, run_suite
from assay.perf.stats import Rule, Verdict, decide
from assay.vcs import run_git

SUITE = """
import os

N = int(float(os.environ["ASSAY_ACCURACY_FACTOR"]) * 20000)


def work():
    total = 0
    for i in range(N):
        total += i * i
    return total


def test_cpu(benchmark):
    benchmark(work)
"""
VARIANTS = {"base": 1.0, "same": 1.0, "+8%": 1.08, "+15%": 1.15}
NAME = "bench_cpu.py::test_cpu"
THRESHOLDS = (0.03, 0.05, 0.10, 0.15)


def trial(project: Path, work: Path, rounds: int, options: SuiteOptions, index: int) -> dict[str, Any]:
    runs: dict[str, list[Any]] = {k: [] for k in VARIANTS}
    order = list(VARIANTS)
    for r in range(rounds):
        shift = (index + r) % len(order)  # rotate so no variant always runs first
        for key in order[shift:] + order[:shift]:
            os.environ["ASSAY_ACCURACY_FACTOR"] = str(VARIANTS[key])
            run = run_suite(project, options, work)
            if run.problem:
                raise SystemExit(f"suite did not run: {run.problem}")
            runs[key].append(run)
    samples = {k: pooled(v)[NAME].samples for k, v in runs.items()}
    first = {k: v[0].samples.benchmarks[NAME].samples for k, v in runs.items()}
    check = PercentageRegressionCheck("median", 5)
    out: dict[str, Any] = {}
    for key in ("same", "+8%", "+15%"):
        verdicts = {
            f"assay@{int(t * 100)}%": decide(samples["base"], samples[key], Rule(threshold=t)).verdict.value
            for t in THRESHOLDS
        }
        current = {"median": statistics.median(first[key])}
        compared = {"median": statistics.median(first["base"])}
        verdicts["pytest-benchmark median:5%"] = "regression" if check.fails(current, compared) else "pass"
        verdicts["ratio"] = statistics.median(samples[key]) / statistics.median(samples["base"])
        out[key] = verdicts
    return out


def full_compare_seconds(autoload: bool) -> float:
    """A 10-benchmark suite, two commits, `assay perf compare --base HEAD~1` with default settings."""
    with tempfile.TemporaryDirectory(prefix="assay-accuracy-repo-") as tmp:
        repo = Path(tmp)

        def git(*args: str) -> None:
            run_git(["-c", "user.name=a", "-c", "user.email=a@example.invalid", *args], repo)

        git("init", "-q", "-b", "main")
        body = "\n".join(
            f"def test_b{i}(benchmark):\n    benchmark(sorted, list(range({1000 * (i + 1)}, 0, -1)))\n"
            for i in range(10)
        )
        (repo / "benchmarks").mkdir()
        (repo / "benchmarks" / "test_suite.py").write_text(body)
        git("add", "-A")
        git("commit", "-q", "-m", "suite")
        (repo / "README").write_text("x\n")
        git("add", "-A")
        git("commit", "-q", "-m", "docs")
        assay = str(Path(sys.executable).with_name("assay"))
        start = time.perf_counter()
        proc = subprocess.run(
            [
                assay,
                "--repo",
                str(repo),
                "--store",
                str(repo.parent / "acc.db"),
                "perf",
                "compare",
                "--base",
                "HEAD~1",
                *([] if autoload else ["--no-plugin-autoload"]),
                "-f",
                "json",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"assay perf compare failed: {proc.stderr.strip()}")
        doc = json.loads(proc.stdout)
        assert len(doc["benchmarks"]) == 10, doc["benchmarks"]
        return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=4, help="runs of the suite per variant and trial")
    parser.add_argument("--max-time", type=float, default=0.05, help="--benchmark-max-time per run")
    parser.add_argument("--json", type=Path, help="write every trial's verdicts here")
    parser.add_argument("--skip-full-compare", action="store_true")
    ns = parser.parse_args()

    options = SuiteOptions(
        benchmarks="bench_cpu.py", max_time=ns.max_time, min_rounds=5, timeout=300, plugins=()
    )
    trials: list[dict[str, Any]] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="assay-accuracy-") as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        (project / "bench_cpu.py").write_text(SUITE)
        for index in range(ns.trials):
            trials.append(trial(project, Path(tmp) / "work", ns.rounds, options, index))
            print(
                f"trial {index + 1}/{ns.trials}: "
                + "; ".join(
                    f"{k} {v['assay@5%']}/{v['pytest-benchmark median:5%']} r={v['ratio']:.3f}"
                    for k, v in trials[-1].items()
                ),
                file=sys.stderr,
            )
    elapsed = time.perf_counter() - started
    if trials:
        report(trials, ns.rounds, ns.max_time, elapsed)
    full: dict[str, float] = {}
    if not ns.skip_full_compare:
        full["--no-plugin-autoload"] = full_compare_seconds(autoload=False)
        full["pytest plugins autoloaded"] = full_compare_seconds(autoload=True)
    for how, seconds in full.items():
        print(f"full `assay perf compare` of a 10-benchmark suite, default settings, {how}: {seconds:.1f}s")
    if ns.json:
        ns.json.write_text(
            json.dumps(
                {"trials": trials, "rounds": ns.rounds, "seconds": elapsed, "full_compare_seconds": full},
                indent=1,
            )
        )
    return 0


def report(trials: list[dict[str, Any]], rounds: int, max_time: float, elapsed: float) -> None:
    deciders = [*(f"assay@{int(t * 100)}%" for t in THRESHOLDS), "pytest-benchmark median:5%"]
    print(
        f"\n{len(trials)} trials x {rounds} rounds x 4 variants in {elapsed:.0f}s "
        f"(max-time {max_time}s per run)\n"
    )
    print("| change | " + " | ".join(f"{d}: regressions" for d in deciders) + " | median ratio |")
    print("|---|" + "---|" * (len(deciders) + 1))
    for key in ("same", "+8%", "+15%"):
        cells = []
        for d in deciders:
            hits = sum(1 for t in trials if t[key][d] == Verdict.REGRESSION)
            cells.append(f"{hits}/{len(trials)} ({hits / len(trials):.0%})")
        ratio = statistics.median(t[key]["ratio"] for t in trials)
        print(f"| {key} | " + " | ".join(cells) + f" | {ratio:.3f} |")
    for key in ("same", "+8%", "+15%"):
        counts: dict[str, int] = {}
        for t in trials:
            counts[t[key]["assay@5%"]] = counts.get(t[key]["assay@5%"], 0) + 1
        print(f"assay@5% verdicts for {key}: {dict(sorted(counts.items()))}")


if __name__ == "__main__":
    sys.exit(main())
