"""Process and network watchers (psutil polling). Polling misses processes that live shorter than
one poll interval; the docs say so."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Sequence
from typing import Any

import psutil

from assay.results import Severity
from assay.security.intel import Indicators
from assay.security.monitor.events import Event
from assay.security.monitor.fim import hash_file

log = logging.getLogger(__name__)

WORLD_WRITABLE_DIRS = ("/tmp/", "/dev/shm/", "/var/tmp/")  # noqa: S108 - the paths we look for
ProcKey = tuple[int, float]


def _world_writable_dir(exe: str) -> bool:
    if exe.startswith(WORLD_WRITABLE_DIRS):
        return True
    try:
        mode = os.stat(os.path.dirname(exe)).st_mode
    except OSError:
        return False
    return bool(mode & stat.S_IWOTH) and not bool(mode & stat.S_ISVTX)


class ProcessWatcher:
    def __init__(
        self,
        intel: Callable[[], Indicators],
        *,
        report_new: bool = False,
        root_allow: Sequence[str] | None = None,
    ) -> None:
        self.intel = intel
        self.report_new = report_new
        self.root_allow = set(root_allow) if root_allow is not None else None
        self.known: set[ProcKey] = set()
        self._hashes: dict[tuple[str, int, int], str | None] = {}
        self.primed = False
        self.own_pid = os.getpid()

    def poll(self) -> list[Event]:
        events: list[Event] = []
        seen: set[ProcKey] = set()
        for proc in psutil.process_iter(["pid", "name", "exe", "username", "create_time", "cmdline", "uids"]):
            info: dict[str, Any] = proc.info
            key = (int(info["pid"]), float(info.get("create_time") or 0.0))
            seen.add(key)
            if key in self.known:
                continue
            if info["pid"] == self.own_pid:
                continue
            events.extend(self._inspect(proc, info, new=self.primed))
        self.known = seen
        self.primed = True
        return events

    def _inspect(self, proc: psutil.Process, info: dict[str, Any], *, new: bool) -> list[Event]:
        events = []
        exe = info.get("exe") or ""
        name = info.get("name") or ""
        fields: dict[str, Any] = {
            "process.pid": info["pid"],
            "process.name": name,
            "process.executable": exe,
            "process.command_line": " ".join(info.get("cmdline") or [])[:1000],
            "user.name": info.get("username") or "",
        }
        if new and self.report_new:
            events.append(
                Event(
                    "process", "process_started", Severity.INFO, f"new process {info['pid']} {name}", fields
                )
            )
        if not exe:
            return events  # kernel threads, or a process we may not inspect
        if exe.startswith("/memfd:"):
            events.append(
                Event(
                    "process",
                    "fileless_executable",
                    Severity.MEDIUM,
                    f"process {info['pid']} ({name}) runs from an anonymous memory file {exe}",
                    fields,
                )
            )
        elif exe.endswith(" (deleted)") or not os.path.exists(exe):
            events.append(
                Event(
                    "process",
                    "executable_deleted",
                    Severity.HIGH,
                    f"process {info['pid']} ({name}) runs a deleted executable {exe}",
                    fields,
                )
            )
        elif _world_writable_dir(exe):
            events.append(
                Event(
                    "process",
                    "world_writable_executable",
                    Severity.HIGH,
                    f"process {info['pid']} ({name}) runs from a world-writable directory: {exe}",
                    fields,
                )
            )
        indicators = self.intel()
        if indicators.sha256:
            digest = self._hash(info["pid"], exe)
            if indicators.match_sha256(digest):
                events.append(
                    Event(
                        "process",
                        "malicious_executable",
                        Severity.CRITICAL,
                        f"process {info['pid']} ({name}) executable matches threat intelligence: {digest}",
                        {
                            **fields,
                            "process.hash.sha256": digest,
                            "threat.indicator.type": "file",
                            "threat.indicator.file.hash.sha256": digest,
                        },
                    )
                )
        uids = info.get("uids")
        if (
            self.root_allow is not None
            and uids is not None
            and uids.effective == 0
            and name not in self.root_allow
        ):
            events.append(
                Event(
                    "process",
                    "unexpected_root_process",
                    Severity.MEDIUM,
                    f"process {info['pid']} ({name}) runs as root and is not on the allow list",
                    fields,
                )
            )
        return events

    def _hash(self, pid: int, exe: str) -> str | None:
        # /proc/PID/exe reads the running image even when the file was replaced or deleted.
        path = f"/proc/{pid}/exe"
        try:
            st = os.stat(path)
        except OSError:
            return None
        key = (exe, st.st_ino, st.st_mtime_ns)
        if key not in self._hashes:
            try:
                self._hashes[key] = hash_file(path, follow=True)
            except OSError:
                self._hashes[key] = None
        return self._hashes[key]


Listener = tuple[str, int, str]


class NetworkWatcher:
    """New listening sockets (against the start-up set and an allow list) and connections to listed IPs."""

    def __init__(self, intel: Callable[[], Indicators], *, allowed_ports: Sequence[int] = ()) -> None:
        self.intel = intel
        self.allowed_ports = set(allowed_ports)
        self.listeners: set[Listener] | None = None
        self.reported: set[tuple[str, int, int]] = set()

    def poll(self) -> list[Event]:
        try:
            conns = psutil.net_connections(kind="inet")
        except (psutil.AccessDenied, OSError) as exc:
            log.warning("cannot list connections: %s", exc)
            return []
        events: list[Event] = []
        listening: set[Listener] = set()
        pids: dict[Listener, int | None] = {}
        indicators = self.intel()
        for c in conns:
            if not c.laddr:
                continue
            proto = "tcp" if c.type == 1 else "udp"
            if c.status == psutil.CONN_LISTEN or (proto == "udp" and not c.raddr):
                key = (c.laddr.ip, c.laddr.port, proto)
                listening.add(key)
                pids[key] = c.pid
                continue
            if c.raddr and (indicators.ips or indicators.cidrs) and indicators.match_ip(c.raddr.ip):
                ident = (c.raddr.ip, c.raddr.port, c.pid or 0)
                if ident in self.reported:
                    continue
                self.reported.add(ident)
                events.append(
                    Event(
                        "network",
                        "connection_to_listed_ip",
                        Severity.CRITICAL,
                        f"connection to threat-intel address {c.raddr.ip}:{c.raddr.port} (pid {c.pid})",
                        {
                            "destination.ip": c.raddr.ip,
                            "destination.port": c.raddr.port,
                            "source.ip": c.laddr.ip,
                            "source.port": c.laddr.port,
                            "process.pid": c.pid,
                            "network.transport": proto,
                            "threat.indicator.type": "ipv4-addr",
                            "threat.indicator.ip": c.raddr.ip,
                        },
                    )
                )
        if self.listeners is not None:
            for key in sorted(listening - self.listeners):
                ip, port, proto = key
                if port in self.allowed_ports:
                    continue
                events.append(
                    Event(
                        "network",
                        "listener_added",
                        Severity.MEDIUM,
                        f"new listening socket {proto} {ip}:{port} (pid {pids.get(key)})",
                        {
                            "source.ip": ip,
                            "source.port": port,
                            "network.transport": proto,
                            "process.pid": pids.get(key),
                        },
                    )
                )
        self.listeners = listening
        return events
