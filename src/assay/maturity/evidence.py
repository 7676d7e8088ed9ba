"""Evidence for the maturity checks, collected once: one walk of the tree, one read of git history,
the latest measurements other assay tools stored, and (only with a token) the GitHub API.

Every derived view (workflows, pyproject, Python files) is computed lazily, once, and shared by all checks.
"""

from __future__ import annotations

import bisect
import configparser
import fnmatch
import functools
import hashlib
import logging
import os
import re
import stat
import subprocess
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from assay import vcs
from assay.maturity.docstrings import count_docstrings

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_MAX_FILE_BYTES = 1_048_576
# Directories that hold other people's code or build output: never part of this repository's maturity.
VENDORED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "vendor",
        "vendored",
        "_vendor",
        "third_party",
        "thirdparty",
        "third-party",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".nox",
        "site-packages",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".eggs",
        "build",
        "dist",
        ".assay",
        "htmlcov",
    }
)
HISTORY_LIMIT = 5000  # commits read from history: enough for activity and contributors, bounded on huge repos
BINARY_SNIFF_BYTES = 8192  # a NUL byte in this many leading bytes marks a file binary (git sniffs 8,000)
DOCSTRING_SAMPLE = 200  # Python files scanned for docstring coverage (a deterministic sample beyond this)


def display(rel: str) -> str:
    """A path as a user can read it: undecodable bytes in file names become U+FFFD."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass(frozen=True)
class Commit:
    """One commit from the repository history: sha, author and Unix timestamp."""

    sha: str
    timestamp: int
    author: str


@dataclass(frozen=True)
class StoredMeasurement:
    """A measurement read back from the store, with the tool and commit that recorded it."""

    name: str
    value: float
    labels: Mapping[str, str]
    tool: str
    commit: str
    finished_at: float


@dataclass(frozen=True)
class Workflow:
    """One GitHub Actions workflow file: its text, its parsed YAML, or why it could not be parsed."""

    path: str
    text: str
    data: dict[str, Any] | None
    error: str = ""

    @property
    def on(self) -> Any:
        """The `on:` value; YAML 1.1 reads the bare key `on` as boolean True."""
        if self.data is None:
            return None
        raw: dict[Any, Any] = self.data
        return raw.get("on", raw.get(True))

    @property
    def triggers(self) -> set[str]:
        """The event names that trigger this workflow (its ``on:`` keys)."""
        on = self.on
        if isinstance(on, str):
            return {on}
        if isinstance(on, list):
            return {str(x) for x in on}
        if isinstance(on, dict):
            return {str(k) for k in on}
        return set()

    def tag_triggered(self) -> bool:
        """Whether the workflow runs on pushed tags."""
        on = self.on
        return isinstance(on, dict) and isinstance(on.get("push"), dict) and "tags" in on["push"]

    def jobs(self) -> dict[str, dict[str, Any]]:
        """The workflow's jobs by id (empty if it did not parse)."""
        if self.data is None or not isinstance(self.data.get("jobs"), dict):
            return {}
        return {str(k): v for k, v in self.data["jobs"].items() if isinstance(v, dict)}

    def steps(self) -> list[dict[str, Any]]:
        """All steps of all jobs in the workflow."""
        out: list[dict[str, Any]] = []
        for job in self.jobs().values():
            steps = job.get("steps")
            if isinstance(steps, list):
                out.extend(s for s in steps if isinstance(s, dict))
        return out

    def uses(self) -> list[str]:
        """Every action and reusable workflow referenced with ``uses:``."""
        found = [str(s["uses"]) for s in self.steps() if "uses" in s]
        found += [str(j["uses"]) for j in self.jobs().values() if "uses" in j]  # reusable workflows
        return found

    def run_scripts(self) -> list[str]:
        """The ``run:`` scripts of all steps."""
        return [str(s["run"]) for s in self.steps() if "run" in s]

    def line_of(self, needle: str) -> int | None:
        """The first line number (1-based) of the workflow text containing ``needle``; None if absent."""
        for number, line in enumerate(self.text.splitlines(), start=1):
            if needle in line:
                return number
        return None


@dataclass
class Evidence:
    """Everything the checks look at. Build it with collect()."""

    root: Path
    is_git: bool
    files: list[str]  # posix paths relative to root, sorted
    sizes: dict[str, int]
    tracked: frozenset[str]
    symlinks: frozenset[str] = frozenset()
    commits: list[Commit] | None = None  # None: not a git repository
    tags: list[tuple[str, int]] | None = None
    history_truncated: bool = False
    measurements: dict[str, list[StoredMeasurement]] = field(default_factory=dict)
    github: dict[str, Any] | None = None  # online facts; None when offline
    github_error: str = ""
    problems: list[str] = field(default_factory=list)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    now: float = field(default_factory=time.time)
    _text_cache: dict[str, str | None] = field(default_factory=dict, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    # -- indexes ---------------------------------------------------------------------------------

    @cached_property
    def _by_name(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for rel in self.files:
            index.setdefault(rel.rsplit("/", 1)[-1].lower(), []).append(rel)
        return index

    @cached_property
    def _by_suffix(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for name, paths in self._by_name.items():
            dot = name.rfind(".")
            if dot > 0:
                index.setdefault(name[dot:], []).extend(paths)
        return index

    def named(self, *names: str) -> list[str]:
        """Files whose base name is one of `names` (case-insensitive), anywhere, shallowest first."""
        out: list[str] = []
        for name in names:
            out.extend(self._by_name.get(name.lower(), ()))
        return sorted(set(out), key=lambda p: (p.count("/"), p))

    def named_like(self, *patterns: str) -> list[str]:
        """Files whose lower-case base name matches a glob, shallowest first."""
        matcher = _globs(patterns)
        out = [p for name, paths in self._by_name.items() if matcher(name) for p in paths]
        return sorted(set(out), key=lambda p: (p.count("/"), p))

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """A derived fact computed once per run, shared by every check that needs it."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]  # stored by the same key's compute

    def at_root(self, *names: str) -> list[str]:
        """Files with one of these names at the repository root."""
        return [p for p in self.named(*names) if "/" not in p]

    def with_suffix(self, *suffixes: str) -> list[str]:
        """Files ending in one of these suffixes (case-insensitive), sorted."""
        out: list[str] = []
        for suffix in suffixes:
            out.extend(self._by_suffix.get(suffix.lower(), ()))
        return sorted(out)

    def under(self, directory: str) -> list[str]:
        """Files below `directory` (a relative posix path), via binary search in the sorted list."""
        prefix = directory.strip("/") + "/"
        start = bisect.bisect_left(self.files, prefix)
        end = bisect.bisect_left(self.files, prefix[:-1] + "0")  # "0" sorts right after "/"
        return self.files[start:end]

    def has_dir(self, directory: str) -> bool:
        """Whether the directory holds at least one file."""
        return bool(self.under(directory))

    def exists(self, rel: str) -> bool:
        """Whether this repository-relative file exists."""
        i = bisect.bisect_left(self.files, rel)
        return i < len(self.files) and self.files[i] == rel

    # -- reading ---------------------------------------------------------------------------------

    def text(self, rel: str, limit: int | None = None) -> str | None:
        """A file's text (at most the size cap, never following symlinks); None if binary or unreadable."""
        cap = min(limit or self.max_file_bytes, self.max_file_bytes)
        key = f"{cap}:{rel}"
        if key in self._text_cache:
            return self._text_cache[key]
        value: str | None = None
        if rel not in self.symlinks:
            try:
                raw = _read_head(os.path.join(self.root, rel), cap)
                if raw is not None:
                    value = raw.decode("utf-8", "replace")
            except OSError as exc:
                self.problems.append(f"{display(rel)}: unreadable ({exc.strerror or exc})")
        self._text_cache[key] = value
        return value

    def is_binary(self, rel: str) -> bool:
        """Whether the file is a non-empty, non-symlink file that does not read as text."""
        return rel not in self.symlinks and self.text(rel, BINARY_SNIFF_BYTES) is None and self.size(rel) > 0

    def size(self, rel: str) -> int:
        """The file's size in bytes (0 if unknown)."""
        return self.sizes.get(rel, 0)

    # -- derived views ---------------------------------------------------------------------------

    @cached_property
    def pyproject(self) -> dict[str, Any]:
        """The parsed pyproject.toml; empty if missing or malformed (malformed is noted in ``problems``)."""
        text = self.text("pyproject.toml") if self.exists("pyproject.toml") else None
        if not text:
            return {}
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            self.problems.append(f"pyproject.toml: malformed TOML ({exc})")
            return {}

    def tool_config(self, name: str) -> Any:
        """The ``[tool.<name>]`` table of pyproject.toml, or None."""
        tool = self.pyproject.get("tool", {})
        return tool.get(name) if isinstance(tool, dict) else None

    def ini(self, rel: str) -> configparser.ConfigParser | None:
        """An INI file (setup.cfg, tox.ini, .coveragerc, ...) at `rel`, parsed leniently."""
        return self._ini_files.get(rel) if self.exists(rel) else None

    @cached_property
    def _ini_files(self) -> dict[str, configparser.ConfigParser]:
        parsed: dict[str, configparser.ConfigParser] = {}
        for rel in ("setup.cfg", "tox.ini", ".coveragerc", "mypy.ini", ".mypy.ini", ".flake8", "pytest.ini"):
            if not self.exists(rel):
                continue
            text = self.text(rel)
            if text is None:
                continue
            parser = configparser.ConfigParser(interpolation=None, strict=False)
            try:
                parser.read_string(text, source=rel)
            except configparser.Error as exc:
                self.problems.append(f"{rel}: malformed INI ({str(exc).splitlines()[0]})")
                continue
            parsed[rel] = parser
        return parsed

    def ini_sections(self, prefix: str) -> list[str]:
        """`file[section]` for every INI section whose name starts with `prefix`."""
        return [
            f"{rel}[{section}]"
            for rel, parser in self._ini_files.items()
            for section in parser.sections()
            if section.startswith(prefix)
        ]

    @cached_property
    def workflows(self) -> list[Workflow]:
        """The GitHub Actions workflows under .github/workflows, parsed (malformed ones carry an error)."""
        paths = [
            rel
            for rel in self.under(".github/workflows")
            if rel.endswith((".yml", ".yaml")) and rel.count("/") == 2
        ]
        if not paths:
            return []
        import yaml  # here, not at module level: a repository without workflows never pays for it

        # libyaml's loader when PyYAML was built with it (several times faster), else the pure-Python one
        loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        out: list[Workflow] = []
        for rel in paths:
            text = self.text(rel) or ""
            try:
                data = yaml.load(text, Loader=loader)  # noqa: S506  # CSafeLoader or SafeLoader: both safe
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" at line {mark.line + 1}" if mark is not None else ""
                problem = getattr(exc, "problem", None) or "invalid YAML"
                out.append(Workflow(rel, text, None, f"malformed YAML: {problem}{where}"))
                continue
            if not isinstance(data, dict):
                out.append(Workflow(rel, text, None, "not a mapping at the top level"))
                continue
            out.append(Workflow(rel, text, data))
        return out

    @cached_property
    def other_ci_files(self) -> list[str]:
        """CI configuration of other systems (GitLab, CircleCI, Azure, Jenkins, Travis, ...)."""
        candidates = [
            ".gitlab-ci.yml",
            ".circleci/config.yml",
            "azure-pipelines.yml",
            "Jenkinsfile",
            ".travis.yml",
            "bitbucket-pipelines.yml",
            ".drone.yml",
            ".woodpecker.yml",
            "appveyor.yml",
            ".buildkite/pipeline.yml",
        ]
        found = [c for c in candidates if self.exists(c)]
        found += [p for p in self.under(".woodpecker") if p.endswith((".yml", ".yaml"))]
        return found

    @cached_property
    def ci_text(self) -> list[tuple[str, str]]:
        """(path, text) of every CI definition, for searching what CI runs."""
        out = [(w.path, w.text) for w in self.workflows]
        for rel in self.other_ci_files:
            out.append((rel, self.text(rel) or ""))
        return out

    @cached_property
    def _ci_text_lower(self) -> list[tuple[str, str]]:
        return [(path, text.lower()) for path, text in self.ci_text]

    def ci_mentions(self, *needles: str) -> list[str]:
        """CI files that mention any of `needles` (case-insensitive)."""
        lowered = [n.lower() for n in needles]
        return [path for path, text in self._ci_text_lower if any(n in text for n in lowered)]

    @cached_property
    def python_files(self) -> list[str]:
        """All Python files in the repository."""
        return self.with_suffix(".py")

    @cached_property
    def test_files(self) -> list[str]:
        """The Python files that are tests."""
        return [p for p in self.python_files if is_test_path(p)]

    @cached_property
    def source_files(self) -> list[str]:
        """Python files that are the product: not tests, docs, examples, benchmarks or build scripts."""
        skip = ("docs/", "doc/", "examples/", "example/", "benchmarks/", "bench/", "scripts/")
        return [
            p
            for p in self.python_files
            if not is_test_path(p)
            and not p.startswith(skip)
            and p.rsplit("/", 1)[-1] not in ("setup.py", "conftest.py", "noxfile.py")
        ]

    @cached_property
    def docstrings(self) -> tuple[int, int, int, int]:
        """(documented public definitions, public definitions, files parsed, files considered)."""
        files = self.source_files
        sample = files
        if len(files) > DOCSTRING_SAMPLE:
            # Deterministic sample: the same files every run, so the score does not jitter.
            sample = sorted(
                files, key=lambda p: hashlib.sha256(p.encode("utf-8", "surrogateescape")).digest()
            )
            sample = sample[:DOCSTRING_SAMPLE]
        documented = total = parsed = 0
        for rel in sample:
            text = self.text(rel)
            if text is None:
                continue
            counts = count_docstrings(text)  # a lexical scan; ast.parse only for files it cannot vouch for
            if counts is None:
                continue  # not valid Python
            parsed += 1
            documented += counts[0]
            total += counts[1]
        return documented, total, parsed, len(files)

    def metric(self, name: str) -> list[StoredMeasurement]:
        """Stored measurements of this metric name."""
        return self.measurements.get(name, [])

    def metrics_with_prefix(self, prefix: str) -> list[StoredMeasurement]:
        """Stored measurements of every metric whose name starts with ``prefix``."""
        return [m for name, ms in self.measurements.items() if name.startswith(prefix) for m in ms]

    def commits_since(self, days: float) -> list[Commit]:
        """Commits made in the last ``days`` days."""
        cutoff = self.now - days * 86400
        return [c for c in self.commits or () if c.timestamp >= cutoff]


def _read_head(path: str, cap: int) -> bytes | None:
    """At most `cap` bytes of a file, never following a symlink; None for a binary file (a NUL byte in the
    first 8 KiB), which is recognised from that first read alone (plain os calls: this is the hot loop)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        sniff = min(cap, BINARY_SNIFF_BYTES)
        first = b""
        while len(first) < sniff and (more := os.read(fd, sniff - len(first))):
            first += more  # a regular file rarely returns short, but the sniff must see all of it
        if b"\0" in first:
            return None
        chunks = [first]
        remaining = cap - len(first)
        while remaining > 0 and len(chunks[-1]) > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


@functools.lru_cache(maxsize=256)
def _globs(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """One compiled regex for several globs: one match per file name instead of one per glob."""
    regex = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))
    return lambda name: regex.match(name) is not None


def is_test_path(rel: str) -> bool:
    """Whether a repository-relative path is a test file (under a tests directory or named like a test)."""
    parts = rel.split("/")
    name = parts[-1]
    if any(p in ("tests", "test", "testing") for p in parts[:-1]):
        return True
    # tests.py is Django's per-app test module; a test.py counts only at the root (a package may have a
    # module of that name that is not a test)
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name in ("conftest.py", "tests.py")
        or rel == "test.py"
    )


# -- collection ------------------------------------------------------------------------------------


def collect(
    root: Path,
    *,
    is_git: bool,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    exclude: Sequence[str] = (),
    measurements: dict[str, list[StoredMeasurement]] | None = None,
    github: dict[str, Any] | None = None,
    github_error: str = "",
    now: float | None = None,
) -> Evidence:
    """Walk the tree once and read git history once."""
    problems: list[str] = []
    if is_git:
        entries, tracked = _git_files(root, problems)
    else:
        entries, tracked = _walk(root, problems), frozenset()
    files: list[str] = []
    sizes: dict[str, int] = {}
    symlinks: set[str] = set()
    excluded = _globs(tuple(exclude)) if exclude else None
    for rel, st in entries:
        if _vendored(rel) or (excluded is not None and excluded(rel)):
            continue
        files.append(rel)
        sizes[rel] = st.st_size
        if stat.S_ISLNK(st.st_mode):
            symlinks.add(rel)
    files.sort()
    commits, tags, truncated = _history(root, problems) if is_git else (None, None, False)
    return Evidence(
        root=root,
        is_git=is_git,
        files=files,
        sizes=sizes,
        tracked=tracked,
        symlinks=frozenset(symlinks),
        commits=commits,
        tags=tags,
        history_truncated=truncated,
        measurements=measurements or {},
        github=github,
        github_error=github_error,
        problems=problems,
        max_file_bytes=max_file_bytes,
        now=now if now is not None else time.time(),
    )


def _vendored(rel: str) -> bool:
    parts = rel.split("/")
    return any(p in VENDORED_DIRS or p.endswith(".egg-info") for p in parts[:-1])


def _git_files(root: Path, problems: list[str]) -> tuple[list[tuple[str, os.stat_result]], frozenset[str]]:
    """Tracked plus untracked-but-not-ignored files: git applies every .gitignore for us."""
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        problems.append(f"git ls-files failed ({exc}); walked the directory instead")
        return _walk(root, problems), frozenset()
    if proc.returncode != 0:
        first = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"])[0]
        problems.append(f"git ls-files failed ({first}); walked the directory instead")
        return _walk(root, problems), frozenset()
    out: list[tuple[str, os.stat_result]] = []
    tracked: set[str] = set()
    seen: set[str] = set()
    base = os.fsencode(root) + b"/"
    for raw in proc.stdout.split(b"\0"):
        if len(raw) < 3:
            continue
        tag, rel = raw[:1], os.fsdecode(raw[2:])
        if rel in seen:
            continue
        seen.add(rel)
        try:
            st = os.lstat(base + raw[2:])
        except OSError:
            continue  # deleted in the work tree, or a name the file system refuses
        if stat.S_ISDIR(st.st_mode):
            continue  # a submodule: someone else's repository
        if tag != b"?":
            tracked.add(rel)
        out.append((rel, st))
    return out, frozenset(tracked)


def _walk(root: Path, problems: list[str]) -> list[tuple[str, os.stat_result]]:
    """Walk a plain directory: no symlinks followed (so no loops), vendored dirs and .gitignore skipped."""
    ignore = _GitIgnore.load(root)
    out: list[tuple[str, os.stat_result]] = []
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(root / rel_dir if rel_dir else root) as it:
                entries = list(it)
        except OSError as exc:
            problems.append(f"{display(rel_dir or '.')}: unreadable directory ({exc.strerror or exc})")
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                problems.append(f"{display(rel)}: cannot stat ({exc.strerror or exc})")
                continue
            if is_dir:
                if entry.name in VENDORED_DIRS or entry.name.endswith(".egg-info") or ignore.match(rel, True):
                    continue
                stack.append(rel)
            elif not ignore.match(rel, False):
                out.append((rel, st))
    return out


class _GitIgnore:
    """The root .gitignore's simple patterns, for plain directories (git itself handles real repos)."""

    def __init__(self, patterns: list[tuple[str, bool, bool]]) -> None:
        self.patterns = patterns  # (glob, directory only, anchored)

    @classmethod
    def load(cls, root: Path) -> _GitIgnore:
        patterns: list[tuple[str, bool, bool]] = []
        try:
            with (root / ".gitignore").open("rb") as fh:
                text = fh.read(DEFAULT_MAX_FILE_BYTES).decode("utf-8", "replace")
        except OSError:
            return cls(patterns)
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith(("#", "!")):
                continue
            dir_only = line.endswith("/")
            line = line.rstrip("/")
            anchored = "/" in line
            patterns.append((line.lstrip("/"), dir_only, anchored))
        return cls(patterns)

    def match(self, rel: str, is_dir: bool) -> bool:
        name = rel.rsplit("/", 1)[-1]
        for glob, dir_only, anchored in self.patterns:
            if dir_only and not is_dir:
                continue
            target = rel if anchored else name
            if fnmatch.fnmatchcase(target, glob):
                return True
        return False


def _history(root: Path, problems: list[str]) -> tuple[list[Commit], list[tuple[str, int]], bool]:
    commits: list[Commit] = []
    try:
        out = vcs.run_git(
            ["log", f"--max-count={HISTORY_LIMIT + 1}", "--format=%H%x1f%at%x1f%aE"], root, check=False
        )
    except vcs.GitError as exc:
        problems.append(f"git log failed: {exc}")
        out = ""
    for line in out.splitlines():
        parts = line.split("\x1f")
        if len(parts) == 3 and parts[1].isdigit():
            commits.append(Commit(parts[0], int(parts[1]), parts[2].lower()))
    truncated = len(commits) > HISTORY_LIMIT
    tags: list[tuple[str, int]] = []
    try:
        out = vcs.run_git(
            ["for-each-ref", "--format=%(refname:short)%1f%(creatordate:unix)", "refs/tags"],
            root,
            check=False,
        )
    except vcs.GitError as exc:
        problems.append(f"git for-each-ref failed: {exc}")
        out = ""
    for line in out.splitlines():
        name, _, when = line.partition("\x1f")
        tags.append((name, int(when) if when.isdigit() else 0))
    return commits[:HISTORY_LIMIT], tags, truncated
