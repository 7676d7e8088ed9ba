"""`assay perf bisect` and `assay perf history` over real commits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # real pytest-benchmark runs in real git worktrees

FAST = ("--max-time", "0.02")


def test_bisect_finds_the_first_slow_commit_and_prints_the_rollback(
    assay_cli, toy_repo, set_scale, store: Path
) -> None:
    good = toy_repo.git("rev-parse", "HEAD").strip()
    toy_repo.write("README", "one\n")
    toy_repo.commit("docs")
    set_scale(toy_repo, 4)
    culprit = toy_repo.commit("make work slower")
    toy_repo.write("README", "two\n")
    toy_repo.commit("more docs")
    toy_repo.write("README", "three\n")
    bad = toy_repo.commit("even more docs")

    bisect = ("--repo", toy_repo.path, "--store", store, "perf", "bisect", "--good", good, "--bad", bad)
    res = assay_cli(
        *bisect, "--benchmark", "benchmarks/test_toy.py::test_work", "--rounds", "1", *FAST, "-f", "json"
    )

    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["first_bad"] == culprit
    assert doc["rollback"] == {
        "command": f"git revert --no-edit {culprit}",
        "procedure": "docs/rollback.md#performance-baselines",
    }
    assert f"first slow commit: {culprit} make work slower" in res.stderr
    assert f"git revert --no-edit {culprit}" in res.stderr

    # The second bisect reuses the per-commit samples stored by the first one.
    again = assay_cli(*bisect, "--benchmark", "test_work", "-f", "json")
    assert again.exit_code == 0, again.stderr
    doc2 = json.loads(again.stdout)
    assert doc2["first_bad"] == culprit
    assert {s["source"] for s in doc2["steps"]} == {"stored"}


def test_bisect_unknown_ref_is_exit_2(assay_cli, toy_repo, store: Path) -> None:
    res = assay_cli(
        "--repo",
        toy_repo.path,
        "--store",
        store,
        "perf",
        "bisect",
        "--good",
        "nope",
        "--bad",
        "HEAD",
        "--benchmark",
        "test_work",
    )
    assert res.exit_code == 2
    assert "git ref 'nope' does not exist" in res.stderr


def test_history_shows_the_trend(assay_cli, toy_repo, set_scale, store: Path) -> None:
    args = ("--repo", toy_repo.path, "--store", store, "perf")
    assert assay_cli(*args, "run", *FAST).exit_code == 0
    set_scale(toy_repo, 4)
    toy_repo.commit("slower")
    assert assay_cli(*args, "run", *FAST).exit_code == 0

    res = assay_cli(*args, "history", "test_work", "-f", "json")

    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert [p["trend"] for p in doc["points"]] == ["-", "up"]
    assert doc["overall"] == "up"
    unknown = assay_cli(*args, "history", "no_such_bench")
    assert unknown.exit_code == 2 and "no stored benchmark named 'no_such_bench'" in unknown.stderr
