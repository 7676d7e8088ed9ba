"""`assay score`'s hot path (evidence collection + every check) on synthetic git checkouts of 1,000,
10,000 and 50,000 files, and on a repository with a long history made here with git fast-import.

Goal: under 1 s for 10,000 files, growing linearly. Figures and how to reproduce: docs/performance.md.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from assay.maturity.config import MaturitySection
from assay.maturity.service import assess
from assay.vcs import repo_info

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}
MODULE = '''"""Module {n}: part of a synthetic package."""

from __future__ import annotations


def handler_{n}(value: int) -> int:
    """Return the value doubled."""
    return value * 2


def helper_{n}(items: list[int]) -> int:
    return sum(items)
'''
TEST = (
    "from pkg{p}.mod{n} import handler_{n}\n\n\n"
    "def test_handler_{n}() -> None:\n    assert handler_{n}(2) == 4\n"
)
ROOT_FILES = {
    "README.md": "# synthetic\n\n## Installation\n\npip install synthetic\n\n## Usage\n\nsynthetic run\n",
    "pyproject.toml": (
        "[project]\nname = 'synthetic'\nrequires-python = '>=3.11'\ndependencies = ['click>=8']\n"
        "[tool.pytest.ini_options]\ntestpaths = ['tests']\n[tool.coverage.run]\nbranch = true\n"
        "[tool.mypy]\nstrict = true\n[tool.ruff]\nline-length = 100\n"
    ),
    "LICENSE": "Permission is hereby granted, free of charge, to any person obtaining a copy\n",
    "SECURITY.md": "Report vulnerabilities to security@example.invalid\n",
    ".github/workflows/ci.yml": (
        "on: [push, pull_request]\npermissions:\n  contents: read\n"
        "jobs:\n  test:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: actions/checkout@v4\n      - run: ruff check . && python -m pytest\n"
    ),
}


def git(root: Path, *args: str, stdin: bytes | None = None) -> None:
    subprocess.run(["git", *args], cwd=root, env=GIT_ENV, input=stdin, check=True, capture_output=True)


def make_synthetic(root: Path, files: int) -> Path:
    """A git checkout of exactly `files` files: 70% modules, 20% tests, 10% docs, in packages of 100."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    written = 0
    for rel, text in ROOT_FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
        written += 1
    n = 0
    while written < files:
        package, kind = n // 100, n % 10
        if kind < 7:
            rel, text = f"src/pkg{package}/mod{n}.py", MODULE.format(n=n)
        elif kind < 9:
            rel, text = f"tests/pkg{package}/test_mod{n}.py", TEST.format(p=package, n=n)
        else:
            rel, text = f"docs/pkg{package}/page{n}.md", f"# Page {n}\n\nSome documentation.\n"
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        written += 1
        n += 1
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "synthetic")
    return root


def make_history(root: Path, commits: int, authors: int = 7) -> Path:
    """A repository with `commits` commits by `authors` people over the last year, via git fast-import."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    now = int(time.time())
    stream: list[bytes] = []
    for i in range(commits):
        when = now - (commits - i) * 3600 * 4
        author = f"Dev {i % authors} <dev{i % authors}@example.invalid> {when} +0000"
        body = (MODULE.format(n=i % 400)).encode()
        message = f"change {i}".encode()
        stream += [
            b"commit refs/heads/main\n",
            f"mark :{i + 1}\nauthor {author}\ncommitter {author}\n".encode(),
            f"data {len(message)}\n".encode() + message + b"\n",
        ]
        if i:
            stream.append(f"from :{i}\n".encode())
        stream.append(
            f"M 100644 inline src/pkg{i % 4}/mod{i % 400}.py\ndata {len(body)}\n".encode() + body + b"\n"
        )
        if i % 200 == 0:
            stream.append(f"reset refs/tags/v0.{i // 200}.0\nfrom :{i + 1}\n".encode())
    git(root, "fast-import", "--quiet", stdin=b"".join(stream))
    git(root, "checkout", "-q", "-f", "main")
    return root


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    base = tmp_path_factory.mktemp("maturity-bench")
    return {n: make_synthetic(base / f"repo-{n}", n) for n in (1_000, 10_000, 50_000)}


@pytest.mark.parametrize("files", [1_000, 10_000, 50_000])
def test_score_synthetic_checkout(benchmark: Any, synthetic: dict[int, Path], files: int) -> None:
    repo = repo_info(synthetic[files])
    section = MaturitySection()
    card = benchmark.pedantic(assess, args=(repo, section), rounds=5, iterations=1, warmup_rounds=1)
    assert card.files == files
    assert card.level.number >= 2


def test_score_repository_with_3000_commits(benchmark: Any, tmp_path: Path) -> None:
    repo = repo_info(make_history(tmp_path / "history", 3_000))
    card = benchmark.pedantic(assess, args=(repo, MaturitySection()), rounds=5, iterations=1, warmup_rounds=1)
    contributors = next(c for c in card.checks if c.id == "maintenance.contributors")
    assert "7 distinct author(s) in 3000 commit(s)" in contributors.evidence[0]
