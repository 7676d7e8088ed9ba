"""The SQLite store: recording, reading, migrations, bad files, backup/restore/prune,
two concurrent writer processes, and SIGKILL at random points."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from assay.errors import StoreError
from assay.results import Finding, Location, Measurement, Result, Severity
from assay.store import CORE, Store
from assay.vcs import RepoInfo

REPO = RepoInfo(root=Path("/r"), commit="c" * 40, branch="main", dirty=False, is_git=True)


def sample(value: float = 80.0, tool: str = "coverage") -> Result:
    return Result(
        tool=tool,
        measurements=(
            Measurement("test_coverage_overall", value),
            Measurement("test_coverage_line_percent", value + 1),
        ),
        findings=(Finding("gap", Severity.MEDIUM, "uncovered", Location("a.py", 3), tool=tool),),
        summary=f"{value}%",
        data={"totals": {"percent": value}},
    )


def test_record_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "s" / "assay.db"
    with Store(path) as store:
        run_id = store.record(sample(81.5), REPO)
        run = store.latest_run("coverage")
        assert run is not None and run.id == run_id
        assert (
            run.commit == REPO.commit and run.branch == "main" and run.data == {"totals": {"percent": 81.5}}
        )
        assert [m.value for m in store.measurements(run_id)] == [81.5, 82.5]
        finding = store.findings(run_id)[0]
        assert finding.location == Location("a.py", 3) and finding.severity is Severity.MEDIUM
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_latest_measurements_per_tool_and_commit(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as store:
        store.record(sample(50), REPO)
        other = RepoInfo(root=REPO.root, commit="d" * 40, branch="main", dirty=True, is_git=True)
        store.record(sample(60), other)
        latest = store.latest_measurements()
        assert latest["coverage"][1][0].value == 60
        at_first = store.latest_measurements(commit=REPO.commit)
        assert at_first["coverage"][1][0].value == 50


def test_unknown_metric_is_refused_and_nothing_written(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as store:
        with pytest.raises(KeyError, match="not in the metric catalogue"):
            store.record(Result(tool="x", measurements=(Measurement("no_such_metric", 1),)), REPO)
        assert store.runs() == []


def test_not_sqlite_file_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("this is my shopping list, not a database\n")
    with pytest.raises(StoreError, match="not an SQLite database"):
        Store(path)
    assert path.read_text() == "this is my shopping list, not a database\n"


def test_corrupted_store_is_reported_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with Store(path) as store:
        store.record(sample(), REPO)
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # keep the header, wreck the schema page
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(StoreError, match="unreadable or corrupted"):
        Store(path)
    assert path.read_bytes() == before


def test_store_from_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_versions SET version = 99 WHERE component = ?", (CORE,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="version 99, newer than this assay understands"):
        Store(path)


def test_unwritable_directory(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        locked = Path("/proc/assay-cannot-write-here")  # not even root may create files in /proc
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
    with pytest.raises(StoreError, match="cannot create store") as info:
        Store(locked / "sub" / "a.db")
    assert "\n" not in str(info.value)


def test_store_path_under_a_file_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="Not a directory"):
        Store(blocker / "a.db")
    assert blocker.read_text() == "x"


def test_component_migrations_are_forward_only_and_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with Store(path) as store:
        store.ensure_component("demo", ("CREATE TABLE demo (x INTEGER)",))
        store.ensure_component("demo", ("CREATE TABLE demo (x INTEGER)",))
        assert store.component_version("demo") == 1
        store.ensure_component(
            "demo", ("CREATE TABLE demo (x INTEGER)", "ALTER TABLE demo ADD COLUMN y TEXT")
        )
        assert store.component_version("demo") == 2
        with pytest.raises(StoreError, match="demo schema is version 2"):
            store.ensure_component("demo", ("CREATE TABLE demo (x INTEGER)",))


def test_backup_restore_keeps_previous_content(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with Store(path) as store:
        store.record(sample(10), REPO)
        backup = store.backup(tmp_path / "backups" / "b.db")
        store.record(sample(20), REPO)
        safety = store.restore(backup)
        assert store.latest_measurements()["coverage"][1][0].value == 10
        assert len(store.runs()) == 1
    with Store(safety, readonly=True) as saved:
        assert len(saved.runs()) == 2  # what was there before the restore is kept


def test_restore_refuses_garbage(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_text("nope")
    with Store(tmp_path / "a.db") as store:
        store.record(sample(), REPO)
        with pytest.raises(StoreError, match="not an SQLite database"):
            store.restore(bogus)
        assert len(store.runs()) == 1


def test_prune_removes_old_runs_with_their_rows(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as store:
        store.record(sample(1), REPO, started_at=0, finished_at=time.time() - 40 * 86400)
        store.record(sample(2), REPO)
        assert store.prune(30) == 1
        assert len(store.runs()) == 1
        left = store.connection.execute("SELECT count(*) FROM measurements").fetchone()[0]
        assert left == 2


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from assay.results import Measurement, Result
    from assay.store import Store
    from assay.vcs import RepoInfo

    path, count, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    repo = RepoInfo(root=Path("/r"), commit=tag * 40, branch="main", dirty=False, is_git=True)
    measurements = tuple(Measurement("test_coverage_overall", float(i)) for i in range(50))
    with Store(path) as store:
        for i in range(count):
            store.record(Result(tool="coverage", measurements=measurements, summary=f"{tag}{i}"), repo)
            if i == 0:
                print("ready", flush=True)
    """
)


def _writer(path: Path, count: int, tag: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(count), tag],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_writing_at_once_both_succeed(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    Store(path).close()
    first, second = _writer(path, 150, "a"), _writer(path, 150, "b")
    out_a = first.communicate(timeout=300)
    out_b = second.communicate(timeout=300)
    assert first.returncode == 0, out_a[1]
    assert second.returncode == 0, out_b[1]
    with Store(path) as store:
        assert len(store.runs(commit="a" * 40)) == 150
        assert len(store.runs(commit="b" * 40)) == 150
        assert store.integrity_check() == []


@pytest.mark.slow
def test_sigkill_at_random_points_never_loses_committed_data(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    Store(path).close()
    rng = random.Random(20261123)
    committed = 0
    for _ in range(20):
        proc = _writer(path, 10_000, "k")
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        with Store(path) as store:
            assert store.integrity_check() == []
            runs = store.runs()
            assert len(runs) >= committed + 1  # everything committed before is still there
            committed = len(runs)
            # every run is whole: all-or-nothing transactions
            counts = store.connection.execute(
                "SELECT count(*) FROM runs r LEFT JOIN measurements m ON m.run_id = r.id GROUP BY r.id"
            ).fetchall()
            assert {c[0] for c in counts} == {50}
    assert committed > 20
