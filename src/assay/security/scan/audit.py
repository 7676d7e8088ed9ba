"""Match dependencies against advisories, and merge results from several sources by alias."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from packaging.version import InvalidVersion, Version

from assay.results import Severity
from assay.security.scan.model import Advisory, Dependency, Vulnerability
from assay.security.scan.osv import fixed_versions, is_affected, smallest_fix


def version_key(text: str) -> tuple[int, Version | str]:
    """Sort PEP 440 versions by their meaning; anything else (safety's free text) after them."""
    try:
        return (0, Version(text))
    except InvalidVersion:
        return (1, text)


def audit(
    dependencies: Sequence[Dependency],
    advisories: Mapping[str, Sequence[Advisory]],
    unknown_severity: Severity,
) -> list[Vulnerability]:
    """Every (dependency, advisory) pair where the pinned version is affected."""
    found: list[Vulnerability] = []
    for dep in dependencies:
        candidates = advisories.get(dep.name)
        if not candidates:
            continue
        version = Version(dep.version)
        hits = [a for a in candidates if is_affected(a, version)]
        if not hits:
            continue
        upgrade = smallest_fix(version, hits)
        for advisory in sorted(hits, key=lambda a: a.id):
            fixed = tuple(f for f in fixed_versions(advisory) if Version(f) > version)
            found.append(
                Vulnerability(
                    package=dep.name,
                    version=dep.version,
                    id=advisory.id,
                    aliases=advisory.aliases,
                    fixed_in=fixed,
                    severity=advisory.severity or unknown_severity,
                    source="osv",
                    summary=advisory.summary,
                    score=advisory.score,
                    upgrade_to=upgrade,
                    dependency_source=dep.source,
                    location=dep.location,
                )
            )
    return found


def merge(primary: Iterable[Vulnerability], other: Iterable[Vulnerability]) -> list[Vulnerability]:
    """Add `other`'s vulnerabilities to `primary`, one entry per package+version+advisory (by alias)."""
    merged = list(primary)
    for vuln in other:
        match = next(
            (
                i
                for i, known in enumerate(merged)
                if known.package == vuln.package
                and known.version == vuln.version
                and known.ids() & vuln.ids()
            ),
            None,
        )
        if match is None:
            merged.append(vuln)
            continue
        known = merged[match]
        sources = sorted({*known.source.split("+"), *vuln.source.split("+")})
        merged[match] = Vulnerability(
            package=known.package,
            version=known.version,
            id=known.id,
            aliases=tuple(sorted({*known.aliases, *vuln.aliases, vuln.id} - {known.id})),
            fixed_in=tuple(sorted({*known.fixed_in, *vuln.fixed_in}, key=version_key)),
            severity=max(known.severity, vuln.severity),
            source="+".join(sources),
            summary=known.summary or vuln.summary,
            score=known.score if known.score is not None else vuln.score,
            upgrade_to=known.upgrade_to or vuln.upgrade_to,
            dependency_source=known.dependency_source,
            location=known.location,
        )
    return merged
