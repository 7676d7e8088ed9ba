"""`assay gate` end to end over a real git repository and a real SQLite store."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from assay.results import Measurement, Result
from assay.store import Store
from assay.vcs import repo_info
from conftest import CliResult, GitRepo

Cli = Callable[..., CliResult]


def record(repo: GitRepo, tool: str, measurements: Sequence[Measurement], commit: str | None = None) -> None:
    info = repo_info(repo.path)
    if commit is not None:
        info = replace(info, commit=commit)
    with Store(repo.path / ".assay" / "assay.db") as store:
        store.record(Result(tool, tuple(measurements)), info)


def healthy(repo: GitRepo, commit: str | None = None, *, coverage: float = 90, level: float = 3) -> None:
    record(
        repo,
        "coverage",
        [Measurement("test_coverage_diff_percent", coverage), Measurement("test_coverage_overall", coverage)],
        commit,
    )
    record(
        repo,
        "security-scan",
        [
            Measurement("security_findings", 0, {"tool": "bandit", "severity": "low"}),
            Measurement("security_vulnerable_packages", 0),
        ],
        commit,
    )
    record(repo, "perf", [Measurement("performance_regressions", 0)], commit)
    record(repo, "maturity", [Measurement("repository_maturity_level", level)], commit)


def gate_runs(repo: GitRepo) -> int:
    db = repo.path / ".assay" / "assay.db"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM runs WHERE tool = 'gate'").fetchone()[0])


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("app.py", "def f():\n    return 1\n")
    git_repo.write(".gitignore", ".assay/\n")
    git_repo.commit("initial")
    return git_repo


def test_healthy_change_passes_and_the_gate_records_its_own_metrics(repo: GitRepo, assay_cli: Cli) -> None:
    healthy(repo)
    res = assay_cli("--repo", repo.path, "gate", "--format", "json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["schema"] == "assay.gate/1"
    assert doc["passed"] is True
    assert doc["profile"] == "pr"
    # On main itself there is no base: the maturity comparison is skipped, everything else passes.
    assert [c["outcome"] for c in doc["conditions"]] == ["pass", "pass", "pass", "pass", "skip"]
    with Store(repo.path / ".assay" / "assay.db", readonly=True) as store:
        run = store.latest_run("gate")
        assert run is not None
        values = {m.name: m.value for m in store.measurements(run.id) if m.name == "quality_gate_passed"}
    assert values == {"quality_gate_passed": 1.0}


def test_failing_change_exits_1_with_reasons_fix_hints_and_the_rollback_link(
    repo: GitRepo, assay_cli: Cli
) -> None:
    healthy(repo, coverage=55)
    record(
        repo,
        "security-scan",
        [
            Measurement("security_findings_new", 1, {"severity": "high"}),
            Measurement("security_vulnerable_packages", 0),
        ],
    )
    res = assay_cli("--repo", repo.path, "gate", "--profile", "pr", "--format", "json")
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    failed = {c["metric"]: c for c in doc["conditions"] if c["outcome"] == "fail"}
    assert set(failed) == {"test_coverage_diff_percent", "security_findings_new"}
    assert failed["test_coverage_diff_percent"]["actual"] == 55.0
    assert "assay coverage analyze" in failed["test_coverage_diff_percent"]["fix"]
    assert "assay security scan" in failed["security_findings_new"]["fix"]
    assert res.stderr.startswith("assay: failed: gate pr FAILED: 2 passed, 2 failed")
    # This is main itself: the failure says main is broken and where the rollback procedure is.
    assert "main itself is failing: follow docs/rollback.md#a-bad-merge-detected-after-the-fact" in res.stderr
    assert "main is already broken: follow docs/rollback.md#" in failed["security_findings_new"]["message"]


def test_missing_measurement_fails_or_warns_as_configured(repo: GitRepo, assay_cli: Cli) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("more.py", "".join(f"x{i} = {i}\n" for i in range(30)))
    repo.commit("a change of 30 lines")
    record(repo, "perf", [Measurement("performance_regressions", 0)])
    res = assay_cli("--repo", repo.path, "gate", "--format", "json")
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    missing = {c["metric"]: c["message"] for c in doc["conditions"] if c["outcome"] == "missing"}
    assert "run `assay coverage run --base main`" in missing["test_coverage_diff_percent"]
    assert "run `assay score`" in missing["repository_maturity_level"]
    warned = assay_cli("--repo", repo.path, "gate", "--missing", "warn", "--format", "json")
    assert warned.exit_code == 0
    assert {c["status"] for c in json.loads(warned.stdout)["conditions"]} == {"pass", "warn"}
    repo.write("pyproject.toml", '[tool.assay.gates]\nmissing = "warn"\n')
    assert assay_cli("--repo", repo.path, "gate", "--format", "json").exit_code == 0


def test_base_comparison_and_small_change_exemption(repo: GitRepo, assay_cli: Cli) -> None:
    base = repo.git("rev-parse", "HEAD").strip()
    healthy(repo, base, level=3)
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("app.py", "def f():\n    return 2\n")  # a one-line change
    repo.commit("small change")
    healthy(repo, coverage=0, level=2)
    res = assay_cli("--repo", repo.path, "gate", "--base", "main", "--format", "json")
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    by_metric = {c["metric"]: c for c in doc["conditions"]}
    assert doc["base"] == base and doc["changed_lines"] == 1
    assert by_metric["test_coverage_diff_percent"]["outcome"] == "skip"  # 1 < 20 changed lines
    level = by_metric["repository_maturity_level"]
    assert (level["outcome"], level["actual"], level["base_value"]) == ("fail", 2.0, 3.0)
    assert "main is already broken" not in level["message"]  # a branch, not main
    assert "If this commit is already on main" in doc["summary"]
    # Without --base the default branch is the base, the same decision.
    assert json.loads(assay_cli("--repo", repo.path, "gate", "--format", "json").stdout)["base"] == base
    healthy(repo, level=3)
    assert assay_cli("--repo", repo.path, "gate", "--base", "main", "--format", "json").exit_code == 0


@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        (
            '[tool.assay.gates.profiles.pr]\nconditions = ["coverage.diff.percent >= 80"]\n',
            "unknown metric 'coverage.diff.percent' (the catalogue has: ",
        ),
        (
            '[tool.assay.gates.profiles.pr]\nconditions = ["test_coverage_diff_percent =< 80"]\n',
            "unknown operator '=<'",
        ),
        (
            "[tool.assay.gates.profiles.pr]\n"
            'conditions = [{ metric = "test_coverage_diff_percent", op = ">=", threshold = "high" }]\n',
            "threshold must be a number or `base`, got 'high'",
        ),
        (
            '[tool.assay.gates.profiles.pr]\nconditions = ["performance_regressions == 0"]\n'
            "[tool.assay.gates.profiles.pr]\nconditions = []\n",
            "twice",
        ),
    ],
)
def test_bad_policy_is_exit_2_and_writes_nothing(
    repo: GitRepo, assay_cli: Cli, pyproject: str, message: str
) -> None:
    healthy(repo)
    repo.write("pyproject.toml", pyproject)
    res = assay_cli("--repo", repo.path, "gate", "--format", "json")
    assert res.exit_code == 2
    assert message in res.stderr
    assert res.stderr.startswith("assay: error: ") and res.stderr.count("\n") == 1
    assert res.stdout == ""
    assert gate_runs(repo) == 0


def test_duplicate_profiles_in_a_policy_file(repo: GitRepo, assay_cli: Cli, tmp_path: Path) -> None:
    healthy(repo)
    policy = tmp_path / "gates.json"
    policy.write_text('{"profiles": {"pr": {"conditions": []}, "pr": {"conditions": []}}}')
    res = assay_cli("--repo", repo.path, "gate", "--policy", policy)
    assert res.exit_code == 2
    assert f"assay: error: {policy}: 'pr' is defined twice" in res.stderr
    assert gate_runs(repo) == 0


def test_policy_file_replaces_the_configured_policy(repo: GitRepo, assay_cli: Cli, tmp_path: Path) -> None:
    healthy(repo)
    policy = tmp_path / "gates.toml"
    policy.write_text('[profiles.strict]\nconditions = ["test_coverage_overall >= 95"]\n')
    res = assay_cli(
        "--repo", repo.path, "gate", "--policy", policy, "--profile", "strict", "--format", "json"
    )
    assert res.exit_code == 1
    assert json.loads(res.stdout)["policy"] == str(policy)


def test_unknown_base_ref_is_exit_2(repo: GitRepo, assay_cli: Cli) -> None:
    healthy(repo)
    res = assay_cli("--repo", repo.path, "gate", "--base", "no-such-branch")
    assert res.exit_code == 2
    assert "git ref 'no-such-branch' does not exist" in res.stderr
    assert gate_runs(repo) == 0


def test_empty_store_is_exit_2_and_creates_no_store(repo: GitRepo, assay_cli: Cli) -> None:
    res = assay_cli("--repo", repo.path, "gate")
    assert res.exit_code == 2
    assert "no measurements for" in res.stderr and "assay gate --run" in res.stderr
    assert not (repo.path / ".assay" / "assay.db").exists()
    # A store that holds only another repository's runs is just as empty for this one.
    other = replace(repo_info(repo.path), root=Path("/elsewhere"))
    with Store(repo.path / ".assay" / "assay.db") as store:
        store.record(Result("perf", (Measurement("performance_regressions", 0),)), other)
    assert assay_cli("--repo", repo.path, "gate").exit_code == 2


def test_unknown_profile_is_exit_2(repo: GitRepo, assay_cli: Cli) -> None:
    healthy(repo)
    res = assay_cli("--repo", repo.path, "gate", "--profile", "nightly")
    assert res.exit_code == 2
    assert "unknown gate profile 'nightly' (profiles: main, pr, pre-commit, release)" in res.stderr


def test_junit_markdown_and_github_outputs(
    repo: GitRepo, assay_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    healthy(repo, coverage=50)
    junit = tmp_path / "gate.xml"
    assert assay_cli("--repo", repo.path, "gate", "--format", "junit", "--output", junit).exit_code == 1
    xml = junit.read_text()
    assert xml.count("<testcase ") == 5 and xml.count("<failure ") == 1
    assert 'name="test_coverage_diff_percent &gt;= 80"' in xml
    md = assay_cli("--repo", repo.path, "gate", "--format", "markdown").stdout
    assert "| ❌ | test_coverage_diff_percent &gt;= 80 | fail | 50 is not &gt;= 80 — fix:" in md
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    gh = assay_cli("--repo", repo.path, "gate", "--format", "github").stdout
    assert gh.startswith("::error title=test_coverage_diff_percent >= 80::50 is not >= 80")
    assert "## assay gate — profile pr" in summary.read_text()


def test_list_profiles(repo: GitRepo, assay_cli: Cli) -> None:
    res = assay_cli("--repo", repo.path, "gate", "--list-profiles")
    assert res.exit_code == 0
    assert "pr (default): may this pull request merge?" in res.stdout
    assert "  - repository_maturity_level >= base" in res.stdout


def test_run_reports_a_tool_that_cannot_measure(repo: GitRepo, assay_cli: Cli) -> None:
    # The pre-commit profile needs the scan; this repository points it at an advisory database
    # that is not there, so the scan cannot measure and the gate must say so instead of passing.
    repo.write("pyproject.toml", '[tool.assay.security.scan]\ndb = "no-such-advisory-database"\n')
    repo.commit("scan config")
    res = assay_cli("--repo", repo.path, "gate", "--profile", "pre-commit", "--run")
    assert res.exit_code == 2
    assert "--run: `assay security scan` failed: " in res.stderr
    assert gate_runs(repo) == 0
