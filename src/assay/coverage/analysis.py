"""`assay coverage analyze` as a function: data in, a Result out (measurements, ranked gap findings,
diff gap findings, and the assay.coverage/1 payload)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from assay.coverage.diff import DiffReport, changed_lines, diff_gaps
from assay.coverage.gaps import FileReport, analyse, analyse_file, churn, rank
from assay.coverage.model import CoverageData, Gap, Totals
from assay.results import Finding, Location, Measurement, Outcome, Result, Severity, Status

SCHEMA = "assay.coverage/1"
TOOL = "coverage"


@dataclass(frozen=True)
class Analysis:
    data: CoverageData
    reports: list[FileReport]
    gaps: list[Gap]
    diff: DiffReport | None
    totals: Totals


def run_analysis(
    data: CoverageData,
    root: Path,
    *,
    base: str | None = None,
    churn_days: int = 90,
    include_untracked: bool = True,
    use_churn: bool = True,
) -> Analysis:
    reports = analyse(data, root)
    file_churn: Counter[str] = churn(root, churn_days) if use_churn else Counter()
    gaps = rank(reports, file_churn, churn_days)
    diff = None
    if base is not None:
        merge_base, changes, untracked = changed_lines(root, base, include_untracked=include_untracked)
        diff = diff_gaps(data, reports, changes, base, merge_base, untracked)
    totals = Totals()
    for report in reports:
        totals = totals + report.totals
    return Analysis(data, reports, gaps, diff, totals)


def _total_measurements(t: Totals, has_branches: bool) -> list[Measurement]:
    out = [
        Measurement("test_coverage_overall", round(t.percent, 4), unit="percent"),
        Measurement("test_coverage_line_percent", round(t.line_percent, 4), unit="percent"),
        Measurement("test_coverage_statements", t.statements),
        Measurement("test_coverage_missing_statements", t.missing),
    ]
    if has_branches:
        out.append(Measurement("test_coverage_branch_percent", round(t.branch_percent, 4), unit="percent"))
    return out


def _diff_measurements(d: DiffReport) -> list[Measurement]:
    return [
        Measurement("test_coverage_diff_percent", round(d.percent, 4), unit="percent"),
        Measurement("test_coverage_diff_changed_lines", d.changed_lines),
        Measurement("test_coverage_diff_covered_lines", d.covered_lines),
    ]


def threshold_outcome(check: str, label: str, value: float, limit: float, *, digits: int = 2) -> Outcome:
    """PASS when `value` (a percent) reaches `limit`, else FAIL, with the comparison as the message."""
    ok = value >= limit
    return Outcome(
        check,
        Status.PASS if ok else Status.FAIL,
        f"{label} {value:.{digits}f}% {'>=' if ok else '<'} {limit:g}%",
    )


def _severity(gap: Gap) -> Severity:
    # Monotonic in risk, so a writer that sorts by severity keeps the ranked order.
    if gap.risk >= 200:
        return Severity.HIGH
    if gap.risk >= 20:
        return Severity.MEDIUM
    return Severity.LOW


def to_result(
    analysis: Analysis, *, top: int = 20, fail_under: float | None = None, started: float | None = None
) -> Result:
    t = analysis.totals
    has_branches = any(fc.has_branches for fc in analysis.data.files)
    measurements = _total_measurements(t, has_branches)
    findings: list[Finding] = []
    for rank_no, gap in enumerate(analysis.gaps[:top], start=1):
        r = gap.region
        what = "module-level code" if r.kind == "module" else f"{r.name}()"
        findings.append(
            Finding(
                id="coverage.gap",
                severity=_severity(gap),
                message=f"#{rank_no} {what}: {gap.reason}",
                location=Location(r.path, r.start, r.end),
                remediation=_remediation(gap),
                tool=TOOL,
                properties={"rank": rank_no, "risk": round(gap.risk, 3), "region": r.name},
                fingerprint=f"coverage.gap|{r.path}|{r.name}",
            )
        )
    for path, reason in analysis.data.skipped:
        findings.append(
            Finding(
                id="coverage.skipped-file",
                severity=Severity.INFO,
                message=f"not analysed: {reason}",
                location=Location(path),
                tool=TOOL,
            )
        )
    for report in analysis.reports:
        if report.source_error:
            findings.append(
                Finding(
                    id="coverage.unparsable-source",
                    severity=Severity.LOW,
                    message=f"functions not named: {report.source_error}; the file counts as one gap",
                    location=Location(report.path),
                    tool=TOOL,
                )
            )
    outcomes: list[Outcome] = []
    diff_payload: dict[str, object] | None = None
    if analysis.diff is not None:
        d = analysis.diff
        measurements += _diff_measurements(d)
        diff_payload = d.as_dict()
        findings += diff_findings(d)
    if fail_under is not None:
        outcomes.append(threshold_outcome("coverage.fail-under", "total coverage", t.percent, fail_under))
    summary = (
        f"total {t.percent:.2f}% ({t.statements} statements, {t.missing} missing"
        + (f", {t.branches} branches, {t.partial_branches} partial" if has_branches else "")
        + f"); {len(analysis.gaps)} gaps, top {min(top, len(analysis.gaps))} shown"
    )
    if analysis.diff is not None:
        d = analysis.diff
        summary += f"; diff vs {d.base}: {d.percent:.2f}% of {d.changed_lines} changed lines covered"
    data: dict[str, object] = {
        "schema": SCHEMA,
        "source": {"path": analysis.data.source, "kind": analysis.data.kind},
        "totals": t.as_dict(),
        "files": [r.as_dict() for r in analysis.reports],
        "gaps": [g.as_dict() for g in analysis.gaps],
        "skipped": [{"path": p, "reason": why} for p, why in analysis.data.skipped],
    }
    if diff_payload is not None:
        data["diff"] = diff_payload
    meta: dict[str, object] = {}
    if started is not None:
        meta["duration_seconds"] = round(time.monotonic() - started, 3)
    return Result(
        tool=TOOL,
        measurements=tuple(measurements),
        findings=tuple(findings),
        outcomes=tuple(outcomes),
        schema=SCHEMA,
        data=data,
        title="Coverage gaps",
        summary=summary,
        meta=meta,
    )


def _remediation(gap: Gap) -> str:
    r = gap.region
    if r.kind == "module":
        return "import the module in a test, or exclude dead module-level code"
    lines = ", ".join(str(n) for n in r.missing_lines[:8]) + ("..." if len(r.missing_lines) > 8 else "")
    parts = []
    if lines:
        parts.append(f"execute lines {lines}")
    if r.partial_lines:
        parts.append("take the missed branches at line " + ", ".join(str(n) for n in r.partial_lines[:5]))
    return "; ".join(parts) or "add a test"


def _target(line: int) -> str:
    return "the exit" if line < 0 else f"the jump to line {line}"


def _ranges(lines: tuple[int, ...]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for n in lines:
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def diff_findings(d: DiffReport) -> list[Finding]:
    """Uncovered changed lines (as ranges) and changed branches never taken."""
    findings: list[Finding] = []
    for f in d.files:
        for start, end in _ranges(f.uncovered):
            lines = f"line {start}" if start == end else f"lines {start}-{end}"
            findings.append(
                Finding(
                    id="coverage.diff-uncovered",
                    severity=Severity.MEDIUM,
                    message=f"changed {lines} not covered by any test",
                    location=Location(f.path, start, end),
                    remediation="add a test that executes the changed code",
                    tool=TOOL,
                )
            )
        partial = sorted({s for s, _ in f.missing_branches if s not in f.statements_uncovered})
        for line in partial:
            findings.append(
                Finding(
                    id="coverage.diff-partial-branch",
                    severity=Severity.LOW,
                    message=f"changed branch at line {line} never takes "
                    + ", ".join(_target(d2) for s, d2 in f.missing_branches if s == line),
                    location=Location(f.path, line),
                    tool=TOOL,
                )
            )
    return findings


def diff_only(
    data_path: Path, root: Path, base: str, *, include_untracked: bool = True
) -> tuple[CoverageData, DiffReport]:
    """Diff gaps alone: only the changed files are loaded, read and parsed (what diff-cover does)."""
    from assay.coverage.loader import load

    merge_base, changes, untracked = changed_lines(root, base, include_untracked=include_untracked)
    data = load(data_path, root, only=set(changes))
    reports = [analyse_file(fc, root, with_complexity=False) for fc in data.files]
    return data, diff_gaps(data, reports, changes, base, merge_base, untracked)


def diff_result(d: DiffReport, *, fail_under: float | None = None, started: float | None = None) -> Result:
    """The diff gaps alone (`assay coverage diff`)."""
    outcomes: list[Outcome] = []
    if fail_under is not None:
        outcomes.append(threshold_outcome("coverage.diff-fail-under", "diff coverage", d.percent, fail_under))
    meta: dict[str, object] = {}
    if started is not None:
        meta["duration_seconds"] = round(time.monotonic() - started, 3)
    return Result(
        tool=TOOL,
        measurements=tuple(_diff_measurements(d)),
        findings=tuple(diff_findings(d)),
        outcomes=tuple(outcomes),
        schema=SCHEMA,
        data={"schema": SCHEMA, "diff": d.as_dict()},
        title="Diff coverage",
        summary=f"diff vs {d.base}: {d.percent:.2f}% of {d.changed_lines} changed lines covered",
        meta=meta,
    )
