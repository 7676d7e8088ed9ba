"""Report history: snapshots from stored runs, what changed, and 'since the previous report'."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.errors import InputError
from assay.report.history import build_report, diff, remember
from assay.results import Result
from assay.store import Store
from assay.vcs import RepoInfo

ROOT = Path("/repo")


def doc(percent: float, checks: dict[str, tuple[str, float | None]]) -> dict[str, object]:
    return {
        "schema": "assay.maturity/1",
        "percent": percent,
        "level": 4 if percent >= 90 else 3 if percent >= 75 else 2 if percent >= 50 else 1,
        "level_name": "x",
        "checks": [{"id": k, "title": k.upper(), "status": s, "score": v} for k, (s, v) in checks.items()],
        "actions": [],
        "categories": [],
        "exemptions": [],
    }


def record(
    store: Store, percent: float, checks: dict[str, tuple[str, float | None]], at: float, sha: str
) -> int:
    repo = RepoInfo(root=ROOT, commit=sha * 40, branch="main", dirty=False, is_git=True)
    result = Result(tool="maturity", schema="assay.maturity/1", data=doc(percent, checks))
    return store.record(result, repo, started_at=at, finished_at=at)


def test_no_runs_is_a_clear_input_error(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store, pytest.raises(InputError, match="run `assay score` first"):
        build_report(store, ROOT)


def test_first_report_has_nothing_to_compare(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        record(store, 60, {"a": ("fail", 0)}, 1000, "a")
        report = build_report(store, ROOT, now=2000)
    assert report.baseline is None and report.delta is None and report.changes == []


def test_changes_since_the_previous_report_not_just_the_previous_run(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        record(store, 50, {"a": ("fail", 0), "b": ("pass", 10)}, 1000, "a")
        first = build_report(store, ROOT, now=1001)
        remember(store, first, "markdown")
        record(store, 55, {"a": ("partial", 5), "b": ("pass", 10)}, 2000, "b")
        record(store, 70, {"a": ("pass", 10), "b": ("fail", 0), "c": ("pass", 10)}, 3000, "c")
        report = build_report(store, ROOT, now=3001)
    assert report.baseline_kind == "previous report"
    assert report.baseline is not None and report.baseline.percent == 50
    assert report.delta == 20
    assert [(c.check, c.before, c.after, c.direction) for c in report.changes] == [
        ("b", "pass 10", "fail 0", "worse"),
        ("a", "fail 0", "pass 10", "better"),
        ("c", "absent", "pass 10", "new"),
    ]
    assert [s.percent for s in report.history] == [50, 55, 70]


def test_without_a_previous_report_compares_with_the_previous_run(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        record(store, 40, {"a": ("fail", 0)}, 1000, "a")
        record(store, 45, {"a": ("partial", 3)}, 2000, "b")
        report = build_report(store, ROOT, now=2001)
    assert report.baseline_kind == "previous run" and report.delta == 5


def test_since_limits_the_trend_window(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        record(store, 40, {}, 0, "a")
        record(store, 45, {}, 100 * 86400, "b")
        report = build_report(store, ROOT, since_days=30, now=101 * 86400)
    assert [s.percent for s in report.history] == [45]


def test_diff_of_identical_snapshots_is_empty(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        record(store, 40, {"a": ("fail", 0)}, 1, "a")
        record(store, 40, {"a": ("fail", 0)}, 2, "b")
        report = build_report(store, ROOT)
    assert report.baseline is not None
    assert diff(report.baseline, report.latest) == []
