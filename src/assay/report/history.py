"""Read maturity runs back from the store and work out what changed since the previous report.

Each rendered report is remembered (table maturity_reports), so the next report compares with it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assay.errors import InputError
from assay.store import Run, Store

COMPONENT = "report"
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE maturity_reports (
        id INTEGER PRIMARY KEY,
        repo_root TEXT NOT NULL,
        run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
        created_at REAL NOT NULL,
        format TEXT NOT NULL
    );
    CREATE INDEX maturity_reports_repo ON maturity_reports (repo_root, created_at)
    """,
)


@dataclass(frozen=True)
class Snapshot:
    """One stored maturity scorecard, reduced to what the report compares."""

    run_id: int
    finished_at: float
    commit: str
    percent: float
    level: int
    level_name: str
    checks: Mapping[str, Mapping[str, Any]]
    actions: Sequence[Mapping[str, Any]]
    categories: Sequence[Mapping[str, Any]]
    exemptions: Sequence[Mapping[str, Any]]

    @property
    def when(self) -> str:
        """The snapshot's time as ``YYYY-MM-DD HH:MM UTC``."""
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.finished_at))

    @classmethod
    def from_run(cls, run: Run) -> Snapshot | None:
        """The snapshot of a maturity run; None if the run does not hold a maturity scorecard."""
        data = run.data
        if data.get("schema") != "assay.maturity/1" or not isinstance(data.get("checks"), list):
            return None
        return cls(
            run_id=run.id,
            finished_at=run.finished_at,
            commit=run.commit,
            percent=float(data.get("percent", 0.0)),
            level=int(data.get("level", 1)),
            level_name=str(data.get("level_name", "")),
            checks={str(c["id"]): c for c in data["checks"] if isinstance(c, dict) and "id" in c},
            actions=list(data.get("actions", [])),
            categories=list(data.get("categories", [])),
            exemptions=list(data.get("exemptions", [])),
        )


@dataclass(frozen=True)
class Change:
    """How one check changed between two snapshots."""

    check: str
    title: str
    before: str  # "fail 0", "absent", ...
    after: str
    direction: str  # better | worse | changed | new | removed


@dataclass
class Report:
    """The maturity history report: all snapshots, the latest, and what changed since the baseline."""

    repository: str
    generated_at: float
    history: list[Snapshot]  # oldest first
    latest: Snapshot
    baseline: Snapshot | None  # what "since the previous report" compares against
    baseline_kind: str  # "previous report" | "previous run" | ""
    changes: list[Change] = field(default_factory=list)

    @property
    def delta(self) -> float | None:
        """Percentage points gained since the baseline; None without one."""
        return None if self.baseline is None else round(self.latest.percent - self.baseline.percent, 1)

    @property
    def generated(self) -> str:
        """The report's generation time as ``YYYY-MM-DD HH:MM UTC``."""
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.generated_at))


def _state(check: Mapping[str, Any] | None) -> tuple[str, float | None]:
    if check is None:
        return "absent", None
    score = check.get("score")
    return str(check.get("status", "?")), None if score is None else float(score)


def _label(state: tuple[str, float | None]) -> str:
    status, score = state
    return status if score is None else f"{status} {score:g}"


def diff(before: Snapshot, after: Snapshot) -> list[Change]:
    """The checks whose state differs between two snapshots, sorted by check id."""
    changes: list[Change] = []
    for check_id in sorted(set(before.checks) | set(after.checks)):
        old, new = before.checks.get(check_id), after.checks.get(check_id)
        a, b = _state(old), _state(new)
        if a == b:
            continue
        title = str((new or old or {}).get("title", check_id))
        if old is None:
            direction = "new"
        elif new is None:
            direction = "removed"
        elif a[1] is not None and b[1] is not None:
            direction = "better" if b[1] > a[1] else "worse" if b[1] < a[1] else "changed"
        else:
            direction = "changed"
        changes.append(Change(check_id, title, _label(a), _label(b), direction))
    order = {"worse": 0, "better": 1, "new": 2, "removed": 3, "changed": 4}
    changes.sort(key=lambda c: (order[c.direction], c.check))
    return changes


def build_report(
    store: Store, repo_root: Path, *, since_days: float | None = None, now: float | None = None
) -> Report:
    """The report for one repository; InputError when no maturity run is stored for it yet."""
    now = now if now is not None else time.time()
    runs = store.runs(tool="maturity", repo_root=repo_root)  # newest first
    snapshots = [s for s in (Snapshot.from_run(r) for r in reversed(runs)) if s is not None]
    if not snapshots:
        raise InputError(f"no maturity score stored for {repo_root}; run `assay score` first")
    latest = snapshots[-1]
    window = snapshots
    if since_days is not None:
        cutoff = now - since_days * 86400
        window = [s for s in snapshots if s.finished_at >= cutoff] or [latest]
    baseline, kind = None, ""
    previous_run_id = last_reported_run(store, repo_root)
    by_id = {s.run_id: s for s in snapshots}
    if previous_run_id is not None and previous_run_id in by_id and previous_run_id != latest.run_id:
        baseline, kind = by_id[previous_run_id], "previous report"
    elif len(snapshots) >= 2:
        baseline, kind = snapshots[-2], "previous run"
    changes = diff(baseline, latest) if baseline is not None else []
    return Report(str(repo_root), now, window, latest, baseline, kind, changes)


def last_reported_run(store: Store, repo_root: Path) -> int | None:
    """The run id covered by the latest stored report for this repository; None if there is none."""
    if store.component_version(COMPONENT) == 0:
        return None
    row = store.connection.execute(
        "SELECT run_id FROM maturity_reports WHERE repo_root = ? ORDER BY created_at DESC, id DESC LIMIT 1",
        (str(repo_root),),
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def remember(store: Store, report: Report, fmt: str) -> None:
    """Mark the latest run as reported, so the next report says what changed since this one."""
    store.ensure_component(COMPONENT, MIGRATIONS)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO maturity_reports (repo_root, run_id, created_at, format) VALUES (?, ?, ?, ?)",
            (report.repository, report.latest.run_id, report.generated_at, fmt),
        )
