"""Rounds in one checkout: a suite that cannot run is not run again."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.perf import runner
from assay.perf.runner import SuiteOptions, SuiteRun, run_rounds
from assay.perf.samples import SuiteSamples


def test_run_rounds_stops_at_the_first_run_that_cannot_run_the_suite(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    outcomes = iter(["", "no benchmarks collected from benchmarks", ""])
    calls: list[Path] = []

    def fake_run_suite(checkout: Path, options: SuiteOptions, work: Path) -> SuiteRun:
        calls.append(checkout)
        return SuiteRun(SuiteSamples({}), problem=next(outcomes))

    monkeypatch.setattr(runner, "run_suite", fake_run_suite)

    runs, problem = run_rounds(tmp_path, SuiteOptions(), 3, tmp_path / "work")

    assert problem == "no benchmarks collected from benchmarks"
    assert len(runs) == 1 and not runs[0].problem
    assert len(calls) == 2  # the third round is not run


def test_run_rounds_runs_every_round_when_the_suite_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(runner, "run_suite", lambda checkout, options, work: SuiteRun(SuiteSamples({})))

    runs, problem = run_rounds(tmp_path, SuiteOptions(), 4, tmp_path / "work")

    assert problem == "" and len(runs) == 4
