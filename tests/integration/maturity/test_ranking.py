"""Repositories an experienced engineer would rank script < hobby package < maintained library < mature
project are scored in that order, each a real git repository with its own history."""

from __future__ import annotations

import time
from pathlib import Path

from assay.maturity.config import MaturitySection
from assay.maturity.service import assess
from assay.vcs import repo_info
from conftest import git

CI = """\
on: [push, pull_request]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
      - run: ruff check . && mypy src && python -m pytest --cov && bandit -r src
"""
LIB = (
    '"""A library."""\n\n\ndef parse(text: str) -> list[str]:\n'
    '    """Split text into words."""\n    return text.split()\n'
)
TESTS = "from lib import parse\n\n\ndef test_parse() -> None:\n    assert parse('a b') == ['a', 'b']\n"
PYPROJECT = """\
[project]
name = "lib"
requires-python = ">=3.11"
dependencies = ["click>=8.1"]
[tool.pytest.ini_options]
testpaths = ["tests"]
[tool.coverage.run]
branch = true
[tool.mypy]
strict = true
[tool.ruff]
line-length = 100
"""


def commits(path: Path, authors: int, count: int) -> None:
    now = int(time.time())
    for n in range(count):
        (path / "NEWS.txt").write_text(f"change {n}\n")
        git(path, "add", "-A")
        who = f"Dev{n % authors} <dev{n % authors}@example.org>"
        git(path, "commit", "-q", "-m", f"change {n}", f"--author={who}", f"--date=@{now - n * 86400}")


def make(root: Path, files: dict[str, str], authors: int, count: int) -> Path:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    commits(root, authors, count)
    return root


def test_scores_follow_an_engineers_ranking(tmp_path: Path) -> None:
    script = make(tmp_path / "script", {"run.py": "import os\nprint(os.getcwd())\n"}, 1, 1)
    hobby = make(
        tmp_path / "hobby",
        {"README.md": "# lib\n\n## Usage\n\nimport lib\n", "lib.py": LIB, "tests/test_lib.py": TESTS},
        1,
        3,
    )
    library = make(
        tmp_path / "library",
        {
            "README.md": "# lib\n\n## Installation\n\npip install lib\n\n## Usage\n\nimport lib\n",
            "src/lib/__init__.py": LIB,
            "tests/test_lib.py": TESTS,
            "pyproject.toml": PYPROJECT,
            "LICENSE": "Permission is hereby granted, free of charge, to any person obtaining a copy\n",
            ".github/workflows/ci.yml": CI,
            "CHANGELOG.md": "# 1.0\n",
        },
        2,
        12,
    )
    mature_files = {
        rel: (library / rel).read_text() for rel in ("README.md", "src/lib/__init__.py", "tests/test_lib.py",
                                                      "pyproject.toml", "LICENSE", ".github/workflows/ci.yml",
                                                      "CHANGELOG.md")
    }  # fmt: skip
    mature_files.update(
        {
            "SECURITY.md": "Report privately via GitHub security advisories or security@example.org\n",
            ".github/dependabot.yml": "version: 2\n",
            "CONTRIBUTING.md": "# Contributing\n",
            "docs/index.md": "# Docs\n",
            "docs/rollback.md": "# Rollback\n",
            "docs/incident-response.md": "# Incidents\n",
            "monitoring/rules.yml": "groups:\n- name: x\n  rules:\n  - alert: Down\n    expr: up == 0\n",
            "monitoring/dashboard.json": '{"panels": []}\n',
            "benchmarks/bench_parse.py": "def test_parse(benchmark):\n    benchmark(str.split, 'a b')\n",
            ".github/workflows/bench.yml": CI.replace(
                "ruff check .", "pytest benchmarks --benchmark-compare"
            ),
            "uv.lock": "version = 1\n",
            ".pre-commit-config.yaml": "repos: []\n",
        }
    )
    mature = make(tmp_path / "mature", mature_files, 4, 30)
    git(mature, "tag", "v1.0.0")
    section = MaturitySection()
    scores = [assess(repo_info(p), section).percent for p in (script, hobby, library, mature)]
    assert scores == sorted(scores) and len(set(scores)) == 4, scores
    levels = [assess(repo_info(p), section).level.number for p in (script, mature)]
    assert levels == [1, 4]
