"""The gate's hot paths: parsing a large policy, and deciding over a store with a long history
(2,500 runs, 100,000 measurements). Goal: a decision in under 50 ms, `assay gate` as a user runs it in
under 1 s. Run: .venv/bin/python -m pytest benchmarks/bench_gate.py --benchmark-only -p no:cacheprovider"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from assay.gates import GatesSection, Inputs, build_policy, evaluate, read_snapshot
from assay.results import Measurement, Result
from assay.store import Store
from assay.vcs import RepoInfo

COMMITS = 500
TOOLS = ("coverage", "security-scan", "perf", "maturity", "other")
SERIES_PER_RUN = 40
ASSAY = Path(sys.executable).with_name("assay")


def measurements(tool: str, i: int) -> tuple[Measurement, ...]:
    if tool == "coverage":
        head = [
            Measurement("test_coverage_diff_percent", 70 + i % 30),
            Measurement("test_coverage_overall", 85),
        ]
    elif tool == "security-scan":
        head = [Measurement("security_findings_new", i % 2, {"severity": s}) for s in ("high", "critical")]
        head += [Measurement("security_advisories", 0, {"severity": s}) for s in ("high", "critical")]
        head.append(Measurement("security_vulnerable_packages", 0))
    elif tool == "perf":
        head = [Measurement("performance_regressions", 0)]
    elif tool == "maturity":
        head = [Measurement("repository_maturity_level", 3)]
    else:
        head = []
    filler = [
        Measurement("performance_test_duration_seconds", 0.001 * n, {"benchmark": f"b{n}"})
        for n in range(SERIES_PER_RUN - len(head))
    ]
    return (*head, *filler)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RepoInfo, list[str]]:
    root = tmp_path_factory.mktemp("gate-bench")
    repo = RepoInfo(root=root, commit="", branch="main", dirty=False, is_git=True)
    shas = [f"{n:040x}" for n in range(COMMITS)]
    db = root / "assay.db"
    with Store(db) as store:
        for i, sha in enumerate(shas):
            for tool in TOOLS:
                store.record(Result(tool, measurements(tool, i)), replace(repo, commit=sha))
    return db, repo, shas


def policy_spec(profiles: int, conditions: int) -> dict[str, Any]:
    cond = [
        "test_coverage_diff_percent >= 80",
        {"condition": 'security_findings_new{severity=~"high|critical"} == 0', "severity": "warning"},
        "repository_maturity_level >= base - 1",
    ]
    return {
        "profiles": {
            f"p{n}": {
                "conditions": [
                    cond[i % 3] if i < 3 else f"performance_regressions <= {i}" for i in range(conditions)
                ]
            }
            for n in range(profiles)
        }
    }


def test_parse_a_large_policy(benchmark: Any) -> None:
    section = GatesSection.model_validate(policy_spec(100, 10))
    policy = benchmark(build_policy, section)
    assert len(policy.profiles) == 104


def test_decide_over_a_long_history(benchmark: Any, history: tuple[Path, RepoInfo, list[str]]) -> None:
    db, repo, shas = history
    profile = build_policy(GatesSection()).profile("pr")

    def decide() -> bool:
        with Store(db, readonly=True) as store:
            head = read_snapshot(store, repo.root, shas[-1])
            base = read_snapshot(store, repo.root, shas[-2])
        return evaluate(profile, Inputs(head, base, 100, "main")).passed

    benchmark(decide)


def test_assay_gate_as_a_user_runs_it(benchmark: Any, tmp_path: Path) -> None:
    """The whole command in a real repository: interpreter start, config, store, git, output."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@example.invalid",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@example.invalid",
    }
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "x"], cwd=tmp_path, check=True, env=env)
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.strip()
    repo = RepoInfo(root=tmp_path.resolve(), commit=sha, branch="main", dirty=False, is_git=True)
    with Store(tmp_path / ".assay" / "assay.db") as store:
        for tool in TOOLS:
            store.record(Result(tool, measurements(tool, 10)), repo)

    def gate() -> int:
        return subprocess.run(
            [str(ASSAY), "gate", "--no-record", "--format", "json"],
            cwd=tmp_path,
            capture_output=True,
            check=False,
        ).returncode

    assert gate() == 0
    benchmark.pedantic(gate, rounds=5, iterations=1)
