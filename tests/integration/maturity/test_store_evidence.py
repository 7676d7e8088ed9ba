"""assay score over a real git repository with history, using what other tools stored, and every run kept."""

from __future__ import annotations

import json
import time
from pathlib import Path

from assay.results import Measurement, Result
from assay.store import Store
from assay.vcs import repo_info
from conftest import GitRepo


def build_repo(repo: GitRepo) -> None:
    repo.write(
        "pyproject.toml", "[project]\nname='x'\nrequires-python='>=3.11'\n[tool.coverage.run]\nbranch=true\n"
    )
    repo.write("src/x/__init__.py", '"""X."""\n\n\ndef run():\n    """Run."""\n')
    repo.write("tests/test_x.py", "def test_run():\n    assert True\n")
    repo.write("README.md", "# x\n\n## Installation\n\npip install x\n\n## Usage\n\nx run\n")
    days = 86400
    now = int(time.time())
    for n, author in enumerate(["a@example.org", "b@example.org", "c@example.org"] * 4):
        repo.write(f"CHANGES-{n}.txt", "change\n")
        repo.git("add", "-A")
        repo.git(
            "commit",
            "-q",
            "-m",
            f"change {n}",
            f"--author=Dev <{author}>",
            f"--date=@{now - n * days}",
        )
    repo.git("tag", "v1.0.0")


def test_score_uses_stored_evidence_and_history(git_repo: GitRepo, assay_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    build_repo(git_repo)
    store_path = tmp_path / "assay.db"
    info = repo_info(git_repo.path)
    with Store(store_path) as store:
        store.record(Result("coverage", measurements=(Measurement("test_coverage_overall", 91.5),)), info)
        store.record(
            Result(
                "security-scan",
                measurements=(
                    Measurement("security_findings_new", 0, {"severity": "high"}),
                    Measurement("security_findings_new", 1, {"severity": "medium"}),
                ),
            ),
            info,
        )
    first = assay_cli("--store", store_path, "score", git_repo.path, "--format", "json")
    assert first.exit_code == 0, first.stderr
    doc = json.loads(first.stdout)
    checks = {c["id"]: c for c in doc["checks"]}
    assert doc["schema"] == "assay.maturity/1" and doc["commit"] == info.commit
    assert checks["testing.coverage-level"]["status"] == "pass"
    assert "91.5%" in checks["testing.coverage-level"]["evidence"][0]
    assert checks["security.scan-findings"]["score"] == 5  # one new medium finding
    assert checks["testing.mutation-score"]["status"] == "not_applicable"  # never zero when unknown
    assert checks["maintenance.contributors"]["status"] == "pass"
    assert checks["maintenance.recent-activity"]["status"] == "pass"
    assert "v1.0.0" in checks["operations.release-process"]["evidence"][0]

    git_repo.write("SECURITY.md", "Report privately to security@example.org\n")
    git_repo.commit("security policy")
    second = assay_cli("--store", store_path, "score", git_repo.path, "--format", "json")
    assert json.loads(second.stdout)["percent"] > doc["percent"]

    with Store(store_path, readonly=True) as store:
        runs = store.runs(tool="maturity", repo_root=info.root)
        assert len(runs) == 2
        latest = store.measurements(runs[0].id)
    names = {m.name for m in latest}
    assert {
        "repository_maturity_percent",
        "repository_maturity_level",
        "repository_maturity_category_percent",
        "repository_maturity_check_score",
    } <= names

    report = assay_cli("--store", store_path, "--repo", git_repo.path, "report")
    assert report.exit_code == 0, report.stderr
    assert "since the previous run" in report.stdout
    assert "`security.policy` | fail 0 | pass 10 | better" in report.stdout
