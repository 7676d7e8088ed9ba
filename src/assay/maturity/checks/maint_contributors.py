"""maintenance.contributors: more than one person commits (no single point of failure)."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict


def evaluate(ev: Evidence) -> Verdict:
    if ev.commits is None:
        return Verdict.na("not a git repository: history unknown")
    if not ev.commits:
        return Verdict.na("no commits yet")
    authors = {c.author for c in ev.commits}
    scope = f"the last {len(ev.commits)} commits" if ev.history_truncated else f"{len(ev.commits)} commit(s)"
    line = f"{len(authors)} distinct author(s) in {scope}"
    if len(authors) >= 3:
        return Verdict.scored(10, line)
    if len(authors) == 2:
        return Verdict.scored(7, line)
    return Verdict.scored(2, line, "one author: the bus factor is 1")


CHECK = Check(
    id="maintenance.contributors",
    category="maintenance",
    title="More than one contributor",
    weight=1,
    evaluate=evaluate,
    remediation="Bring in a second maintainer with commit rights; review each other's changes.",
    motivation="A project one person carries stops when that person does.",
    effort="high",
)
