"""Every writer renders every Result: JSON, Markdown, table, SARIF (schema-validated), JUnit, GitHub."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from assay.errors import InputError
from assay.formats import available, emit, get_writer, write_atomic
from assay.formats.github import write_step_summary
from assay.results import Finding, Location, Measurement, Outcome, Result, Severity, Status

SCHEMA = Path(__file__).resolve().parents[2] / "data" / "sarif-schema-2.1.0.json"

RESULT = Result(
    tool="demo",
    measurements=(Measurement("test_coverage_overall", 71.25, {}, "percent"),),
    findings=(
        Finding(
            "B602",
            Severity.HIGH,
            "subprocess call with shell=True",
            Location("src/app.py", 12, 14),
            "Pass a list of arguments instead.",
            "bandit",
            {"cwe": 78, "tags": ["security"]},
        ),
        Finding("doc-missing", Severity.LOW, "README has | no usage <b>section</b>", None, "", "maturity"),
    ),
    outcomes=(
        Outcome("coverage >= 80", Status.FAIL, "71.25 < 80"),
        Outcome("no new high findings", Status.PASS),
        Outcome("perf", Status.SKIP, "not measured"),
    ),
    schema="assay.demo/1",
    data={"percent": 71.25},
    title="Demo <title>",
    summary="one failing condition",
)


def test_registry_lists_every_builtin_format() -> None:
    assert {"table", "json", "markdown", "sarif", "junit", "github"} <= set(available())
    with pytest.raises(InputError, match="unknown format 'pdf'"):
        get_writer("pdf")


def test_json_carries_schema_payload_and_items() -> None:
    doc = json.loads(get_writer("json").render(RESULT))
    assert doc["schema"] == "assay.demo/1" and doc["percent"] == 71.25
    assert doc["findings"][0]["location"] == {
        "path": "src/app.py",
        "line": 12,
        "end_line": 14,
        "column": None,
    }
    assert [o["status"] for o in doc["outcomes"]] == ["fail", "pass", "skip"]
    assert doc["measurements"][0] == {
        "name": "test_coverage_overall",
        "value": 71.25,
        "labels": {},
        "unit": "percent",
    }


def test_sarif_validates_against_the_official_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    doc = json.loads(get_writer("sarif").render(RESULT))
    jsonschema.validate(doc, schema)
    run = doc["runs"][0]
    rule = run["tool"]["driver"]["rules"][0]
    assert rule["id"] == "B602" and rule["properties"]["security-severity"] == "8.0"
    assert "external/cwe/cwe-78" in rule["properties"]["tags"]
    located = run["results"][0]["locations"][0]["physicalLocation"]
    assert located["artifactLocation"]["uri"] == "src/app.py" and located["region"] == {
        "startLine": 12,
        "endLine": 14,
    }


def test_sarif_of_failing_outcomes_without_findings_validates() -> None:
    schema = json.loads(SCHEMA.read_text())
    gate_only = Result(tool="gate", outcomes=(Outcome("coverage", Status.FAIL, "too low"),))
    doc = json.loads(get_writer("sarif").render(gate_only))
    jsonschema.validate(doc, schema)
    assert doc["runs"][0]["results"][0]["ruleId"] == "gate/coverage"
    # GitHub rejects results without a location: repository-wide findings are anchored at line 1
    anchored = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert anchored == {
        "artifactLocation": {"uri": "pyproject.toml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},
    }


def test_junit_has_one_testcase_per_outcome_and_per_finding() -> None:
    root = ET.fromstring(get_writer("junit").render(RESULT))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("5", "3", "1")
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failed == ["coverage >= 80", "B602 (src/app.py:12)", "doc-missing"]


def test_junit_without_outcomes_fails_per_finding() -> None:
    only_findings = Result(tool="scan", findings=RESULT.findings)
    suite = ET.fromstring(get_writer("junit").render(only_findings)).find("testsuite")
    assert suite is not None and suite.get("failures") == "2"


def test_markdown_escapes_repository_text() -> None:
    text = get_writer("markdown").render(RESULT)
    assert "<b>" not in text and "&lt;b&gt;" in text
    assert "README has \\| no usage" in text
    assert "❌ | coverage &gt;= 80" in text


def test_github_annotations_escape_and_locate() -> None:
    text = get_writer("github").render(RESULT)
    lines = text.splitlines()
    assert lines[0].startswith("::error file=src/app.py,line=12,endLine=14,title=B602::subprocess call")
    assert any(line.startswith("::notice title=doc-missing::") for line in lines)
    assert "::error title=coverage >= 80::71.25 < 80" in lines
    multi = Result(tool="x", findings=(Finding("a,b", Severity.MEDIUM, "line1\nline2 100%"),))
    assert get_writer("github").render(multi) == "::warning title=a%2Cb::line1%0Aline2 100%25\n"


def test_step_summary_appends_markdown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert write_step_summary(RESULT) == summary
    content = summary.read_text()
    assert content.startswith("earlier step\n") and "## Demo &lt;title&gt;" in content


def test_table_render_is_plain_text() -> None:
    text = get_writer("table").render(RESULT)
    assert "coverage >= 80" in text and "B602" in text and "\x1b[" not in text


def test_emit_to_file_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "out" / "r.json"
    emit(RESULT, "json", target)
    assert json.loads(target.read_text())["schema"] == "assay.demo/1"
    assert [p.name for p in target.parent.iterdir()] == ["r.json"]


def test_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.mkdir()  # a directory where the report should go: the final move fails
    (target / "keep.txt").write_text("kept")
    with pytest.raises(InputError, match="cannot write output"):
        write_atomic(target, "new content")
    assert (target / "keep.txt").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # the temp file is gone
    with pytest.raises(InputError, match="cannot write output"):
        write_atomic(Path("/proc/assay-nope/r.json"), "x")


HOSTILE = "evil\x1b]0;pwned\x07\x1b[2J\x9b31m\rname"  # title, clear-screen, C1 CSI, carriage return


@pytest.mark.parametrize("fmt", ["table", "markdown", "github", "junit"])
def test_repository_text_cannot_drive_the_terminal(fmt: str) -> None:
    """A file name or message from the repository reaches no terminal or log with its control characters."""
    hostile = Result(
        tool="scan",
        title=HOSTILE,
        findings=(Finding("B1", Severity.HIGH, f"in {HOSTILE}", location=Location(f"{HOSTILE}.py", 3)),),
        outcomes=(Outcome(HOSTILE, Status.FAIL, HOSTILE),),
    )
    text = get_writer(fmt).render(hostile)
    assert not any(ch in text for ch in "\x1b\x07\x9b\r"), repr(text[:200])
    assert "\\x1b" in text  # shown, not dropped: the reader sees something odd is there
    if fmt == "junit":
        ET.fromstring(text)  # still well-formed XML
