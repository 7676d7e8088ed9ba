"""Collect the pinned dependencies to audit: installed distributions, requirements files, pinned
pyproject dependencies, and lock files (uv.lock, poetry.lock, pylock.toml with tomllib; Pipfile.lock)."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from assay.config import resolve_path
from assay.errors import InputError
from assay.results import Location
from assay.security.scan.model import Dependency, Problem, normalize

LOCK_FILES = ("uv.lock", "poetry.lock", "pylock.toml", "Pipfile.lock")
_OPTION_WITH_VALUE = re.compile(r"\s+--?[A-Za-z][\w-]*(=|\s|$)")
_COMMENT = re.compile(r"(^|\s)#.*$")
_URLISH = re.compile(r"^(\.{0,2}/|[A-Za-z][\w+.-]*://|[A-Za-z]:\\)")


@dataclass
class Collected:
    """Dependencies found for auditing, with the problems met, unpinned names and the files read."""

    dependencies: list[Dependency] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unpinned: list[str] = field(default_factory=list)  # declared without an exact version: not audited
    sources: list[str] = field(default_factory=list)

    def add(self, dep: Dependency) -> None:
        """Add a dependency to audit."""
        self.dependencies.append(dep)


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Requirement lines with `\\` continuations joined, numbered by the line they start on."""
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not buffer:
            start = number
        if raw.endswith("\\"):
            buffer += raw[:-1] + " "
            continue
        yield start, buffer + raw
        buffer = ""
    if buffer:
        yield start, buffer


def _pinned(req: Requirement) -> str | None:
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def _version_ok(version: str, where: Location, name: str, out: Collected) -> bool:
    try:
        Version(version)
    except InvalidVersion:
        out.problems.append(
            Problem("unparseable-version", f"{name}=={version}: not a PEP 440 version; not audited", where)
        )
        return False
    return True


def read_requirements(path: Path, root: Path, out: Collected, _seen: set[Path] | None = None) -> None:
    """One requirements file (and the files it includes with -r); bad lines become problems."""
    seen = _seen if _seen is not None else set()
    resolved = path.resolve()
    if resolved in seen:
        return
    seen.add(resolved)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: requirements file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read requirements file: {exc}") from None
    shown = _display(path, root)
    out.sources.append(shown)
    for number, line in _logical_lines(text):
        line = _COMMENT.sub("", line).strip()
        if not line:
            continue
        where = Location(shown, number)
        if line.startswith("-"):
            option, _, value = line.partition(" ") if " " in line else line.partition("=")
            if option in ("-r", "--requirement") and value.strip():
                read_requirements(path.parent / value.strip(), root, out, seen)
            continue  # other pip options (-e, -i, --hash, ...) name nothing to audit
        spec = _OPTION_WITH_VALUE.split(line, maxsplit=1)[0].strip()
        if _URLISH.match(spec):
            out.unpinned.append(f"{shown}:{number}: {spec}")
            continue
        try:
            req = Requirement(spec)
        except InvalidRequirement as exc:
            out.problems.append(
                Problem("malformed-requirement", f"cannot parse {spec!r}: {str(exc).splitlines()[0]}", where)
            )
            continue
        version = _pinned(req)
        if version is None or req.url:
            out.unpinned.append(f"{shown}:{number}: {spec}")
            continue
        if _version_ok(version, where, req.name, out):
            out.add(Dependency(normalize(req.name), version, shown, where))


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def read_pyproject(path: Path, root: Path, out: Collected) -> None:
    """Pinned (==) entries of [project] dependencies and optional-dependencies."""
    try:
        text = path.read_text(encoding="utf-8")
        doc = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read pyproject.toml: {exc}") from None
    project = doc.get("project") or {}
    declared: list[Any] = list(project.get("dependencies") or [])
    for group in (project.get("optional-dependencies") or {}).values():
        declared.extend(group or [])
    shown = _display(path, root)
    out.sources.append(shown)
    for entry in declared:
        where = Location(shown, _line_of(text, str(entry)))
        try:
            req = Requirement(str(entry))
        except InvalidRequirement as exc:
            out.problems.append(
                Problem("malformed-requirement", f"cannot parse {entry!r}: {str(exc).splitlines()[0]}", where)
            )
            continue
        version = _pinned(req)
        if version is None:
            continue  # a range is a compatibility statement, not a pin: audited through the lock file
        if _version_ok(version, where, req.name, out):
            out.add(Dependency(normalize(req.name), version, shown, where))


def _lock_entries(path: Path, text: str) -> Iterator[tuple[str, str]]:
    if path.name == "Pipfile.lock":
        doc = json.loads(text)
        for section in ("default", "develop"):
            for name, entry in (doc.get(section) or {}).items():
                version = str((entry or {}).get("version", ""))
                if version.startswith("=="):
                    yield name, version[2:]
        return
    doc = tomllib.loads(text)
    key = "packages" if path.name == "pylock.toml" else "package"
    for entry in doc.get(key) or []:
        source = entry.get("source") or {}
        if isinstance(source, dict) and (source.get("editable") or source.get("virtual")):
            continue  # the project itself, not a published release
        if entry.get("name") and entry.get("version"):
            yield str(entry["name"]), str(entry["version"])


def read_lockfile(path: Path, root: Path, out: Collected) -> None:
    """Add the pinned packages of a lock file to ``out``; raises InputError if it cannot be read."""
    shown = _display(path, root)
    try:
        text = path.read_text(encoding="utf-8")
        entries = list(_lock_entries(path, text))
    except (OSError, UnicodeDecodeError, ValueError, tomllib.TOMLDecodeError, AttributeError) as exc:
        raise InputError(f"{path}: cannot read lock file: {exc}") from None
    out.sources.append(shown)
    for name, version in entries:
        where = Location(shown, _line_of(text, f'name = "{name}"') or _line_of(text, f'"{name}"'))
        if _version_ok(version, where, name, out):
            out.add(Dependency(normalize(name), version, shown, where))


def read_environment(out: Collected) -> None:
    """The distributions installed in the interpreter assay runs in."""
    out.sources.append("environment")
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        version = str(dist.version)
        where = Location(f"environment:{name}")
        if _version_ok(version, where, name, out):
            out.add(Dependency(normalize(name), version, "environment", None))


def collect(
    root: Path,
    requirements: Iterable[Path],
    *,
    environment: bool,
    pyproject: bool,
    lockfiles: bool,
) -> Collected:
    """Gather the dependencies to audit from requirements files, the environment, pyproject and lock files."""
    out = Collected()
    for path in requirements:
        read_requirements(resolve_path(root, path), root, out)
    if pyproject and (root / "pyproject.toml").is_file():
        read_pyproject(root / "pyproject.toml", root, out)
    if lockfiles:
        for name in LOCK_FILES:
            if (root / name).is_file():
                read_lockfile(root / name, root, out)
    if environment:
        read_environment(out)
    return out


MANIFESTS = ("pyproject.toml", "setup.cfg", "setup.py", "requirements.txt")


def _read_manifests(root: Path) -> list[tuple[str, list[str]]]:
    manifests: list[tuple[str, list[str]]] = []
    for name in MANIFESTS:
        path = root / name
        if not path.is_file():
            continue
        try:
            manifests.append((name, path.read_text(encoding="utf-8").splitlines()))
        except (OSError, UnicodeDecodeError):
            continue
    return manifests


def anchor(root: Path, dependencies: Iterable[Dependency]) -> list[Dependency]:
    """Give each installed distribution a place in the repository: the manifest line that names it, else
    line 1 of the project's manifest. GitHub code scanning rejects a SARIF file with any unlocated result.
    The manifests are read once, however many distributions need a place."""
    manifests: list[tuple[str, list[str]]] | None = None
    out: list[Dependency] = []
    for dep in dependencies:
        if dep.location is not None:
            out.append(dep)
            continue
        if manifests is None:
            manifests = _read_manifests(root)
        out.append(_anchor_one(dep, manifests))
    return out


def _anchor_one(dep: Dependency, manifests: list[tuple[str, list[str]]]) -> Dependency:
    pattern = re.compile(r"(?<![\w.-])" + re.escape(dep.name).replace(r"\-", "[-_.]") + r"(?![\w-])", re.I)
    for name, lines in manifests:
        for number, line in enumerate(lines, start=1):
            if pattern.search(line):
                return Dependency(dep.name, dep.version, dep.source, Location(name, number))
    if manifests:
        return Dependency(dep.name, dep.version, dep.source, Location(manifests[0][0], 1))
    return dep


def unique(dependencies: Iterable[Dependency]) -> list[Dependency]:
    """One entry per (package, version); a declaration in a file wins over the environment."""
    chosen: dict[tuple[str, str], Dependency] = {}
    for dep in dependencies:
        key = (dep.name, dep.version)
        if key not in chosen or (chosen[key].source == "environment" and dep.source != "environment"):
            chosen[key] = dep
    return sorted(chosen.values(), key=lambda d: (d.name, d.version))
