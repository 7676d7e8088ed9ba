"""`assay score` and `assay report` as a user runs them: formats, thresholds, the shim, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT, GitRepo


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture
def small_repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("README.md", "# demo\n\n## Install\n\npip install demo\n\n## Usage\n\ndemo run\n")
    git_repo.write("pyproject.toml", "[project]\nname = 'demo'\nrequires-python = '>=3.11'\n")
    git_repo.write("demo/__init__.py", '"""Demo."""\n\n\ndef run() -> None:\n    """Run it."""\n')
    git_repo.write("tests/test_demo.py", "def test_run():\n    assert True\n")
    git_repo.write(
        ".github/workflows/ci.yml",
        "on: [push, pull_request]\npermissions: read-all\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: actions/checkout@v4\n      - run: python -m pytest\n",
    )
    git_repo.commit("init")
    return git_repo


def test_json_contract(assay_proc, small_repo: GitRepo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    done = assay_proc("--store", tmp_path / "s.db", "score", small_repo.path, "--format", "json")
    assert done.exit_code == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["schema"] == "assay.maturity/1"
    assert {"repository", "commit", "percent", "level", "level_name", "categories", "checks"} <= set(doc)
    for check in doc["checks"]:
        assert {"id", "category", "score", "weight", "status", "evidence", "remediation"} <= set(check)
        assert check["status"] in {"pass", "partial", "fail", "not_applicable", "error", "exempt"}
    pinned = next(c for c in doc["checks"] if c["id"] == "ci.actions-pinned")
    assert pinned["status"] == "fail"
    assert pinned["locations"] == [{"path": ".github/workflows/ci.yml", "line": 7}]


def test_sarif_has_a_rule_per_check_and_located_results(
    assay_proc, small_repo: GitRepo, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "m.sarif"
    done = assay_proc("--store", tmp_path / "s.db", "score", small_repo.path, "-f", "sarif", "-o", out)
    assert done.exit_code == 0, done.stderr
    run = json.loads(out.read_text())["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rules) == len(set(rules)) >= 35
    results = {r["ruleId"]: r for r in run["results"]}
    assert "ci.workflows-present" not in results  # passing checks produce no result
    located = results["ci.actions-pinned"]["locations"][0]["physicalLocation"]
    assert located["artifactLocation"]["uri"] == ".github/workflows/ci.yml"
    assert located["region"]["startLine"] == 7
    assert all(r["locations"] for r in run["results"])


def test_thresholds_exit_1_but_still_write(assay_proc, small_repo: GitRepo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "m.json"
    done = assay_proc(
        "--store", tmp_path / "s.db", "score", small_repo.path, "--fail-under", "99.5", "-o", out
    )
    assert done.exit_code == 1
    assert "below --fail-under 99.5%" in one_line_error(done.stderr)
    assert json.loads(out.read_text())["schema"] == "assay.maturity/1"
    level = assay_proc(
        "--store", tmp_path / "s.db", "score", small_repo.path, "--level-at-least", "4", "-f", "json"
    )
    assert level.exit_code == 1 and "--level-at-least 4" in level.stderr
    ok = assay_proc("--store", tmp_path / "s.db", "score", small_repo.path, "--fail-under", "1", "-f", "json")
    assert ok.exit_code == 0


def test_table_shows_top_actions(assay_proc, small_repo: GitRepo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    done = assay_proc("--store", tmp_path / "s.db", "score", small_repo.path, "-f", "table")
    assert done.exit_code == 0
    actions = done.stdout.split("Top actions to raise the score:", 1)[1]
    assert actions.count(" pts ") == 5


def test_exemptions_are_shown_as_exempt(assay_proc, small_repo: GitRepo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    small_repo.write("assay.toml", '[maturity.exemptions]\n"ci.actions-pinned" = "internal runners only"\n')
    done = assay_proc("--store", tmp_path / "s.db", "score", small_repo.path, "-f", "markdown")
    assert done.exit_code == 0, done.stderr
    assert "`ci.actions-pinned`: internal runners only" in done.stdout
    assert "exempt" in done.stdout
    sarif = assay_proc("--store", tmp_path / "s.db", "score", small_repo.path, "-f", "sarif")
    run = json.loads(sarif.stdout)["runs"][0]
    exemptions = run["properties"]["exemptions"]
    assert exemptions == [{"check": "ci.actions-pinned", "reason": "internal runners only"}]
    assert "ci.actions-pinned" not in {r["ruleId"] for r in run["results"]}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            '[maturity.exemptions]\n"ci.actions-pinned" = " "\n',
            "exemption of 'ci.actions-pinned' needs a reason",
        ),
        ('[maturity]\ndisabled = ["no.such-check"]\n', "disabled: unknown check id 'no.such-check'"),
        ("[maturity]\nweights = { ci = -1 }\n", "must be >= 0"),
        ('[maturity]\nmax_file_bytes = "big"\n', "maturity.max_file_bytes"),
    ],
)
def test_bad_configuration_is_one_line_exit_2_and_nothing_stored(  # type: ignore[no-untyped-def]
    assay_proc, small_repo: GitRepo, tmp_path: Path, config: str, message: str
) -> None:
    small_repo.write("assay.toml", config)
    store = tmp_path / "s.db"
    done = assay_proc("--store", store, "score", small_repo.path, "-f", "json")
    assert done.exit_code == 2
    assert message in one_line_error(done.stderr)
    assert done.stdout == ""
    assert not store.exists()


def test_bad_paths_exit_2(assay_proc, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = assay_proc("--store", tmp_path / "s.db", "score", tmp_path / "nope")
    assert missing.exit_code == 2 and "no such directory" in one_line_error(missing.stderr)
    a_file = tmp_path / "f.txt"
    a_file.write_text("x")
    not_dir = assay_proc("--store", tmp_path / "s.db", "score", a_file)
    assert not_dir.exit_code == 2 and "not a directory" in one_line_error(not_dir.stderr)
    assert not (tmp_path / "s.db").exists()


def test_plain_directory_and_no_record(assay_proc, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "x.py").write_text("print(1)\n")
    done = assay_proc("--store", tmp_path / "s.db", "score", plain, "-f", "json", "--no-record")
    assert done.exit_code == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["commit"] == "unknown"
    history = {c["id"]: c["status"] for c in doc["checks"]}
    assert history["maintenance.recent-activity"] == "not_applicable"
    assert not (tmp_path / "s.db").exists()


def test_report_needs_a_score_first(assay_proc, small_repo: GitRepo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    done = assay_proc("--store", tmp_path / "s.db", "--repo", small_repo.path, "report")
    assert done.exit_code == 2 and "run `assay score` first" in one_line_error(done.stderr)


def test_report_shim_for_cron(small_repo: GitRepo, tmp_path: Path) -> None:
    script = REPO_ROOT / "scripts" / "maturity-report.py"
    store = tmp_path / "s.db"
    out = tmp_path / "report.html"
    args = [sys.executable, str(script), "--repo", str(small_repo.path), "--store", str(store)]
    first = subprocess.run([*args, "--output", str(out)], capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")
    small_repo.write("SECURITY.md", "Mail security@example.org\n")
    small_repo.commit("policy")
    second = subprocess.run([*args, "--fail-under", "99.9"], capture_output=True, text=True, timeout=120)
    assert second.returncode == 1  # the threshold failed, and the report was still written
    assert "since the previous report" in second.stdout
    assert "`security.policy` | fail 0 | pass 10 | better" in second.stdout
