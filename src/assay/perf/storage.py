"""perf's own tables: raw samples per stored run, and baselines keyed by branch and machine fingerprint."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assay.errors import InputError
from assay.perf import BASELINES_SCHEMA
from assay.perf.samples import BenchmarkSamples
from assay.store import Store

COMPONENT = "perf"
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE perf_samples (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        benchmark TEXT NOT NULL,
        samples TEXT NOT NULL,
        error TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX perf_samples_run ON perf_samples (run_id);
    CREATE INDEX perf_samples_benchmark ON perf_samples (benchmark);
    CREATE TABLE perf_baselines (
        id INTEGER PRIMARY KEY,
        repo_root TEXT NOT NULL,
        branch TEXT NOT NULL,
        machine_id TEXT NOT NULL,
        machine TEXT NOT NULL,
        commit_sha TEXT NOT NULL,
        dirty INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        activated_at REAL NOT NULL,
        source_run_id INTEGER,
        benchmarks TEXT NOT NULL
    );
    CREATE INDEX perf_baselines_lookup ON perf_baselines (repo_root, branch, machine_id, activated_at);
    """,
)


def prepare(store: Store) -> Store:
    """Create or migrate the perf tables in the store; returns the store."""
    store.ensure_component(COMPONENT, MIGRATIONS)
    return store


def save_samples(store: Store, run_id: int, benchmarks: Iterable[BenchmarkSamples]) -> None:
    """Store the raw timing samples of each benchmark for a run."""
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO perf_samples (run_id, benchmark, samples, error) VALUES (?, ?, ?, ?)",
            [(run_id, b.name, json.dumps(list(b.samples)), b.error) for b in benchmarks],
        )


def samples_of_run(store: Store, run_id: int) -> dict[str, BenchmarkSamples]:
    """The stored samples of a run, keyed by benchmark name."""
    rows = store.connection.execute(
        "SELECT benchmark, samples, error FROM perf_samples WHERE run_id = ? ORDER BY id", (run_id,)
    )
    return {r[0]: BenchmarkSamples(name=r[0], samples=tuple(json.loads(r[1])), error=r[2]) for r in rows}


@dataclass(frozen=True)
class StoredSamples:
    """One benchmark's samples together with the run (commit, machine, time) that produced them."""

    run_id: int
    commit: str
    dirty: bool
    finished_at: float
    machine_id: str
    bench: BenchmarkSamples


def samples_history(
    store: Store, repo_root: str, benchmark: str, *, commit: str | None = None, machine_id: str | None = None
) -> list[StoredSamples]:
    """Stored samples of one benchmark, oldest first (measurement runs only, not comparisons)."""
    sql = (
        "SELECT r.id, r.commit_sha, r.dirty, r.finished_at, r.machine_id, s.benchmark, s.samples, s.error "
        "FROM perf_samples s JOIN runs r ON r.id = s.run_id "
        "WHERE r.tool = 'perf' AND r.repo_root = ? AND s.benchmark = ?"
    )
    params: list[Any] = [repo_root, benchmark]
    if commit is not None:
        sql += " AND r.commit_sha = ?"
        params.append(commit)
    if machine_id is not None:
        sql += " AND r.machine_id = ?"
        params.append(machine_id)
    sql += " ORDER BY r.finished_at, r.id"
    return [
        StoredSamples(
            run_id=r[0],
            commit=r[1],
            dirty=bool(r[2]),
            finished_at=r[3],
            machine_id=r[4],
            bench=BenchmarkSamples(name=r[5], samples=tuple(json.loads(r[6])), error=r[7]),
        )
        for r in store.connection.execute(sql, params)
    ]


def benchmark_names(store: Store, repo_root: str) -> list[str]:
    """Names of all benchmarks ever recorded by perf runs of this repository, sorted."""
    rows = store.connection.execute(
        "SELECT DISTINCT s.benchmark FROM perf_samples s JOIN runs r ON r.id = s.run_id "
        "WHERE r.tool = 'perf' AND r.repo_root = ? ORDER BY s.benchmark",
        (repo_root,),
    )
    return [r[0] for r in rows]


# -- baselines -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """A stored perf baseline: per-benchmark samples for one branch on one machine."""

    id: int
    branch: str
    machine_id: str
    machine: Mapping[str, Any]
    commit: str
    dirty: bool
    created_at: float
    activated_at: float
    source_run_id: int | None
    benchmarks: dict[str, tuple[float, ...]]

    def summary(self) -> dict[str, Any]:
        """A short JSON-ready description of the baseline (without the samples)."""
        return {
            "id": self.id,
            "branch": self.branch,
            "commit": self.commit,
            "dirty": self.dirty,
            "machine_id": self.machine_id,
            "created_at": self.created_at,
            "activated_at": self.activated_at,
            "benchmarks": len(self.benchmarks),
        }

    def samples(self) -> dict[str, BenchmarkSamples]:
        """The stored samples per benchmark, as a comparison side."""
        return {name: BenchmarkSamples(name, values) for name, values in self.benchmarks.items()}

    def export(self) -> dict[str, Any]:
        """The baseline in the portable export format, samples included."""
        return {
            "branch": self.branch,
            "commit": self.commit,
            "dirty": self.dirty,
            "machine": dict(self.machine),
            "machine_id": self.machine_id,
            "created_at": self.created_at,
            "benchmarks": {name: list(values) for name, values in sorted(self.benchmarks.items())},
        }


def _baseline(row: Any) -> Baseline:
    return Baseline(
        id=row["id"],
        branch=row["branch"],
        machine_id=row["machine_id"],
        machine=json.loads(row["machine"]),
        commit=row["commit_sha"],
        dirty=bool(row["dirty"]),
        created_at=row["created_at"],
        activated_at=row["activated_at"],
        source_run_id=row["source_run_id"],
        benchmarks={k: tuple(v) for k, v in json.loads(row["benchmarks"]).items()},
    )


def list_baselines(store: Store, repo_root: str, *, branch: str | None = None) -> list[Baseline]:
    """The repository's baselines, optionally for one branch, most recently activated first."""
    sql = "SELECT * FROM perf_baselines WHERE repo_root = ?"
    params: list[Any] = [repo_root]
    if branch is not None:
        sql += " AND branch = ?"
        params.append(branch)
    sql += " ORDER BY activated_at DESC, id DESC"
    return [_baseline(r) for r in store.connection.execute(sql, params)]


def get_baseline(store: Store, repo_root: str, baseline_id: int) -> Baseline:
    """The baseline with this id; raises InputError if the repository has none such."""
    row = store.connection.execute(
        "SELECT * FROM perf_baselines WHERE repo_root = ? AND id = ?", (repo_root, baseline_id)
    ).fetchone()
    if row is None:
        raise InputError(
            f"no perf baseline with id {baseline_id} for this repository (see `assay perf baseline list`)"
        )
    return _baseline(row)


def active_baseline(store: Store, repo_root: str, branch: str, machine_id: str) -> Baseline | None:
    """The most recently activated baseline for this branch and machine, or None."""
    row = store.connection.execute(
        "SELECT * FROM perf_baselines WHERE repo_root = ? AND branch = ? AND machine_id = ? "
        "ORDER BY activated_at DESC, id DESC LIMIT 1",
        (repo_root, branch, machine_id),
    ).fetchone()
    return _baseline(row) if row else None


def add_baseline(
    store: Store,
    repo_root: str,
    *,
    branch: str,
    machine_id: str,
    machine: Mapping[str, Any],
    commit: str,
    dirty: bool,
    benchmarks: Mapping[str, Iterable[float]],
    source_run_id: int | None,
    force: bool = False,
    created_at: float | None = None,
) -> int:
    """Insert a baseline; the same branch+machine+commit twice needs `force`, which replaces that one only."""
    now = time.time()
    with store.transaction() as conn:
        existing = conn.execute(
            "SELECT id FROM perf_baselines WHERE repo_root = ? AND branch = ? AND machine_id = ? "
            "AND commit_sha = ?",
            (repo_root, branch, machine_id, commit),
        ).fetchall()
        if existing and not force:
            raise InputError(
                f"a baseline for {branch} at {commit[:12]} on this machine already exists "
                f"(id {existing[0][0]}); use --force-update to replace it"
            )
        for row in existing:
            conn.execute("DELETE FROM perf_baselines WHERE id = ?", (row[0],))
        cur = conn.execute(
            "INSERT INTO perf_baselines (repo_root, branch, machine_id, machine, commit_sha, dirty, "
            "created_at, activated_at, source_run_id, benchmarks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                repo_root,
                branch,
                machine_id,
                json.dumps(dict(machine), sort_keys=True),
                commit,
                int(dirty),
                created_at if created_at is not None else now,
                now,
                source_run_id,
                json.dumps({k: list(v) for k, v in benchmarks.items()}, sort_keys=True),
            ),
        )
        return int(cur.lastrowid or 0)


def restore_baseline(store: Store, repo_root: str, baseline_id: int) -> Baseline:
    """Make an older baseline the active one for its branch and machine again."""
    baseline = get_baseline(store, repo_root, baseline_id)
    now = time.time()
    with store.transaction() as conn:
        conn.execute("UPDATE perf_baselines SET activated_at = ? WHERE id = ?", (now, baseline_id))
    return replace(baseline, activated_at=now)


def export_document(baselines: Iterable[Baseline]) -> dict[str, Any]:
    """A baselines export document holding these baselines."""
    return {"schema": BASELINES_SCHEMA, "baselines": [b.export() for b in baselines]}


def parse_export(path: Path) -> list[dict[str, Any]]:
    """Read a baselines export; raise InputError naming the file and the first problem."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict) or doc.get("schema") != BASELINES_SCHEMA:
        raise InputError(f"{path}: not an assay baselines export (expected schema {BASELINES_SCHEMA})")
    items = doc.get("baselines")
    if not isinstance(items, list):
        raise InputError(f"{path}: 'baselines' must be a list")
    for index, item in enumerate(items):
        where = f"{path}: baselines[{index}]"
        if not isinstance(item, dict):
            raise InputError(f"{where} is not an object")
        for key in ("branch", "commit", "machine_id"):
            if not isinstance(item.get(key), str) or not item[key]:
                raise InputError(f"{where}.{key}: expected a non-empty string")
        if not isinstance(item.get("machine"), dict):
            raise InputError(f"{where}.machine: expected an object")
        benches = item.get("benchmarks")
        if not isinstance(benches, dict) or not all(
            isinstance(v, list) and all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
            for v in benches.values()
        ):
            raise InputError(f"{where}.benchmarks: expected an object of name -> list of seconds")
    return items


def latest_sampled_run(store: Store, repo_root: str, commit: str, machine_id: str) -> tuple[int, bool] | None:
    """The newest run at `commit` on this machine that stored samples: (run id, dirty)."""
    row = store.connection.execute(
        "SELECT r.id, r.dirty FROM runs r WHERE r.tool = 'perf' AND r.repo_root = ? AND r.commit_sha = ? "
        "AND r.machine_id = ? AND EXISTS (SELECT 1 FROM perf_samples s WHERE s.run_id = r.id) "
        "ORDER BY r.finished_at DESC, r.id DESC LIMIT 1",
        (repo_root, commit, machine_id),
    ).fetchone()
    return (int(row[0]), bool(row[1])) if row else None
