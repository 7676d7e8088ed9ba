"""A real project in a real git repository with a pytest-benchmark suite whose speed we control."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import GitRepo

BENCH = """
from toy import work


def test_work(benchmark):
    benchmark(work, 300)


def test_steady(benchmark):
    benchmark(sum, range(300))
"""

TOY = """
SCALE = {scale}


def work(n):
    return sum(i * i for i in range(n * SCALE))
"""


def write_toy(repo: GitRepo, scale: int) -> None:
    repo.write("src/toy/__init__.py", TOY.format(scale=scale))


@pytest.fixture
def toy_repo(git_repo: GitRepo) -> GitRepo:
    """Commit 1: work() at scale 1 with a benchmark suite; the test adds later commits."""
    write_toy(git_repo, 1)
    git_repo.write("benchmarks/test_toy.py", BENCH)
    git_repo.commit("toy project with benchmarks")
    return git_repo


@pytest.fixture
def set_scale() -> Callable[[GitRepo, int], None]:
    """Change how much work toy.work() does (the known slowdown factor)."""
    return write_toy


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "perf.db"
