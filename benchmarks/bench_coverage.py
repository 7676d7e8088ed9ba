"""Gap analysis at scale: coverage JSON for 2,000 modules / 200,000 statements, loaded, analysed per
function (AST) and ranked. Goal: under 2 s. Run: .venv/bin/python -m pytest benchmarks/bench_coverage.py
--benchmark-only -p no:cacheprovider"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assay.coverage.analysis import run_analysis, to_result
from assay.coverage.loader import load

MODULES = 2000
FUNCTIONS = 10
STATEMENTS_PER_FUNCTION = 9  # plus the def line: 10 statements per function, 100 per module


def make_project(root: Path) -> Path:
    """A synthetic package and the coverage JSON (format 2) a partial test run would leave."""
    files: dict[str, Any] = {}
    body = "".join(f"    x{i} = a + {i}\n" for i in range(STATEMENTS_PER_FUNCTION - 2))
    for m in range(MODULES):
        rel = f"pkg/sub{m // 100}/mod{m}.py"
        lines: list[str] = []
        executed: list[int] = []
        missing: list[int] = []
        missing_branches: list[list[int]] = []
        executed_branches: list[list[int]] = []
        for f in range(FUNCTIONS):
            start = len(lines) + 1
            lines.append(f"def f{f}(a):\n")
            lines.append("    if a:\n")
            lines.extend(body.splitlines(keepends=True))
            lines.append("    return a\n")
            statements = list(range(start, start + STATEMENTS_PER_FUNCTION + 1))
            executed.append(statements[0])
            if (m + f) % 3 == 0:
                missing.extend(statements[1:])
                missing_branches += [[start + 1, start + 2], [start + 1, start + 9]]
            else:
                executed.extend(statements[1:])
                executed_branches.append([start + 1, start + 2])
                missing_branches.append([start + 1, start + 9])
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(lines))
        files[rel] = {
            "executed_lines": executed,
            "missing_lines": missing,
            "excluded_lines": [],
            "executed_branches": executed_branches,
            "missing_branches": missing_branches,
        }
    data = root / "coverage.json"
    data.write_text(json.dumps({"meta": {"format": 2, "branch_coverage": True}, "files": files}))
    return data


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("cov"))


def test_gap_analysis_2000_modules_200k_statements(benchmark: Any, project: Path) -> None:
    root = project.parent

    def analyse() -> Any:
        data = load(project, root)
        return to_result(run_analysis(data, root, use_churn=False), top=20)

    result = benchmark.pedantic(analyse, rounds=3, iterations=1, warmup_rounds=0)
    assert result.data["totals"]["statements"] == MODULES * FUNCTIONS * (STATEMENTS_PER_FUNCTION + 1)
    assert len(result.data["gaps"]) > 0


def test_gap_analysis_as_a_command(benchmark: Any, project: Path) -> None:
    """The same as a user runs it: interpreter start-up, store and output file included."""
    import subprocess
    import sys

    root = project.parent
    command = [str(Path(sys.executable).with_name("assay")), "-q", "--store", str(root / "bench.db")]
    command += ["coverage", "analyze", "--data", str(project), "-f", "json", "-o", str(root / "out.json")]

    def analyse() -> None:
        subprocess.run(command, cwd=root, check=True, capture_output=True)

    benchmark.pedantic(analyse, rounds=3, iterations=1, warmup_rounds=0)
    doc = json.loads((root / "out.json").read_text())
    assert doc["totals"]["statements"] == MODULES * FUNCTIONS * (STATEMENTS_PER_FUNCTION + 1)
