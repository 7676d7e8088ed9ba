"""SIEM export of monitor events: ECS JSON lines, CEF, and RFC 5424 syslog, to a file or a syslog
receiver over UDP or TCP (octet-counted frames, RFC 6587)."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assay import version
from assay.config import resolve_path
from assay.security.monitor.events import CEF_SEVERITY, SYSLOG_SEVERITY, Event, iso, nest

log = logging.getLogger(__name__)

FACILITY_AUTHPRIV = 10  # RFC 5424: security/authorization messages
SD_ID = "assay@32473"  # 32473 is the private enterprise number RFC 5612 reserves for examples
Formatter = Callable[[Event], str]


def ecs_json(event: Event) -> str:
    """One ECS document per line, nested as Elasticsearch stores it."""
    return json.dumps(nest(event.to_ecs()), sort_keys=True, default=str)


def _cef_header(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _cef_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace("=", "\\=").replace("\r", "\\r").replace("\n", "\\n")


# ECS field -> CEF extension key (ArcSight dictionary names).
_CEF_KEYS = {
    "file.path": "filePath",
    "file.hash.sha256": "fileHash",
    "process.pid": "spid",
    "process.executable": "sproc",
    "process.name": "sproc",
    "source.ip": "src",
    "source.port": "spt",
    "destination.ip": "dst",
    "destination.port": "dpt",
    "user.name": "suser",
}


def cef(event: Event) -> str:
    """CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension."""
    ext: dict[str, str] = {
        "rt": str(int(event.timestamp * 1000)),
        "act": event.action,
        "cat": event.type,
        "externalId": event.id,
        "cs1Label": "priority",
        "cs1": event.priority,
    }
    for key, name in _CEF_KEYS.items():
        value = event.fields.get(key)
        if value is not None and name not in ext:
            ext[name] = str(value)
    ext["msg"] = event.message
    header = "|".join(
        _cef_header(x)
        for x in (
            "CEF:0",
            "assay",
            "assay-monitor",
            version(),
            f"{event.type}.{event.action}",
            event.message[:128],
        )
    )
    extension = " ".join(f"{k}={_cef_value(v)}" for k, v in ext.items())
    return f"{header}|{CEF_SEVERITY[event.severity]}|{extension}"


def _sd_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def syslog(event: Event, hostname: str | None = None) -> str:
    """RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG."""
    pri = FACILITY_AUTHPRIV * 8 + SYSLOG_SEVERITY[event.severity]
    host = (hostname or socket.gethostname() or "-").split(".")[0][:255] or "-"
    params = {"type": event.type, "action": event.action, "priority": event.priority, "id": event.id}
    for key in ("file.path", "process.pid", "source.ip", "destination.ip", "destination.port"):
        if key in event.fields:
            params[key.replace(".", "_")] = str(event.fields[key])
    sd = f"[{SD_ID} " + " ".join(f'{k}="{_sd_value(v)}"' for k, v in params.items()) + "]"
    msgid = event.action[:32] or "-"
    return f"<{pri}>1 {iso(event.timestamp)} {host} assay-monitor {os.getpid()} {msgid} {sd} {event.message}"


FORMATS: dict[str, Formatter] = {"ecs": ecs_json, "cef": cef, "syslog": syslog}


class FileSink:
    """Appends one line per event to a file (created 0600)."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.format = FORMATS[fmt]
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, event: Event) -> None:
        line = self.format(event).replace("\n", " ") + "\n"
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode("utf-8", "backslashreplace"))
            finally:
                os.close(fd)

    def describe(self) -> str:
        return f"file:{self.path}"


class SyslogSink:
    """Sends each event to a syslog receiver: one datagram (UDP) or an octet-counted frame (TCP)."""

    def __init__(self, host: str, port: int, protocol: str, fmt: str) -> None:
        self.host, self.port, self.protocol = host, port, protocol
        self.format = FORMATS[fmt]
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None

    def _connect(self) -> socket.socket:
        if self._sock is None:
            if self.protocol == "tcp":
                self._sock = socket.create_connection((self.host, self.port), timeout=5)
            else:
                self._sock = socket.socket(
                    socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_DGRAM
                )
        return self._sock

    def __call__(self, event: Event) -> None:
        payload = self.format(event).encode("utf-8", "backslashreplace")
        with self._lock:
            for attempt in (1, 2):
                try:
                    sock = self._connect()
                    if self.protocol == "tcp":
                        sock.sendall(str(len(payload)).encode() + b" " + payload)
                    else:
                        sock.sendto(payload[:65000], (self.host, self.port))
                    return
                except OSError as exc:
                    self.close()
                    if attempt == 2:
                        log.warning("syslog %s:%s unreachable: %s", self.host, self.port, exc)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def describe(self) -> str:
        return f"{self.protocol}://{self.host}:{self.port}"


def make_sink(spec: Any, root: Path) -> FileSink | SyslogSink:
    """A sink from a SiemSink config entry."""
    if spec.path:
        return FileSink(resolve_path(root, spec.path), spec.format)
    if spec.host:
        return SyslogSink(spec.host, spec.port, spec.protocol, spec.format)
    raise ValueError("a SIEM output needs a path or a host")
