"""The one security event type (ECS field names), its P0-P3 priority, and the in-memory event log
with de-duplication, auto-ignore of paths that change too often, and counters for the metrics."""

from __future__ import annotations

import collections
import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assay.results import Severity

log = logging.getLogger(__name__)

PRIORITY = {
    Severity.CRITICAL: "P0",
    Severity.HIGH: "P1",
    Severity.MEDIUM: "P2",
    Severity.LOW: "P3",
    Severity.INFO: "P3",
}
# ECS event.severity is a number; syslog severities are 0 (emergency) .. 7 (debug).
ECS_SEVERITY = {
    Severity.CRITICAL: 90,
    Severity.HIGH: 70,
    Severity.MEDIUM: 50,
    Severity.LOW: 30,
    Severity.INFO: 10,
}
SYSLOG_SEVERITY = {
    Severity.CRITICAL: 2,
    Severity.HIGH: 3,
    Severity.MEDIUM: 4,
    Severity.LOW: 5,
    Severity.INFO: 6,
}
CEF_SEVERITY = {
    Severity.CRITICAL: 10,
    Severity.HIGH: 8,
    Severity.MEDIUM: 5,
    Severity.LOW: 3,
    Severity.INFO: 1,
}
ECS_CATEGORY = {
    "file": "file",
    "process": "process",
    "network": "network",
    "authentication": "authentication",
    "monitor": "configuration",
}


_KEY_FIELDS = (
    "file.path",
    "process.pid",
    "process.executable",
    "source.ip",
    "source.port",
    "destination.ip",
    "destination.port",
)


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Event:
    """One thing the monitor saw. `type` is the area (file, process, network, authentication, monitor);
    `action` the ECS event.action (added, removed, changed, attributes_changed, ...)."""

    type: str
    action: str
    severity: Severity
    message: str
    fields: Mapping[str, Any] = field(default_factory=dict)  # ECS dotted names: file.path, process.pid
    timestamp: float = field(default_factory=time.time)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    count: int = 1

    @property
    def priority(self) -> str:
        return PRIORITY[self.severity]

    def key(self) -> str:
        """Identity for de-duplication: the same action on the same subject."""
        subject = "|".join(str(self.fields.get(k, "")) for k in _KEY_FIELDS)
        if not subject.strip("|"):
            subject = self.message
        return f"{self.type}|{self.action}|{subject}"

    def to_ecs(self) -> dict[str, Any]:
        """Flat ECS document (dotted keys, as the HTTP API and `--format json` show them)."""
        doc: dict[str, Any] = {
            "@timestamp": iso(self.timestamp),
            "event.id": self.id,
            "event.kind": "alert" if self.severity >= Severity.MEDIUM else "event",
            "event.category": ECS_CATEGORY.get(self.type, self.type),
            "event.module": "assay",
            "event.dataset": f"assay.{self.type}",
            "event.action": self.action,
            "event.severity": ECS_SEVERITY[self.severity],
            "event.count": self.count,
            "log.level": self.severity.value,
            "labels.priority": self.priority,
            "labels.type": self.type,
            "message": self.message,
            "observer.vendor": "assay",
            "observer.product": "assay-monitor",
        }
        doc.update(self.fields)
        return doc


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted ECS keys as nested objects (what Elasticsearch stores); `@timestamp` stays on top."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        parts = key.split(".") if not key.startswith("@") else [key]
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):  # a scalar and an object under one name: keep the scalar
                break
            node = child
        else:
            node[parts[-1]] = value
    return out


Listener = Callable[[Event], None]
PRUNE_EVERY = 1024  # emits between two prunes of the de-duplication and rate state


class EventLog:
    """Thread-safe: de-duplicates, auto-ignores noisy paths, keeps the newest events, counts them,
    and hands each accepted event to the listeners (the SIEM sinks)."""

    def __init__(
        self, *, capacity: int = 2000, dedup_seconds: float = 60.0, per_hour_limit: int = 10
    ) -> None:
        self._lock = threading.Lock()
        self._events: collections.deque[Event] = collections.deque(maxlen=capacity)
        self.dedup_seconds = dedup_seconds
        self.per_hour_limit = per_hour_limit
        self._last_seen: dict[str, tuple[float, int]] = {}
        self._path_changes: dict[str, collections.deque[float]] = {}
        self.auto_ignored: dict[str, float] = {}
        self.counts: collections.Counter[tuple[str, str]] = collections.Counter()
        self.violations: collections.Counter[str] = collections.Counter()
        self.iocs = 0
        self.deduplicated = 0
        self.dropped = 0
        self.listeners: list[Listener] = []
        self._emits = 0

    def emit(self, event: Event) -> Event | None:
        """Accept an event; returns it, or None when it was merged into a recent one or ignored."""
        now = event.timestamp
        path = event.fields.get("file.path") if event.type == "file" else None
        notice: Event | None = None
        with self._lock:
            self._emits += 1
            if self._emits % PRUNE_EVERY == 0:
                self._prune(now)
            if path is not None:
                if path in self.auto_ignored:
                    self.dropped += 1
                    return None
                if self.per_hour_limit:
                    stamps = self._path_changes.setdefault(path, collections.deque())
                    stamps.append(now)
                    while stamps and stamps[0] < now - 3600:
                        stamps.popleft()
                    if len(stamps) > self.per_hour_limit:
                        del self._path_changes[path]
                        self.auto_ignored[path] = now
                        self.dropped += 1
                        notice = Event(
                            "monitor",
                            "auto_ignored",
                            Severity.LOW,
                            f"{path} changed more than {self.per_hour_limit} times in an hour: "
                            "auto-ignored until the monitor restarts",
                            {"file.path": path},
                            timestamp=now,
                        )
            if notice is None:
                key = event.key()
                last = self._last_seen.get(key)
                if last is not None and now - last[0] < self.dedup_seconds:
                    self._last_seen[key] = (last[0], last[1] + 1)
                    self.deduplicated += 1
                    return None
                self._last_seen[key] = (now, 1)
            accepted = notice or event
            self._events.append(accepted)
            self.counts[(accepted.type, accepted.severity.value)] += 1
            if accepted.type == "file" and accepted is event:
                self.violations[accepted.action] += 1
            if accepted.fields.get("threat.indicator.type"):
                self.iocs += 1
        for listener in list(self.listeners):
            try:
                listener(accepted)
            except Exception:  # a broken sink must not stop monitoring
                log.exception("event listener failed")
        return accepted

    def _prune(self, now: float) -> None:
        """Forget state older than its window, so memory follows recent activity, not history."""
        self._last_seen = {k: v for k, v in self._last_seen.items() if now - v[0] < self.dedup_seconds}
        self._path_changes = {p: d for p, d in self._path_changes.items() if d and d[-1] >= now - 3600}

    def recent(self, limit: int | None = None) -> list[Event]:
        with self._lock:
            events = list(self._events)
        events.reverse()
        return events if limit is None else events[:limit]
