"""The monitor's own tables in the store: the baseline, incidents and response actions."""

from __future__ import annotations

from pathlib import Path

from assay.store import Store

COMPONENT = "security-monitor"
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE monitor_baselines (
        id INTEGER PRIMARY KEY,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        roots TEXT NOT NULL,
        files INTEGER NOT NULL
    );
    CREATE TABLE monitor_files (
        baseline_id INTEGER NOT NULL REFERENCES monitor_baselines (id) ON DELETE CASCADE,
        path BLOB NOT NULL,
        type TEXT NOT NULL,
        mode INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        gid INTEGER NOT NULL,
        size INTEGER NOT NULL,
        inode INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        ctime_ns INTEGER NOT NULL,
        target TEXT,
        sha256 TEXT,
        PRIMARY KEY (baseline_id, path)
    ) WITHOUT ROWID;
    CREATE TABLE monitor_incidents (
        id INTEGER PRIMARY KEY,
        opened_at REAL NOT NULL,
        closed_at REAL,
        status TEXT NOT NULL,
        priority TEXT NOT NULL,
        title TEXT NOT NULL,
        playbook TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT '',
        resolution TEXT NOT NULL DEFAULT '',
        events TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE monitor_actions (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        details TEXT NOT NULL DEFAULT '{}',
        reversible INTEGER NOT NULL DEFAULT 0,
        reversed_at REAL
    );
    """,
)


def open_store(path: Path) -> Store:
    """Open (creating if needed) the store with the monitor's tables in place."""
    store = Store(path)
    store.ensure_component(COMPONENT, MIGRATIONS)
    return store
