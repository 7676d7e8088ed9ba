"""Diff coverage side by side with diff-cover: the same git diff and the same Cobertura XML, both run
as the command a user types. Goal: assay at least 2x faster. Run: .venv/bin/python -m pytest
benchmarks/bench_coverage_diff.py --benchmark-only -p no:cacheprovider (needs diff-cover: [dev])"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent
MODULES = 300
FUNCTIONS = 10
CHANGED_MODULES = 30


def git(cwd: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@example.invalid",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@example.invalid",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


# `assay coverage diff` as both benchmarks type it (coverage_vs_diffcover.py adds -o).
DIFF_ARGS = ["coverage", "diff", "--data", "coverage.xml", "--base", "main", "--no-untracked", "-f", "json"]


def module_text(m: int, changed: bool) -> str:
    out = []
    for f in range(FUNCTIONS):
        out.append(f"def f{f}(a):\n    if a:\n        b = a + {f}\n    c = {m}\n    return a\n\n")
        if changed and f % 3 == 0:
            out.append(f"def g{f}(a):\n    return a * {f}\n\n")
    return "".join(out)


def cobertura(root: Path) -> str:
    classes = []
    for m in range(MODULES):
        rel = f"pkg/mod{m}.py"
        text = (root / rel).read_text().splitlines()
        lines = []
        for n, line in enumerate(text, start=1):
            stripped = line.strip()
            if not stripped:
                continue
            hits = 0 if (n + m) % 4 == 0 else 1
            if stripped.startswith("if "):
                lines.append(
                    f'<line number="{n}" hits="{hits}" branch="true" condition-coverage="50% (1/2)" '
                    f'missing-branches="{n + 2}"/>'
                )
            else:
                lines.append(f'<line number="{n}" hits="{hits}"/>')
        classes.append(f'<class name="mod{m}.py" filename="{rel}"><lines>{"".join(lines)}</lines></class>')
    return (
        f'<?xml version="1.0" ?><coverage version="7.0"><sources><source>{root}</source></sources>'
        f'<packages><package name="pkg"><classes>{"".join(classes)}</classes></package></packages></coverage>'
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("diffbench") / "proj"
    (root / "pkg").mkdir(parents=True)
    for m in range(MODULES):
        (root / "pkg" / f"mod{m}.py").write_text(module_text(m, changed=False))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    for m in range(0, MODULES, MODULES // CHANGED_MODULES):
        (root / "pkg" / f"mod{m}.py").write_text(module_text(m, changed=True))
    git(root, "commit", "-q", "-am", "change")
    (root / "coverage.xml").write_text(cobertura(root))
    (root / ".gitignore").write_text("coverage.xml\n.assay/\n*.json\n")
    git(root, "add", ".gitignore")
    git(root, "commit", "-q", "-m", "ignore")
    return root


def run_assay(root: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [str(BIN / "assay"), "-q", "--store", str(root / ".assay" / "bench.db"), *DIFF_ARGS],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    diff: dict[str, Any] = json.loads(proc.stdout)["diff"]
    return diff


def run_diff_cover(root: Path) -> dict[str, Any]:
    subprocess.run(
        [str(BIN / "diff-cover"), "coverage.xml", "--compare-branch", "main", "--format", "json:dc.json"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    doc: dict[str, Any] = json.loads((root / "dc.json").read_text())
    return doc


@pytest.fixture(scope="module", autouse=True)
def _needs_diff_cover() -> None:
    if shutil.which("diff-cover", path=str(BIN)) is None:
        pytest.skip("diff-cover is not installed (pip install -e '.[dev]')")


def test_assay_diff_gaps(benchmark: Any, project: Path) -> None:
    diff = benchmark.pedantic(run_assay, args=(project,), rounds=5, iterations=1, warmup_rounds=1)
    assert diff["changed_lines"] == run_diff_cover(project)["total_num_lines"]


def test_diff_cover_same_diff(benchmark: Any, project: Path) -> None:
    doc = benchmark.pedantic(run_diff_cover, args=(project,), rounds=5, iterations=1, warmup_rounds=1)
    assert doc["total_num_lines"] > 0


# In-process: assay's analysis alone, without interpreter start-up.


def test_assay_diff_gaps_in_process(benchmark: Any, project: Path) -> None:
    from assay.coverage.analysis import diff_only

    def analyse() -> Any:
        return diff_only(project / "coverage.xml", project, "main", include_untracked=False)

    _, report = benchmark.pedantic(analyse, rounds=5, iterations=1, warmup_rounds=1)
    assert report.changed_lines == run_diff_cover(project)["total_num_lines"]
