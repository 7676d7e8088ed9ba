"""testing.coverage-level: the latest coverage percentage, from the store or a report in the repository."""

from __future__ import annotations

import json
import re

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict

LINE_RATE = re.compile(r"<coverage\b[^>]*\bline-rate=\"([0-9.]+)\"")


def from_reports(ev: Evidence) -> tuple[float, str] | None:
    """coverage.json (coverage.py's JSON report) or coverage.xml (Cobertura) at the root."""
    if ev.exists("coverage.json"):
        text = ev.text("coverage.json")
        try:
            doc = json.loads(text or "")
            return float(doc["totals"]["percent_covered"]), "coverage.json"
        except (ValueError, KeyError, TypeError):
            pass
    if ev.exists("coverage.xml"):
        match = LINE_RATE.search(ev.text("coverage.xml", 4096) or "")
        if match:
            return float(match.group(1)) * 100, "coverage.xml"
    if (ev.root / ".coverage").is_file():
        return from_data_file(ev)
    return None


def from_data_file(ev: Evidence) -> tuple[float, str] | None:
    """A .coverage data file: coverage.py re-analyses the measured sources (slower; used last)."""
    import io

    import coverage  # heavy: only when no stored measurement and no report exists
    from coverage.exceptions import CoverageException

    from assay.coverage.loader import _working_directory

    try:
        # Relative source paths in the data resolve against the repository (cwd is process-wide: locked).
        with _working_directory(ev.root):
            cov = coverage.Coverage(data_file=str(ev.root / ".coverage"), config_file=False)
            cov.load()
            percent = cov.report(file=io.StringIO(), ignore_errors=True)
    except (CoverageException, OSError) as exc:
        ev.problems.append(f".coverage: unreadable ({exc})")
        return None
    return float(percent), ".coverage"


def points(percent: float) -> float:
    """90% and above: 10; 80-90%: 8; below 80%: a tenth of the percentage."""
    if percent >= 90:
        return 10
    if percent >= 80:
        return 8
    return percent / 10


def evaluate(ev: Evidence) -> Verdict:
    stored = ev.metric("test_coverage_overall")
    if stored:
        m = stored[0]
        where = f"assay coverage at {m.commit[:12]}"
        percent = m.value
    else:
        found = from_reports(ev)
        if found is None:
            return Verdict.na(
                "no coverage measurement stored and no coverage.json/coverage.xml (inconclusive)"
            )
        percent, where = found
    return Verdict.scored(points(percent), f"coverage {percent:.1f}% ({where}); targets 80% and 90%")


CHECK = Check(
    id="testing.coverage-level",
    category="testing",
    title="Test coverage at 80/90%",
    weight=4,
    evaluate=evaluate,
    remediation="Raise coverage to 90%: `assay coverage analyze` ranks the gaps that matter most.",
    motivation="Untested lines are where regressions hide.",
    effort="high",
)
