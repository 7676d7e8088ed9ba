"""Accepted findings (the baseline file, each with a reason) and the ignore list with expiry dates."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assay.errors import InputError
from assay.formats import write_atomic
from assay.results import Finding
from assay.security.scan.config import IgnoreEntry
from assay.security.scan.model import normalize

BASELINE_SCHEMA = "assay.security-baseline/1"


@dataclass(frozen=True)
class Accepted:
    """A finding accepted into the scan baseline, with the reason it was accepted."""

    fingerprint: str
    id: str
    location: str
    message: str
    reason: str

    def to_json(self) -> dict[str, str]:
        """The accepted finding as a JSON-ready dict."""
        return {
            "fingerprint": self.fingerprint,
            "id": self.id,
            "location": self.location,
            "message": self.message,
            "reason": self.reason,
        }


def load_baseline(path: Path) -> dict[str, Accepted]:
    """Accepted findings by fingerprint; a missing file is an empty baseline."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the security baseline: {exc}") from None
    try:
        doc = json.loads(text)
        if not isinstance(doc, Mapping) or doc.get("schema") != BASELINE_SCHEMA:
            raise ValueError(f"expected schema {BASELINE_SCHEMA}")
        entries = [
            Accepted(
                str(e["fingerprint"]),
                str(e.get("id", "")),
                str(e.get("location", "")),
                str(e.get("message", "")),
                str(e["reason"]),
            )
            for e in doc.get("accepted", [])
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: not a security baseline ({exc}); fix or delete it") from None
    for entry in entries:
        if not entry.reason.strip():
            raise InputError(f"{path}: accepted finding {entry.id} at {entry.location} has no reason")
    return {e.fingerprint: e for e in entries}


def update_baseline(
    path: Path, findings: Sequence[Finding], previous: Mapping[str, Accepted], reason: str | None
) -> tuple[int, int]:
    """Accept every current finding (keeping earlier reasons); returns (added, dropped)."""
    new = [f for f in findings if f.key() not in previous]
    if new and not (reason and reason.strip()):
        raise InputError(
            f"{len(new)} new finding(s) to accept: give the reason with --reason "
            "(every accepted finding carries one)"
        )
    current = {f.key() for f in findings}
    entries: list[Accepted] = [e for k, e in previous.items() if k in current]
    for f in new:
        entries.append(Accepted(f.key(), f.id, str(f.location or ""), f.message, str(reason).strip()))
    doc: dict[str, Any] = {
        "schema": BASELINE_SCHEMA,
        "accepted": [e.to_json() for e in sorted(entries, key=lambda e: (e.location, e.id, e.fingerprint))],
    }
    write_atomic(path, json.dumps(doc, indent=2) + "\n")
    return len(new), len(previous) - (len(entries) - len(new))


@dataclass(frozen=True)
class IgnoreMatch:
    """A finding matched by an ignore entry, and whether that entry has expired."""

    key: str
    entry: IgnoreEntry
    expired: bool


def match_ignore(finding: Finding, ignores: Mapping[str, IgnoreEntry], today: dt.date) -> IgnoreMatch | None:
    """The ignore entry naming this finding's id or one of its aliases (and its package, if given)."""
    names: Iterable[str] = [finding.id, *finding.properties.get("aliases", ())]
    package = finding.properties.get("package")
    for name in names:
        entry = ignores.get(name)
        if entry is None:
            continue
        if entry.package and package and normalize(entry.package) != normalize(str(package)):
            continue
        return IgnoreMatch(name, entry, entry.expires is not None and entry.expires < today)
    return None
