"""Real-time watching and its fallbacks, the event log's de-duplication and auto-ignore, auth-log
parsing and bursts, playbook matching, and the protected targets of automated response."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from assay.errors import ConfigError, InputError
from assay.results import Severity
from assay.security import incidents, playbooks, response
from assay.security.monitor.events import Event, EventLog, nest
from assay.security.monitor.logins import LoginWatcher, parse_failure
from assay.security.monitor.realtime import RealtimeWatcher
from assay.security.monitor.schema import open_store

REPO_ROOT = Path(__file__).resolve().parents[4]


def file_event(path: str, action: str = "changed", ts: float | None = None) -> Event:
    return Event(
        "file", action, Severity.HIGH, f"{path}: {action}", {"file.path": path}, timestamp=ts or time.time()
    )


def test_realtime_watcher_sees_writes(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    watcher = RealtimeWatcher([str(tmp_path)], max_watches=100)
    state = watcher.start()
    try:
        assert state.realtime == [str(tmp_path)] and state.watches == 2
        (tmp_path / "sub" / "f").write_text("x")
        deadline = time.monotonic() + 10
        seen: list[str] = []
        while time.monotonic() < deadline and str(tmp_path / "sub" / "f") not in seen:
            seen += watcher.drain()
            time.sleep(0.05)
        assert str(tmp_path / "sub" / "f") in seen
    finally:
        watcher.stop()


class _FullKernel:
    """An observer whose schedule() fails as inotify_add_watch does when max_user_watches is spent."""

    def start(self) -> None:
        pass

    def schedule(self, *_args: Any, **_kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "inotify watch limit reached")

    def unschedule_all(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def join(self, timeout: float) -> None:
        pass

    def is_alive(self) -> bool:
        return True


def test_enospc_falls_back_and_says_why(tmp_path: Path) -> None:
    watcher = RealtimeWatcher([str(tmp_path)], max_watches=100, observer=_FullKernel())
    state = watcher.start()
    assert state.realtime == [] and state.watches == 0
    assert state.fallbacks[0].path == str(tmp_path)
    assert "ENOSPC" in state.fallbacks[0].reason and "max_user_watches" in state.fallbacks[0].reason


def test_pending_paths_coalesce_and_overflow_asks_for_a_rescan(tmp_path: Path) -> None:
    watcher = RealtimeWatcher([str(tmp_path)], max_watches=10)
    watcher.capacity = 2
    for _ in range(100):
        watcher._put("/x/same")  # a hot file is one pending path, never a drop
    assert watcher.state.dropped == 0
    for n in range(4):
        watcher._put(f"/x/{n}")
    assert watcher.state.dropped == 3 and watcher.state.overflowed
    assert watcher.drain() == ["/x/same", "/x/0"]


def test_dedup_merges_repeats_within_the_window() -> None:
    log = EventLog(dedup_seconds=60, per_hour_limit=0)
    t = 1000.0
    assert log.emit(file_event("/a", ts=t)) is not None
    assert log.emit(file_event("/a", ts=t + 10)) is None
    assert log.emit(file_event("/a", "removed", ts=t + 11)) is not None
    assert log.emit(file_event("/a", ts=t + 61)) is not None
    assert log.deduplicated == 1 and len(log.recent()) == 3


def test_noisy_path_is_auto_ignored_and_reported() -> None:
    log = EventLog(dedup_seconds=0, per_hour_limit=3)
    accepted = [log.emit(file_event("/var/app/cache", ts=1000.0 + n)) for n in range(6)]
    assert [a.action if a else None for a in accepted] == ["changed"] * 3 + ["auto_ignored", None, None]
    assert "/var/app/cache" in log.auto_ignored
    assert log.dropped == 3
    assert log.emit(file_event("/other", ts=1010.0)) is not None


def test_newest_first_and_nesting() -> None:
    log = EventLog(dedup_seconds=0)
    for n in range(3):
        log.emit(file_event(f"/f{n}", ts=1000.0 + n))
    assert [e.fields["file.path"] for e in log.recent(2)] == ["/f2", "/f1"]
    assert nest({"@timestamp": "t", "file.path": "/x", "file.hash.sha256": "h"}) == {
        "@timestamp": "t",
        "file": {"path": "/x", "hash": {"sha256": "h"}},
    }


@pytest.mark.parametrize(
    ("line", "source", "user"),
    [
        (
            "Nov 23 10:00:01 h sshd[12]: Failed password for root from 203.0.113.4 port 22 ssh2",
            "203.0.113.4",
            "root",
        ),
        (
            "Nov 23 10:00:01 h sshd[12]: Failed password for invalid user bob from 2001:db8::1 port 2 ssh2",
            "2001:db8::1",
            "bob",
        ),
        ("Nov 23 10:00:01 h sshd[12]: Invalid user admin from 198.51.100.2 port 4", "198.51.100.2", "admin"),
        (
            "Nov 23 h sudo: pam_unix(sudo:auth): authentication failure; logname=a uid=1000 euid=0 "
            "tty=/dev/pts/0 ruser=a rhost=  user=a",
            "local",
            None,
        ),
        (
            "Nov 23 h sudo:    alice : 3 incorrect password attempts ; TTY=pts/0 ; COMMAND=/bin/ls",
            "local",
            "alice",
        ),
        ("Nov 23 10:00:01 h sshd[12]: Accepted publickey for deploy from 10.0.0.5 port 22 ssh2", None, None),
    ],
)
def test_auth_log_lines(line: str, source: str | None, user: str | None) -> None:
    got_source, got_user = parse_failure(line)
    assert got_source == source
    if source is not None and user is not None:
        assert got_user == user


def test_burst_threshold_window_and_rotation(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text("old failure: sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2\n")
    watcher = LoginWatcher([str(log)], threshold=3, window=60)
    assert watcher.poll(now=1000) == []  # starts at the end: history is not a burst
    line = "sshd[9]: Failed password for root from 192.0.2.7 port 1 ssh2\n"
    with log.open("a") as fh:
        fh.write(line * 2)
    assert watcher.poll(now=1001) == []
    with log.open("a") as fh:
        fh.write(line + "partial line without newline")
    (burst,) = watcher.poll(now=1002)
    assert burst.action == "brute_force" and burst.fields["source.ip"] == "192.0.2.7"
    assert watcher.failures["192.0.2.7"] == 3 and "192.0.2.7" in watcher.bursting
    assert watcher.poll(now=2000) == [] and "192.0.2.7" not in watcher.bursting
    log.rename(tmp_path / "auth.log.1")  # logrotate
    log.write_text(line * 3)
    (again,) = watcher.poll(now=2001)
    assert again.fields["source.ip"] == "192.0.2.7" and watcher.failures["192.0.2.7"] == 6


def test_shipped_playbooks_load_and_cover_every_detection() -> None:
    books = playbooks.load_playbooks(REPO_ROOT / "security" / "playbooks")
    for etype, action in [
        ("file", "changed"),
        ("process", "malicious_executable"),
        ("process", "world_writable_executable"),
        ("network", "connection_to_listed_ip"),
        ("network", "listener_added"),
        ("authentication", "brute_force"),
    ]:
        decision = playbooks.decide(books, Event(etype, action, Severity.MEDIUM, "m"))
        assert decision.playbook is not None, (etype, action)
        assert decision.playbook.steps
    ioc = playbooks.decide(books, Event("network", "connection_to_listed_ip", Severity.MEDIUM, "m"))
    assert ioc.priority == "P0"
    assert all(not b.automated for b in books)  # automated response is opt-in


def test_bad_playbook_names_the_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("id: x\ntitle: t\nevent_types: [file]\nactions: [format_disk]\n")
    with pytest.raises(ConfigError, match=r"x\.yaml: actions\.0: "):
        playbooks.load_playbooks(tmp_path)


def test_kill_refuses_protected_targets_and_records_real_kills(tmp_path: Path) -> None:
    with open_store(tmp_path / "db") as store:
        for pid in (1, os.getpid()):
            with pytest.raises(response.Refused):
                response.kill(store, pid)
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        with pytest.raises(response.Refused, match="protected service"):
            response.kill(store, proc.pid, protected_names=[Path(sys.executable).name])
        ident = response.kill(store, proc.pid)
        proc.wait(10)  # psutil already reaped it; this only syncs Popen's state
        with pytest.raises(ProcessLookupError):
            os.kill(proc.pid, 0)
        action = response.get_action(store, ident)
        assert action.action == "kill" and action.details["signal"] == "SIGTERM" and not action.reversible
        with pytest.raises(InputError, match="cannot be restored"):
            response.restore(store, ident)


def test_quarantine_refuses_protected_paths_and_non_files(tmp_path: Path) -> None:
    with open_store(tmp_path / "db") as store:
        with pytest.raises(response.Refused, match="protected path"):
            response.quarantine(store, Path("/usr/bin/env"), tmp_path / "q", protected=["/usr/*"])
        with pytest.raises(response.Refused, match="only regular files"):
            response.quarantine(store, tmp_path, tmp_path / "q")
        assert response.actions(store) == []


def test_incident_events_are_appended_and_capped(tmp_path: Path) -> None:
    with open_store(tmp_path / "db") as store:
        ident = incidents.open_incident(store, "file.changed: /etc/x", "P1", playbook="file-integrity")
        assert incidents.append_events(store, ident, [{"n": n} for n in range(8)], keep=5) == 5
        assert [e["n"] for e in incidents.get_incident(store, ident).events] == [3, 4, 5, 6, 7]
        assert incidents.status_of(store, ident) == "open"
        incidents.close_incident(store, ident, "planned change")
        assert incidents.status_of(store, ident) == "closed"
        with pytest.raises(InputError, match="already closed"):
            incidents.close_incident(store, ident, "again")


def test_the_monitors_own_files_are_never_events(tmp_path: Path) -> None:
    from assay.security.monitor.config import MonitorSection
    from assay.security.monitor.daemon import Monitor

    cfg = MonitorSection.model_validate(
        {"watch": [str(tmp_path)], "siem": [{"format": "ecs", "path": "out/e.jsonl"}]}
    )
    mon = Monitor(cfg, root=tmp_path, store_path=tmp_path / ".assay" / "assay.db")
    for own in (
        ".assay/assay.db",
        ".assay/assay.db-wal",
        ".assay/monitor.pid",
        ".assay/monitor.json",
        "out/e.jsonl",
        ".assay/quarantine/1-2-x/content",
    ):
        assert mon.rules.ignored(str(tmp_path / own)), own
    assert not mon.rules.ignored(str(tmp_path / "etc" / "passwd"))


def test_state_for_old_subjects_is_forgotten() -> None:
    from assay.security.monitor import events as events_mod

    log = EventLog(dedup_seconds=60, per_hour_limit=10)
    for n in range(events_mod.PRUNE_EVERY - 1):
        log.emit(file_event(f"/tmp/random-{n}", ts=1000.0))
    assert len(log._last_seen) == events_mod.PRUNE_EVERY - 1
    log.emit(file_event("/tmp/later", ts=1000.0 + 4000))  # an hour later: the old subjects are gone
    assert len(log._last_seen) <= 1 and len(log._path_changes) <= 1


def test_an_event_is_matched_to_a_playbook_once_and_acted_on_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assay.security.monitor.config import MonitorSection
    from assay.security.monitor.daemon import Monitor

    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "fi.yaml").write_text(
        "id: fi\ntitle: t\nevent_types: [file]\nevent_actions: [changed]\nseverity: high\nsteps: [look]\n"
    )
    cfg = MonitorSection.model_validate({"playbooks_dir": str(tmp_path / "books")})
    notified: list[tuple[str, str]] = []
    mon = Monitor(
        cfg,
        root=tmp_path,
        store_path=tmp_path / "db",
        notifier=lambda event, priority: notified.append((event.id, priority)),
    )
    mon.load_playbooks()
    sunk: list[Event] = []
    mon.sinks = [sunk.append]
    matched: list[str] = []
    real_matches = playbooks.Playbook.matches

    def counting(self: playbooks.Playbook, event: Event) -> bool:
        matched.append(event.id)
        return real_matches(self, event)

    monkeypatch.setattr(playbooks.Playbook, "matches", counting)
    low = Event("file", "changed", Severity.LOW, "/etc/x: changed", {"file.path": "/etc/x"})
    got = mon.emit(low)
    assert got is not None and got.severity == Severity.HIGH and got.fields["rule.name"] == "fi"
    assert matched == [low.id]
    assert sunk == [got]
    assert mon.emit(low) is None  # merged into the first: no second incident, sink line or notification
    deadline = time.monotonic() + 5
    while not notified and time.monotonic() < deadline:
        time.sleep(0.01)
    mon.shutdown()
    assert len(mon.incidents_opened) == 1 and len(sunk) == 1 and notified == [(got.id, "P1")]
    with open_store(tmp_path / "db") as store:
        (incident,) = incidents.list_incidents(store)
    assert incident.playbook == "fi" and incident.priority == "P1"
