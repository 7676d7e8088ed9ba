#!/usr/bin/env python3
"""Performance regression test: a thin shim over `assay perf` with the flags such scripts usually take.

  performance-regression-test.py                      run the suite, compare with the branch's baseline
  performance-regression-test.py --base origin/main   run base and head interleaved and compare
  performance-regression-test.py --update-baselines   run the suite and store it as the new baseline
Exit codes: 0 pass, 1 a benchmark regressed (with --fail-on-regression), 2 usage or input error.
"""

from __future__ import annotations

import argparse
import sys

DEFAULT_PROM = ".assay/metrics/perf.prom"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", help="compare against this git ref (interleaved runs in a worktree)")
    parser.add_argument("--update-baselines", action="store_true", help="store this run as the baseline")
    parser.add_argument("--force-update", action="store_true", help="replace this commit's baseline")
    parser.add_argument("--fail-on-regression", action="store_true", help="exit 1 if any benchmark regressed")
    parser.add_argument(
        "--export-prometheus",
        nargs="?",
        const=DEFAULT_PROM,
        metavar="PATH",
        help=f"write the perf metrics as a node_exporter textfile (default {DEFAULT_PROM})",
    )
    parser.add_argument(
        "--regression-threshold", type=float, metavar="X", help="minimum slowdown (0.15 = 15%%)"
    )
    parser.add_argument("--rounds", type=int, help="runs of the suite per side")
    parser.add_argument("--benchmarks", help="suite path or node id (default from configuration)")
    parser.add_argument("--format", dest="fmt", help="table, json, markdown, junit, github ...")
    parser.add_argument("--output", help="write the report to this file")
    parser.add_argument("--repo", default=".", help="repository (default: current directory)")
    parser.add_argument("--store", help="SQLite store (default .assay/assay.db)")
    parser.add_argument("--verbose", "-v", action="store_true", help="log each step")
    return parser


def commands(ns: argparse.Namespace) -> list[list[str]]:
    """The assay command lines this invocation stands for, in order."""
    common = (
        ["--repo", ns.repo] + (["--store", ns.store] if ns.store else []) + (["-v"] if ns.verbose else [])
    )
    suite = ["--benchmarks", ns.benchmarks] if ns.benchmarks else []
    if ns.update_baselines:
        run = [*common, "perf", "run", *suite, *(["--rounds", str(ns.rounds)] if ns.rounds else [])]
        update = [*common, "perf", "baseline", "update", *(["--force-update"] if ns.force_update else [])]
        return [run, update]
    args = [*common, "perf", *(["compare", "--base", ns.base] if ns.base else ["check"]), *suite]
    if ns.rounds:
        args += ["--rounds", str(ns.rounds)]
    if ns.regression_threshold is not None:
        args += ["--regression-threshold", str(ns.regression_threshold)]
    if ns.fail_on_regression:
        args.append("--fail-on-regression")
    if ns.export_prometheus:
        args += ["--export-prometheus", ns.export_prometheus]
    if ns.fmt:
        args += ["--format", ns.fmt]
    if ns.output:
        args += ["--output", ns.output]
    return [args]


def main(argv: list[str] | None = None) -> int:
    ns = build_parser().parse_args(argv)
    if ns.force_update and not ns.update_baselines:
        print("performance-regression-test: --force-update needs --update-baselines", file=sys.stderr)
        return 2
    from assay.cli import run

    for args in commands(ns):
        if ns.verbose:
            print("+ assay " + " ".join(args), file=sys.stderr)
        code = run(args)
        if code != 0:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
