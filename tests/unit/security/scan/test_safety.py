"""safety's report parsing and its bounded, never-failing run (offline is the normal case here)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from assay.results import Severity
from assay.security.scan.audit import merge
from assay.security.scan.model import Dependency, Vulnerability
from assay.security.scan.safety import parse_report, run_safety

# The shape of `safety check --output json` (safety 2.x/3.x), trimmed to what assay reads.
REPORT = {
    "report_meta": {"scan_target": "files"},
    "vulnerabilities": [
        {
            "vulnerability_id": "36546",
            "package_name": "requests",
            "analyzed_version": "2.19.0",
            "advisory": "Requests before 2.20.0 sends an HTTP Authorization header to an http URI.",
            "CVE": "CVE-2018-18074",
            "fixed_versions": ["2.20.0"],
            "severity": {"cvssv3": {"base_score": 7.5, "base_severity": "HIGH"}},
        },
        {"vulnerability_id": "99999", "package_name": "Flask", "analyzed_version": "0.12", "CVE": None},
    ],
}
DEPS = [Dependency("requests", "2.19.0", "requirements.txt"), Dependency("flask", "0.12", "requirements.txt")]


def test_parse_report() -> None:
    found = parse_report(REPORT, DEPS, Severity.MEDIUM)
    requests, flask = found
    assert (requests.id, requests.aliases, requests.severity, requests.fixed_in) == (
        "SAFETY-36546",
        ("CVE-2018-18074",),
        Severity.HIGH,
        ("2.20.0",),
    )
    assert (flask.package, flask.severity, flask.dependency_source) == (
        "flask",
        Severity.MEDIUM,
        "requirements.txt",
    )


def test_blank_advisory_text_is_an_empty_summary() -> None:
    blank = {
        "vulnerabilities": [
            {"vulnerability_id": "1", "package_name": "flask", "analyzed_version": "0.12", "advisory": "  \n"}
        ]
    }
    (found,) = parse_report(blank, DEPS, Severity.MEDIUM)
    assert (found.id, found.summary) == ("SAFETY-1", "")


def test_merge_deduplicates_by_alias() -> None:
    offline = Vulnerability(
        "requests",
        "2.19.0",
        "PYSEC-2018-28",
        ("CVE-2018-18074", "GHSA-x84v-xcm2-53pg"),
        ("2.20.0",),
        Severity.HIGH,
        "osv",
    )
    merged = merge([offline], parse_report(REPORT, DEPS, Severity.MEDIUM))
    assert len(merged) == 2
    assert merged[0].id == "PYSEC-2018-28" and merged[0].source == "osv+safety"
    assert "SAFETY-36546" in merged[0].aliases


def test_missing_executable_is_one_line_not_a_crash() -> None:
    run = run_safety(
        DEPS,
        executable="no-such-safety-binary",
        key=None,
        mirror=None,
        timeout=5,
        unknown_severity=Severity.HIGH,
    )
    assert not run.ran and "not installed" in run.status


@pytest.mark.slow
def test_real_safety_offline_gives_up_within_its_timeout() -> None:
    if shutil.which("safety") is None and not Path(sys.executable).with_name("safety").is_file():
        pytest.skip("SKIPPED LOUDLY: safety is not installed in this environment")
    run = run_safety(
        DEPS,
        executable="safety",
        key="not-a-real-key",
        mirror=None,
        timeout=0.5,
        unknown_severity=Severity.HIGH,
    )
    assert not run.ran
    assert "within 0.5s" in run.status
    assert "not-a-real-key" not in run.status
    unreachable = run_safety(
        DEPS,
        executable="safety",
        key=None,
        mirror="/nonexistent/mirror",
        timeout=60,
        unknown_severity=Severity.HIGH,
    )
    assert not unreachable.ran and "continuing offline" in unreachable.status
