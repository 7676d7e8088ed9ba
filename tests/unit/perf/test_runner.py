"""Rounds of the suite: a checkout that cannot run it is not run again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assay.perf import runner
from assay.perf.runner import SuiteOptions, SuiteRun, run_interleaved, run_rounds
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


def _recording_suite(
    calls: list[Path], cannot_run: Callable[[Path, int], bool]
) -> Callable[[Path, SuiteOptions, Path], SuiteRun]:
    """A stand-in for run_suite that records each checkout run; `cannot_run(checkout, call number)`."""

    def fake_run_suite(checkout: Path, options: SuiteOptions, work: Path) -> SuiteRun:
        calls.append(checkout)
        return SuiteRun(SuiteSamples({}), problem="cannot run" if cannot_run(checkout, len(calls)) else "")

    return fake_run_suite


def test_interleaved_rounds_stop_when_head_cannot_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    base, head, calls = tmp_path / "base", tmp_path / "head", []
    monkeypatch.setattr(runner, "run_suite", _recording_suite(calls, lambda c, n: c == head and n == 4))

    base_runs, head_runs, base_problem, head_problem = run_interleaved(
        base, head, SuiteOptions(), 5, tmp_path / "work"
    )

    assert (base_problem, head_problem) == ("", "cannot run")
    assert calls == [base, head, base, head]  # no base-only rounds after head failed
    assert (len(base_runs), len(head_runs)) == (2, 1)


def test_interleaved_rounds_go_on_without_a_base_that_cannot_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    base, head, calls = tmp_path / "base", tmp_path / "head", []
    monkeypatch.setattr(runner, "run_suite", _recording_suite(calls, lambda c, n: c == base))

    base_runs, head_runs, base_problem, head_problem = run_interleaved(
        base, head, SuiteOptions(), 3, tmp_path / "work"
    )

    assert (base_problem, head_problem) == ("cannot run", "")
    assert calls == [base, head, head, head]  # base is not tried again, head runs every round
    assert (len(base_runs), len(head_runs)) == (0, 3)
