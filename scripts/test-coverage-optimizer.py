#!/usr/bin/env python3
"""Test coverage optimizer: a thin shim over `assay coverage` with the flags such scripts usually take.

  test-coverage-optimizer.py                         analyse ./.coverage (run the tests first if missing)
  test-coverage-optimizer.py --run                   run the test suite under coverage, then analyse
  test-coverage-optimizer.py --target 0.90           exit 1 when total coverage is below 90%
  test-coverage-optimizer.py --base origin/main      also report coverage of the changed lines
  test-coverage-optimizer.py --generate-templates    write skipped pytest templates to tests/generated/
  test-coverage-optimizer.py --export-metrics        write coverage-analysis/coverage-metrics.prom
  test-coverage-optimizer.py --mutation-testing      mutate (changed functions with --base) with mutmut 3
Exit codes: 0 pass, 1 a target failed, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assay.cli import run


def _percent(text: str) -> float:
    value = float(text)
    if value < 0 or value > 100:
        raise argparse.ArgumentTypeError(f"target must be a fraction (0.9) or a percent (90), got {text}")
    return value * 100 if value <= 1 else value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repo", default=".", help="project root (default: .)")
    parser.add_argument("--data", help="coverage data: .coverage, coverage JSON or Cobertura XML")
    parser.add_argument("--run", action="store_true", help="run the tests under coverage first")
    parser.add_argument("--target", type=_percent, help="minimum total coverage: 0.90 or 90")
    parser.add_argument("--base", help="git ref to measure diff coverage (and scope mutation) against")
    parser.add_argument("--top", type=int, default=20, help="ranked gaps to show (default 20)")
    parser.add_argument("--generate-templates", action="store_true", help="write test templates")
    parser.add_argument("--templates-dir", default="tests/generated", help="where templates go")
    parser.add_argument("--export-metrics", action="store_true", help="write the Prometheus textfile")
    parser.add_argument("--report", action="store_true", help="write coverage-report-<timestamp>.md")
    parser.add_argument("--mutation-testing", action="store_true", help="run mutmut 3")
    parser.add_argument("--budget", type=float, help="seconds mutation testing may take")
    parser.add_argument("--min-mutation-score", type=float, help="exit 1 below this mutation score")
    parser.add_argument(
        "--format", "-f", default="table", choices=["table", "json", "markdown", "sarif", "github"]
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="more logging, tracebacks of bugs")
    args = parser.parse_args(argv)

    common = ["--repo", args.repo] + (["-v"] if args.verbose else [])
    data = Path(args.data) if args.data else Path(args.repo) / ".coverage"
    command = "run" if args.run or (args.data is None and not data.exists()) else "analyze"
    analyse = [*common, "coverage", command, "--top", str(args.top), "--format", args.format]
    if command == "analyze" and args.data:
        analyse += ["--data", args.data]
    if args.target is not None:
        analyse += ["--fail-under", str(args.target)]
    if args.base:
        analyse += ["--base", args.base]
    if args.export_metrics:
        analyse += ["--export-metrics"]
    if args.report:
        analyse += ["--write-report"]
    codes = [run(analyse)]
    if codes[0] not in (0, 1):
        return codes[0]
    if args.generate_templates:
        templates = [*common, "coverage", "templates", "--out", args.templates_dir, "--format", args.format]
        if args.data:
            templates += ["--data", args.data]
        codes.append(run(templates))
    if args.mutation_testing:
        mutate = [*common, "coverage", "mutate", "--format", args.format]
        if args.base:
            mutate += ["--base", args.base]
        if args.budget is not None:
            mutate += ["--budget", str(args.budget)]
        if args.min_mutation_score is not None:
            mutate += ["--min-score", str(args.min_mutation_score)]
        codes.append(run(mutate))
    return max(codes)


if __name__ == "__main__":
    sys.exit(main())
