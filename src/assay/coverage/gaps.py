"""Gaps per file, function and class, and their ranking by risk:
uncovered statements x cyclomatic complexity x recent churn."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from assay import vcs
from assay.coverage.model import BranchIndex, CoverageData, FileCoverage, Gap, RegionStats, Totals
from assay.coverage.source import Region, SourceError, SourceInfo, analyse_source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileReport:
    path: str
    totals: Totals
    regions: tuple[RegionStats, ...] = ()
    source_error: str = ""  # why functions could not be named (syntax error, missing source)
    source: SourceInfo | None = field(default=None, repr=False, compare=False)
    region_info: dict[str, Region] = field(default_factory=dict, repr=False, compare=False)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"path": self.path, **self.totals.as_dict()}
        if self.source_error:
            out["source_error"] = self.source_error
        out["functions"] = [r.as_dict() for r in self.regions if r.kind == "function"]
        out["classes"] = [r.as_dict() for r in self.regions if r.kind == "class"]
        return out


def analyse_file(fc: FileCoverage, root: Path, *, with_complexity: bool = True) -> FileReport:
    """Per-function and per-class numbers of one file (AST regions, as coverage.py draws them)."""
    source_path = root / fc.path
    try:
        text = source_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return FileReport(fc.path, fc.totals(), source_error=f"cannot read source: {exc}")
    try:
        info = analyse_source(text, str(source_path), with_complexity=with_complexity)
    except SourceError as exc:
        return FileReport(fc.path, fc.totals(), source_error=str(exc))
    regions: list[RegionStats] = []
    inside: set[int] = set()
    index = BranchIndex(fc)
    for region in info.regions:
        if region.kind == "function":
            inside |= region.lines
        regions.append(
            _stats(
                fc,
                index,
                region.kind,
                region.name,
                region.start,
                region.def_line,
                region.end,
                region.lines,
                region.complexity,
                region.is_async,
            )
        )
    outside = set(fc.statements) - inside
    regions.append(_stats(fc, index, "module", "<module>", 1, 1, info.line_count, outside, 1, False))
    return FileReport(
        fc.path,
        fc.totals(),
        tuple(regions),
        source=info,
        region_info={r.name: r for r in info.regions},
    )


def _stats(
    fc: FileCoverage,
    index: BranchIndex,
    kind: str,
    name: str,
    start: int,
    def_line: int,
    end: int,
    lines: set[int],
    complexity: int,
    is_async: bool,
) -> RegionStats:
    totals = index.totals(lines)
    missing = sorted(set(lines) & fc.missing)
    missing_arcs = index.missing_arcs(lines)
    partial = sorted({s for s, _ in missing_arcs if s not in fc.missing})
    return RegionStats(
        kind=kind,
        name=name,
        path=fc.path,
        start=start,
        def_line=def_line,
        end=end,
        totals=totals,
        missing_lines=tuple(missing),
        partial_lines=tuple(partial),
        missing_branches=missing_arcs,
        complexity=complexity,
        is_async=is_async,
    )


def analyse(data: CoverageData, root: Path) -> list[FileReport]:
    return [analyse_file(fc, root) for fc in sorted(data.files, key=lambda f: f.path)]


# --- ranking -------------------------------------------------------------------------------------


def churn(root: Path, days: int) -> Counter[str]:
    """Commits per file (repository-relative path) within the last `days` days; empty outside git."""
    since = time.strftime("%Y-%m-%d", time.gmtime(time.time() - days * 86400))
    try:
        out = vcs.run_git(
            ["log", f"--since={since}", "--no-merges", "--name-only", "--format=", "--no-renames"],
            root,
            timeout=120,
        )
    except vcs.GitError:
        return Counter()
    prefix = _git_prefix(root)
    counts: Counter[str] = Counter()
    for line in out.splitlines():
        line = line.strip()
        if line:
            counts[line.removeprefix(prefix) if prefix else line] += 1
    return counts


def _git_prefix(root: Path) -> str:
    try:
        return vcs.run_git(["rev-parse", "--show-prefix"], root, timeout=10).strip()
    except vcs.GitError:
        return ""


def rank(reports: list[FileReport], file_churn: Counter[str], days: int) -> list[Gap]:
    """Every region with something uncovered, riskiest first."""
    gaps: list[Gap] = []
    for report in reports:
        changes = file_churn.get(report.path, 0)
        candidates = list(report.regions)
        if not candidates:  # no source: the whole file is one gap
            candidates = [RegionStats("module", "<file>", report.path, 1, 1, 1, report.totals, complexity=1)]
        for region in candidates:
            if region.kind == "class":
                continue  # its methods are ranked one by one; the class adds nothing new
            t = region.totals
            uncovered = t.missing + 0.5 * t.missing_branches
            if uncovered <= 0:
                continue
            risk = uncovered * region.complexity * (1 + changes)
            reason = (
                f"{t.missing} uncovered statement{'s' if t.missing != 1 else ''}"
                f" + {t.missing_branches} missed branch{'es' if t.missing_branches != 1 else ''}"
                f" x complexity {region.complexity} x (1 + {changes} commit{'s' if changes != 1 else ''}"
                f" in {days} days)"
            )
            gaps.append(Gap(region, changes, risk, reason))
    gaps.sort(key=lambda g: (-g.risk, g.region.path, g.region.start))
    return gaps
