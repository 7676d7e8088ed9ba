"""Coverage data in every accepted format, and bad data rejected with one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.coverage.loader import load
from assay.coverage.model import FileCoverage, Totals, totals_for
from assay.errors import InputError


def _json_doc(**file_overrides: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "executed_lines": [1, 2, 4],
        "missing_lines": [5],
        "excluded_lines": [],
        "executed_branches": [[2, 4]],
        "missing_branches": [[2, 5]],
        "summary": {},
    }
    entry.update(file_overrides)
    return {
        "meta": {"format": 2, "branch_coverage": True},
        "files": {"pkg/mod.py": entry},
        "totals": {
            "num_statements": 4,
            "missing_lines": 1,
            "num_branches": 2,
            "num_partial_branches": 1,
            "missing_branches": 1,
        },
    }


def test_json_format_2_loads_lines_and_branches(tmp_path: Path) -> None:
    path = tmp_path / "coverage.json"
    path.write_text(json.dumps(_json_doc()))
    data = load(path, tmp_path)
    assert data.kind == "coverage-json-2"
    (fc,) = data.files
    assert fc.statements == {1, 2, 4, 5}
    assert fc.missing == {5}
    totals = data.totals()
    assert (totals.statements, totals.missing, totals.branches, totals.partial_branches) == (4, 1, 2, 1)
    assert totals.percent == pytest.approx(100 * (3 + 1) / (4 + 2))
    # the source file is gone: reported, not fatal
    assert data.skipped == (("pkg/mod.py", "source file no longer exists"),)


def test_json_format_3_is_detected_by_its_regions(tmp_path: Path) -> None:
    doc = _json_doc(functions={"": {}}, classes={"": {}})
    doc["meta"] = {"format": 3, "branch_coverage": True}
    path = tmp_path / "coverage.json"
    path.write_text(json.dumps(doc))
    assert load(path, tmp_path).kind == "coverage-json-3"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"totals": {}}, "has no 'files' key"),
        ({"files": {"a.py": {"executed_lines": [1]}}}, "files['a.py'] has no 'missing_lines' key"),
        ({"files": {"a.py": {"executed_lines": ["x"], "missing_lines": []}}}, "must hold integers"),
        ({"files": []}, "files must be a dict"),
        ([1, 2], "must be an object"),
    ],
)
def test_json_with_missing_or_wrong_keys_is_one_line_error(tmp_path: Path, doc: object, message: str) -> None:
    path = tmp_path / "coverage.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load(path, tmp_path)


def test_malformed_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "coverage.json"
    path.write_text('{"files": {\n  "a.py": oops}}')
    with pytest.raises(InputError, match=r"malformed JSON.*line 2"):
        load(path, tmp_path)


def test_corrupt_coverage_data_file(tmp_path: Path) -> None:
    path = tmp_path / ".coverage"
    path.write_bytes(b"SQLite format 3\x00" + b"\x07" * 200)
    with pytest.raises(InputError, match="coverage data"):
        load(path, tmp_path)


def test_coverage_data_from_another_version_is_rejected(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / ".coverage"
    with sqlite3.connect(path) as db:
        db.execute("create table coverage_schema (version integer)")
        db.execute("insert into coverage_schema (version) values (2)")
    with pytest.raises(InputError, match=r"schema|version|coverage data"):
        load(path, tmp_path)


def test_missing_data_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="assay coverage run"):
        load(tmp_path / ".coverage", tmp_path)


def test_cobertura_xml_counts_branches_from_condition_coverage(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("a = 1\nif a:\n    b = 2\nc = 3\n")
    xml = f"""<?xml version="1.0" ?>
<coverage version="7.0" line-rate="0.75" branch-rate="0.5">
  <sources><source>{tmp_path}</source></sources>
  <packages><package name="pkg"><classes>
    <class name="mod.py" filename="pkg/mod.py">
      <lines>
        <line number="1" hits="1"/>
        <line number="2" hits="1" branch="true" condition-coverage="50% (1/2)" missing-branches="4"/>
        <line number="3" hits="1"/>
        <line number="4" hits="0"/>
      </lines>
    </class>
  </classes></package></packages>
</coverage>"""
    path = tmp_path / "coverage.xml"
    path.write_text(xml)
    data = load(path, tmp_path)
    assert data.kind == "cobertura-xml"
    (fc,) = data.files
    assert fc.path == "pkg/mod.py"
    assert fc.missing_branches == ((2, 4),)
    t = data.totals()
    assert (t.statements, t.missing, t.branches, t.partial_branches) == (4, 1, 2, 1)
    assert data.skipped == ()


def test_xml_that_is_not_cobertura(tmp_path: Path) -> None:
    path = tmp_path / "report.xml"
    path.write_text("<testsuite/>")
    with pytest.raises(InputError, match="not a Cobertura"):
        load(path, tmp_path)


def test_partial_branches_count_missed_arcs_from_lines_that_ran() -> None:
    fc = FileCoverage(
        path="m.py",
        statements=frozenset({1, 2, 3, 4}),
        missing=frozenset({4}),
        executed_branches=((1, 2),),
        missing_branches=((1, 3), (1, 4), (4, -1), (4, 1)),
    )
    t = totals_for(fc, {1, 2, 3, 4})
    # line 1 ran and missed two arcs; line 4 never ran, so its arcs are missing but not partial
    assert t == Totals(statements=4, missing=1, branches=5, partial_branches=2, missing_branches=4)
    assert t.percent == pytest.approx(100 * (3 + 1) / (4 + 5))
