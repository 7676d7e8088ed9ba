"""`assay coverage` as a user runs it: analyze, run, templates, mutate, reports, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assay.store import Store

pytestmark = pytest.mark.slow

CALC = """\
def add(a: int, b: int) -> int:
    return a + b


def clamp(x: int, lo: int, hi: int) -> int:
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


def untested(n: int) -> int:
    total = compute(
        n,
        2,
    )
    return total


def compute(n: int, k: int) -> int:
    return n * k
"""

TESTS = """\
from mylib.calc import add, clamp


def test_add():
    assert add(2, 3) == 5


def test_clamp():
    assert clamp(5, 0, 10) == 5
    assert clamp(-1, 0, 10) == 0
"""


def make_project(repo) -> Path:  # type: ignore[no-untyped-def]
    repo.write("mylib/__init__.py", "")
    repo.write("mylib/calc.py", CALC)
    repo.write("tests/test_calc.py", TESTS)
    repo.write(
        "pyproject.toml",
        '[tool.mutmut]\nsource_paths = ["mylib/"]\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n'
        '\n[tool.coverage.run]\nsource = ["mylib"]\n',
    )
    repo.write(".gitignore", ".coverage\nmutants/\n.assay/\ncoverage-analysis/\n")
    repo.commit("initial")
    return repo.path


def store_runs(root: Path) -> int:
    db = root / ".assay" / "assay.db"
    if not db.exists():
        return 0
    with Store(db, readonly=True) as store:
        return len(store.runs())


def run_generated_tests(project: Path) -> subprocess.CompletedProcess[str]:
    """The project's own pytest over the generated templates."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/generated"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def project(git_repo):  # type: ignore[no-untyped-def]
    return make_project(git_repo)


def test_run_then_analyze_ranks_gaps_and_writes_reports(project: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    run = assay_proc("coverage", "run", "--format", "json", cwd=project)
    assert run.exit_code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["schema"] == "assay.coverage/1"
    assert doc["totals"]["missing"] == 4  # `return hi`, untested() body, compute() body
    # clamp: (1 statement + 0.5 x 1 branch) x complexity 3 ranks above untested: 2 statements x 1
    assert [g["name"] for g in doc["gaps"]] == ["clamp", "untested", "compute"]
    assert "complexity" in doc["gaps"][0]["reason"]
    analyze = assay_proc(
        "coverage", "analyze", "--top", "1", "--write-report", "--export-metrics", "-f", "github", cwd=project
    )
    assert analyze.exit_code == 0, analyze.stderr
    assert analyze.stdout.count("title=coverage.gap") == 1
    reports = list((project / "coverage-analysis").glob("coverage-report-*.md"))
    assert len(reports) == 1 and "clamp()" in reports[0].read_text()
    prom = (project / "coverage-analysis" / "coverage-metrics.prom").read_text()
    assert "test_coverage_overall " in prom
    assert store_runs(project) == 2


def test_fail_under_exits_1(project: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    assert assay_proc("coverage", "run", "-q", "-f", "json", cwd=project).exit_code == 0
    result = assay_proc("coverage", "analyze", "--fail-under", "95", "-f", "json", cwd=project)
    assert result.exit_code == 1
    assert "total coverage" in result.stderr and "< 95%" in result.stderr


def test_diff_counts_a_change_on_a_continuation_line(project: Path, assay_proc, git_repo) -> None:  # type: ignore[no-untyped-def]
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("mylib/calc.py", CALC.replace("        2,\n", "        3,\n"))
    git_repo.commit("tweak")
    assert assay_proc("coverage", "run", "-q", "-f", "json", cwd=project).exit_code == 0
    result = assay_proc("coverage", "analyze", "--base", "main", "-f", "json", cwd=project)
    diff = json.loads(result.stdout)["diff"]
    # diff-cover counts only first lines of statements: the edited continuation line is not one
    assert diff["changed_lines"] == 0
    # assay maps it to its statement (line 14) and reports it uncovered, with its function
    (f,) = diff["files"]
    assert f["changed_statements"] == [14] and f["uncovered_statements"] == [14]
    assert [fn["name"] for fn in f["functions"]] == ["untested"]
    sarif = assay_proc("coverage", "analyze", "--base", "main", "-f", "sarif", cwd=project)
    assert sarif.exit_code == 0


def test_diff_sarif_and_annotations_point_at_uncovered_changed_lines(
    project: Path, assay_proc, git_repo
) -> None:  # type: ignore[no-untyped-def]
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("mylib/calc.py", CALC + "\n\ndef new_one(x: int) -> int:\n    return -x\n")
    git_repo.commit("add new_one")
    assert assay_proc("coverage", "run", "-q", "-f", "json", cwd=project).exit_code == 0
    gh = assay_proc("coverage", "analyze", "--base", "main", "-f", "github", cwd=project)
    assert "file=mylib/calc.py,line=26" in gh.stdout and "title=coverage.diff-uncovered" in gh.stdout
    sarif = json.loads(assay_proc("coverage", "analyze", "--base", "main", "-f", "sarif", cwd=project).stdout)
    results = sarif["runs"][0]["results"]
    assert any(r["ruleId"] == "coverage.diff-uncovered" for r in results)


def test_templates_for_the_project_collect(project: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    assert assay_proc("coverage", "run", "-q", "-f", "json", cwd=project).exit_code == 0
    out = assay_proc("coverage", "templates", "-f", "json", cwd=project)
    assert out.exit_code == 0, out.stderr
    text = (project / "tests" / "generated" / "test_mylib_calc_gaps.py").read_text()
    assert "result = untested(n=0)" in text
    assert "result = compute(n=0, k=0)" in text
    collected = run_generated_tests(project)
    assert collected.returncode == 0 and "3 skipped" in collected.stdout, collected.stdout


# --- bad input -----------------------------------------------------------------------------------


def test_missing_data_file(project: Path, assay_cli) -> None:  # type: ignore[no-untyped-def]
    result = assay_cli("--repo", project, "coverage", "analyze", "-f", "json")
    assert result.exit_code == 2
    assert "no coverage data" in result.stderr and "Traceback" not in result.stderr
    assert store_runs(project) == 0


def test_corrupt_data_file_writes_nothing(project: Path, assay_cli) -> None:  # type: ignore[no-untyped-def]
    (project / ".coverage").write_bytes(b"\x00garbage" * 50)
    result = assay_cli("--repo", project, "coverage", "analyze", "--write-report", "-f", "json")
    assert result.exit_code == 2
    assert "coverage data" in result.stderr
    assert result.stdout == ""
    assert store_runs(project) == 0
    assert not (project / "coverage-analysis").exists()


def test_unknown_base_ref(project: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    assert assay_proc("coverage", "run", "-q", "-f", "json", cwd=project).exit_code == 0
    result = assay_proc("coverage", "analyze", "--base", "no-such-branch", "-f", "json", cwd=project)
    assert result.exit_code == 2
    assert "git ref 'no-such-branch' does not exist" in result.stderr


def test_empty_test_suite(git_repo, assay_proc) -> None:  # type: ignore[no-untyped-def]
    git_repo.write("mylib/__init__.py", "")
    git_repo.write("tests/README", "no tests yet\n")
    git_repo.commit("empty")
    result = assay_proc("coverage", "run", "-f", "json", cwd=git_repo.path)
    assert result.exit_code == 2
    assert "collected no tests" in result.stderr


def test_deleted_and_broken_sources_are_reported_not_fatal(project: Path, assay_proc, git_repo) -> None:  # type: ignore[no-untyped-def]
    git_repo.write("mylib/extra.py", "def gone():\n    return 1\n")
    git_repo.write("mylib/broken.py", "def fine():\n    return 2\n")
    git_repo.write(
        "tests/test_extra.py",
        "from mylib.extra import gone\nimport mylib.broken\n\n\ndef test_gone():\n    assert gone() == 1\n",
    )
    assert assay_proc("coverage", "run", "-q", "-f", "json", cwd=project).exit_code == 0
    (project / "mylib" / "extra.py").unlink()
    (project / "mylib" / "broken.py").write_text("def fine(:\n    return 2\n")
    result = assay_proc("coverage", "analyze", "-f", "json", cwd=project)
    assert result.exit_code == 0, result.stderr
    skipped = {s["path"]: s["reason"] for s in json.loads(result.stdout)["skipped"]}
    assert skipped["mylib/extra.py"] == "source file no longer exists"
    assert skipped["mylib/broken.py"].startswith("syntax error at line 1")
    templates = json.loads(assay_proc("coverage", "templates", "-f", "json", cwd=project).stdout)
    reasons = {s["source"]: s["reason"] for s in templates["skipped"]}
    assert reasons["mylib/broken.py"].startswith("no template: syntax error at line 1")


def test_failing_tests_still_give_the_analysis_with_a_warning(project: Path, assay_proc, git_repo) -> None:  # type: ignore[no-untyped-def]
    git_repo.write("tests/test_broken.py", "def test_fails():\n    assert 1 == 2\n")
    result = assay_proc("coverage", "run", "-f", "json", cwd=project)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    (warning,) = [o for o in doc["outcomes"] if o["name"] == "coverage.tests"]
    assert warning["status"] == "warn" and "pytest exited 1" in warning["message"]
    assert doc["totals"]["statements"] > 0


def test_template_for_a_module_that_cannot_be_imported(project: Path, assay_proc, git_repo) -> None:  # type: ignore[no-untyped-def]
    assert assay_proc("coverage", "run", "-q", "-f", "json", cwd=project).exit_code == 0
    calc = project / "mylib" / "calc.py"
    calc.write_text("import not_a_real_module_xyz\n" + CALC)
    # the data predates the new first line, so line numbers shift by one; only the import check matters here
    out = assay_proc("coverage", "templates", "-f", "json", cwd=project)
    assert out.exit_code == 0, out.stderr
    text = (project / "tests" / "generated" / "test_mylib_calc_gaps.py").read_text()
    assert "could not be imported" in text and "not_a_real_module_xyz" in text
    collected = run_generated_tests(project)
    assert collected.returncode == 0, collected.stdout


# --- mutation ------------------------------------------------------------------------------------


def test_mutate_only_changed_functions_and_gate(project: Path, assay_proc, git_repo) -> None:  # type: ignore[no-untyped-def]
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write(
        "mylib/calc.py",
        CALC.replace("    if x < lo:\n        return lo\n", "    if x < lo:\n        return lo  # floor\n"),
    )
    git_repo.commit("touch clamp")
    result = assay_proc(
        "coverage", "mutate", "--base", "main", "--min-score", "90", "-f", "json", cwd=project
    )
    doc = json.loads(result.stdout)
    assert doc["selected"] == ["mylib.calc.x_clamp__mutmut_*"]
    assert set(doc["modules"]) == {"mylib.calc"}
    assert all("clamp" in s["mutant"] for s in doc["survivors"])
    # clamp's boundary mutants survive the weak tests: the gate fails with exit 1
    assert doc["counts"].get("survived", 0) >= 1
    assert result.exit_code == 1
    survivor = doc["survivors"][0]
    assert survivor["path"] == "mylib/calc.py" and survivor["line"] in (6, 8)
    assert survivor["diff"].startswith("--- mylib/calc.py")


def test_diff_command_matches_analyze_and_gates(project: Path, assay_proc, git_repo) -> None:  # type: ignore[no-untyped-def]
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("mylib/calc.py", CALC + "\n\ndef new_one(x: int) -> int:\n    return -x\n")
    git_repo.commit("add new_one")
    assert assay_proc("coverage", "run", "-q", "-f", "json", cwd=project).exit_code == 0
    full = json.loads(assay_proc("coverage", "analyze", "--base", "main", "-f", "json", cwd=project).stdout)
    only = assay_proc("coverage", "diff", "--base", "main", "--fail-under", "80", "-f", "json", cwd=project)
    diff = json.loads(only.stdout)["diff"]
    assert diff["changed_lines"] == full["diff"]["changed_lines"] == 2
    assert diff["files"] == full["diff"]["files"]
    assert only.exit_code == 1 and "diff coverage 50.00% < 80%" in only.stderr


def test_shim_target_templates_and_metrics(project: Path) -> None:
    shim = Path(__file__).resolve().parents[2] / "scripts" / "test-coverage-optimizer.py"
    proc = subprocess.run(
        [
            sys.executable,
            str(shim),
            "--target",
            "0.99",
            "--generate-templates",
            "--export-metrics",
            "-f",
            "json",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr  # the weak tests leave total coverage below 99%
    assert "< 99%" in proc.stderr
    assert (project / "coverage-analysis" / "coverage-metrics.prom").is_file()
    assert (project / "tests" / "generated" / "test_mylib_calc_gaps.py").is_file()
    bad = subprocess.run(
        [sys.executable, str(shim), "--target", "150"], cwd=project, capture_output=True, text=True
    )
    assert bad.returncode == 2 and "target must be" in bad.stderr


def test_mutation_reports_not_available_without_fork(project: Path, assay_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os

    monkeypatch.delattr(os, "fork")
    result = assay_cli("--repo", project, "coverage", "mutate", "--min-score", "50", "-f", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["available"] is False
    assert "mutation testing not available" in doc["summary"] and "os.fork" in doc["summary"]
    assert store_runs(project) == 0


def test_mutation_budget_stops_mutmut_and_reports(project: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    result = assay_proc("coverage", "mutate", "--budget", "1", "-f", "json", cwd=project)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["budget_exhausted"] is True
    assert "budget of 1s spent" in doc["reason"]


def test_run_with_the_projects_own_python(project: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    ok = assay_proc("coverage", "run", "-q", "--python", sys.executable, "-f", "json", cwd=project)
    assert ok.exit_code == 0, ok.stderr
    missing = assay_proc("coverage", "run", "--python", str(project / "no-python"), "-f", "json", cwd=project)
    assert missing.exit_code == 2 and "no such Python interpreter" in missing.stderr
