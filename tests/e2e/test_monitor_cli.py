"""The monitor as a user runs it: --daemon with a pid file and `status`, --once, the baseline
commands, the watch-limit fallback, a deleted store, and every bad input (exit 2, one line)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from conftest import ASSAY_BIN, listening_url, wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]


def run(root: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ASSAY_BIN), "--repo", str(root), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def quiet_config(root: Path, **extra: Any) -> Path:
    """A monitor config that watches files only (process/network/login watchers off)."""
    cfg = {
        "processes": False,
        "network": False,
        "logins": False,
        "pid_file": str(root / "monitor.pid"),
        "state_file": str(root / "monitor.json"),
        "intel_dir": str(root / "intel"),
        "playbooks_dir": str(REPO_ROOT / "security" / "playbooks"),
        **extra,
    }
    path = root / "monitor.json.cfg.json"
    path.write_text(json.dumps(cfg))
    return path


def monitor_args(cfg: Path, tree: Path, db: str, *flags: str) -> tuple[str, ...]:
    """`security monitor FLAGS` with this config, watched tree and store."""
    return ("security", "monitor", *flags, "--config", str(cfg), "--watch", str(tree), "--store", db)


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


def spawn(root: Path, cfg: Path, tree: Path, db: str) -> tuple[subprocess.Popen[str], str]:
    """The monitor in the foreground on an ephemeral port; returns the process and its base URL."""
    proc = subprocess.Popen(
        [str(ASSAY_BIN), "--repo", str(root), *monitor_args(cfg, tree, db, "--http-port", "0")],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, listening_url(proc, "the monitor")


def wait_gone(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "watched"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "one.txt").write_text("one\n")
    (root / "a" / "b" / "two.txt").write_text("two\n")
    return root


def test_daemon_mode_pid_file_status_and_sigterm(tmp_path: Path, tree: Path) -> None:
    cfg = quiet_config(tmp_path)
    started = run(tmp_path, *monitor_args(cfg, tree, str(tmp_path / "db"), "--daemon", "--http-port", "0"))
    assert started.returncode == 0, started.stderr
    assert "listening on http://127.0.0.1:" in started.stdout
    pid = int((tmp_path / "monitor.pid").read_text())
    try:
        status = run(
            tmp_path,
            "security",
            "status",
            "--config",
            str(cfg),
            "--store",
            str(tmp_path / "db"),
            "--format",
            "json",
        )
        assert status.returncode == 0, status.stderr
        data = json.loads(status.stdout)
        assert data["running"] is True
        assert data["monitor"]["pid"] == pid
        assert data["monitor"]["watches"] == 3
        assert data["baseline"]["files"] == 5
        again = run(tmp_path, *monitor_args(cfg, tree, str(tmp_path / "db"), "--http-port", "0"))
        assert again.returncode == 2
        assert f"a monitor is already running (pid {pid})" in again.stderr
    finally:
        os.kill(pid, signal.SIGTERM)
    assert wait_gone(pid, 5), "the daemon did not stop within 5 s of SIGTERM"
    assert not (tmp_path / "monitor.pid").exists()
    stopped = run(tmp_path, "security", "status", "--config", str(cfg), "--format", "json")
    assert stopped.returncode == 1
    assert json.loads(stopped.stdout)["running"] is False


def test_watch_limit_falls_back_to_periodic_scanning_and_says_so(tmp_path: Path, tree: Path) -> None:
    cfg = quiet_config(tmp_path, max_watches=2, fallback_interval=0.5)
    proc, url = spawn(tmp_path, cfg, tree, str(tmp_path / "db"))
    try:
        status = get(url + "/api/status")
        assert status["realtime"] == []
        assert status["fallbacks"][0]["path"] == str(tree)
        assert "max_watches" in status["fallbacks"][0]["reason"]
        with urllib.request.urlopen(url + "/metrics", timeout=10) as resp:
            assert "security_monitor_fallback_paths 1.0" in resp.read().decode()
        # The fallback scan still sees the change.
        (tree / "a" / "b" / "two.txt").write_text("tampered\n")
        found = wait_for(
            lambda: [
                e for e in get(url + "/api/events?limit=50") if e.get("file.path", "").endswith("two.txt")
            ],
            20,
            "the fallback scan to report two.txt",
            0.2,
        )
        assert found[0]["event.action"] == "changed"
        # The store deleted while running: the daemon keeps going and recreates it for incidents.
        (tmp_path / "db").unlink()
        (tree / "a" / "one.txt").write_text("tampered too\n")
        wait_for((tmp_path / "db").exists, 20, "the store to be recreated", 0.2)
        assert get(url + "/api/status")["up"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    assert proc.returncode == 0
    assert "real-time watching off for" in (proc.stderr.read() if proc.stderr else "")


def test_once_reports_changes_and_exits_1(tmp_path: Path, tree: Path) -> None:
    cfg = quiet_config(tmp_path)
    once = monitor_args(cfg, tree, str(tmp_path / "db"), "--once", "--format", "json")
    first = run(tmp_path, *once)
    assert first.returncode == 0, first.stderr
    (tree / "a" / "one.txt").write_text("changed\n")
    second = run(tmp_path, *once)
    assert second.returncode == 1
    data = json.loads(second.stdout)
    assert data["schema"] == "assay.security-monitor/1"
    assert [e["event.action"] for e in data["events"]] == ["changed"]
    assert "1 event(s)" in second.stderr


def test_baseline_init_check_update(tmp_path: Path, tree: Path) -> None:
    db = str(tmp_path / "db")
    init = run(
        tmp_path, "security", "baseline", "init", "--watch", str(tree), "--store", db, "--format", "json"
    )
    assert init.returncode == 0, init.stderr
    again = run(tmp_path, "security", "baseline", "init", "--watch", str(tree), "--store", db)
    assert again.returncode == 2 and "a baseline exists already" in again.stderr
    (tree / "a" / "one.txt").chmod(0o600)
    (tree / "a" / "b" / "two.txt").unlink()
    (tree / "a" / "link").symlink_to("one.txt")
    check = run(tmp_path, "security", "baseline", "check", "--store", db, "--format", "json")
    assert check.returncode == 1
    events = {e["file.path"]: e for e in json.loads(check.stdout)["events"]}
    assert events[str(tree / "a" / "one.txt")]["event.action"] == "attributes_changed"
    assert events[str(tree / "a" / "one.txt")]["assay.old.mode"] == "0o644"
    assert events[str(tree / "a" / "b" / "two.txt")]["event.action"] == "removed"
    assert events[str(tree / "a" / "link")]["event.action"] == "added"
    update = run(tmp_path, "security", "baseline", "update", "--store", db, "--format", "json")
    assert update.returncode == 0, update.stderr
    assert "accepted:" in update.stderr
    clean = run(tmp_path, "security", "baseline", "check", "--store", db, "--rehash", "--format", "json")
    assert clean.returncode == 0, clean.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["security", "monitor", "--watch", "/nonexistent/dir", "--once"],
            "/nonexistent/dir: not a directory",
        ),
        (["security", "baseline", "check"], "no baseline yet"),
        (["security", "baseline", "init"], "no directories to baseline"),
        (["security", "quarantine", "restore", "42"], "no recorded response action 42"),
        (["incident", "show", "7"], "no incident 7"),
        (["incident", "close", "7", "--resolution", "x"], "no incident 7"),
        (["security", "intel", "update"], "no intel source"),
        (
            ["security", "monitor", "--watch", ".", "--http-host", "0.0.0.0", "--http-port", "0"],
            "refusing to listen on non-loopback address 0.0.0.0 without a token",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(tmp_path, "--store", str(tmp_path / "db"), *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_config_names_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.json"
    cfg.write_text(json.dumps({"interval": -5, "watch": [str(tmp_path)]}))
    result = run(
        tmp_path, "security", "monitor", "--once", "--config", str(cfg), "--store", str(tmp_path / "db")
    )
    assert result.returncode == 2
    assert "security.monitor.interval" in result.stderr
    assert not (tmp_path / "db").exists()
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = run(tmp_path, "security", "monitor", "--once", "--config", str(broken))
    assert result.returncode == 2 and "malformed JSON" in result.stderr


def test_malformed_intel_reports_lines_and_loads_the_rest(tmp_path: Path) -> None:
    source = tmp_path / "feed.txt"
    source.write_text("# feed\n198.51.100.7\nnot an indicator!\n10.0.0.0/8\n")
    result = run(tmp_path, "security", "intel", "update", "--from", str(source), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert f"{source}:3: not an IP, CIDR, domain, URL or sha256" in result.stderr
    data = json.loads(result.stdout)
    assert data["installed"][0]["indicators"]["ip"] == 1
    assert data["installed"][0]["indicators"]["cidr"] == 1
    empty = tmp_path / "empty.txt"
    empty.write_text("garbage line\n")
    bad = run(tmp_path, "security", "intel", "update", "--from", str(empty))
    assert bad.returncode == 2 and "nothing installed" in bad.stderr
    assert sorted(p.name for p in (tmp_path / ".assay" / "intel").iterdir()) == ["feed.txt"]


def test_quarantine_and_restore(tmp_path: Path) -> None:
    victim = tmp_path / "dropper.sh"
    victim.write_text("#!/bin/sh\n")
    victim.chmod(0o751)
    mtime = victim.stat().st_mtime_ns
    db = str(tmp_path / "db")
    moved = run(tmp_path, "security", "quarantine", "add", str(victim), "--store", db)
    assert moved.returncode == 0, moved.stderr
    assert not victim.exists()
    qdir = tmp_path / ".assay" / "quarantine"
    assert qdir.stat().st_mode & 0o777 == 0o700
    listed = json.loads(
        run(tmp_path, "security", "quarantine", "list", "--store", db, "--format", "json").stdout
    )
    ident = listed["actions"][0]["id"]
    assert listed["actions"][0]["target"] == str(victim)
    restored = run(tmp_path, "security", "quarantine", "restore", str(ident), "--store", db)
    assert restored.returncode == 0, restored.stderr
    assert victim.read_text() == "#!/bin/sh\n"
    assert victim.stat().st_mode & 0o7777 == 0o751
    assert victim.stat().st_mtime_ns == mtime
    twice = run(tmp_path, "security", "quarantine", "restore", str(ident), "--store", db)
    assert twice.returncode == 2 and "already restored" in twice.stderr


def test_incident_lifecycle(tmp_path: Path) -> None:
    db = str(tmp_path / "db")
    opened = run(
        tmp_path, "incident", "open", "--title", "web shell found", "--priority", "P1", "--store", db
    )
    assert opened.returncode == 0, opened.stderr
    listed = json.loads(run(tmp_path, "incident", "list", "--store", db, "--format", "json").stdout)
    ident = listed["incidents"][0]["id"]
    assert listed["incidents"][0]["status"] == "open"
    closed = run(
        tmp_path, "incident", "close", str(ident), "--resolution", "removed, keys rotated", "--store", db
    )
    assert closed.returncode == 0
    shown = run(tmp_path, "incident", "show", str(ident), "--store", db)
    assert "# P1: web shell found" in shown.stdout and "closed (removed, keys rotated)" in shown.stdout
    bad = run(tmp_path, "incident", "open", "--title", "x", "--priority", "P9", "--store", db)
    assert bad.returncode == 2


def test_automated_quarantine_from_a_playbook_and_restore(tmp_path: Path, tree: Path) -> None:
    books = tmp_path / "playbooks"
    books.mkdir()
    (books / "drop-zone.yaml").write_text(
        "id: drop-zone\ntitle: File dropped into a watched directory\nevent_types: [file]\n"
        "event_actions: [added]\nseverity: high\nautomated: true\nactions: [quarantine]\n"
        "steps: [Inspect the quarantined file]\n"
    )
    cfg = quiet_config(tmp_path, playbooks_dir=str(books))
    db = str(tmp_path / "db")
    proc, url = spawn(tmp_path, cfg, tree, db)
    dropped = tree / "a" / "payload.bin"
    try:
        dropped.write_bytes(b"\x7fELF evil")
        wait_for(lambda: not dropped.exists(), 20, "the playbook to quarantine the dropped file", 0.1)
        events = get(url + "/api/events?limit=20")
        added = [e for e in events if e.get("file.path") == str(dropped)]
        assert added and added[0]["rule.name"] == "drop-zone" and added[0]["labels.priority"] == "P1"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    listed = json.loads(
        run(tmp_path, "security", "quarantine", "list", "--store", db, "--format", "json").stdout
    )
    action = listed["actions"][0]
    assert action["action"] == "quarantine" and action["target"] == str(dropped)
    restored = run(tmp_path, "security", "quarantine", "restore", str(action["id"]), "--store", db)
    assert restored.returncode == 0, restored.stderr
    assert dropped.read_bytes() == b"\x7fELF evil"
    shown = run(tmp_path, "incident", "list", "--store", db, "--format", "json")
    assert json.loads(shown.stdout)["incidents"][0]["playbook"] == "drop-zone"
