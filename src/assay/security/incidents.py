"""Incident records in the store: opened by hand or automatically for P0/P1 events, closed with a
resolution. The body is Markdown rendered from the matching playbook's steps."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from assay.errors import InputError
from assay.store import Store

PRIORITIES = ("P0", "P1", "P2", "P3")


@dataclass(frozen=True)
class Incident:
    """A security incident opened by the monitor or by hand, with its status and priority."""

    id: int
    opened_at: float
    closed_at: float | None
    status: str
    priority: str
    title: str
    playbook: str
    body: str
    resolution: str
    events: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        """The incident as a JSON-ready dict."""
        return asdict(self)


def open_incident(
    store: Store,
    title: str,
    priority: str,
    *,
    playbook: str = "",
    body: str = "",
    events: Sequence[dict[str, Any]] = (),
) -> int:
    """Record a new open incident with its triggering events; returns its id."""
    if priority not in PRIORITIES:
        raise InputError(f"unknown priority {priority!r} (expected one of: {', '.join(PRIORITIES)})")
    if not title.strip():
        raise InputError("an incident needs a title")
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO monitor_incidents (opened_at, status, priority, title, playbook, body, events) "
            "VALUES (?, 'open', ?, ?, ?, ?, ?)",
            (time.time(), priority, title.strip(), playbook, body, json.dumps(list(events), default=str)),
        )
        return int(cur.lastrowid or 0)


def _incident(row: Any) -> Incident:
    return Incident(
        id=row["id"],
        opened_at=row["opened_at"],
        closed_at=row["closed_at"],
        status=row["status"],
        priority=row["priority"],
        title=row["title"],
        playbook=row["playbook"],
        body=row["body"],
        resolution=row["resolution"],
        events=json.loads(row["events"]),
    )


def list_incidents(store: Store, *, status: str | None = None) -> list[Incident]:
    """Incidents, newest first, optionally only those with this status."""
    if status is None:
        rows = store.connection.execute("SELECT * FROM monitor_incidents ORDER BY id DESC")
    else:
        rows = store.connection.execute(
            "SELECT * FROM monitor_incidents WHERE status = ? ORDER BY id DESC", (status,)
        )
    return [_incident(r) for r in rows]


def get_incident(store: Store, incident_id: int) -> Incident:
    """The incident with this id; raises InputError if there is none."""
    row = store.connection.execute("SELECT * FROM monitor_incidents WHERE id = ?", (incident_id,)).fetchone()
    if row is None:
        raise InputError(f"no incident {incident_id}")
    return _incident(row)


def close_incident(store: Store, incident_id: int, resolution: str) -> Incident:
    """Close an open incident with a resolution; raises InputError if it is already closed."""
    current = get_incident(store, incident_id)
    if current.status == "closed":
        raise InputError(f"incident {incident_id} is already closed")
    if not resolution.strip():
        raise InputError("closing an incident needs a --resolution")
    with store.transaction() as conn:
        conn.execute(
            "UPDATE monitor_incidents SET status = 'closed', closed_at = ?, resolution = ? WHERE id = ?",
            (time.time(), resolution.strip(), incident_id),
        )
    return get_incident(store, incident_id)


def append_events(
    store: Store, incident_id: int, events: Sequence[dict[str, Any]], *, keep: int = 500
) -> int:
    """Add event summaries to an incident (the newest `keep` are kept); returns how many it now lists."""
    row = store.connection.execute(
        "SELECT events FROM monitor_incidents WHERE id = ?", (incident_id,)
    ).fetchone()
    if row is None:
        raise InputError(f"no incident {incident_id}")
    merged = (json.loads(row["events"]) + list(events))[-keep:]
    with store.transaction() as conn:
        conn.execute(
            "UPDATE monitor_incidents SET events = ? WHERE id = ?",
            (json.dumps(merged, default=str), incident_id),
        )
    return len(merged)


def status_of(store: Store, incident_id: int) -> str | None:
    """The incident's status; None if there is no such incident."""
    row = store.connection.execute(
        "SELECT status FROM monitor_incidents WHERE id = ?", (incident_id,)
    ).fetchone()
    return str(row["status"]) if row is not None else None
