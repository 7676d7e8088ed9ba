"""Baselines through the CLI on a real repository: update, force, list, show, restore, export, check."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # real pytest-benchmark runs in real git worktrees

FAST = ("--max-time", "0.02")


def _assay(assay_cli, repo, store: Path, *args: str):
    return assay_cli("--repo", repo.path, "--store", store, "perf", *args)


def _id(stdout: str) -> int:
    assert stdout.startswith("baseline "), stdout
    return int(stdout.split()[1].rstrip(":"))


def test_baseline_lifecycle_and_check(assay_cli, toy_repo, set_scale, store: Path, tmp_path: Path) -> None:
    res = _assay(assay_cli, toy_repo, store, "baseline", "update")
    assert res.exit_code == 2 and "run `assay perf run` first" in res.stderr

    assert _assay(assay_cli, toy_repo, store, "run", "--rounds", "2", *FAST, "-f", "json").exit_code == 0
    first = _assay(assay_cli, toy_repo, store, "baseline", "update")
    assert first.exit_code == 0, first.stderr
    assert first.stdout.startswith("baseline 1: main@")

    again = _assay(assay_cli, toy_repo, store, "baseline", "update")
    assert again.exit_code == 2 and "--force-update" in again.stderr
    forced = _assay(assay_cli, toy_repo, store, "baseline", "update", "--force-update")
    assert forced.exit_code == 0, forced.stderr
    fast_id = _id(forced.stdout)
    listed = json.loads(_assay(assay_cli, toy_repo, store, "baseline", "list", "-f", "json").stdout)
    assert [b["id"] for b in listed["baselines"]] == [fast_id]  # replaced, not added

    # A new commit gets its own baseline; the older one is kept and can be restored.
    set_scale(toy_repo, 4)
    toy_repo.commit("slower")
    assert _assay(assay_cli, toy_repo, store, "run", "--rounds", "2", *FAST).exit_code == 0

    check = _assay(assay_cli, toy_repo, store, "check", "--from-store", "--fail-on-regression", "-f", "json")
    assert check.exit_code == 1, check.stderr
    doc = json.loads(check.stdout)
    assert doc["base"]["baseline_id"] == fast_id
    verdicts = {b["name"]: b["verdict"] for b in doc["benchmarks"]}
    assert verdicts["benchmarks/test_toy.py::test_work"] == "regression"

    slow_id = _id(_assay(assay_cli, toy_repo, store, "baseline", "update").stdout)
    listed = json.loads(_assay(assay_cli, toy_repo, store, "baseline", "list", "-f", "json").stdout)
    assert [(b["id"], b["active"]) for b in listed["baselines"]] == [(slow_id, True), (fast_id, False)]

    shown = json.loads(
        _assay(assay_cli, toy_repo, store, "baseline", "show", str(fast_id), "-f", "json").stdout
    )
    assert {b["name"] for b in shown["benchmarks"]} == set(verdicts)
    assert all(b["n"] >= 5 for b in shown["benchmarks"])

    assert _assay(assay_cli, toy_repo, store, "baseline", "restore", str(fast_id)).exit_code == 0
    check2 = _assay(assay_cli, toy_repo, store, "check", "--from-store", "-f", "json")
    assert json.loads(check2.stdout)["base"]["baseline_id"] == fast_id

    missing = _assay(assay_cli, toy_repo, store, "baseline", "restore", "99")
    assert missing.exit_code == 2 and "no perf baseline with id 99" in missing.stderr

    # Export and import move baselines (and their fingerprints) to another store.
    exported = tmp_path / "baselines.json"
    assert _assay(assay_cli, toy_repo, store, "baseline", "export", exported).exit_code == 0
    other_store = tmp_path / "other.db"
    imported = _assay(assay_cli, toy_repo, other_store, "baseline", "import", exported)
    assert imported.exit_code == 0 and "imported 2 baselines" in imported.stdout


def test_baseline_from_another_machine_is_reported_never_compared(
    assay_cli, toy_repo, store: Path, tmp_path: Path
) -> None:
    assert _assay(assay_cli, toy_repo, store, "run", *FAST).exit_code == 0
    assert _assay(assay_cli, toy_repo, store, "baseline", "update").exit_code == 0
    exported = tmp_path / "b.json"
    assert _assay(assay_cli, toy_repo, store, "baseline", "export", exported).exit_code == 0
    doc = json.loads(exported.read_text())
    doc["baselines"][0]["machine_id"] = "0123456789abcdef"
    doc["baselines"][0]["machine"]["cpu_model"] = "Other CPU 9000"
    exported.write_text(json.dumps(doc))
    other = tmp_path / "other.db"
    assert _assay(assay_cli, toy_repo, other, "baseline", "import", exported).exit_code == 0
    assert _assay(assay_cli, toy_repo, other, "run", *FAST).exit_code == 0

    res = _assay(assay_cli, toy_repo, other, "check", "--from-store")

    assert res.exit_code == 2
    assert "recorded on another machine (Other CPU 9000" in res.stderr
    assert "not compared" in res.stderr
    with sqlite3.connect(other) as conn:
        kinds = [json.loads(r[0]).get("kind") for r in conn.execute("SELECT data FROM runs")]
    assert "check" not in kinds


def test_bad_baseline_export_files_are_exit_2_and_nothing_is_imported(
    assay_cli, toy_repo, store: Path, tmp_path: Path
) -> None:
    cases = {
        "truncated.json": '{"schema": "assay.perf.baselines/1", "baselines": [',
        "wrong.json": json.dumps({"schema": "something/1", "baselines": []}),
        "bad-samples.json": json.dumps(
            {
                "schema": "assay.perf.baselines/1",
                "baselines": [
                    {
                        "branch": "main",
                        "commit": "abc",
                        "machine_id": "m",
                        "machine": {},
                        "benchmarks": {"x": ["a"]},
                    }
                ],
            }
        ),
    }
    messages = {}
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        res = _assay(assay_cli, toy_repo, store, "baseline", "import", path)
        assert res.exit_code == 2, name
        messages[name] = res.stderr
    assert "not valid JSON" in messages["truncated.json"]
    assert "not an assay baselines export" in messages["wrong.json"]
    assert "baselines[0].benchmarks" in messages["bad-samples.json"]
    listed = json.loads(_assay(assay_cli, toy_repo, store, "baseline", "list", "-f", "json").stdout)
    assert listed["baselines"] == []


def test_check_without_any_baseline_is_exit_2(assay_cli, toy_repo, store: Path) -> None:
    res = _assay(assay_cli, toy_repo, store, "check", *FAST)

    assert res.exit_code == 2
    assert "no perf baseline for branch main" in res.stderr
