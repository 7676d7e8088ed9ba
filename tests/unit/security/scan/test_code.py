"""bandit through its manager: findings with CWE and test id, project config, syntax errors, noqa."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from assay.results import Severity
from assay.security.scan.code import UNSCANNED, scan_code

RISKY = """import subprocess


def run(cmd):
    return subprocess.call(cmd, shell=True)


def check(value):
    assert value
"""


def _project(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


def test_findings_carry_cwe_location_and_test_id(tmp_path: Path) -> None:
    root = _project(tmp_path, {"src/app/run.py": RISKY})
    result = scan_code(root, ["src"])
    by_id = {f.id: f for f in result.findings}
    shell = by_id["B602"]
    assert shell.severity == Severity.HIGH
    assert shell.properties["cwe"] == "CWE-78"
    assert shell.location is not None and (shell.location.path, shell.location.line) == ("src/app/run.py", 5)
    assert shell.properties["help_uri"].startswith("https://bandit.readthedocs.io/")
    assert "B101" in by_id and result.files == 1


def test_thresholds_drop_low_findings(tmp_path: Path) -> None:
    root = _project(tmp_path, {"src/run.py": RISKY})
    ids = {f.id for f in scan_code(root, ["src"], severity="medium").findings}
    assert "B602" in ids and "B101" not in ids and "B404" not in ids


def test_fingerprint_survives_lines_moving(tmp_path: Path) -> None:
    root = _project(tmp_path, {"src/run.py": RISKY})
    before = {f.id: f.key() for f in scan_code(root, ["src"]).findings}
    (root / "src/run.py").write_text("# a new first line\n\n" + RISKY)
    after = {f.id: f.key() for f in scan_code(root, ["src"]).findings}
    assert before["B602"] == after["B602"]


def test_project_bandit_config_is_honoured(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {
            "src/run.py": RISKY,
            "src/generated/gen.py": RISKY,
            "pyproject.toml": '[tool.bandit]\nskips = ["B101"]\nexclude_dirs = ["src/generated"]\n',
        },
    )
    result = scan_code(root, ["src"])
    assert "B101" not in {f.id for f in result.findings}
    assert {f.location.path for f in result.findings if f.location} == {"src/run.py"}
    ini = _project(tmp_path / "ini", {"src/run.py": RISKY, ".bandit": "[bandit]\nskips = B404,B602\n"})
    assert {f.id for f in scan_code(ini, ["src"]).findings} == {"B101"}


def test_syntax_error_becomes_a_finding_and_the_scan_continues(tmp_path: Path) -> None:
    root = _project(tmp_path, {"src/bad.py": "def broken(:\n    pass\n", "src/run.py": RISKY})
    result = scan_code(root, ["src"])
    unscanned = [f for f in result.findings if f.id == UNSCANNED]
    assert len(unscanned) == 1
    assert unscanned[0].location is not None and unscanned[0].location.path == "src/bad.py"
    assert unscanned[0].location.line == 1
    assert "B602" in {f.id for f in result.findings}


def test_reviewed_noqa_comment_suppresses_the_same_bandit_test(tmp_path: Path) -> None:
    code = RISKY.replace("shell=True)", "shell=True)  # noqa: S602 - fixed command")
    root = _project(tmp_path, {"src/run.py": code})
    result = scan_code(root, ["src"])
    assert "B602" not in {f.id for f in result.findings}
    assert result.suppressed[0]["id"] == "B602" and "fixed command" in result.suppressed[0]["comment"]
    assert "B602" in {f.id for f in scan_code(root, ["src"], honour_noqa=False).findings}


def test_parallel_workers_find_exactly_what_one_process_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assay.security.scan import code
    from assay.security.scan import parallel as forking

    files = {f"src/m{i}.py": RISKY for i in range(6)} | {"src/bad.py": "def broken(:\n"}
    root = _project(tmp_path, files)
    serial = scan_code(root, ["src"])
    # A worker that cannot start falls back to one process silently: make sure workers really ran.
    shares: list[int] = []

    def counted(fn: Callable[..., Any], work: Sequence[tuple[Any, ...]]) -> list[Any] | None:
        parts = forking.run_forked(fn, work)
        shares.append(len(parts) if parts is not None else 0)
        return parts

    monkeypatch.setattr(code, "_PARALLEL_FROM", 1)
    monkeypatch.setattr(forking.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(code, "run_forked", counted)
    parallel = scan_code(root, ["src"])
    assert shares == [2]
    assert [f.key() for f in parallel.findings] == [f.key() for f in serial.findings]
    assert (parallel.files, parallel.skipped) == (serial.files, serial.skipped)


def test_without_src_the_root_is_scanned_but_not_virtualenvs(tmp_path: Path) -> None:
    root = _project(tmp_path, {"tool.py": RISKY, ".venv/lib/site.py": RISKY, "build/lib/tool.py": RISKY})
    result = scan_code(root, [])
    assert {f.location.path for f in result.findings if f.location} == {"tool.py"}
