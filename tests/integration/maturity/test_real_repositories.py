"""`assay score` ranks 16 real public repositories the way an experienced engineer ranked them beforehand.

The trees and the expected tiers are in tests/data/real-repositories.toml (the tiers were committed before
any tree was scored). `make test` fetches the trees with scripts/fetch-real-repositories.py; without them
this test is skipped, except where ASSAY_REQUIRE_REAL_REPOS=1 (CI), where a missing tree is a failure.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from scipy.stats import spearmanr

from conftest import CliResult

ROOT = Path(__file__).resolve().parents[3]
TIER_VALUE = {"A": 3, "B": 2, "C": 1}


def fetcher() -> Any:
    """scripts/fetch-real-repositories.py as a module (its name has dashes)."""
    spec = importlib.util.spec_from_file_location(
        "fetch_real", ROOT / "scripts" / "fetch-real-repositories.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def trees() -> list[tuple[dict[str, str], Path]]:
    fetch = fetcher()
    cache = fetch.default_cache()
    found = [(repo, fetch.tree_dir(cache, repo)) for repo in fetch.load_manifest()]
    missing = [repo["name"] for repo, path in found if not path.is_dir()]
    if missing:
        message = (
            f"real repositories not fetched ({', '.join(missing)}): run scripts/fetch-real-repositories.py"
        )
        if os.environ.get("ASSAY_REQUIRE_REAL_REPOS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_scores_follow_the_engineers_tiers(
    trees: list[tuple[dict[str, str], Path]], assay_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    scored: list[tuple[str, str, float]] = []
    for repo, path in trees:
        out = tmp_path / f"{repo['name']}.json"
        result = assay_cli(
            "--store", tmp_path / "s.db", "score", path, "--no-record", "-f", "json", "-o", out
        )
        assert result.exit_code == 0, result.stderr
        report = json.loads(out.read_text())
        statuses = {c["status"] for c in report["checks"]}
        assert "error" not in statuses, f"{repo['name']}: a check crashed on a real tree"
        scored.append((repo["name"], repo["tier"], float(report["percent"])))
    table = "\n".join(f"{tier} {name:14} {percent:5.1f}" for name, tier, percent in scored)

    by_tier = {t: [p for _, tier, p in scored if tier == t] for t in TIER_VALUE}
    # 1. every tier-A repository above every tier-C repository
    assert min(by_tier["A"]) > max(by_tier["C"]), table
    # 2. the mean falls strictly from A to B to C
    means = [sum(v) / len(v) for v in (by_tier["A"], by_tier["B"], by_tier["C"])]
    assert means[0] > means[1] > means[2], f"{means}\n{table}"
    # 3. rank correlation between the engineer's tier and assay's percentage
    rho = spearmanr([TIER_VALUE[t] for _, t, _ in scored], [p for *_, p in scored]).statistic
    assert rho >= 0.75, f"Spearman {rho:.2f}\n{table}"


def test_fetch_refuses_a_tree_whose_checksum_does_not_match(tmp_path: Path) -> None:
    """A tampered or truncated download is never unpacked into the cache."""
    fetch = fetcher()
    repo = dict(fetch.load_manifest()[-1])  # the smallest archive
    repo["sha256"] = "0" * 64
    try:
        fetch.fetch(repo, tmp_path)
    except OSError as exc:  # no route to the Debian mirror from this machine
        pytest.skip(f"deb.debian.org unreachable: {exc}")
    except ValueError as exc:
        assert "sha256 mismatch" in str(exc)
    else:
        pytest.fail("a checksum mismatch was accepted")
    assert not fetch.tree_dir(tmp_path, repo).exists()
