#!/usr/bin/env python3
"""The ranking of real public repositories: assay's scores beside the engineer's tiers.

    .venv/bin/python scripts/fetch-real-repositories.py     # once: 16 trees from deb.debian.org, 17.6 MB
    .venv/bin/python benchmarks/maturity_real_repositories.py [--json-dir DIR]

Scores every tree of tests/data/real-repositories.toml with `assay score` (a fresh process each, as a user
runs it) and prints a Markdown table, the tier means and Spearman's rank correlation: the figures in
docs/maturity.md. tests/integration/maturity/test_real_repositories.py asserts the same criteria.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parent.parent
ASSAY = Path(sys.executable).with_name("assay")


def fetcher() -> ModuleType:
    """scripts/fetch-real-repositories.py as a module (its name has dashes)."""
    spec = importlib.util.spec_from_file_location(
        "fetch_real", ROOT / "scripts" / "fetch-real-repositories.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json-dir", type=Path, default=None, help="keep each score's JSON here")
    args = parser.parse_args()
    fetch = fetcher()
    cache = fetch.default_cache()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = args.json_dir or Path(tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        for repo in fetch.load_manifest():
            path = fetch.tree_dir(cache, repo)
            if not path.is_dir():
                print(
                    f"{repo['name']} is not fetched: run scripts/fetch-real-repositories.py", file=sys.stderr
                )
                return 2
            out = out_dir / f"{repo['name']}.json"
            cmd = [str(ASSAY), "--store", str(Path(tmp) / "s.db"), "score", str(path), "--no-record",
                   "-f", "json", "-o", str(out)]  # fmt: skip
            subprocess.run(cmd, check=True, capture_output=True)
            report = json.loads(out.read_text())
            checks = report["checks"]
            counted = sum(1 for c in checks if c["status"] not in ("not_applicable", "exempt", "error"))
            rows.append((repo, report["percent"], report["level"], counted, len(checks)))
    print("| tier | repository | version | assay score | level | checks counted |")
    print("|---|---|---|---:|---:|---:|")
    for repo, percent, level, counted, total in rows:
        name, version, tier = repo["name"], repo["version"], repo["tier"]
        print(f"| {tier} | {name} | {version} | {percent:.1f}% | {level} | {counted} of {total} |")
    print()
    for tier in fetch.TIER_VALUE:
        values = [p for r, p, *_ in rows if r["tier"] == tier]
        mean = sum(values) / len(values)
        print(f"tier {tier}: mean {mean:.1f}%, min {min(values):.1f}%, max {max(values):.1f}%")
    rho = spearmanr([fetch.TIER_VALUE[r["tier"]] for r, *_ in rows], [p for _, p, *_ in rows]).statistic
    print(f"Spearman's rank correlation, tier vs score: {rho:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
