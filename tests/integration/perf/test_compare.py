"""`assay perf compare` on a real git repository: interleaved base/head runs in a worktree."""

from __future__ import annotations

import json
import sqlite3
import statistics
from pathlib import Path

import pytest

from assay.perf.stats import Rule, decide

pytestmark = pytest.mark.slow  # real pytest-benchmark runs in real git worktrees

FAST = ("--max-time", "0.02")


def _compare(assay_cli, repo, store: Path, *extra: str):
    return assay_cli("--repo", repo.path, "--store", store, "perf", "compare", "--rounds", "2", *FAST, *extra)


def test_slower_commit_is_a_regression_and_each_verdict_traces_to_its_samples(
    assay_cli, toy_repo, set_scale, store: Path
) -> None:
    set_scale(toy_repo, 4)
    toy_repo.commit("make work() four times slower")

    res = _compare(assay_cli, toy_repo, store, "--base", "HEAD~1", "-f", "json")

    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["schema"] == "assay.perf/1"
    by_name = {b["name"]: b for b in doc["benchmarks"]}
    work = by_name["benchmarks/test_toy.py::test_work"]
    assert work["verdict"] == "regression"
    assert work["ratio"] > 2
    assert work["ci_low"] > 1 and work["p_value"] < 0.01
    # The verdict is recomputed from the samples the JSON carries: nothing is hidden.
    for side in ("base", "head"):
        assert work[side]["n"] == len(work[side]["samples"])
        assert abs(work[side]["median"] - statistics.median(work[side]["samples"])) < 1e-12
    rule = Rule(
        threshold=doc["rule"]["regression_threshold"],
        alpha=doc["rule"]["alpha"],
        resamples=doc["rule"]["bootstrap_resamples"],
        seed=doc["rule"]["bootstrap_seed"],
    )
    again = decide(work["base"]["samples"], work["head"]["samples"], rule)
    assert again.verdict.value == work["verdict"]
    assert again.p_value == work["p_value"] and again.ci_low == work["ci_low"]
    assert by_name["benchmarks/test_toy.py::test_steady"]["verdict"] in ("unchanged", "inconclusive")
    assert doc["base"]["commit"] == toy_repo.git("rev-parse", "HEAD~1").strip()
    # Both sides' samples are stored at their own commits, so later bisects and checks reuse them.
    with sqlite3.connect(store) as conn:
        commits = {
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT r.commit_sha FROM perf_samples s JOIN runs r ON r.id = s.run_id"
            )
        }
        regressions = conn.execute(
            "SELECT value FROM measurements WHERE name = 'performance_regressions' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert commits == {doc["base"]["commit"], doc["head"]["commit"]}
    assert regressions == (1.0,)


def test_fail_on_regression_exits_1_and_writes_prometheus_textfile(
    assay_cli, toy_repo, set_scale, store: Path, tmp_path: Path
) -> None:
    set_scale(toy_repo, 4)
    toy_repo.commit("slower")
    prom = tmp_path / "perf.prom"

    res = _compare(
        assay_cli,
        toy_repo,
        store,
        "--base",
        "HEAD~1",
        "--fail-on-regression",
        "--export-prometheus",
        prom,
        "-f",
        "markdown",
    )

    assert res.exit_code == 1
    assert "regressed: benchmarks/test_toy.py::test_work" in res.stderr
    assert "| ❌ | test_toy.py::test_work | fail |" in res.stdout
    text = prom.read_text()
    assert 'performance_test_regression_detected{benchmark="benchmarks/test_toy.py::test_work"} 1.0' in text
    assert "performance_regressions 1.0" in text


def test_same_code_is_not_a_regression_and_a_dirty_tree_is_flagged(
    assay_cli, toy_repo, set_scale, store: Path
) -> None:
    toy_repo.write("README", "docs only\n")
    toy_repo.commit("docs only")
    toy_repo.write("README", "uncommitted edit\n")

    res = _compare(assay_cli, toy_repo, store, "--base", "HEAD~1", "--fail-on-regression", "-f", "json")

    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert {b["verdict"] for b in doc["benchmarks"]} <= {"unchanged", "inconclusive", "improvement"}
    assert doc["head"]["dirty"] is True
    assert "uncommitted changes" in res.stderr


def test_unknown_base_ref_is_exit_2_and_nothing_is_recorded(assay_cli, toy_repo, store: Path) -> None:
    res = _compare(assay_cli, toy_repo, store, "--base", "no-such-branch")

    assert res.exit_code == 2
    assert "git ref 'no-such-branch' does not exist" in res.stderr
    assert "Traceback" not in res.stderr
    if store.exists():
        with sqlite3.connect(store) as conn:
            assert conn.execute("SELECT count(*) FROM runs").fetchone() == (0,)
    assert "assay-perf" not in toy_repo.git("worktree", "list")


def test_base_without_benchmarks_reports_missing_instead_of_failing(
    assay_cli, git_repo, set_scale, store: Path
) -> None:
    git_repo.write("README", "before benchmarks\n")
    git_repo.commit("no benchmarks yet")
    set_scale(git_repo, 1)
    git_repo.write(
        "benchmarks/test_toy.py",
        "from toy import work\n\ndef test_work(benchmark):\n    benchmark(work, 50)\n",
    )
    git_repo.commit("add benchmarks")

    res = _compare(assay_cli, git_repo, store, "--base", "HEAD~1", "-f", "json")

    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert [b["verdict"] for b in doc["benchmarks"]] == ["missing"]
    assert any("base HEAD~1" in note and "not found" in note for note in doc["notes"])


def test_a_benchmark_that_errors_in_head_is_reported_per_benchmark(assay_cli, toy_repo, store: Path) -> None:
    toy_repo.write(
        "benchmarks/test_toy.py",
        toy_repo.path.joinpath("benchmarks/test_toy.py")
        .read_text()
        .replace("benchmark(work, 300)", "raise ValueError('broken in head')"),
    )
    toy_repo.commit("break one benchmark")

    res = _compare(assay_cli, toy_repo, store, "--base", "HEAD~1", "-f", "json")

    assert res.exit_code == 0, res.stderr
    by_name = {b["name"]: b for b in json.loads(res.stdout)["benchmarks"]}
    broken = by_name["benchmarks/test_toy.py::test_work"]
    assert broken["verdict"] == "error"
    assert "failed in head" in broken["reason"] and "broken in head" in broken["reason"]
    assert by_name["benchmarks/test_toy.py::test_steady"]["verdict"] != "error"


def test_no_benchmarks_collected_is_exit_2(assay_cli, git_repo, store: Path) -> None:
    git_repo.write("benchmarks/test_nothing.py", "X = 1\n")
    git_repo.commit("empty suite")

    res = assay_cli("--repo", git_repo.path, "--store", store, "perf", "run", *FAST)

    assert res.exit_code == 2
    assert "no benchmarks collected from benchmarks" in res.stderr
