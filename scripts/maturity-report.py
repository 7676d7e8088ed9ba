#!/usr/bin/env python3
"""Score the repository and write the periodic maturity report: a thin shim over `assay score` and
`assay report` for cron and CI. Exit codes are assay's: 0 ok, 1 a threshold failed, 2 bad input.

    scripts/maturity-report.py [--repo PATH] [--output report.html] [--format html|markdown]
                               [--since DAYS] [--fail-under PERCENT] [--level-at-least N] [--no-score]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from assay.cli import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repo", default=".", help="repository to score (default: .)")
    parser.add_argument("--store", help="SQLite store (default: <repo>/.assay/assay.db)")
    parser.add_argument("--config", action="append", default=[], help="extra config file (repeatable)")
    parser.add_argument("--output", "-o", help="report file (default: stdout)")
    parser.add_argument("--format", "-f", choices=["html", "markdown"], help="default: by --output suffix")
    parser.add_argument("--since", type=float, default=90.0, help="days of history in the trend")
    parser.add_argument("--fail-under", type=float, help="exit 1 when the percent is below this")
    parser.add_argument("--level-at-least", type=int, help="exit 1 when the level is below this")
    parser.add_argument("--no-score", action="store_true", help="only render the report from stored scores")
    args = parser.parse_args(argv)

    common = ["--repo", args.repo, "--quiet"]
    if args.store:
        common += ["--store", args.store]
    for path in args.config:
        common += ["--config", path]
    score_code = 0
    if not args.no_score:
        with tempfile.TemporaryDirectory() as tmp:
            # The score is stored; its JSON goes to a scratch file so stdout carries only the report.
            score_args = [*common, "score", "--format", "json", "--output", str(Path(tmp) / "score.json")]
            if args.fail_under is not None:
                score_args += ["--fail-under", str(args.fail_under)]
            if args.level_at_least is not None:
                score_args += ["--level-at-least", str(args.level_at_least)]
            score_code = run(score_args)
        if score_code not in (0, 1):
            return score_code
    report_args = [*common, "report", "--since", str(args.since)]
    if args.output:
        report_args += ["--output", args.output]
    if args.format:
        report_args += ["--format", args.format]
    report_code = run(report_args)
    # A failed threshold still produces the report; the exit code tells cron/CI about it.
    return report_code or score_code


if __name__ == "__main__":
    sys.exit(main())
