"""Git facts about a checkout: root, commit, branch, dirty flag, changed files, worktrees.

Every call runs git with an argument list (never a shell). Outside a repository the facts
are "unknown" rather than errors: assay works on plain directories too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assay.errors import InputError

UNKNOWN = "unknown"


@dataclass(frozen=True)
class RepoInfo:
    root: Path
    commit: str  # full sha, or "unknown" outside git / before the first commit
    branch: str  # branch name, "HEAD" when detached, "unknown" outside git
    dirty: bool
    is_git: bool


class GitError(InputError):
    """git refused a command (unknown ref, not a repository, ...)."""


@lru_cache(maxsize=1)
def _git() -> str | None:
    """git's resolved path, looked up once per process (run_git is on every tool's path)."""
    return shutil.which("git")


def git_available() -> bool:
    """Whether a git executable is on PATH."""
    return _git() is not None


def run_git(args: Sequence[str], cwd: Path | str, *, check: bool = True, timeout: float = 60) -> str:
    """Run git and return stdout; raise GitError with git's own first line on failure."""
    env = dict(os.environ)
    env.setdefault("GIT_TERMINAL_PROMPT", "0")
    env["LC_ALL"] = "C"
    git = _git()
    if git is None:
        raise GitError("git is not installed or not on PATH")
    try:
        proc = subprocess.run(
            [git, *args],
            cwd=str(cwd),
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=timeout,
            env=env,
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {' '.join(args[:2])} timed out after {timeout:.0f}s") from exc
    if check and proc.returncode != 0:
        first = (proc.stderr.strip().splitlines() or ["(no message)"])[0]
        raise GitError(f"git {' '.join(args[:2])} failed: {first}")
    return proc.stdout


def find_root(path: Path | str) -> Path | None:
    try:
        out = run_git(["rev-parse", "--show-toplevel"], path, timeout=10)
    except GitError:
        return None
    return Path(out.strip()) if out.strip() else None


def repo_info(path: Path | str = ".") -> RepoInfo:
    """Describe the checkout at `path`; outside git the commit is recorded as unknown."""
    start = Path(path).resolve()
    root = find_root(start) if git_available() else None
    if root is None:
        return RepoInfo(root=start, commit=UNKNOWN, branch=UNKNOWN, dirty=False, is_git=False)
    try:
        commit = run_git(["rev-parse", "--verify", "-q", "HEAD"], root, timeout=10).strip() or UNKNOWN
    except GitError:
        commit = UNKNOWN  # a repository with no commits yet
    try:
        branch = run_git(["rev-parse", "--abbrev-ref", "HEAD"], root, timeout=10).strip() or UNKNOWN
    except GitError:
        branch = _unborn_branch(root)
    status = run_git(["status", "--porcelain", "--untracked-files=no"], root, check=False, timeout=30)
    return RepoInfo(root=root, commit=commit, branch=branch, dirty=bool(status.strip()), is_git=True)


def _unborn_branch(root: Path) -> str:
    try:
        return run_git(["symbolic-ref", "--short", "HEAD"], root, timeout=10).strip() or UNKNOWN
    except GitError:
        return UNKNOWN


def resolve_ref(root: Path | str, ref: str) -> str:
    """Return the full sha for `ref`, or raise GitError saying the ref does not exist."""
    if ref.startswith("-"):
        raise GitError(f"not a git ref: {ref!r}")
    try:
        return run_git(["rev-parse", "--verify", "-q", f"{ref}^{{commit}}"], root, timeout=10).strip()
    except GitError:
        raise GitError(f"git ref {ref!r} does not exist in {root}") from None


def default_branch(root: Path | str) -> str | None:
    """The remote's default branch if known, else main/master when present."""
    out = run_git(["symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD"], root, check=False)
    if out.strip():
        return out.strip()
    for name in ("main", "master", "origin/main", "origin/master"):
        try:
            resolve_ref(root, name)
        except GitError:
            continue
        return name
    return None


def merge_base(root: Path | str, a: str, b: str = "HEAD") -> str:
    return run_git(["merge-base", a, b], root).strip()
