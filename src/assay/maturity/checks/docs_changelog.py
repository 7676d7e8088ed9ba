"""documentation.changelog: users can see what changed between versions."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict


def evaluate(ev: Evidence) -> Verdict:
    found = [
        p
        for p in ev.named_like("changelog*", "changes*", "history*", "news*", "releases*", "release-notes*")
        if p.count("/") == 0 or p.startswith(("docs/", "doc/"))
    ]
    found = [p for p in found if not p.endswith(".py")]
    if found:
        return Verdict.scored(10, f"changelog: {found[0]}")
    whatsnew = [d for d in ("docs/whatsnew", "doc/whatsnew", "Doc/whatsnew") if ev.has_dir(d)]  # Sphinx pages
    if whatsnew:
        return Verdict.scored(10, f"changelog: {whatsnew[0]}/")
    towncrier = isinstance(ev.tool_config("towncrier"), dict) or ev.exists("towncrier.toml")
    if ev.has_dir("changelog.d") or ev.has_dir("newsfragments") or towncrier:
        return Verdict.scored(8, "news fragments (towncrier) are kept, but no rendered changelog yet")
    return Verdict.scored(0, "no CHANGELOG, CHANGES, HISTORY or NEWS file")


CHECK = Check(
    id="documentation.changelog",
    category="documentation",
    title="Changelog",
    weight=1,
    evaluate=evaluate,
    remediation="Add CHANGELOG.md (Keep a Changelog format) and update it in every pull request.",
    motivation="Users upgrading need to know what changed and what might break.",
)
