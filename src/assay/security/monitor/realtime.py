"""Real-time file watching with watchdog (inotify). When the kernel refuses more watches (ENOSPC) or
the configured watch budget is spent, that subtree falls back to periodic scanning, and says so."""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

QUEUE_SIZE = 100_000  # distinct paths waiting to be looked at


@dataclass
class Fallback:
    """A root that periodic checks cover instead of real-time watching, and why."""

    path: str
    reason: str


@dataclass
class WatchState:
    """What the real-time watcher covers and how many events it has dropped."""

    realtime: list[str] = field(default_factory=list)
    fallbacks: list[Fallback] = field(default_factory=list)
    watches: int = 0
    dropped: int = 0
    overflowed: bool = False  # a rescan is needed because events were dropped


def count_dirs(root: str, limit: int) -> int:
    """Directories under root (inotify needs one watch each), counting stops past `limit`."""
    total = 0
    stack = [root]
    while stack:
        current = stack.pop()
        total += 1
        if total > limit:
            return total
        try:
            with os.scandir(current) as it:
                for entry in it:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                    except OSError:
                        continue
        except OSError:
            continue
    return total


class RealtimeWatcher:
    """Collects changed paths (coalesced, bounded); past the bound a path is dropped, a rescan asked."""

    def __init__(self, roots: Sequence[str], *, max_watches: int, observer: Any = None) -> None:
        self.roots = [os.path.abspath(r) for r in roots]
        self._given_observer = observer  # tests pass one whose schedule() fails like a full kernel
        self.max_watches = max_watches
        self.capacity = QUEUE_SIZE
        self._pending: dict[str, None] = {}
        self.state = WatchState()
        self._observer: Any = None
        self._lock = threading.Lock()

    def _put(self, path: str) -> None:
        # Pending paths are coalesced: a file written a thousand times between two drains is looked
        # at once, so heavy churn costs memory per distinct path, not per kernel event.
        with self._lock:
            if path in self._pending:
                return
            if len(self._pending) >= self.capacity:
                self.state.dropped += 1
                self.state.overflowed = True
                return
            self._pending[path] = None

    def start(self) -> WatchState:
        """Start watching the roots, leaving to periodic checks those that cannot be watched."""
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return  # reads do not change integrity
                watcher._put(os.fsdecode(event.src_path))
                dest = getattr(event, "dest_path", "")
                if dest:
                    watcher._put(os.fsdecode(dest))

        observer = self._given_observer if self._given_observer is not None else Observer()
        observer.start()
        self._observer = observer
        budget = self.max_watches
        for root in self.roots:
            if not os.path.isdir(root):
                self.state.fallbacks.append(Fallback(root, "not a directory: checked periodically"))
                continue
            needed = count_dirs(root, budget)
            if needed > budget:
                self.state.fallbacks.append(
                    Fallback(root, f"needs more than the {self.max_watches} watches allowed (max_watches)")
                )
                continue
            try:
                observer.schedule(Handler(), root, recursive=True)
            except OSError as exc:
                reason = (
                    "the kernel refused more inotify watches (ENOSPC): raise fs.inotify.max_user_watches"
                    if exc.errno == errno.ENOSPC
                    else f"cannot watch: {exc.strerror or exc}"
                )
                self.state.fallbacks.append(Fallback(root, reason))
                try:
                    observer.unschedule_all()
                except Exception:  # the observer may be half set up; start over below
                    log.debug("unschedule after watch failure", exc_info=True)
                self._reschedule(Handler)
                continue
            budget -= needed
            self.state.watches += needed
            self.state.realtime.append(root)
        for fb in self.state.fallbacks:
            log.warning("real-time watching off for %s: %s; periodic scans cover it", fb.path, fb.reason)
        return self.state

    def _reschedule(self, handler: Any) -> None:
        for root in self.state.realtime:
            try:
                self._observer.schedule(handler(), root, recursive=True)
            except OSError as exc:
                self.state.fallbacks.append(Fallback(root, f"cannot watch again: {exc.strerror or exc}"))

    @property
    def alive(self) -> bool:
        """Whether the watcher thread is running."""
        return self._observer is not None and bool(self._observer.is_alive())

    def stop(self) -> None:
        """Stop the watcher thread (waiting up to 3 seconds)."""
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=3)
            self._observer = None

    def drain(self, limit: int = 10_000) -> list[str]:
        """Take up to ``limit`` pending changed paths, oldest first."""
        with self._lock:
            if len(self._pending) <= limit:
                out = list(self._pending)
                self._pending.clear()
                return out
            out = []
            for path in self._pending:
                out.append(path)
                if len(out) >= limit:
                    break
            for path in out:
                del self._pending[path]
            return out
