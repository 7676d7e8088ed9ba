"""The maturity model: a check (id, category, weight, evaluate, remediation), its verdict, and levels.

A check's evaluate() turns collected Evidence into a Verdict; scoring happens in one place (scorer.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assay.results import Location, Status

if TYPE_CHECKING:
    from assay.maturity.evidence import Evidence

MAX_SCORE = 10.0

# Category id -> title, in the order every output lists them.
CATEGORIES: dict[str, str] = {
    "ci": "CI/CD",
    "testing": "Testing",
    "security": "Security",
    "dependencies": "Dependencies",
    "performance": "Performance",
    "documentation": "Documentation",
    "operations": "Operations",
    "maintenance": "Maintenance",
}


# One outcome vocabulary for every tool (assay.results.Status); the maturity name stays for readers.
CheckStatus = Status


@dataclass(frozen=True)
class Verdict:
    """What a check concluded. score None means not applicable or inconclusive (never zero)."""

    score: float | None
    evidence: tuple[str, ...] = ()
    locations: tuple[Location, ...] = ()

    @classmethod
    def na(cls, reason: str, *more: str) -> Verdict:
        """A not-applicable verdict with the reasons why."""
        return cls(None, (reason, *more))

    @classmethod
    def scored(cls, score: float, *evidence: str, locations: Sequence[Location] = ()) -> Verdict:
        """A verdict with the score clamped to 0..MAX_SCORE and rounded to one decimal."""
        return cls(round(max(0.0, min(MAX_SCORE, score)), 1), tuple(evidence), tuple(locations))

    @property
    def status(self) -> CheckStatus:
        """Pass at full marks, fail at zero, partial in between, not applicable without a score."""
        if self.score is None:
            return CheckStatus.NOT_APPLICABLE
        if self.score >= MAX_SCORE:
            return CheckStatus.PASS
        if self.score <= 0:
            return CheckStatus.FAIL
        return CheckStatus.PARTIAL


@dataclass(frozen=True)
class Check:
    """One maturity check: a stable id, its category and weight, its logic, and its text as data."""

    id: str
    category: str
    title: str
    weight: float
    evaluate: Callable[[Evidence], Verdict]
    remediation: str
    motivation: str = ""
    effort: str = "low"  # low | medium | high: how much work the remediation is
    online: bool = False  # needs the GitHub API (only with a token)

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"check {self.id}: unknown category {self.category!r}")
        if self.weight <= 0:
            raise ValueError(f"check {self.id}: weight must be positive")


@dataclass(frozen=True)
class Level:
    """A maturity level and the lowest overall percentage that reaches it."""

    number: int
    name: str
    minimum: float  # lowest percent that reaches this level


# Why these cut-offs: see docs/maturity.md ("Levels").
LEVELS: tuple[Level, ...] = (
    Level(1, "Initial", 0.0),
    Level(2, "Developing", 50.0),
    Level(3, "Defined", 75.0),
    Level(4, "Advanced", 90.0),
)


def level_for(percent: float) -> Level:
    """The level a percentage reaches (a pure function; 89.95 is still level 3)."""
    reached = LEVELS[0]
    for level in LEVELS:
        if percent >= level.minimum:
            reached = level
    return reached


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome in a scorecard, with its evidence and remediation."""

    id: str
    category: str
    title: str
    score: float | None
    weight: float
    status: CheckStatus
    evidence: tuple[str, ...]
    remediation: str
    effort: str
    locations: tuple[Location, ...] = ()
    exemption: str = ""  # the reason, when exempt

    def to_json(self) -> dict[str, object]:
        """The result as a JSON-ready dict."""
        doc: dict[str, object] = {
            "id": self.id,
            "category": self.category,
            "title": self.title,
            "score": self.score,
            "weight": self.weight,
            "status": self.status.value,
            "evidence": list(self.evidence),
            "remediation": self.remediation,
            "effort": self.effort,
            "locations": [
                {"path": loc.path, "line": loc.line} if loc.line else {"path": loc.path}
                for loc in self.locations
            ],
        }
        if self.exemption:
            doc["exemption"] = self.exemption
        return doc


@dataclass(frozen=True)
class CategoryScore:
    """The weighted percentage of one category's applicable checks."""

    id: str
    title: str
    percent: float | None  # None: no check in it applies
    checks: int
    counted: int

    def to_json(self) -> dict[str, object]:
        """The category score as a JSON-ready dict."""
        return {
            "id": self.id,
            "title": self.title,
            "percent": self.percent,
            "checks": self.checks,
            "counted": self.counted,
        }


@dataclass(frozen=True)
class Action:
    """A next step: fixing this check would raise the overall percent by `gain` points."""

    check: str
    title: str
    gain: float
    remediation: str
    effort: str

    def to_json(self) -> dict[str, object]:
        """The action as a JSON-ready dict."""
        return {
            "check": self.check,
            "title": self.title,
            "gain": self.gain,
            "remediation": self.remediation,
            "effort": self.effort,
        }


@dataclass(frozen=True)
class Scorecard:
    """The full maturity assessment of one repository at one commit."""

    repository: str
    commit: str
    percent: float
    level: Level
    categories: tuple[CategoryScore, ...]
    checks: tuple[CheckResult, ...]
    actions: tuple[Action, ...]
    problems: tuple[str, ...] = ()
    files: int = 0
    duration_s: float = 0.0
    online: bool = False

    def to_json(self) -> dict[str, object]:
        """The scorecard as a JSON document (schema ``assay.maturity/1``)."""
        return {
            "schema": "assay.maturity/1",
            "repository": self.repository,
            "commit": self.commit,
            "percent": self.percent,
            "level": self.level.number,
            "level_name": self.level.name,
            "categories": [c.to_json() for c in self.categories],
            "checks": [c.to_json() for c in self.checks],
            "actions": [a.to_json() for a in self.actions],
            "exemptions": [{"check": c.id, "reason": c.exemption} for c in self.checks if c.exemption],
            "problems": list(self.problems),
            "files_scanned": self.files,
            "online": self.online,
            "duration_seconds": round(self.duration_s, 4),
        }
