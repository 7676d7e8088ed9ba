"""Every procedure in docs/rollback.md, run as written in a temporary repository, then the state checked.

The blocks marked `<!-- tested: NAME -->` are extracted from the document and run with bash
(`set -euo pipefail`), the installed `assay` first on PATH; each test sets up the bad state the
procedure undoes and checks what the repository, the store and the processes look like afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from assay.init import render, templates
from assay.results import Measurement, Result
from assay.store import Store
from assay.vcs import repo_info
from conftest import ASSAY_BIN, REPO_ROOT, CliResult, GitRepo, free_port, require_binary, wait_for

ROLLBACK = REPO_ROOT / "docs" / "rollback.md"
TESTED = re.compile(r"<!-- tested: (?P<name>[\w-]+) -->\s*\n```bash\n(?P<body>.*?)```", re.S)
Proc = Callable[..., CliResult]

CALC = '"""A tiny calculator."""\n\n\ndef add(a: int, b: int) -> int:\n    return a + b\n'
TEST_CALC = "from calc import add\n\n\ndef test_add() -> None:\n    assert add(1, 2) == 3\n"


def blocks() -> dict[str, str]:
    return {m.group("name"): m.group("body") for m in TESTED.finditer(ROLLBACK.read_text())}


def run_block(name: str, cwd: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """Run one documented block as written; fail the test with its output when a step fails."""
    env = {
        **os.environ,
        "PATH": f"{ASSAY_BIN.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GIT_AUTHOR_NAME": "Rollback Test",
        "GIT_AUTHOR_EMAIL": "rollback@example.invalid",
        "GIT_COMMITTER_NAME": "Rollback Test",
        "GIT_COMMITTER_EMAIL": "rollback@example.invalid",
        **variables,
    }
    script = "set -euo pipefail\n" + blocks()[name]
    proc = subprocess.run(
        ["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert proc.returncode == 0, f"block {name} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


def slug(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def calc_project(repo: GitRepo, extra: str = "") -> None:
    repo.write(
        "pyproject.toml",
        '[project]\nname = "calc"\nversion = "0.1.0"\n\n[tool.pytest.ini_options]\npythonpath = ["src"]\n\n'
        '[tool.coverage.run]\nsource = ["src"]\nbranch = true\n' + extra,
    )
    repo.write(".gitignore", ".assay/\n.coverage\n__pycache__/\ncoverage-analysis/\n")
    repo.write("src/calc/__init__.py", CALC)
    repo.write("tests/test_calc.py", TEST_CALC)


def runs(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT summary FROM runs ORDER BY id")]


def last_gate(root: Path) -> tuple[str, bool]:
    """The profile and verdict of the newest gate evaluation stored for this repository."""
    with Store(root / ".assay" / "assay.db", readonly=True) as store:
        run = store.latest_run("gate")
        assert run is not None, "no gate evaluation stored"
        return str(run.data["profile"]), bool(run.data["passed"])


# --- the document itself --------------------------------------------------------------------------


def test_every_component_has_a_section_and_every_link_into_it_resolves() -> None:
    text = ROLLBACK.read_text()
    anchors = {slug(h) for h in re.findall(r"^#{2,3} (.+)$", text, re.M)}
    for section in (
        "gates",
        "workflow-templates",
        "performance-baselines",
        "the-security-monitor-daemon",
        "monitoring-rules",
        "the-store",
        "a-bad-merge-detected-after-the-fact",
    ):
        assert section in anchors
    referenced: set[tuple[str, str]] = set()
    for folder in ("src", "monitoring", "security", "docs", ".github"):
        for path in (REPO_ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".yml", ".yaml", ".md", ".json"):
                for anchor in re.findall(r"docs/rollback\.md#([\w-]+)", path.read_text(errors="replace")):
                    referenced.add((str(path.relative_to(REPO_ROOT)), anchor))
    assert referenced, "nothing links into docs/rollback.md"
    broken = sorted((where, a) for where, a in referenced if a not in anchors)
    assert not broken, f"links to missing sections: {broken}"
    assert "pkill" not in re.sub(r"\(`pkill`/`killall`[^)]*\)", "", text)
    assert "monitoring/systemd/assay-monitor.service" in text


def test_every_tested_block_has_a_test() -> None:
    names = set(blocks())
    source = Path(__file__).read_text()
    assert names == {n for n in names if f'"{n}"' in source}
    assert len(names) >= 11


# --- gates ------------------------------------------------------------------------------------------


def test_gate_policy_rollback(git_repo: GitRepo, assay_proc: Proc) -> None:
    calc_project(git_repo, '\n[tool.assay.gates.profiles.pr]\nconditions = ["test_coverage_overall >= 50"]\n')
    git_repo.commit("calculator with a gate")
    text = (git_repo.path / "pyproject.toml").read_text()
    git_repo.write(
        "pyproject.toml",
        text.replace(
            '["test_coverage_overall >= 50"]',
            '["test_coverage_overall >= 50", "mutation_score_percent >= 90"]',
        ),
    )
    bad = git_repo.commit("gate: require a mutation score (nobody measures it)")
    assert assay_proc("coverage", "run", cwd=git_repo.path).exit_code == 0
    blocked = assay_proc("gate", "--profile", "pr", "--base", "main", cwd=git_repo.path)
    assert blocked.exit_code == 1 and "mutation_score_percent" in blocked.stdout

    # At once: the previous policy, while the bad one is still committed.
    assert last_gate(git_repo.path) == ("pr", False)
    run_block("gates-previous-policy", git_repo.path, BAD=bad, BASE="main")
    assert last_gate(git_repo.path) == ("pr", True)
    # For good: the revert, measured and evaluated.
    run_block("gates-revert", git_repo.path, BAD=bad, BASE="main")
    assert last_gate(git_repo.path) == ("pr", True)
    assert "mutation_score_percent" not in (git_repo.path / "pyproject.toml").read_text()
    assert git_repo.git("log", "-1", "--format=%s").startswith('Revert "gate: require a mutation score')


# --- workflow templates -------------------------------------------------------------------------------


@pytest.fixture
def initialised(git_repo: GitRepo, assay_proc: Proc) -> tuple[GitRepo, Path, str]:
    git_repo.write("README.md", "demo\n")
    git_repo.commit("start")
    assert assay_proc("init", "--no-config", cwd=git_repo.path).exit_code == 0
    git_repo.commit("assay init")
    workflow = git_repo.path / ".github" / "workflows" / "assay-ci.yml"
    good = workflow.read_text()
    workflow.write_text(good.replace("permissions:\n  contents: read", "permissions: write-all"))
    git_repo.commit("ci: give the workflow every permission")
    return git_repo, workflow, good


def test_workflow_rollback_by_revert(initialised: tuple[GitRepo, Path, str]) -> None:
    repo, workflow, good = initialised
    bad = repo.git("rev-parse", "HEAD").strip()
    run_block("workflows-revert", repo.path, BAD=bad)
    assert workflow.read_text() == good
    assert repo.git("status", "--porcelain").strip() == ""


def test_workflow_rollback_to_the_shipped_template(initialised: tuple[GitRepo, Path, str]) -> None:
    repo, workflow, _ = initialised
    run_block("workflows-template", repo.path)
    assert workflow.read_text() == render(templates()["assay-ci"], default_branch="main")
    assert repo.git("status", "--porcelain").strip() == ""
    assert "write-all" not in workflow.read_text()


# --- performance baselines ------------------------------------------------------------------------------


@pytest.mark.slow
def test_performance_baseline_rollback(git_repo: GitRepo, assay_proc: Proc) -> None:
    git_repo.write(".gitignore", ".assay/\n")
    git_repo.write(
        "benchmarks/test_bench_sum.py", "def test_sum(benchmark):\n    benchmark(sum, range(50))\n"
    )
    git_repo.commit("benchmarks")
    for step in range(2):
        if step:
            git_repo.commit("a change whose results were taken as the baseline")
        assert assay_proc("perf", "run", "--max-time", "0.01", cwd=git_repo.path).exit_code == 0
        assert assay_proc("perf", "baseline", "update", cwd=git_repo.path).exit_code == 0

    def active() -> list[int]:
        res = assay_proc(
            "perf", "baseline", "list", "--branch", "main", "--format", "json", cwd=git_repo.path
        )
        return [b["id"] for b in json.loads(res.stdout)["baselines"] if b["active"]]

    (newest,) = active()
    good = newest - 1
    run_block("perf-baseline", git_repo.path, GOOD_BASELINE=str(good))
    assert active() == [good]


# --- the security monitor daemon ---------------------------------------------------------------------


def start_monitor(root: Path) -> subprocess.Popen[bytes]:
    """Start the daemon in the foreground, as its systemd unit does; wait for its pid file."""
    proc = subprocess.Popen(
        [str(ASSAY_BIN), "--repo", str(root), "security", "monitor"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    # A service manager reaps its daemon when it exits; without this the exited daemon would stay a
    # zombie child of the test, and `kill -0` in the documented stop loop would keep seeing it.
    threading.Thread(target=proc.wait, daemon=True).start()
    pid_file = root / ".assay" / "monitor.pid"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if pid_file.exists() and pid_file.read_text().strip() == str(proc.pid):
            return proc
        if proc.poll() is not None:
            raise AssertionError(f"monitor exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGTERM)
    raise AssertionError("the monitor never wrote its pid file")


@pytest.fixture
def monitor_repo(git_repo: GitRepo) -> Iterator[GitRepo]:
    yield git_repo
    pid_file = git_repo.path / ".assay" / "monitor.pid"
    if pid_file.exists():  # a failed test must not leave its daemon behind
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)


@pytest.mark.slow
def test_monitor_rollback(monitor_repo: GitRepo, assay_proc: Proc) -> None:
    repo = monitor_repo
    config = (
        "[tool.assay.security.monitor]\n"
        'watch = ["watched"]\nhttp_port = 0\nprocesses = false\nnetwork = false\nlogins = false\n'
    )
    repo.write("pyproject.toml", config)
    repo.write(".gitignore", ".assay/\n")
    repo.write("watched/app.conf", "listen = 127.0.0.1\n")
    repo.commit("monitor configuration")
    assert assay_proc("security", "baseline", "init", cwd=repo.path).exit_code == 0
    run_block("store-backup", repo.path)
    backup = repo.path / ".assay" / "backups" / "before-change.db"
    before = runs(backup)
    daemon = start_monitor(repo.path)

    # The bad change: a configuration that ignores everything, and a baseline re-taken under it.
    repo.write("pyproject.toml", config + 'ignore = ["*"]\n')
    bad = repo.commit("monitor: ignore everything")
    assert assay_proc("security", "baseline", "update", cwd=repo.path).exit_code in (0, 1)
    assert runs(repo.path / ".assay" / "assay.db") != before

    run_block("monitor-stop", repo.path)
    assert daemon.wait(timeout=30) == 0  # that process, and only it, stopped cleanly
    assert not (repo.path / ".assay" / "monitor.pid").exists()
    run_block("monitor-restore", repo.path, BAD=bad, BACKUP=str(backup))
    assert (repo.path / "pyproject.toml").read_text() == config
    restored = runs(repo.path / ".assay" / "assay.db")
    assert restored[: len(before)] == before  # the backup's content, then the documented check
    (check,) = restored[len(before) :]
    assert check.startswith("0 change(s) against the baseline")
    restarted = start_monitor(repo.path)
    try:
        status = assay_proc("security", "status", cwd=repo.path)
        assert str(restarted.pid) in status.stdout + status.stderr
    finally:
        run_block("monitor-stop", repo.path)
        restarted.wait(timeout=30)


# --- monitoring rules ---------------------------------------------------------------------------------


def alert_names(port: int) -> set[str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/rules", timeout=5) as resp:
        doc = json.load(resp)
    return {r["name"] for g in doc["data"]["groups"] for r in g["rules"] if r["type"] == "alerting"}


@pytest.mark.slow
@pytest.mark.integration
def test_monitoring_rules_rollback(git_repo: GitRepo, tmp_path: Path) -> None:
    prometheus = require_binary("prometheus")
    require_binary("promtool")
    rules_dir = git_repo.path / "monitoring" / "prometheus" / "rules"
    for source in sorted((REPO_ROOT / "monitoring" / "prometheus" / "rules").glob("*.yml")):
        git_repo.write(f"monitoring/prometheus/rules/{source.name}", source.read_text())
    git_repo.commit("monitoring rules")
    alerts = rules_dir / "assay-alerts.yml"
    doc = yaml.safe_load(alerts.read_text())
    dropped = doc["groups"][0]["rules"].pop(0)["alert"]
    alerts.write_text(yaml.safe_dump(doc, sort_keys=False))
    bad = git_repo.commit(f"monitoring: drop {dropped}")

    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  evaluation_interval: 1m\nrule_files:\n"
        + "".join(f"  - {p}\n" for p in sorted(rules_dir.glob("*.yml")))
    )
    server = subprocess.Popen(
        [
            prometheus,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pid_file = tmp_path / "prometheus.pid"
    pid_file.write_text(f"{server.pid}\n")  # what a service manager keeps
    try:
        wait_for(lambda: bool(alert_names(port)), 30, "Prometheus to load the rules")
        assert dropped not in alert_names(port)
        run_block("rules", git_repo.path, BAD=bad, PROMETHEUS_PID_FILE=str(pid_file))
        wait_for(lambda: dropped in alert_names(port), 30, f"{dropped} to come back after the reload")
        assert server.poll() is None  # reloaded, not restarted
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- the store ---------------------------------------------------------------------------------------


def test_store_backup_and_restore(git_repo: GitRepo) -> None:
    git_repo.write(".gitignore", ".assay/\n")
    git_repo.commit("start")
    db = git_repo.path / ".assay" / "assay.db"
    info = repo_info(git_repo.path)
    with Store(db) as store:
        store.record(Result("perf", (Measurement("performance_regressions", 0),), summary="good run"), info)
    run_block("store-backup", git_repo.path)
    with Store(db) as store:
        store.record(Result("perf", (Measurement("performance_regressions", 9),), summary="bad run"), info)
    assert runs(db) == ["good run", "bad run"]
    run_block("store-restore", git_repo.path)
    assert runs(db) == ["good run"]
    saved = list(db.parent.glob("assay.db.before-restore-*"))
    assert len(saved) == 1 and runs(saved[0]) == ["good run", "bad run"]  # the restore can be undone


# --- a bad merge -----------------------------------------------------------------------------------------

OPS = '''"""Operations a merged change added: untested, and with a shell."""

import subprocess


def run(cmd: str) -> int:
    return subprocess.call(cmd, shell=True)


def mul(a: int, b: int) -> int:
    total = 0
    for _ in range(b):
        total = total + a
    return total
'''


def measure(assay_proc: Proc, root: Path) -> None:
    for command in (("coverage", "run"), ("security", "scan"), ("score",)):
        res = assay_proc(*command, cwd=root)
        assert res.exit_code in (0, 1), f"assay {' '.join(command)}: {res.stderr}"


@pytest.mark.slow
def test_bad_merge_rollback(git_repo: GitRepo, assay_proc: Proc) -> None:
    from conftest import ADVISORY_DB

    calc_project(
        git_repo,
        f'\n[tool.assay.security.scan]\ndb = "{ADVISORY_DB}"\nenvironment = false\n'
        "\n[tool.assay.gates.profiles.main]\nconditions = [\n"
        "    'security_findings_new{severity=~\"high|critical\"} == 0',\n"
        '    "test_coverage_overall >= base - 1",\n'
        '    "repository_maturity_level >= base",\n]\n',
    )
    git_repo.commit("calculator")
    measure(assay_proc, git_repo.path)
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("src/calc/ops.py", OPS)
    git_repo.commit("add operations")
    git_repo.git("checkout", "-q", "main")
    git_repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'feature'", "feature")
    bad_merge = git_repo.git("rev-parse", "HEAD").strip()
    measure(assay_proc, git_repo.path)
    broken = assay_proc(
        "gate", "--profile", "main", "--base", f"{bad_merge}^1", "--format", "json", cwd=git_repo.path
    )
    assert broken.exit_code == 1, broken.stderr
    failed = {c["metric"] for c in json.loads(broken.stdout)["conditions"] if c["outcome"] == "fail"}
    assert {"security_findings_new", "test_coverage_overall"} <= failed

    assert last_gate(git_repo.path) == ("main", False)
    run_block("bad-merge", git_repo.path, BAD_MERGE=bad_merge)
    assert not (git_repo.path / "src" / "calc" / "ops.py").exists()
    assert git_repo.git("log", "-1", "--format=%s").startswith("Revert \"Merge branch 'feature'\"")
    assert last_gate(git_repo.path) == ("main", True)
