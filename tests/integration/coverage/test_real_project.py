"""On a real project (semver 3.1.1): totals equal coverage.py's report, regions equal its JSON
format 3 regions, diff numbers equal diff-cover's, and every generated template collects."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

Project = Any  # the session fixture's value: .path, .data and .assay(*args) of the semver checkout

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BIN = Path(sys.executable).parent


def coverage_report(project: Project, kind: str, out: Path) -> None:
    """`coverage json` or `coverage xml` of the session's data, written to `out`."""
    subprocess.run(
        [str(BIN / "coverage"), kind, "-q", "--data-file", str(project.data), "-o", str(out)],
        cwd=project.path,
        check=True,
    )


def coverage_json(project: Project, out: Path) -> dict:
    coverage_report(project, "json", out)
    return json.loads(out.read_text())


def coverage_xml(project: Project, out: Path) -> None:
    coverage_report(project, "xml", out)


def analyze(project: Project, *args: str) -> dict:
    proc = project.assay("-q", "coverage", "analyze", "--format", "json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_totals_equal_coverage_py_report(semver_project: Project, tmp_path: Path) -> None:
    ours = analyze(semver_project)
    theirs = coverage_json(semver_project, tmp_path / "c.json")
    t, c = ours["totals"], theirs["totals"]
    assert t["statements"] == c["num_statements"]
    assert t["missing"] == c["missing_lines"]
    assert t["excluded"] == c["excluded_lines"]
    assert t["branches"] == c["num_branches"]
    assert t["partial_branches"] == c["num_partial_branches"]
    assert t["missing_branches"] == c["missing_branches"]
    assert t["percent"] == pytest.approx(c["percent_covered"], abs=1e-6)
    assert 0 < t["missing"] < t["statements"]  # the subset leaves real gaps
    per_file = {f["path"]: f for f in ours["files"]}
    for path, entry in theirs["files"].items():
        assert per_file[path]["statements"] == entry["summary"]["num_statements"], path
        assert per_file[path]["missing"] == entry["summary"]["missing_lines"], path
    measurements = {m["name"]: m["value"] for m in ours["measurements"]}
    assert measurements["test_coverage_overall"] == pytest.approx(c["percent_covered"], abs=1e-3)


def test_functions_and_classes_equal_coverage_json_format_3_regions(
    semver_project: Project, tmp_path: Path
) -> None:
    ours = analyze(semver_project)
    theirs = coverage_json(semver_project, tmp_path / "c.json")
    compared = 0
    for f in ours["files"]:
        entry = theirs["files"][f["path"]]
        for kind in ("functions", "classes"):
            regions = {name: r for name, r in entry[kind].items() if name}
            for region in f[kind]:
                name = region["name"]
                if name not in regions:
                    continue  # coverage.py names a same-named region without statements differently
                summary = regions[name]["summary"]
                assert region["statements"] == summary["num_statements"], (f["path"], name)
                assert region["missing"] == summary["missing_lines"], (f["path"], name)
                assert region["branches"] == summary.get("num_branches", 0), (f["path"], name)
                compared += 1
    assert compared > 50


def test_json_and_xml_inputs_give_the_same_totals(semver_project: Project, tmp_path: Path) -> None:
    ours = analyze(semver_project)
    baseline = ours["totals"]
    coverage_json(semver_project, tmp_path / "c.json")
    from_json = analyze(semver_project, "--data", str(tmp_path / "c.json"))
    assert from_json["source"]["kind"] == "coverage-json-3"
    assert from_json["totals"] == baseline
    coverage_xml(semver_project, tmp_path / "c.xml")
    from_xml = analyze(semver_project, "--data", str(tmp_path / "c.xml"))
    for key in ("statements", "missing", "branches", "partial_branches", "missing_branches", "percent"):
        assert from_xml["totals"][key] == baseline[key], key
    # the ranked gaps name the same functions whatever the input format
    assert [g["name"] for g in from_xml["gaps"][:5]] == [g["name"] for g in ours["gaps"][:5]]


def test_diff_numbers_equal_diff_cover(semver_project: Project, tmp_path: Path) -> None:
    if shutil.which("diff-cover", path=str(BIN)) is None:
        pytest.skip("SKIPPED LOUDLY: diff-cover is not installed (pip install -e '.[dev]')")
    ours = analyze(semver_project, "--base", "main")["diff"]
    coverage_xml(semver_project, tmp_path / "c.xml")
    subprocess.run(
        [
            str(BIN / "diff-cover"),
            str(tmp_path / "c.xml"),
            "--compare-branch",
            "main",
            "--include-untracked",
            "--format",
            f"json:{tmp_path / 'dc.json'}",
        ],
        cwd=semver_project.path,
        check=True,
        capture_output=True,
    )
    theirs = json.loads((tmp_path / "dc.json").read_text())
    assert ours["changed_lines"] == theirs["total_num_lines"]
    assert ours["changed_lines"] - ours["covered_lines"] == theirs["total_num_violations"]
    assert {f["path"] for f in ours["files"] if f["changed_lines"]} == set(theirs["src_stats"])
    for f in ours["files"]:
        stats = theirs["src_stats"].get(f["path"])
        if stats is None:
            continue
        assert f["covered_lines"] == stats["covered_lines"], f["path"]
        assert f["uncovered_lines"] == stats["violation_lines"], f["path"]
    # Beyond diff-cover: the untracked module, the changed functions and their branches are named.
    by_path = {f["path"]: f for f in ours["files"]}
    assert by_path["src/semver/extra.py"]["untracked"] is True
    version = by_path["src/semver/version.py"]
    assert "Version.is_stable" in [fn["name"] for fn in version["functions"]]
    assert version["missing_branches"]


def test_templates_collect_and_skip_on_a_real_project(semver_project: Project) -> None:
    out = semver_project.path / "tests" / "generated"
    proc = semver_project.assay("-q", "coverage", "templates", "--out", str(out), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert len(report["written"]) >= 3
    text = (out / "test_semver_version_gaps.py").read_text()
    assert "from semver import Version" in text  # the way semver's own tests import it
    assert "pytest.skip('template: fill in')" in text
    assert "def test_version_is_stable_gap(" in text
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/generated"],
        cwd=semver_project.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "error" not in run.stdout.lower()
    total = sum(w["tests"] for w in report["written"])
    assert f"{total} skipped" in run.stdout
    # never overwrite without --force
    (out / "test_semver_version_gaps.py").write_text("# edited by a person\n")
    again = json.loads(
        semver_project.assay("-q", "coverage", "templates", "--out", str(out), "-f", "json").stdout
    )
    assert str(out / "test_semver_version_gaps.py") in again["kept"]
    assert (out / "test_semver_version_gaps.py").read_text() == "# edited by a person\n"
    forced = semver_project.assay("-q", "coverage", "templates", "--out", str(out), "--force", "-f", "json")
    assert forced.returncode == 0
    assert "is_stable" in (out / "test_semver_version_gaps.py").read_text()
