#!/usr/bin/env python3
"""The runtime security monitor daemon: a thin shim over `assay security monitor` for systemd and cron.
Exit codes are assay's: 0 ok, 1 changes/alerts found (--once) or no monitor running (--status), 2 bad input.

    security/runtime-security-monitor.py [--config security-config.json] [--watch DIR]... [--daemon | --once]
        [--http-port N] [--store PATH] [--interval SECONDS] [--repo PATH]
    security/runtime-security-monitor.py --update-threat-intel [--from PATH_OR_URL]... [--config FILE]
    security/runtime-security-monitor.py --status [--config FILE]
"""

from __future__ import annotations

import argparse
import sys

from assay.cli import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--config", help="monitor settings: JSON/TOML/YAML with the monitor's keys")
    parser.add_argument("--repo", default=".", help="repository / working directory (default: .)")
    parser.add_argument("--store", help="SQLite store (default: <repo>/.assay/assay.db)")
    parser.add_argument("--watch", action="append", default=[], help="directory to monitor (repeatable)")
    parser.add_argument("--http-port", type=int, help="HTTP API port (0 picks a free one and prints it)")
    parser.add_argument("--interval", type=float, help="seconds between full integrity checks")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--daemon", action="store_true", help="detach into the background")
    mode.add_argument("--once", action="store_true", help="one pass, then exit (1 when anything was found)")
    mode.add_argument("--status", action="store_true", help="what the running monitor watches")
    mode.add_argument("--update-threat-intel", action="store_true", help="fetch and install intel sources")
    parser.add_argument(
        "--from", dest="sources", action="append", default=[], help="intel source, repeatable"
    )
    parser.add_argument("--format", "-f", help="output format for --once/--status (table, json, ...)")
    args = parser.parse_args(argv)

    common = ["--repo", args.repo]
    if args.store:
        common += ["--store", args.store]
    config = ["--config", args.config] if args.config else []
    fmt = ["--format", args.format] if args.format else []
    if args.status:
        return run([*common, "security", "status", *config, *fmt])
    if args.update_threat_intel:
        sources = [x for s in args.sources for x in ("--from", s)]
        return run([*common, "security", "intel", "update", *config, *sources, *fmt])
    command = [*common, "security", "monitor", *config, *fmt]
    for path in args.watch:
        command += ["--watch", path]
    if args.http_port is not None:
        command += ["--http-port", str(args.http_port)]
    if args.interval is not None:
        command += ["--interval", str(args.interval)]
    if args.daemon:
        command.append("--daemon")
    if args.once:
        command.append("--once")
    return run(command)


if __name__ == "__main__":
    sys.exit(main())
