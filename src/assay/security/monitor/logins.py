"""Failed logins from auth logs (sshd, sudo, PAM lines): counts per source and brute-force bursts.

Files are followed by offset; a rotated or truncated file is read again from its start.
"""

from __future__ import annotations

import collections
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from assay.results import Severity
from assay.security.monitor.events import Event

PATTERNS = (
    re.compile(
        r"sshd\[\d+\]: Failed (?:password|publickey|keyboard-interactive/pam) for "
        r"(?:invalid user )?(?P<user>\S+) from (?P<ip>[0-9a-fA-F.:]+)"
    ),
    re.compile(r"sshd\[\d+\]: Invalid user (?P<user>\S*) from (?P<ip>[0-9a-fA-F.:]+)"),
    re.compile(r"authentication failure;.*?rhost=(?P<ip>[0-9a-fA-F.:]+)?(?:\s+user=(?P<user>\S+))?"),
    re.compile(r"sudo(?:\[\d+\])?:\s+(?P<user>\S+) : (?:\d+ )?incorrect password attempts?"),
)
MAX_READ = 16 * 1024 * 1024


@dataclass
class _Cursor:
    inode: int
    offset: int


class LoginWatcher:
    def __init__(
        self, paths: Sequence[str], *, threshold: int, window: float, from_start: bool = False
    ) -> None:
        self.paths = list(paths)
        self.threshold = threshold
        self.window = window
        self.from_start = from_start
        self._cursors: dict[str, _Cursor] = {}
        self.failures: collections.Counter[str] = collections.Counter()
        self._recent: dict[str, collections.deque[float]] = {}
        self.bursting: set[str] = set()

    def _read_new(self, path: str) -> list[str]:
        try:
            st = os.stat(path)
        except OSError:
            return []
        cursor = self._cursors.get(path)
        if cursor is None:
            start = 0 if self.from_start else st.st_size
            cursor = self._cursors[path] = _Cursor(st.st_ino, start)
        if cursor.inode != st.st_ino or st.st_size < cursor.offset:
            cursor.inode, cursor.offset = st.st_ino, 0  # rotated or truncated
        if st.st_size == cursor.offset:
            return []
        try:
            with open(path, "rb") as fh:
                fh.seek(cursor.offset)
                data = fh.read(MAX_READ)
        except OSError:
            return []
        end = data.rfind(b"\n")
        if end < 0:
            return []  # wait for the rest of the line
        cursor.offset += end + 1
        return data[: end + 1].decode("utf-8", "replace").splitlines()

    def poll(self, now: float | None = None) -> list[Event]:
        now = now or time.time()
        events: list[Event] = []
        for path in self.paths:
            for line in self._read_new(path):
                source, user = parse_failure(line)
                if source is None:
                    continue
                self.failures[source] += 1
                stamps = self._recent.setdefault(source, collections.deque())
                stamps.append(now)
                while stamps and stamps[0] < now - self.window:
                    stamps.popleft()
                if len(stamps) >= self.threshold and source not in self.bursting:
                    self.bursting.add(source)
                    fields = {
                        "source.ip": source,
                        "user.name": user or "",
                        "log.file.path": path,
                        "event.outcome": "failure",
                    }
                    events.append(
                        Event(
                            "authentication",
                            "brute_force",
                            Severity.HIGH,
                            f"{len(stamps)} failed logins from {source} within {int(self.window)} s "
                            f"(threshold {self.threshold})",
                            fields,
                        )
                    )
        for source in list(self.bursting):
            stamps = self._recent.get(source, collections.deque())
            while stamps and stamps[0] < now - self.window:
                stamps.popleft()
            if len(stamps) < self.threshold:
                self.bursting.discard(source)
        return events


def parse_failure(line: str) -> tuple[str | None, str | None]:
    """(source, user) of a failed-authentication line; source is the remote IP or `local`."""
    for pattern in PATTERNS:
        match = pattern.search(line)
        if match:
            groups = match.groupdict()
            return groups.get("ip") or "local", groups.get("user")
    return None, None
