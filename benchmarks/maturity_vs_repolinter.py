#!/usr/bin/env python3
"""Side by side: `assay score` against `repolinter lint` (npm) on the same checkouts.

    npm install -g repolinter      # once; needs the npm registry
    .venv/bin/python benchmarks/maturity_vs_repolinter.py [--rounds 5] [--sizes 10000 50000] [--history 3000]
        [--real] [--repo PATH ...]

Both run as a user runs them (a fresh process each round, wall time, median of the rounds), on synthetic
git checkouts made by bench_maturity.make_synthetic, on a repository with --history commits made by
bench_maturity.make_history (0: none), on the real public repositories of tests/data/real-repositories.toml
with --real (fetch them first: scripts/fetch-real-repositories.py), and on any --repo given. Prints a
Markdown table with a summary line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_maturity import make_history, make_synthetic  # the generators live beside this script
from maturity_real_repositories import fetcher

ASSAY = Path(sys.executable).with_name("assay")


def wall(cmd: list[str], rounds: int) -> tuple[float, subprocess.CompletedProcess[str]]:
    times = []
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)  # warm the page cache
    for _ in range(rounds):
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times), done


def repolinter_rules(output: str) -> tuple[int, int]:
    """(rules evaluated, rules ignored) from repolinter's default text output."""
    ran = sum(1 for line in output.splitlines() if line[:1] in ("✔", "✖", "⚠"))
    ignored = sum(1 for line in output.splitlines() if line.startswith("\N{INFORMATION SOURCE}"))
    return ran, ignored


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 50_000])
    parser.add_argument("--history", type=int, default=3_000, help="commits in the history repository")
    parser.add_argument("--real", action="store_true", help="add the fetched real public repositories")
    parser.add_argument("--repo", type=Path, action="append", default=[])
    args = parser.parse_args()
    repolinter = shutil.which("repolinter")
    if repolinter is None:
        print("repolinter is not installed: npm install -g repolinter", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        targets = [(f"synthetic {n:,} files", make_synthetic(Path(tmp) / f"r{n}", n)) for n in args.sizes]
        if args.history:
            targets.append(
                (f"{args.history:,} commits, 7 authors", make_history(Path(tmp) / "h", args.history))
            )
        if args.real:
            targets += real_repositories()
        targets += [(str(p), p) for p in args.repo]
        ratios: list[float] = []
        print(
            "| checkout | assay score | checks run (n/a) | repolinter lint | rules run (ignored) | speed-up |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for label, path in targets:
            out = Path(tmp) / "score.json"
            a_time, a_done = wall(
                [str(ASSAY), "--store", str(Path(tmp) / "s.db"), "score", str(path), "--no-record",
                 "-f", "json", "-o", str(out)],
                args.rounds,
            )  # fmt: skip
            if a_done.returncode not in (0, 1):
                print(f"assay failed on {path}: {a_done.stderr}", file=sys.stderr)
                return 1
            checks = json.loads(out.read_text())["checks"]
            na = sum(1 for c in checks if c["status"] == "not_applicable")
            r_time, r_done = wall([repolinter, "lint", str(path)], args.rounds)
            ran, ignored = repolinter_rules(r_done.stdout)
            ratios.append(r_time / a_time)
            print(
                f"| {label} | {a_time:.2f} s | {len(checks)} ({na}) | {r_time:.2f} s | {ran} ({ignored}) "
                f"| {r_time / a_time:.1f}x |"
            )
    median, low, high = statistics.median(ratios), min(ratios), max(ratios)
    print(f"\nspeed-up: median {median:.1f}x, lowest {low:.1f}x, highest {high:.1f}x")
    return 0


def real_repositories() -> list[tuple[str, Path]]:
    """The fetched trees of tests/data/real-repositories.toml, labelled by name and version."""
    fetch = fetcher()
    cache = fetch.default_cache()
    found = [(f"{r['name']} {r['version']}", fetch.tree_dir(cache, r)) for r in fetch.load_manifest()]
    return [(label, path) for label, path in found if path.is_dir()]


if __name__ == "__main__":
    sys.exit(main())
