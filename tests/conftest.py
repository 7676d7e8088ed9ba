"""Shared fixtures: real git repositories in temp dirs, and the CLI run in-process or as a user runs it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
ADVISORY_DB = SHARED_DATA / "advisory-database"
ASSAY_BIN = Path(sys.executable).with_name("assay")
# A new machine has no git identity: every commit a test (or a tool it runs) makes needs one.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.invalid",
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_IDENTITY}  # also outside a test function (module and session fixtures)
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=True)
    return proc.stdout


@dataclass
class GitRepo:
    path: Path

    def write(self, rel: str, text: str) -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        return target

    def commit(self, message: str = "change") -> str:
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "-m", message)
        return git(self.path, "rev-parse", "HEAD").strip()

    def git(self, *args: str) -> str:
        return git(self.path, *args)


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    """A real, empty git repository on branch main."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    return GitRepo(path)


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def assay_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run the CLI in-process (fast); returns exit code, stdout and stderr."""
    from assay.cli import run

    def invoke(*args: str | Path) -> CliResult:
        capsys.readouterr()
        code = run([str(a) for a in args])
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return invoke


@pytest.fixture
def assay_proc() -> Callable[..., CliResult]:
    """Run the installed `assay` console script as a user would (a real subprocess)."""

    def invoke(
        *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
    ) -> CliResult:
        proc = subprocess.run(
            [str(ASSAY_BIN), *[str(a) for a in args]],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return invoke


def require_binary(name: str) -> str:
    """Path of a real binary the test needs; skip loudly when it is not installed here."""
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"SKIPPED LOUDLY: {name} is not installed (run `make test` as root to install it)")
    return found


@pytest.fixture(autouse=True)
def _isolated_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Give every test the same git identity and no GitHub Actions environment (HOME is left as it is)."""
    for var, value in GIT_IDENTITY.items():
        monkeypatch.setenv(var, value)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    yield


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (tests bind only loopback)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.25) -> Any:
    """Poll `predicate` until it returns something truthy; connection errors count as not yet."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except OSError as exc:
            last = exc
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def listening_url(proc: subprocess.Popen[str], what: str = "the monitor") -> str:
    """The base URL a daemon prints as its first line ("... listening on URL ..."); kill it and show its
    stderr when it does not start."""
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening on " not in line:
        proc.kill()
        raise AssertionError(f"{what} did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}")
    return line.split("listening on ", 1)[1].split()[0]
