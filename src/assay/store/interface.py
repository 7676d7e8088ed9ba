"""What every store backend provides: the core runs, measurements and findings tables.

Everything outside `assay.store` talks to a store through these named queries, never through SQL, so a
second backend (PostgreSQL) implements the same interface. Areas with tables of their own (perf samples,
incidents, notifications, ...) add one module each under `assay.store`, written against `Connection`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from assay.results import Finding, Measurement, Result
from assay.store.model import Run
from assay.vcs import RepoInfo


class ResultStore(Protocol):
    """The core of the store: one run per tool Result, with its measurements and findings."""

    def record(
        self,
        result: Result,
        repo: RepoInfo,
        *,
        started_at: float | None = None,
        finished_at: float | None = None,
    ) -> int:
        """Store a tool's Result as one run, all or nothing; returns the run id."""

    def runs(
        self,
        *,
        tool: str | None = None,
        repo_root: str | Path | None = None,
        commit: str | None = None,
        since: float | None = None,
        limit: int | None = None,
    ) -> list[Run]:
        """Runs newest first, filtered."""

    def latest_run(
        self, tool: str, *, repo_root: str | Path | None = None, commit: str | None = None
    ) -> Run | None:
        """The most recent run of a tool; None if there is none."""

    def tools(self, *, repo_root: str | Path | None = None) -> list[str]:
        """Names of the tools that have recorded runs, sorted."""

    def measurements(self, run_id: int) -> list[Measurement]:
        """The measurements a run recorded."""

    def findings(self, run_id: int) -> list[Finding]:
        """The findings a run recorded."""

    def latest_measurements(
        self, *, repo_root: str | Path | None = None, commit: str | None = None, tools: Sequence[str] = ()
    ) -> dict[str, tuple[Run, list[Measurement]]]:
        """For each tool, its newest run (optionally at a commit) and that run's measurements."""

    def ensure_component(self, component: str, migrations: Sequence[str]) -> None:
        """Create or migrate an area's tables (forward migrations, numbered by position)."""

    def transaction(self) -> contextlib.AbstractContextManager[Any]:
        """One all-or-nothing write; yields the backend's connection for the area modules."""

    def integrity_check(self) -> list[str]:
        """Problems the backend's integrity check reports; empty when sound."""

    def prune(self, keep_days: float, *, now: float | None = None) -> int:
        """Delete runs older than `keep_days`; returns how many went."""

    def backup(self, dest: Path | str) -> Path:
        """A consistent copy of the store at `dest`."""

    def restore(self, source: Path | str) -> Path:
        """Replace the store with a backup made by `backup`."""

    def close(self) -> None:
        """Release the connection."""
