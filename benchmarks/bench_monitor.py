"""The monitor's hot paths: a full integrity scan (first, hashing everything; then metadata-only),
comparing two states, and saving/loading the baseline, on a 2,000-file tree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assay.results import Severity
from assay.security.monitor import fim
from assay.security.monitor.events import Event, EventLog
from assay.security.monitor.schema import open_store

FILES = 2000


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    for d in range(40):
        sub = root / f"d{d}"
        sub.mkdir()
        for f in range(FILES // 40):
            (sub / f"f{f}.txt").write_bytes(bytes([f % 256]) * (1024 + f))
    return root


def test_scan_hash_everything(benchmark: Any, tree: Path) -> None:
    records, stats = benchmark(fim.scan, [str(tree)], fim.Rules(), None, workers=4)
    assert stats.hashed == FILES and len(records) == FILES + 41


def test_scan_metadata_only(benchmark: Any, tree: Path) -> None:
    previous, _ = fim.scan([str(tree)], fim.Rules(), None, workers=4)
    records, stats = benchmark(fim.scan, [str(tree)], fim.Rules(), previous, workers=4)
    assert stats.hashed == 0 and records == previous


def test_compare_unchanged(benchmark: Any, tree: Path) -> None:
    previous, _ = fim.scan([str(tree)], fim.Rules(), None, workers=4)
    assert benchmark(fim.compare, previous, previous, fim.Rules()) == []


def test_save_and_load_baseline(benchmark: Any, tree: Path, tmp_path: Path) -> None:
    records, _ = fim.scan([str(tree)], fim.Rules(), None, workers=4)

    def roundtrip() -> int:
        with open_store(tmp_path / "db") as store:
            fim.save_baseline(store, [str(tree)], records)
            return len(fim.load_baseline(store)[1])

    assert benchmark(roundtrip) == len(records)


def test_event_log_emit(benchmark: Any) -> None:
    log = EventLog(capacity=2000, dedup_seconds=60, per_hour_limit=10)
    counter = iter(range(10**9))

    def emit() -> None:
        n = next(counter)
        log.emit(Event("file", "changed", Severity.HIGH, "m", {"file.path": f"/p/{n}"}))

    benchmark(emit)
    assert log.counts[("file", "high")] > 0
