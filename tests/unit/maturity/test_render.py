"""The terminal table: one screen on an 80-column terminal, with every check id whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.maturity.config import MaturitySection
from assay.maturity.render import render_markdown, render_table
from assay.maturity.service import assess, to_result
from assay.vcs import repo_info


def scorecard_doc(root: Path) -> dict[str, object]:
    (root / "pkg").mkdir()
    (root / "pkg" / "mod.py").write_text("def f():\n    return 1\n")
    (root / "README.md").write_text("# demo\n")
    data = to_result(assess(repo_info(root), MaturitySection())).data
    assert isinstance(data, dict)
    return data


def test_table_fits_80_columns_and_keeps_ids_whole(tmp_path: Path) -> None:
    doc = scorecard_doc(tmp_path)
    text = render_table(doc, width=80)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    checks = doc["checks"]
    assert isinstance(checks, list)
    for check in checks:
        assert f"│ {check['id']} " in text, check["id"]
    table = lines[next(i for i, line in enumerate(lines) if line.strip() == "Checks") :]
    body = table[next(i for i, line in enumerate(table) if line.startswith("┡")) + 1 :]
    body = body[: next(i for i, line in enumerate(body) if line.startswith("└"))]
    first_lines = [line for line in body if line.split("│")[1].strip()]
    assert len(first_lines) == len(checks)
    # one line a check, and a second evidence line only for a check that did not pass
    two_lines = [
        c for c in checks if c["status"] not in ("pass", "not_applicable") and len(c["evidence"]) > 1
    ]
    assert two_lines, "the fixture repository should fail some checks with more than one evidence line"
    assert len(body) == len(checks) + len(two_lines)
    header = next(line for line in table if line.startswith("┃ check"))
    assert "weight" not in header  # at 80 columns the weight column gives its room to the evidence


@pytest.mark.parametrize(("width", "columns"), [(40, 3), (60, 3), (80, 4), (140, 5)])
def test_no_row_is_cut_off_at_any_width(tmp_path: Path, width: int, columns: int) -> None:
    """Rich crops what does not fit at the screen's edge; every row must still end in its border."""
    lines = render_table(scorecard_doc(tmp_path), width=width).splitlines()
    table = lines[next(i for i, line in enumerate(lines) if line.strip() == "Checks") :]
    rows = [line for line in table if line.startswith(("┃", "│"))]
    assert rows and all(line.endswith(("┃", "│")) for line in rows), "\n".join(rows[:3])
    assert rows[0].count("┃") == columns + 1


def test_repository_file_names_cannot_drive_the_terminal(tmp_path: Path) -> None:
    """The secret scan quotes file names in its evidence; a name with escape sequences is shown, not sent."""
    key = "AKIA" + "Z7Q3" + "K9VX" + "L2MN" + "P4RT"  # built from parts: no credential in this file
    (tmp_path / "k\x1b]0;pwned\x07ey.txt").write_text(f"aws = {key}\n")
    doc = scorecard_doc(tmp_path)
    for text in (render_table(doc, width=200), render_markdown(doc)):
        assert "\x1b" not in text and "\x07" not in text
        assert "k\\x1b]0;pwned\\x07ey.txt" in text
