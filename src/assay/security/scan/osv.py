"""OSV advisories: read one document, decide whether a version is affected, find the smallest fix.

Versions follow `packaging` (PEP 440); ECOSYSTEM ranges are evaluated the way the OSV schema
describes (sorted events: introduced opens, fixed and last_affected close), and an explicit
`versions` list counts as well.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion, Version

from assay.results import Severity
from assay.security.scan.cvss import base_score, severity_of
from assay.security.scan.model import Advisory, Event, normalize

_EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
_GHSA_SEVERITY = {
    "low": Severity.LOW,
    "moderate": Severity.MEDIUM,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
    "critical": Severity.CRITICAL,
}


class MalformedAdvisory(ValueError):
    """An advisory (or one of its ranges) that cannot be evaluated; the loader skips and counts it."""


_RELEASE_ONLY = re.compile(r"^[0-9]+(?:\.[0-9]+)*$")


def canonical(text: str) -> str:
    """PEP 440's canonical form (`1.1.0` -> `1.1`); plain release numbers skip the full parser,
    which matters when loading the ~140,000 versions a full snapshot lists."""
    if _RELEASE_ONLY.match(text):
        parts = [int(p) for p in text.split(".")]
        while len(parts) > 1 and parts[-1] == 0:
            parts.pop()
        return ".".join(str(p) for p in parts)
    return canonicalize_version(Version(text))


@functools.lru_cache(maxsize=65536)
def _ordering(version: str) -> Version:
    return Version("0") if version == "0" else Version(version)


def _severity(doc: Mapping[str, Any]) -> tuple[Severity | None, float | None]:
    best: float | None = None
    for entry in doc.get("severity") or ():
        if isinstance(entry, Mapping) and str(entry.get("type", "")).startswith("CVSS_V3"):
            score = base_score(str(entry.get("score", "")))
            if score is not None and (best is None or score > best):
                best = score
    if best is not None:
        return severity_of(best), best
    specific = doc.get("database_specific")
    if isinstance(specific, Mapping):
        named = _GHSA_SEVERITY.get(str(specific.get("severity", "")).lower())
        if named is not None:
            return named, None
    return None, None


def _events(raw: Any, where: str) -> tuple[Event, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise MalformedAdvisory(f"{where}: range has no events")
    events: list[Event] = []
    for item in raw:
        if not isinstance(item, Mapping) or len(item) != 1:
            raise MalformedAdvisory(f"{where}: event {item!r} is not one kind: version pair")
        kind, value = next(iter(item.items()))
        if kind not in _EVENT_KINDS:
            raise MalformedAdvisory(f"{where}: unknown event kind {kind!r}")
        text = str(value)
        try:
            _ordering(text)
        except InvalidVersion:
            raise MalformedAdvisory(f"{where}: {kind} version {text!r} is not a PEP 440 version") from None
        events.append(Event(str(kind), text))
    if not any(e.kind == "introduced" for e in events):
        raise MalformedAdvisory(f"{where}: range has no introduced event")
    return tuple(events)


def parse_advisory(doc: Any, where: str = "") -> list[Advisory]:
    """The PyPI packages one OSV document affects; raise MalformedAdvisory when it is unusable."""
    if not isinstance(doc, Mapping):
        raise MalformedAdvisory(f"{where}: not an OSV object")
    advisory_id = doc.get("id")
    if not isinstance(advisory_id, str) or not advisory_id:
        raise MalformedAdvisory(f"{where}: no id")
    if doc.get("withdrawn"):
        return []
    affected = doc.get("affected")
    if not isinstance(affected, Sequence) or isinstance(affected, str):
        raise MalformedAdvisory(f"{where}: {advisory_id}: no affected list")
    aliases = tuple(str(a) for a in doc.get("aliases") or () if a)
    summary = str(doc.get("summary") or doc.get("details") or "").strip().splitlines()
    severity, score = _severity(doc)
    out: list[Advisory] = []
    for entry in affected:
        if not isinstance(entry, Mapping):
            raise MalformedAdvisory(f"{where}: {advisory_id}: affected entry is not an object")
        package = entry.get("package")
        if not isinstance(package, Mapping) or str(package.get("ecosystem", "")) != "PyPI":
            continue
        name = package.get("name")
        if not isinstance(name, str) or not name:
            raise MalformedAdvisory(f"{where}: {advisory_id}: package without a name")
        ranges = tuple(
            _events(r.get("events"), f"{where}: {advisory_id}")
            for r in entry.get("ranges") or ()
            if isinstance(r, Mapping) and r.get("type") in ("ECOSYSTEM", "SEMVER")
        )
        versions: set[str] = set()
        for raw in entry.get("versions") or ():
            try:
                versions.add(canonical(str(raw)))
            except InvalidVersion:
                versions.add(str(raw))
        if not ranges and not versions:
            raise MalformedAdvisory(f"{where}: {advisory_id}: no ECOSYSTEM range and no versions for {name}")
        out.append(
            Advisory(
                id=advisory_id,
                package=normalize(name),
                aliases=aliases,
                summary=summary[0][:300] if summary else "",
                ranges=ranges,
                versions=tuple(sorted(versions)),
                severity=severity,
                score=score,
            )
        )
    return out


@functools.lru_cache(maxsize=65536)
def _sorted_events(events: tuple[Event, ...]) -> tuple[tuple[str, Version], ...]:
    """Events in OSV evaluation order, parsed once per range (a scan asks about many versions)."""
    ordered = sorted(events, key=lambda e: (_ordering(e.version), _EVENT_KINDS.index(e.kind)))
    return tuple((e.kind, _ordering(e.version)) for e in ordered)


def _in_range(version: Version, events: tuple[Event, ...]) -> bool:
    affected = False
    limit: Version | None = None
    for kind, bound in _sorted_events(events):
        if kind == "introduced" and version >= bound:
            affected = True
        elif (kind == "fixed" and version >= bound) or (kind == "last_affected" and version > bound):
            affected = False
        elif kind == "limit":
            limit = bound
    return affected and (limit is None or version < limit)


def is_affected(advisory: Advisory, version: Version) -> bool:
    """Whether the version is listed as affected or falls in an affected range of the advisory."""
    if canonicalize_version(version) in advisory.versions:
        return True
    return any(_in_range(version, r) for r in advisory.ranges)


def fixed_versions(advisory: Advisory) -> list[str]:
    """The versions that fix the advisory, in version order."""
    found = {e.version for r in advisory.ranges for e in r if e.kind == "fixed"}
    return sorted(found, key=_ordering)


def smallest_fix(version: Version, advisories: Sequence[Advisory]) -> str | None:
    """The lowest fixed version above `version` that no advisory of the package affects."""
    candidates = sorted({Version(f) for a in advisories for f in fixed_versions(a) if Version(f) > version})
    for candidate in candidates:
        if not any(is_affected(a, candidate) for a in advisories):
            return str(candidate)
    return None
