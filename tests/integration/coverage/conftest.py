"""A real project no one here wrote (semver 3.1.1, vendored under tests/data) in a real git repository,
with a feature branch on top and its tests run under coverage once per session."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ASSAY_BIN, git

VENDORED = Path(__file__).resolve().parents[2] / "data" / "semver"
# A subset of semver's own tests, so that real gaps remain.
TEST_SUBSET = ["tests/test_parsing.py", "tests/test_bump.py", "tests/test_compare.py"]


def assay(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ASSAY_BIN), *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


@dataclass
class Project:
    path: Path

    @property
    def data(self) -> Path:
        return self.path / ".coverage"

    def assay(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The installed `assay` run in the project, as a user runs it."""
        return assay(self.path, *args)


FEATURE_METHOD = '''    def is_stable(self) -> bool:
        """True for a release without a prerelease part."""
        if self.prerelease is None and (
            self.major > 0
        ):
            return True
        return False

    def bump_major(self) -> "Version":'''


def make_feature_branch(path: Path) -> None:
    """Changes a reviewer would see: a new method, an edit on the continuation line of a multi-line
    statement, a new tested helper, and an untracked new module."""
    git(path, "checkout", "-q", "-b", "feature")
    version = path / "src" / "semver" / "version.py"
    text = version.read_text()
    text = text.replace('    def bump_major(self) -> "Version":', FEATURE_METHOD, 1)
    version.write_text(text)
    types = path / "src" / "semver" / "_types.py"
    types.write_text(
        types.read_text()
        + "\n\ndef _helper(value: int, name: str = 'x') -> str:\n"
        + "    if value > 3:\n        return name * value\n    return name\n"
    )
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "feature")
    (path / "src" / "semver" / "extra.py").write_text("def brand_new(a: int) -> int:\n    return a + 1\n")


@pytest.fixture(scope="session")
def semver_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    path = tmp_path_factory.mktemp("semver") / "semver"
    shutil.copytree(VENDORED, path, ignore=shutil.ignore_patterns("__pycache__"))
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "semver 3.1.1")
    make_feature_branch(path)
    proc = assay(
        path, "-q", "coverage", "run", "--format", "json", "--output", "run.json", "--", *TEST_SUBSET
    )
    assert proc.returncode == 0, proc.stderr
    return Project(path)
