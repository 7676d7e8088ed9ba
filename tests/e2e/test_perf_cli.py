"""`assay perf` and scripts/performance-regression-test.py as a user runs them (real subprocesses)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

SHIM = REPO_ROOT / "scripts" / "performance-regression-test.py"
TOY = "SCALE = {scale}\n\n\ndef work(n):\n    return sum(i * i for i in range(n * SCALE))\n"
BENCH = "from toy import work\n\n\ndef test_work(benchmark):\n    benchmark(work, 300)\n"


def _shim(repo: Path, store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(SHIM),
            "--repo",
            str(repo),
            "--store",
            str(store),
            "--benchmarks",
            "benchmarks",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=repo,
    )


@pytest.mark.slow
def test_shim_updates_baselines_then_fails_on_regression_and_exports_metrics(
    git_repo, tmp_path: Path
) -> None:
    git_repo.write("src/toy/__init__.py", TOY.format(scale=1))
    git_repo.write("benchmarks/test_toy.py", BENCH)
    git_repo.write("pyproject.toml", "[tool.assay.perf]\nmax_time = 0.02\nrounds = 2\n")
    git_repo.commit("toy")
    store = tmp_path / "perf.db"

    updated = _shim(git_repo.path, store, "--update-baselines", "--rounds", "2")
    assert updated.returncode == 0, updated.stderr
    assert "baseline 1: main@" in updated.stdout
    again = _shim(git_repo.path, store, "--update-baselines")
    assert again.returncode == 2 and "--force-update" in again.stderr
    assert _shim(git_repo.path, store, "--update-baselines", "--force-update").returncode == 0

    git_repo.write("src/toy/__init__.py", TOY.format(scale=4))
    git_repo.commit("four times slower")
    prom = tmp_path / "perf.prom"
    checked = _shim(
        git_repo.path,
        store,
        "--fail-on-regression",
        "--export-prometheus",
        str(prom),
        "--regression-threshold",
        "0.2",
        "--format",
        "json",
        "--verbose",
    )

    assert checked.returncode == 1, checked.stderr + checked.stdout
    assert "+ assay --repo" in checked.stderr and "perf check" in checked.stderr
    doc = json.loads(checked.stdout)
    assert doc["rule"]["regression_threshold"] == 0.2
    assert doc["benchmarks"][0]["verdict"] == "regression"
    assert 'performance_test_regression_detected{benchmark="benchmarks/test_toy.py::test_work"} 1.0' in (
        prom.read_text()
    )


def test_shim_rejects_force_without_update(tmp_path: Path) -> None:
    res = _shim(tmp_path, tmp_path / "s.db", "--force-update")
    assert res.returncode == 2
    assert "--force-update needs --update-baselines" in res.stderr


def test_import_reads_a_real_pytest_benchmark_json_and_rejects_bad_ones(
    assay_proc, git_repo, tmp_path: Path
) -> None:
    git_repo.write("test_b.py", "def test_sum(benchmark):\n    benchmark(sum, range(100))\n")
    git_repo.commit("bench")
    good = tmp_path / "good.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "test_b.py",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--benchmark-json={good}",
            "--benchmark-max-time=0.01",
        ],
        cwd=git_repo.path,
        check=True,
        capture_output=True,
    )
    store = tmp_path / "perf.db"

    ok = assay_proc("--repo", git_repo.path, "--store", store, "perf", "import", good, "-f", "json")
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout)["benchmarks"][0]["name"] == "test_b.py::test_sum"

    truncated = tmp_path / "cut.json"
    truncated.write_text(good.read_text()[:-40])
    old = tmp_path / "old.json"
    old.write_text(json.dumps({**json.loads(good.read_text()), "version": "2.1.0"}))
    for bad, message in ((truncated, "truncated pytest-benchmark JSON"), (old, "pytest-benchmark 2.1.0")):
        res = assay_proc("--repo", git_repo.path, "--store", store, "perf", "import", good, bad)
        assert res.exit_code == 2, res.stderr
        assert message in res.stderr and "Traceback" not in res.stderr
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (1,)  # the good import only


def test_perf_help_lists_the_commands(assay_proc) -> None:
    res = assay_proc("perf", "--help")
    assert res.exit_code == 0
    for command in ("run", "import", "baseline", "compare", "check", "bisect", "history"):
        assert f"  {command} " in res.stdout
