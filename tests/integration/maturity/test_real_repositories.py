"""`assay score` ranks 16 real public repositories the way an experienced engineer ranked them beforehand.

The trees and the expected tiers are in tests/data/real-repositories.toml (the tiers were committed before
any tree was scored). `make test` fetches the trees with scripts/fetch-real-repositories.py; without them
this test is skipped, except where ASSAY_REQUIRE_REAL_REPOS=1 (CI), where a missing tree is a failure.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import shutil
import socket
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from scipy.stats import spearmanr

from conftest import CliResult

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def fetch() -> Any:
    """scripts/fetch-real-repositories.py as a module (its name has dashes)."""
    spec = importlib.util.spec_from_file_location(
        "fetch_real", ROOT / "scripts" / "fetch-real-repositories.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def trees(fetch: Any) -> list[tuple[dict[str, str], Path]]:
    cache = fetch.default_cache()
    found = [(repo, fetch.tree_dir(cache, repo)) for repo in fetch.load_manifest()]
    missing = [repo["name"] for repo, _ in found if not fetch.is_fetched(cache, repo)]
    if missing:
        message = (
            f"real repositories not fetched ({', '.join(missing)}): run scripts/fetch-real-repositories.py"
        )
        if os.environ.get("ASSAY_REQUIRE_REAL_REPOS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_scores_follow_the_engineers_tiers(
    fetch: Any,
    trees: list[tuple[dict[str, str], Path]],
    assay_cli: Callable[..., CliResult],
    tmp_path: Path,
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

    by_tier = {t: [p for _, tier, p in scored if tier == t] for t in fetch.TIER_VALUE}
    # 1. every tier-A repository above every tier-C repository
    assert min(by_tier["A"]) > max(by_tier["C"]), table
    # 2. the mean falls strictly from A to B to C
    means = [sum(v) / len(v) for v in (by_tier["A"], by_tier["B"], by_tier["C"])]
    assert means[0] > means[1] > means[2], f"{means}\n{table}"
    # 3. rank correlation between the engineer's tier and assay's percentage
    rho = spearmanr([fetch.TIER_VALUE[t] for _, t, _ in scored], [p for *_, p in scored]).statistic
    assert rho >= 0.75, f"Spearman {rho:.2f}\n{table}"


def make_archive(mirror: Path, members: dict[str, str]) -> dict[str, str]:
    """A .tar.gz in a local "mirror" directory and its manifest entry, as the fetch script reads them."""
    archive = mirror / "pool" / "d" / "demo_1.0.orig.tar.gz"
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "w:gz") as tar:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    return {"name": "demo", "version": "1.0", "debian": "pool/d/demo_1.0.orig.tar.gz", "sha256": sha}


def test_fetch_unpacks_a_verified_tree_once(fetch: Any, tmp_path: Path) -> None:
    mirror, cache = tmp_path / "mirror", tmp_path / "cache"
    repo = make_archive(
        mirror, {"demo-1.0/README.md": "# demo\n", "demo-1.0/.github/workflows/ci.yml": "on: push\n"}
    )
    tree = fetch.fetch(repo, cache, mirror=mirror.as_uri() + "/")
    assert tree == cache / "demo-1.0"
    assert (tree / "README.md").read_text() == "# demo\n"  # the single top directory is flattened
    assert (tree / ".github" / "workflows" / "ci.yml").exists()
    assert fetch.is_fetched(cache, repo)
    assert sorted(p.name for p in cache.iterdir()) == ["demo-1.0", "demo-1.0.sha256"]  # no temp dir left
    shutil.rmtree(mirror)
    assert fetch.fetch(repo, cache, mirror=mirror.as_uri() + "/") == tree  # kept: nothing downloaded again


def test_fetch_refuses_a_checksum_mismatch_and_leaves_nothing(fetch: Any, tmp_path: Path) -> None:
    mirror, cache = tmp_path / "mirror", tmp_path / "cache"
    repo = make_archive(mirror, {"demo-1.0/README.md": "# demo\n"}) | {"sha256": "0" * 64}
    with pytest.raises(ValueError, match="sha256 mismatch"):
        fetch.fetch(repo, cache, mirror=mirror.as_uri() + "/")
    assert list(cache.iterdir()) == []


def test_fetch_refuses_a_member_outside_the_tree(fetch: Any, tmp_path: Path) -> None:
    mirror, cache = tmp_path / "mirror", tmp_path / "cache"
    repo = make_archive(mirror, {"demo-1.0/README.md": "# demo\n", "../escaped.txt": "gotcha\n"})
    with pytest.raises(tarfile.TarError):
        fetch.fetch(repo, cache, mirror=mirror.as_uri() + "/")
    assert list(cache.iterdir()) == []
    assert not (tmp_path / "escaped.txt").exists()


def test_fetch_stops_when_the_mirror_cannot_be_reached(fetch: Any, tmp_path: Path) -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    repo = {"name": "demo", "version": "1.0", "debian": "pool/d/demo.tar.gz", "sha256": "0" * 64}
    with pytest.raises(fetch.MirrorUnreachable):
        fetch.fetch(repo, tmp_path / "cache", mirror=f"http://127.0.0.1:{port}/")
