"""`assay security scan` as a user runs it: a project with known vulnerable pins, the real advisory
snapshot, every output format, the baseline and ignore list, and bad input (exit 2, nothing stored)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import ADVISORY_DB, REPO_ROOT, CliResult, GitRepo

SCHEMA = REPO_ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
RISKY = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
Cli = Callable[..., CliResult]
IGNORE = (
    '[tool.assay.security.ignore]\n"CVE-2018-18074" = {{ reason = "no redirects", expires = {expires} }}\n'
)


@pytest.fixture
def project(git_repo: GitRepo) -> GitRepo:
    git_repo.write("requirements.txt", "requests==2.19.0\npyyaml==5.3\nthis is not valid\nclick>=8\n")
    git_repo.write("src/app/run.py", RISKY)
    git_repo.write("pyproject.toml", '[project]\nname = "demo"\nversion = "1"\n')
    git_repo.commit("initial")
    return git_repo


def _scan(cli: Cli, repo: GitRepo, *extra: str | Path) -> CliResult:
    return cli(
        "--repo",
        repo.path,
        "--store",
        repo.path / "store.db",
        "security",
        "scan",
        "-r",
        repo.path / "requirements.txt",
        "--db",
        ADVISORY_DB,
        "--no-environment",
        *extra,
    )


def _runs(store: Path) -> list[tuple[Any, ...]]:
    if not store.exists():
        return []
    with sqlite3.connect(store) as conn:
        return conn.execute("SELECT id, tool FROM runs WHERE tool = 'security-scan'").fetchall()


def test_known_vulnerable_pins_are_flagged_from_the_real_snapshot(assay_cli: Cli, project: GitRepo) -> None:
    result = _scan(assay_cli, project, "--fail-on", "high", "-f", "json")
    assert result.exit_code == 1, result.stderr
    assert "fail-on" in result.stderr and "Traceback" not in result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "assay.security-scan/1"
    vulns = {(v["package"], v["id"]): v for v in doc["vulnerabilities"]}
    requests = vulns[("requests", "PYSEC-2018-28")]
    assert {"CVE-2018-18074", "GHSA-x84v-xcm2-53pg"} <= set(requests["aliases"])
    assert requests["fixed_in"] == ["2.20.0"] and requests["source"] == "osv"
    # PYSEC-2018-28 carries no CVSS score: it counts as unknown_severity, high by default.
    assert requests["version"] == "2.19.0" and requests["severity"] == "high"
    assert ("pyyaml", "PYSEC-2020-96") in vulns
    assert vulns[("pyyaml", "PYSEC-2020-96")]["upgrade_to"] == "5.4"
    by_id = {f["id"]: f for f in doc["findings"]}
    assert by_id["B602"]["properties"]["cwe"] == "CWE-78"
    malformed = by_id["security-scan/malformed-requirement"]
    assert (malformed["location"]["path"], malformed["location"]["line"]) == ("requirements.txt", 3)
    measurements = {(m["name"], tuple(sorted(m["labels"].items()))): m["value"] for m in doc["measurements"]}
    assert measurements[("security_vulnerable_packages", ())] == 2
    assert measurements[("security_findings", (("severity", "high"), ("tool", "bandit")))] == 1
    assert len(_runs(project.path / "store.db")) == 1


def test_sarif_validates_against_the_official_schema(
    assay_cli: Cli, project: GitRepo, tmp_path: Path
) -> None:
    out = tmp_path / "scan.sarif"
    result = _scan(assay_cli, project, "-f", "sarif", "-o", out)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(out.read_text())
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(doc)
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert float(rules["PYSEC-2018-28"]["properties"]["security-severity"]) > 0
    assert "external/cwe/cwe-78" in rules["B602"]["properties"]["tags"]
    # GitHub rejects the whole upload when any result has no location.
    assert all(r.get("locations") for r in doc["runs"][0]["results"])
    located = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "PYSEC-2018-28"]
    region = located[0]["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == "requirements.txt" and region["region"]["startLine"] == 1


@pytest.mark.parametrize("fmt", ["markdown", "github", "table"])
def test_every_writer_renders_the_scan(assay_cli: Cli, project: GitRepo, fmt: str) -> None:
    result = _scan(assay_cli, project, "--no-code", "-f", fmt)
    assert result.exit_code == 0, result.stderr
    assert "PYSEC-2018-28" in result.stdout


def test_junit_reports_the_gate_decision(assay_cli: Cli, project: GitRepo) -> None:
    # The shared JUnit writer renders outcomes (one testcase each) when a result has them.
    result = _scan(assay_cli, project, "--no-code", "--fail-on", "high", "-f", "junit")
    assert result.exit_code == 1
    assert 'name="dependencies"' in result.stdout and "2 vulnerable of 2 audited" in result.stdout
    assert '<failure message="' in result.stdout and "at or above high" in result.stdout


def test_baseline_accepts_findings_with_a_reason_and_gates_only_new_ones(
    assay_cli: Cli, project: GitRepo
) -> None:
    baseline = project.path / ".security-baseline.json"
    refused = _scan(assay_cli, project, "--update-baseline")
    assert refused.exit_code == 2 and "--reason" in refused.stderr and not baseline.exists()
    accepted = _scan(assay_cli, project, "--update-baseline", "--reason", "legacy, tracked in issue 12")
    assert accepted.exit_code == 0, accepted.stderr
    reasons = {e["reason"] for e in json.loads(baseline.read_text())["accepted"]}
    assert reasons == {"legacy, tracked in issue 12"}
    clean = _scan(assay_cli, project, "--fail-on", "low", "-f", "json")
    assert clean.exit_code == 0, clean.stderr
    assert json.loads(clean.stdout)["new"] == 0
    project.write("src/app/more.py", RISKY.replace("run(", "run_again("))
    gated = _scan(assay_cli, project, "--fail-on", "high", "-f", "json")
    assert gated.exit_code == 1
    new = [f for f in json.loads(gated.stdout)["findings"] if f["properties"]["baseline"] == "new"]
    assert {(f["id"], f["location"]["path"]) for f in new} == {
        ("B404", "src/app/more.py"),
        ("B602", "src/app/more.py"),
    }


def test_ignores_need_a_reason_and_fail_once_expired(assay_cli: Cli, project: GitRepo) -> None:
    config = project.path / "pyproject.toml"
    base = config.read_text()
    config.write_text(base + IGNORE.format(expires="2099-01-01"))
    ok = _scan(assay_cli, project, "--no-code", "-f", "json")
    assert ok.exit_code == 0, ok.stderr
    doc = json.loads(ok.stdout)
    assert [i["id"] for i in doc["ignored"]] == ["PYSEC-2018-28"]
    assert "PYSEC-2018-28" not in {v["id"] for v in doc["vulnerabilities"]}
    config.write_text(base + IGNORE.format(expires="2020-01-01"))
    expired = _scan(assay_cli, project, "--no-code", "-f", "json")
    assert expired.exit_code == 1 and "expired ignore(s): CVE-2018-18074" in expired.stderr
    config.write_text(base + '[tool.assay.security.ignore]\n"CVE-2018-18074" = { expires = 2099-01-01 }\n')
    missing_reason = _scan(assay_cli, project, "--no-code")
    assert missing_reason.exit_code == 2 and "reason" in missing_reason.stderr


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing-db", "advisory database not found"),
        ("empty-db", "advisory database is empty"),
        ("missing-requirements", "requirements file not found"),
        ("bad-fail-on", "Invalid value for '--fail-on'"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_stores_nothing(
    assay_cli: Cli, project: GitRepo, tmp_path: Path, kind: str, message: str
) -> None:
    store = project.path / "store.db"
    args: list[str | Path] = [
        "--repo",
        project.path,
        "--store",
        store,
        "security",
        "scan",
        "--no-environment",
    ]
    if kind == "missing-db":
        args += ["--db", tmp_path / "nowhere"]
    elif kind == "empty-db":
        (tmp_path / "empty").mkdir()
        args += ["--db", tmp_path / "empty"]
    elif kind == "missing-requirements":
        args += ["--db", ADVISORY_DB, "-r", tmp_path / "missing.txt"]
    else:
        args += ["--fail-on", "severe"]
    result = assay_cli(*args)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == "" and _runs(store) == []


def test_syntax_error_is_a_finding_and_the_scan_continues(assay_cli: Cli, project: GitRepo) -> None:
    project.write("src/app/broken.py", "def broken(:\n")
    result = _scan(assay_cli, project, "-f", "json")
    assert result.exit_code == 0, result.stderr
    ids = {(f["id"], (f["location"] or {}).get("path")) for f in json.loads(result.stdout)["findings"]}
    assert ("security-scan/unscanned-file", "src/app/broken.py") in ids and ("B602", "src/app/run.py") in ids


def test_installed_command_never_shows_a_traceback(
    assay_proc: Callable[..., CliResult], project: GitRepo
) -> None:
    result = assay_proc(
        "--repo",
        project.path,
        "--store",
        project.path / "store.db",
        "security",
        "scan",
        "--db",
        project.path / "nope",
    )
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"assay: error: {project.path / 'nope'}: advisory database not found"


@pytest.mark.slow
def test_assay_itself_is_clean_at_medium_and_above(assay_cli: Cli, tmp_path: Path) -> None:
    result = assay_cli(
        "--repo",
        REPO_ROOT,
        "--store",
        tmp_path / "store.db",
        "security",
        "scan",
        "--no-deps",
        "--fail-on",
        "medium",
        "-f",
        "json",
    )
    doc = json.loads(result.stdout)
    failing = [
        f"{f['id']} {f['location']['path']}:{f['location']['line']}"
        for f in doc["findings"]
        if f["properties"].get("baseline") == "new" and f["severity"] in {"medium", "high", "critical"}
    ]
    assert result.exit_code == 0, failing
