"""The values the scan passes between its steps: dependencies, advisories, vulnerabilities, problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from packaging.utils import canonicalize_name

from assay.results import Location, Severity


def normalize(name: str) -> str:
    """PEP 503 name normalisation: `PyYAML`, `pyyaml` and `py_yaml` name one project."""
    return str(canonicalize_name(name))


@dataclass(frozen=True)
class Dependency:
    """One pinned distribution to audit, and where it was declared."""

    name: str  # normalised
    version: str
    source: str  # "environment", a requirements file, pyproject.toml, a lock file
    location: Location | None = None


@dataclass(frozen=True)
class Problem:
    """An input the scan could not use; it becomes a low finding and the rest is still audited."""

    kind: str  # malformed-requirement, unparseable-version, ...
    message: str
    location: Location | None = None


@dataclass(frozen=True)
class Event:
    """One OSV range event: the version at which something was introduced, fixed or limited."""

    kind: str  # introduced, fixed, last_affected, limit
    version: str


@dataclass(frozen=True)
class Advisory:
    """One OSV advisory, reduced to what matching one package needs."""

    id: str
    package: str  # normalised
    aliases: tuple[str, ...] = ()
    summary: str = ""
    ranges: tuple[tuple[Event, ...], ...] = ()  # ECOSYSTEM ranges only
    versions: tuple[str, ...] = ()
    severity: Severity | None = None  # None: the advisory carries no usable score
    score: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The advisory as a JSON-ready dict."""
        return {
            "id": self.id,
            "package": self.package,
            "aliases": list(self.aliases),
            "summary": self.summary,
            "ranges": [[[e.kind, e.version] for e in r] for r in self.ranges],
            "versions": list(self.versions),
            "severity": self.severity.value if self.severity else None,
            "score": self.score,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Advisory:
        """An advisory from the dict ``to_json`` produced."""
        return cls(
            id=doc["id"],
            package=doc["package"],
            aliases=tuple(doc["aliases"]),
            summary=doc["summary"],
            ranges=tuple(tuple(Event(k, v) for k, v in r) for r in doc["ranges"]),
            versions=tuple(doc["versions"]),
            severity=Severity(doc["severity"]) if doc["severity"] else None,
            score=doc["score"],
        )


@dataclass(frozen=True)
class Vulnerability:
    """A dependency affected by an advisory (from the offline database, safety, or both)."""

    package: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fixed_in: tuple[str, ...]
    severity: Severity
    source: str  # "osv", "safety", "osv+safety"
    summary: str = ""
    score: float | None = None
    upgrade_to: str | None = None  # smallest version fixing every advisory of the package
    dependency_source: str = ""
    location: Location | None = None

    def ids(self) -> set[str]:
        """The vulnerability's id and its aliases."""
        return {self.id, *self.aliases}

    def to_json(self) -> dict[str, Any]:
        """The vulnerability as a JSON-ready dict."""
        return {
            "package": self.package,
            "version": self.version,
            "id": self.id,
            "aliases": list(self.aliases),
            "fixed_in": list(self.fixed_in),
            "severity": self.severity.value,
            "score": self.score,
            "source": self.source,
            "summary": self.summary,
            "upgrade_to": self.upgrade_to,
            "declared_in": self.dependency_source,
        }
