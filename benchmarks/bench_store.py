"""The store's write path: one Result with per-benchmark measurements recorded into a real SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assay.results import Measurement, Result
from assay.store import Store
from assay.vcs import RepoInfo

RESULT = Result(
    tool="perf",
    measurements=tuple(
        Measurement("performance_test_duration_seconds", 0.001 * i, {"benchmark": f"b{i}"}, "seconds")
        for i in range(50)
    ),
    data={"benchmarks": [{"name": f"b{i}"} for i in range(50)]},
)


def test_record_result_with_50_measurements(benchmark: Any, tmp_path: Path) -> None:
    repo = RepoInfo(root=tmp_path, commit="0" * 40, branch="main", dirty=False, is_git=True)
    with Store(tmp_path / "assay.db") as store:
        run_id = benchmark(store.record, RESULT, repo)
        assert len(store.measurements(run_id)) == 50


def test_latest_measurements_of_many_runs(benchmark: Any, tmp_path: Path) -> None:
    repo = RepoInfo(root=tmp_path, commit="0" * 40, branch="main", dirty=False, is_git=True)
    with Store(tmp_path / "assay.db") as store:
        for _ in range(30):
            store.record(RESULT, repo)
        latest = benchmark(store.latest_measurements, repo_root=tmp_path)
        assert len(latest["perf"][1]) == 50
