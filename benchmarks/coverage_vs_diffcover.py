#!/usr/bin/env python3
"""Diff coverage side by side with diff-cover on the same git diff and Cobertura XML, in one process
(interleaved rounds, medians), then as the commands users type. Reproduce:

    .venv/bin/python benchmarks/coverage_vs_diffcover.py [--rounds 15] [--modules 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_coverage_diff as fixture

BIN = Path(sys.executable).parent


def build(root: Path, modules: int) -> Path:
    fixture.MODULES = modules
    fixture.CHANGED_MODULES = max(1, modules // 10)

    class Factory:
        def mktemp(self, name: str) -> Path:
            return root

    return fixture.project.__wrapped__(Factory())  # type: ignore[attr-defined,no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--modules", type=int, default=300)
    args = parser.parse_args()
    from diff_cover.diff_cover_tool import main as diff_cover_main

    from assay.coverage.analysis import diff_only

    with tempfile.TemporaryDirectory() as tmp:
        project = build(Path(tmp), args.modules)
        os.chdir(project)  # diff-cover reads the report and git paths relative to the working directory
        ours: list[float] = []
        theirs: list[float] = []
        cli_ours: list[float] = []
        cli_theirs: list[float] = []
        argv = ["diff-cover", "coverage.xml", "--compare-branch", "main", "--format", "json:dc.json", "-q"]
        for _ in range(args.rounds):
            t = time.perf_counter()
            _, report = diff_only(project / "coverage.xml", project, "main", include_untracked=False)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            diff_cover_main(argv, directory=str(project))
            theirs.append(time.perf_counter() - t)
        for _ in range(max(3, args.rounds // 3)):
            t = time.perf_counter()
            subprocess.run(
                [str(BIN / "assay"), "-q", *fixture.DIFF_ARGS, "-o", "assay.json"], cwd=project, check=True
            )
            cli_ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            subprocess.run([str(BIN / "diff-cover"), *argv[1:]], cwd=project, check=True)
            cli_theirs.append(time.perf_counter() - t)
        print(
            f"{args.modules} modules, {report.changed_lines} changed executable lines, {args.rounds} rounds"
        )
        for label, a, b in (("in-process", ours, theirs), ("command line", cli_ours, cli_theirs)):
            ma, mb = statistics.median(a), statistics.median(b)
            print(
                f"{label:13s} assay {ma * 1000:7.1f} ms   diff-cover {mb * 1000:7.1f} ms   "
                f"diff-cover/assay {mb / ma:4.2f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
