"""security.secrets: no credentials committed: known key formats and high-entropy values named like secrets.

Matches are reported by location with the value redacted; a line marked `pragma: allowlist secret`
or `gitleaks:allow` is skipped, as are obvious placeholders.
"""

from __future__ import annotations

import math
import re

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict
from assay.results import Location

# Known key formats, each starting with a literal so the search is a fast substring scan.
KNOWN: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (kind, hint, re.compile(pattern))
    for kind, hint, pattern in (
        ("aws", "AKIA", r"AKIA[0-9A-Z]{16}(?![0-9A-Za-z])"),
        ("aws", "ASIA", r"ASIA[0-9A-Z]{16}(?![0-9A-Za-z])"),
        ("github", "gh", r"gh[pousr]_[A-Za-z0-9]{36}"),
        ("github", "github_pat_", r"github_pat_[A-Za-z0-9_]{60,}"),
        ("slack", "xox", r"xox[abprs]-[A-Za-z0-9-]{10,}"),
        ("private_key", "PRIVATE KEY", r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY"),
        ("google", "AIza", r"AIza[0-9A-Za-z_-]{35}"),
        ("stripe", "k_live_", r"[sr]k_live_[0-9a-zA-Z]{20,}"),
        ("gitlab", "glpat-", r"glpat-[0-9A-Za-z_-]{20,}"),
        ("pypi", "pypi-AgEI", r"pypi-AgEIcHlwaS5vcmc[0-9A-Za-z_-]{50,}"),
    )
)
# Names that suggest a credential; found with str.find on the lower-cased text, then one anchored match.
SECRET_NAMES = ("password", "passwd", "secret", "token", "api_key", "apikey", "api-key", "access_key",
                "private_key")  # fmt: skip
ASSIGNED_TAIL = re.compile(r"[\w.-]*[\"']?\s*[:=]\s*[\"']([A-Za-z0-9+/_=.-]{20,})[\"']")
# A value that spells out what it is ("Secret-Token", "example") is a fixture, not a credential.
PLACEHOLDER = re.compile(
    r"(?i)example|dummy|fake|placeholder|changeme|your[_-]|x{6,}|\*{4,}|test|secret|token|passw|sample|redacted"
)
ALLOW = ("pragma: allowlist secret", "gitleaks:allow", "nosec")
SKIP_SUFFIXES = (".lock", ".svg", ".min.js", ".map", ".sum")


def entropy(value: str) -> float:
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def redact(value: str) -> str:
    return value[:4] + "…" if len(value) > 8 else "…"


def scan(text: str) -> list[tuple[int, str, str]]:
    """(line, kind, redacted value) for each secret in `text`."""
    found: list[tuple[int, str, str]] = []
    for kind, hint, pattern in KNOWN:
        if hint not in text:
            continue
        for match in pattern.finditer(text):
            value = match.group(0)
            if not PLACEHOLDER.search(value):
                found.append((text.count("\n", 0, match.start()) + 1, kind, redact(value)))
    lowered = text.lower()
    for name in SECRET_NAMES:
        at = lowered.find(name)
        while at != -1:
            assigned = ASSIGNED_TAIL.match(text, at + len(name))
            if assigned:
                value = assigned.group(1)
                if not PLACEHOLDER.search(value) and entropy(value) >= 4.0:
                    found.append((text.count("\n", 0, at) + 1, "high-entropy value", redact(value)))
            at = lowered.find(name, at + len(name))
    if not found:
        return found
    found = sorted(set(found))
    lines = text.splitlines()
    return [f for f in found if not (f[0] <= len(lines) and any(a in lines[f[0] - 1] for a in ALLOW))]


def evaluate(ev: Evidence) -> Verdict:
    paths = [p for p in ev.files if p in ev.tracked] if ev.is_git else ev.files
    hits: list[str] = []
    locations: list[Location] = []
    scanned = 0
    for rel in paths:
        if rel in ev.symlinks or rel.endswith(SKIP_SUFFIXES):
            continue
        text = ev.text(rel)
        if text is None:
            continue
        scanned += 1
        for line, kind, shown in scan(text):
            hits.append(f"{rel}:{line}: {kind} ({shown})")
            locations.append(Location(rel, line))
    scope = "tracked files" if ev.is_git else "files (not a git repository)"
    if hits:
        return Verdict.scored(
            0, f"{len(hits)} possible secret(s) in {scanned} {scope}", *hits[:20], locations=locations[:100]
        )
    return Verdict.scored(10, f"no secrets found in {scanned} {scope}")


CHECK = Check(
    id="security.secrets",
    category="security",
    title="No secrets committed",
    weight=5,
    evaluate=evaluate,
    remediation=(
        "Revoke and rotate each credential found, remove it from the code (read it from the environment), "
        "and purge it from history; mark a deliberate test fixture with `pragma: allowlist secret`."
    ),
    motivation="A committed credential is public to everyone who can clone the repository, forever.",
    effort="medium",
)
