"""The SQLite backend of the store: runs keyed by repository, commit and tool, with measurements, findings.

WAL mode, one transaction per write, busy timeout plus retry so concurrent writers both succeed,
file mode 0600. Tools that need tables of their own register a schema component with forward
migrations (`Store.ensure_component`); the core schema is the component "core".
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from assay import machine
from assay.catalogue import CATALOGUE
from assay.errors import StoreError
from assay.results import Finding, Location, Measurement, Result, Severity
from assay.store.model import Run
from assay.vcs import RepoInfo

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 30.0
WRITE_ATTEMPTS = 8

CORE = "core"
CORE_MIGRATIONS: tuple[str, ...] = (
    # version 1
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        repo_root TEXT NOT NULL,
        commit_sha TEXT NOT NULL,
        branch TEXT NOT NULL,
        dirty INTEGER NOT NULL DEFAULT 0,
        tool TEXT NOT NULL,
        started_at REAL NOT NULL,
        finished_at REAL NOT NULL,
        machine_id TEXT NOT NULL,
        machine TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX runs_lookup ON runs (repo_root, tool, commit_sha, finished_at);
    CREATE INDEX runs_finished ON runs (finished_at);
    CREATE TABLE measurements (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        value REAL NOT NULL,
        labels TEXT NOT NULL DEFAULT '{}',
        unit TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX measurements_run ON measurements (run_id);
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        finding_id TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        path TEXT,
        line INTEGER,
        remediation TEXT NOT NULL DEFAULT '',
        tool TEXT NOT NULL DEFAULT '',
        fingerprint TEXT NOT NULL DEFAULT '',
        properties TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX findings_run ON findings (run_id);
    """,
)


def check_sqlite_file(path: Path) -> None:
    """Raise StoreError unless `path` is absent, empty, or starts with the SQLite header."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except IsADirectoryError:
        raise StoreError(f"{path}: is a directory, not a store file") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot read store: {exc.strerror or exc}") from None
    if head and head != SQLITE_HEADER:
        raise StoreError(f"{path}: not an SQLite database (left untouched; point --store elsewhere)")


class Store:
    """An open store. Use as a context manager or call close()."""

    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._conn = self._open()

    # -- opening ---------------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        path = self.path
        check_sqlite_file(path)
        if not path.exists():
            if self.readonly:
                raise StoreError(f"{path}: store does not exist yet (run a tool first)")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                os.close(fd)
            except FileExistsError:
                pass  # another process created it first
            except OSError as exc:
                raise StoreError(f"{path}: cannot create store: {exc.strerror or exc}") from None
        elif not self.readonly and not os.access(path, os.W_OK):
            raise StoreError(f"{path}: store is not writable")
        try:
            if self.readonly:
                conn = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro",
                    uri=True,
                    timeout=BUSY_TIMEOUT_S,
                    isolation_level=None,
                )
            else:
                conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            if not self.readonly:
                self._retry(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: store is unreadable or corrupted ({exc}); left untouched") from None
        self._conn = conn
        try:
            self.ensure_component(CORE, CORE_MIGRATIONS)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{path}: store is unreadable or corrupted ({exc}); left untouched") from None
        except StoreError:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The underlying SQLite connection."""
        return self._conn

    # -- transactions and migrations ----------------------------------------------------------------

    def _retry(self, action: Any) -> Any:
        delay = 0.01
        for attempt in range(WRITE_ATTEMPTS):
            try:
                return action()
            except sqlite3.OperationalError as exc:
                text = str(exc).lower()
                if ("locked" not in text and "busy" not in text) or attempt == WRITE_ATTEMPTS - 1:
                    raise
                time.sleep(delay + random.uniform(0, delay))  # noqa: S311 - jitter, not security
                delay = min(delay * 2, 1.0)
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE), retried while another writer holds the lock."""
        if self.readonly:
            raise StoreError(f"{self.path}: store was opened read-only")
        conn = self._conn
        self._retry(lambda: conn.execute("BEGIN IMMEDIATE"))
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except sqlite3.DatabaseError:
                conn.execute("ROLLBACK")
                raise

    def component_version(self, component: str) -> int:
        """The schema version recorded for a component (0 if none yet)."""
        conn = self._conn
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_versions'"
        ).fetchone()
        if not exists:
            return 0
        row = conn.execute("SELECT version FROM schema_versions WHERE component = ?", (component,)).fetchone()
        return int(row[0]) if row else 0

    def ensure_component(self, component: str, migrations: Sequence[str]) -> None:
        """Apply the forward migrations a component has not seen yet; refuse a newer schema."""
        known = len(migrations)
        current = self.component_version(component)
        if current > known:
            raise StoreError(
                f"{self.path}: the store's {component} schema is version {current}, newer than this assay "
                f"understands ({known}); upgrade assay or use another --store (left untouched)"
            )
        if current == known or self.readonly:
            return  # a read-only reader of an older store reads what is there
        with self.transaction() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_versions "
                "(component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
            # Re-read inside the write lock: another process may have migrated meanwhile.
            row = conn.execute(
                "SELECT version FROM schema_versions WHERE component = ?", (component,)
            ).fetchone()
            current = int(row[0]) if row else 0
            for version in range(current + 1, known + 1):
                for statement in _statements(migrations[version - 1]):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_versions (component, version) VALUES (?, ?) "
                    "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                    (component, version),
                )

    # -- writing results -----------------------------------------------------------------------------

    def record(
        self,
        result: Result,
        repo: RepoInfo,
        *,
        started_at: float | None = None,
        finished_at: float | None = None,
    ) -> int:
        """Store a tool's Result as one run; returns the run id. All or nothing."""
        for m in result.measurements:
            CATALOGUE.require(m.name)
        now = time.time()
        host = machine.current()
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO runs (repo_root, commit_sha, branch, dirty, tool, started_at, finished_at, "
                "machine_id, machine, summary, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(repo.root),
                    repo.commit,
                    repo.branch,
                    int(repo.dirty),
                    result.tool,
                    started_at if started_at is not None else now,
                    finished_at if finished_at is not None else now,
                    host.id,
                    host.to_json(),
                    result.summary,
                    json.dumps(result.data, sort_keys=True, default=str),
                ),
            )
            run_id = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT INTO measurements (run_id, name, value, labels, unit) VALUES (?, ?, ?, ?, ?)",
                [
                    (run_id, m.name, float(m.value), json.dumps(dict(m.labels), sort_keys=True), m.unit)
                    for m in result.measurements
                ],
            )
            conn.executemany(
                "INSERT INTO findings (run_id, finding_id, severity, message, path, line, remediation, tool, "
                "fingerprint, properties) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        f.id,
                        f.severity.value,
                        f.message,
                        f.location.path if f.location else None,
                        f.location.line if f.location else None,
                        f.remediation,
                        f.tool or result.tool,
                        f.key(),
                        json.dumps(dict(f.properties), sort_keys=True, default=str),
                    )
                    for f in result.findings
                ],
            )
        return run_id

    # -- reading ---------------------------------------------------------------------------------

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
        clauses, params = _filters(tool=tool, repo_root=repo_root, commit=commit, since=since)
        # Clauses are fixed strings from _filters; values are bound parameters.
        sql = "SELECT * FROM runs" + (" WHERE " + " AND ".join(clauses) if clauses else "")  # noqa: S608
        sql += " ORDER BY finished_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_run(row) for row in self._conn.execute(sql, params)]

    def latest_run(
        self, tool: str, *, repo_root: str | Path | None = None, commit: str | None = None
    ) -> Run | None:
        """The most recent run of this tool, optionally filtered by repository and commit; None if none."""
        found = self.runs(tool=tool, repo_root=repo_root, commit=commit, limit=1)
        return found[0] if found else None

    def tools(self, *, repo_root: str | Path | None = None) -> list[str]:
        """Names of the tools that have recorded runs, sorted."""
        clauses, params = _filters(repo_root=repo_root)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        sql = "SELECT DISTINCT tool FROM runs" + where  # noqa: S608 - fixed clauses, bound values
        return sorted(row[0] for row in self._conn.execute(sql, params))

    def measurements(self, run_id: int) -> list[Measurement]:
        """The measurements recorded by a run."""
        rows = self._conn.execute(
            "SELECT name, value, labels, unit FROM measurements WHERE run_id = ? ORDER BY id", (run_id,)
        )
        return [Measurement(r["name"], r["value"], json.loads(r["labels"]), r["unit"]) for r in rows]

    def findings(self, run_id: int) -> list[Finding]:
        """The findings recorded by a run."""
        rows = self._conn.execute("SELECT * FROM findings WHERE run_id = ? ORDER BY id", (run_id,))
        out = []
        for r in rows:
            location = Location(r["path"], r["line"]) if r["path"] is not None else None
            out.append(
                Finding(
                    id=r["finding_id"],
                    severity=Severity(r["severity"]),
                    message=r["message"],
                    location=location,
                    remediation=r["remediation"],
                    tool=r["tool"],
                    properties=json.loads(r["properties"]),
                    fingerprint=r["fingerprint"],
                )
            )
        return out

    def latest_measurements(
        self, *, repo_root: str | Path | None = None, commit: str | None = None, tools: Sequence[str] = ()
    ) -> dict[str, tuple[Run, list[Measurement]]]:
        """For each tool, its newest run (optionally at `commit`) and that run's measurements."""
        out: dict[str, tuple[Run, list[Measurement]]] = {}
        for tool in tools or self.tools(repo_root=repo_root):
            run = self.latest_run(tool, repo_root=repo_root, commit=commit)
            if run is not None:
                out[tool] = (run, self.measurements(run.id))
        return out

    # -- maintenance ----------------------------------------------------------------------------------

    def integrity_check(self) -> list[str]:
        """Problems SQLite's integrity check reports; empty when the database is sound."""
        rows = self._conn.execute("PRAGMA integrity_check").fetchall()
        problems = [str(r[0]) for r in rows]
        return [] if problems == ["ok"] else problems

    def prune(self, keep_days: float, *, now: float | None = None) -> int:
        """Delete runs that finished more than `keep_days` ago; returns how many."""
        cutoff = (now if now is not None else time.time()) - keep_days * 86400
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM runs WHERE finished_at < ?", (cutoff,))
            return int(cur.rowcount)

    def backup(self, dest: Path | str) -> Path:
        """Copy the store with SQLite's online backup API; the destination is written then moved.

        A directory (existing, or a new path without a suffix) gets a timestamped file inside it.
        """
        target = Path(dest)
        if target.is_dir() or (not target.exists() and not target.suffix):
            target = target / f"assay-{time.strftime('%Y%m%dT%H%M%S')}.db"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{target.parent}: cannot create backup directory: {exc.strerror or exc}"
            ) from None
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
            os.close(fd)
            dest_conn = sqlite3.connect(str(tmp))
            try:
                self._conn.backup(dest_conn)
                dest_conn.execute("PRAGMA journal_mode = DELETE")
            finally:
                dest_conn.close()
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"{target}: cannot write backup: {exc.strerror or exc}") from None
        except sqlite3.Error as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"{target}: backup failed: {exc}") from None
        return target

    def restore(self, source: Path | str) -> Path:
        """Replace the store's content with a backup; the current content is kept beside it first."""
        src = Path(source)
        if not src.is_file():
            raise StoreError(f"{src}: backup file not found")
        check_sqlite_file(src)
        try:
            probe = Store(src, readonly=True)
        except StoreError as exc:
            raise StoreError(f"{src}: cannot restore from it: {exc}") from None
        try:
            problems = probe.integrity_check()
            if problems:
                raise StoreError(f"{src}: backup fails its integrity check: {problems[0]}")
            safety = self.backup(self.path.with_name(f"{self.path.name}.before-restore-{int(time.time())}"))
            probe._conn.backup(self._conn)
            self.ensure_component(CORE, CORE_MIGRATIONS)
        except sqlite3.Error as exc:
            raise StoreError(f"{src}: restore failed: {exc}") from None
        finally:
            probe.close()
        return safety


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _filters(
    *,
    tool: str | None = None,
    repo_root: str | Path | None = None,
    commit: str | None = None,
    since: float | None = None,
) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if tool is not None:
        clauses.append("tool = ?")
        params.append(tool)
    if repo_root is not None:
        clauses.append("repo_root = ?")
        params.append(str(repo_root))
    if commit is not None:
        clauses.append("commit_sha = ?")
        params.append(commit)
    if since is not None:
        clauses.append("finished_at >= ?")
        params.append(since)
    return clauses, params


def _run(row: sqlite3.Row) -> Run:
    return Run(
        id=row["id"],
        repo_root=row["repo_root"],
        commit=row["commit_sha"],
        branch=row["branch"],
        dirty=bool(row["dirty"]),
        tool=row["tool"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        machine_id=row["machine_id"],
        summary=row["summary"],
        data=json.loads(row["data"]),
    )
