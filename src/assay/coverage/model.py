"""The coverage facts assay reasons about, independent of the file format they were read from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Totals:
    """Counts in coverage.py's own terms; `percent` is coverage.py's total (lines and branches)."""

    statements: int = 0
    missing: int = 0
    excluded: int = 0
    branches: int = 0
    partial_branches: int = 0
    missing_branches: int = 0

    @property
    def covered(self) -> int:
        """Statements executed."""
        return self.statements - self.missing

    @property
    def covered_branches(self) -> int:
        """Branch arcs executed."""
        return self.branches - self.missing_branches

    @property
    def percent(self) -> float:
        """coverage.py's formula: (executed statements + executed branches) / (statements + branches)."""
        denominator = self.statements + self.branches
        if denominator == 0:
            return 100.0
        return 100.0 * (self.covered + self.covered_branches) / denominator

    @property
    def line_percent(self) -> float:
        """Percentage of statements executed (100 when there are none)."""
        return 100.0 if self.statements == 0 else 100.0 * self.covered / self.statements

    @property
    def branch_percent(self) -> float:
        """Percentage of branch arcs executed (100 when there are none)."""
        return 100.0 if self.branches == 0 else 100.0 * self.covered_branches / self.branches

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.statements + other.statements,
            self.missing + other.missing,
            self.excluded + other.excluded,
            self.branches + other.branches,
            self.partial_branches + other.partial_branches,
            self.missing_branches + other.missing_branches,
        )

    def as_dict(self) -> dict[str, float | int]:
        """The totals as a JSON-ready dict, percentages included."""
        return {
            "statements": self.statements,
            "missing": self.missing,
            "excluded": self.excluded,
            "branches": self.branches,
            "partial_branches": self.partial_branches,
            "missing_branches": self.missing_branches,
            "percent": round(self.percent, 6),
            "line_percent": round(self.line_percent, 6),
            "branch_percent": round(self.branch_percent, 6),
        }


@dataclass(frozen=True)
class FileCoverage:
    """One measured file: which statements ran, which did not, and the branch arcs."""

    path: str  # as the data names it, relative to the project root when possible
    statements: frozenset[int]
    missing: frozenset[int]
    excluded: frozenset[int] = frozenset()
    executed_branches: tuple[tuple[int, int], ...] = ()
    missing_branches: tuple[tuple[int, int], ...] = ()
    # line -> test contexts that executed it (only when the data has dynamic contexts)
    contexts: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    has_branches: bool = False

    @property
    def executed(self) -> frozenset[int]:
        """Line numbers of the statements that ran."""
        return self.statements - self.missing

    def totals(self) -> Totals:
        """Coverage totals of the whole file."""
        return totals_for(self, self.statements | self.excluded)

    def partial_lines(self) -> set[int]:
        """Executed lines with at least one branch that was never taken."""
        return {src for src, _ in self.missing_branches if src not in self.missing}


def totals_for(fc: FileCoverage, lines: Iterable[int]) -> Totals:
    """Totals of the statements of `fc` within `lines`, counted as coverage.py counts them."""
    return BranchIndex(fc).totals(lines)


class BranchIndex:
    """A file's branch arcs grouped by source line, so many regions of one file are counted fast."""

    def __init__(self, fc: FileCoverage) -> None:
        self.fc = fc
        self.executed: dict[int, int] = {}
        self.missing: dict[int, list[tuple[int, int]]] = {}
        for src, _ in fc.executed_branches:
            self.executed[src] = self.executed.get(src, 0) + 1
        for arc in fc.missing_branches:
            self.missing.setdefault(arc[0], []).append(arc)

    def totals(self, lines: Iterable[int]) -> Totals:
        """Totals of the statements and branches that start within ``lines``."""
        fc = self.fc
        line_set = set(lines)
        wanted = line_set & fc.statements
        missing_lines = fc.missing
        executed_arcs = 0
        missing_arcs = 0
        partial = 0
        for src in wanted:
            executed_arcs += self.executed.get(src, 0)
            arcs = self.missing.get(src)
            if arcs:
                missing_arcs += len(arcs)
                # coverage.py counts partial branches as missed arcs from lines that did run.
                if src not in missing_lines:
                    partial += len(arcs)
        return Totals(
            statements=len(wanted),
            missing=len(wanted & missing_lines),
            excluded=len(line_set & fc.excluded),
            branches=executed_arcs + missing_arcs,
            partial_branches=partial,
            missing_branches=missing_arcs,
        )

    def missing_arcs(self, lines: Iterable[int]) -> tuple[tuple[int, int], ...]:
        """The unexecuted branch arcs that start at a statement within ``lines``, sorted."""
        statements = self.fc.statements
        return tuple(sorted(arc for src in lines if src in statements for arc in self.missing.get(src, ())))


@dataclass(frozen=True)
class CoverageData:
    """Everything loaded from one coverage data source."""

    files: tuple[FileCoverage, ...]
    source: str  # the data file read
    kind: str  # "coverage-data", "coverage-json-2", "coverage-json-3", "cobertura-xml"
    root: str  # directory paths are relative to
    reported_totals: Totals | None = None  # the totals the data itself states (JSON/XML), if any
    skipped: tuple[tuple[str, str], ...] = ()  # (path, reason) for files that could not be analysed
    has_contexts: bool = False

    def totals(self) -> Totals:
        """The totals summed over all files."""
        total = Totals()
        for fc in self.files:
            total = total + fc.totals()
        return total


@dataclass(frozen=True)
class RegionStats:
    """A function or class and its coverage: the unit a person writes the next test for."""

    kind: str  # "function", "class" or "module" (statements outside any function)
    name: str  # dotted qualified name as coverage.py names regions ("Class.method", "outer.inner")
    path: str
    start: int  # first line, decorators included
    def_line: int  # the `def`/`class` line
    end: int
    totals: Totals
    missing_lines: tuple[int, ...] = ()
    partial_lines: tuple[int, ...] = ()
    missing_branches: tuple[tuple[int, int], ...] = ()
    complexity: int = 1
    is_async: bool = False

    def as_dict(self) -> dict[str, object]:
        """Name, lines, coverage and complexity as a JSON-ready dict (without path, kind and branch arcs)."""
        return {
            "name": self.name,
            "start_line": self.start,
            "end_line": self.end,
            "statements": self.totals.statements,
            "missing": self.totals.missing,
            "missing_lines": list(self.missing_lines),
            "branches": self.totals.branches,
            "partial_branches": self.totals.partial_branches,
            "percent": round(self.totals.percent, 2),
            "complexity": self.complexity,
        }


@dataclass(frozen=True)
class Gap:
    """A ranked gap: a region with uncovered statements or branches, and why it ranks where it does."""

    region: RegionStats
    churn: int
    risk: float
    reason: str

    def as_dict(self) -> dict[str, object]:
        """The gap as a JSON-ready dict."""
        r = self.region
        return {
            "path": r.path,
            "kind": r.kind,
            **r.as_dict(),
            "missing_branches": [list(b) for b in r.missing_branches],
            "churn": self.churn,
            "risk": round(self.risk, 3),
            "reason": self.reason,
        }
