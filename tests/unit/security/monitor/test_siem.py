"""SIEM formats checked by parsers, and syslog delivered to real receivers on loopback (UDP and TCP)."""

from __future__ import annotations

import json
import re
import socket
import threading
from pathlib import Path

from assay.results import Severity
from assay.security import siem
from assay.security.monitor.events import Event

RFC5424 = re.compile(
    r"^<(?P<pri>\d{1,3})>1 (?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z) "
    r"(?P<host>\S+) (?P<app>\S+) (?P<pid>\d+) "
    r"(?P<msgid>\S+) (?P<sd>\[(?:[^\]\\]|\\.)*\]) (?P<msg>.*)$"
)
CEF = re.compile(
    r"^CEF:0\|((?:[^|\\]|\\.)*)\|((?:[^|\\]|\\.)*)\|((?:[^|\\]|\\.)*)\|((?:[^|\\]|\\.)*)\|"
    r"((?:[^|\\]|\\.)*)\|(\d+)\|(.*)$"
)


def event(**fields: object) -> Event:
    return Event(
        "file",
        "changed",
        Severity.HIGH,
        'a|b=c "quoted" ] path',
        {"file.path": "/etc/pa=ss|wd", "file.hash.sha256": "f" * 64, **fields},
        timestamp=1700000000.25,
    )


def cef_extension(text: str) -> dict[str, str]:
    out = {}
    for match in re.finditer(r"(\w+)=((?:[^=\\]|\\.)*?)(?=\s\w+=|$)", text):
        out[match.group(1)] = re.sub(r"\\(.)", r"\1", match.group(2))
    return out


def test_ecs_json_is_nested_ecs() -> None:
    doc = json.loads(siem.ecs_json(event()))
    assert doc["@timestamp"] == "2023-11-14T22:13:20.250000Z"
    assert doc["event"]["action"] == "changed" and doc["event"]["category"] == "file"
    assert doc["file"]["path"] == "/etc/pa=ss|wd"
    assert doc["file"]["hash"]["sha256"] == "f" * 64
    assert doc["labels"]["priority"] == "P1"


def test_cef_escapes_header_and_extension() -> None:
    line = siem.cef(event())
    match = CEF.match(line)
    assert match, line
    vendor, product, _version, signature, name, severity, ext = match.groups()
    assert (vendor, product, signature, severity) == ("assay", "assay-monitor", "file.changed", "8")
    assert name == 'a\\|b=c "quoted" ] path'
    fields = cef_extension(ext)
    assert fields["filePath"] == "/etc/pa=ss|wd"
    assert fields["act"] == "changed" and fields["cs1"] == "P1"
    assert fields["rt"] == "1700000000250"


def test_rfc5424_fields() -> None:
    line = siem.syslog(event(), hostname="web-1.example.org")
    match = RFC5424.match(line)
    assert match, line
    assert match["pri"] == "83"  # authpriv(10)*8 + err(3)
    assert match["host"] == "web-1" and match["app"] == "assay-monitor" and match["msgid"] == "changed"
    assert 'file_path="/etc/pa=ss|wd"' in match["sd"]
    assert match["msg"] == 'a|b=c "quoted" ] path'


def test_syslog_over_udp_reaches_a_receiver() -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(10)
    sink = siem.SyslogSink("127.0.0.1", receiver.getsockname()[1], "udp", "syslog")
    sink(event())
    data, _ = receiver.recvfrom(65535)
    sink.close()
    receiver.close()
    assert RFC5424.match(data.decode())


def test_syslog_over_tcp_uses_octet_counting() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    received: list[bytes] = []

    def accept() -> None:
        conn, _ = server.accept()
        conn.settimeout(10)
        buf = b""
        while True:
            chunk = conn.recv(65535)
            if not chunk:
                break
            buf += chunk
        received.append(buf)
        conn.close()

    thread = threading.Thread(target=accept)
    thread.start()
    sink = siem.SyslogSink("127.0.0.1", server.getsockname()[1], "tcp", "cef")
    sink(event())
    sink(event(**{"process.pid": 42}))
    sink.close()
    thread.join(10)
    server.close()
    buf = received[0]
    frames = []
    while buf:
        length, _, rest = buf.partition(b" ")
        frames.append(rest[: int(length)])
        buf = rest[int(length) :]
    assert len(frames) == 2
    assert all(CEF.match(f.decode()) for f in frames)


def test_file_sink_appends_lines_0600(tmp_path: Path) -> None:
    sink = siem.FileSink(tmp_path / "out" / "events.jsonl", "ecs")
    sink(event())
    sink(event())
    path = tmp_path / "out" / "events.jsonl"
    assert len(path.read_text().splitlines()) == 2
    assert path.stat().st_mode & 0o777 == 0o600
