"""The monitor daemon: one loop that drains real-time file events, polls processes, network and
logins, runs periodic full checks, and serves /metrics, /health, /api/status and /api/events."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from assay import version
from assay.config import resolve_path
from assay.errors import InputError, StoreError
from assay.formats import write_atomic
from assay.results import Finding, Location, Measurement, Result
from assay.security import incidents, intel, playbooks, response
from assay.security.monitor import fim
from assay.security.monitor.config import MonitorSection
from assay.security.monitor.events import Event, EventLog
from assay.security.monitor.schema import open_store

log = logging.getLogger(__name__)

SCHEMA = "assay.security-monitor/1"
TICK = 0.1  # seconds between drains of the real-time queue: bounds detection latency
MAX_EVENTS_LIMIT = 10_000
FILE_ACTIONS = ("added", "removed", "changed", "attributes_changed", "type_changed")
Notifier = Callable[[Event, str], None]


def resolve(root: Path, path: str) -> Path:
    """Resolve a configured path (``~`` expanded) against the repository root unless it is absolute."""
    return resolve_path(root, Path(path).expanduser())


def watch_roots(root: Path, watch: Sequence[str]) -> list[str]:
    """The configured watch directories as absolute, normalised paths (how baselines record them)."""
    return [os.path.abspath(resolve(root, w)) for w in watch]


class Monitor:
    """All watchers and their state; `run()` is the daemon, `once()` a single pass."""

    def __init__(
        self,
        cfg: MonitorSection,
        *,
        root: Path,
        store_path: Path,
        reload_config: Callable[[], MonitorSection] | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self.cfg = cfg
        self.root = root
        self.store_path = store_path.absolute()  # the daemon chdirs to / when it detaches
        self.reload_config = reload_config
        self.notifier = notifier  # the hook for direct notifications (assay.notify)
        self.events = EventLog(
            capacity=cfg.event_buffer,
            dedup_seconds=cfg.dedup_seconds,
            per_hour_limit=cfg.auto_ignore_per_hour,
        )
        self.events.listeners.append(self._to_sinks)
        self.intel = intel.Indicators()
        self.playbooks: list[playbooks.Playbook] = []
        self.rules = self._rules(cfg)
        self.current: dict[str, fim.FileRecord] = {}
        self.roots = watch_roots(root, cfg.watch)
        self.budget = fim.Budget(cfg.io_budget_mb_s * 1e6)
        self.watcher: Any = None
        self.processes: Any = None
        self.network: Any = None
        self.logins: Any = None
        self.http: Any = None
        self.started_at = time.time()
        self.last_check: float | None = None
        self.last_fallback_check = 0.0
        self.last_check_stats: fim.ScanStats | None = None
        self.skipped: list[tuple[str, str]] = []
        self.up = False
        self.sinks: list[Any] = []
        self.incidents_opened: list[int] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._reload = threading.Event()
        self._lock = threading.RLock()
        self._notify_queue: queue.Queue[tuple[Event, str]] | None = None
        self._store_handle: Any = None
        self._store_inode: int | None = None
        self._incidents: dict[str, int] = {}
        self._incident_backlog: dict[int, list[dict[str, Any]]] = {}
        self._incidents_checked = 0.0

    # -- setup --------------------------------------------------------------------------------------

    def _rules(self, cfg: MonitorSection) -> fim.Rules:
        """The configured rules plus the monitor's own files: its writes must not feed back as events."""
        own = [
            f"{self.store_path}*",
            str(resolve(self.root, cfg.pid_file)),
            str(resolve(self.root, cfg.state_file)),
        ]
        own.append(str(resolve(self.root, cfg.pid_file).with_suffix(".log")))
        own.append(f"{resolve(self.root, cfg.response.quarantine_dir)}/*")
        own += [str(resolve(self.root, sink.path)) for sink in cfg.siem if sink.path]
        return fim.Rules([*cfg.ignore, *own], cfg.growing)

    def load_intel(self) -> None:
        """(Re)load threat intelligence from the configured directory, logging up to 20 load errors."""
        loaded = intel.load_dir(resolve(self.root, self.cfg.intel_dir))
        for error in loaded.errors[:20]:
            log.warning("intel: %s", error)
        self.intel = loaded

    def load_playbooks(self) -> None:
        """(Re)load the response playbooks from the configured directory."""
        self.playbooks = playbooks.load_playbooks(resolve(self.root, self.cfg.playbooks_dir))

    def setup_sinks(self) -> None:
        """Close any open SIEM sinks and open the ones the configuration names."""
        from assay.security import siem

        for sink in self.sinks:
            close = getattr(sink, "close", None)
            if close is not None:
                close()
        self.sinks = [siem.make_sink(spec, self.root) for spec in self.cfg.siem]

    def _store(self) -> Any:
        """The daemon's one store connection, reopened when the file was deleted or replaced."""
        try:
            inode = os.stat(self.store_path).st_ino
        except FileNotFoundError:
            inode = None
        if self._store_handle is not None and inode == self._store_inode:
            return self._store_handle
        if self._store_handle is not None:
            log.warning("%s: the store was deleted or replaced while running; reopening it", self.store_path)
            self._store_handle.close()
            self._store_handle = None
            self._incidents.clear()
            self._incident_backlog.clear()
        self._store_handle = open_store(self.store_path)
        self._store_inode = os.stat(self.store_path).st_ino
        return self._store_handle

    def load_or_init_baseline(self) -> None:
        """Use the stored baseline; baseline roots it does not cover yet (and a first run) silently."""
        info, records = fim.load_baseline(self._store())
        known = {r for r in (info.roots if info else [])}
        new_roots = [r for r in self.roots if fim.display(r) not in known]
        self.current = {p: r for p, r in records.items() if self._under_roots(p)}
        if new_roots:
            found, stats = fim.scan(new_roots, self.rules, workers=self.cfg.hash_workers, budget=self.budget)
            self.current.update(found)
            self.skipped = stats.skipped
            fim.save_baseline(self._store(), self.roots, self.current)
            log.info("baseline recorded for %s (%d entries)", ", ".join(new_roots), len(found))

    def _under_roots(self, path: str) -> bool:
        return any(path == r or path.startswith(r.rstrip("/") + "/") for r in self.roots)

    def start_watchers(self) -> None:
        """Start the real-time file watcher and the process, network and login watchers that are enabled."""
        from assay.security.monitor.host import NetworkWatcher, ProcessWatcher
        from assay.security.monitor.logins import LoginWatcher
        from assay.security.monitor.realtime import RealtimeWatcher

        if self.cfg.realtime and self.roots:
            self.watcher = RealtimeWatcher(self.roots, max_watches=self.cfg.max_watches)
            self.watcher.start()
        if self.cfg.processes:
            self.processes = ProcessWatcher(
                lambda: self.intel, report_new=self.cfg.report_new_processes, root_allow=self.cfg.root_allow
            )
        if self.cfg.network:
            self.network = NetworkWatcher(lambda: self.intel, allowed_ports=self.cfg.allowed_ports)
        if self.cfg.logins:
            self.logins = LoginWatcher(
                [str(resolve(self.root, p)) for p in self.cfg.auth_logs],
                threshold=self.cfg.auth_threshold,
                window=self.cfg.auth_window,
            )

    def start_http(self, host: str | None = None, port: int | None = None) -> int:
        """Serve the status, events, health and metrics HTTP endpoints; returns the bound port."""
        from assay.metrics import registry_for
        from assay.server import HttpService, json_response

        token = self.cfg.http_token.get_secret_value() if self.cfg.http_token is not None else None
        service = HttpService(
            host=host or self.cfg.http_host, port=self.cfg.http_port if port is None else port, token=token
        )
        service.add_metrics(registry_for([self.measurements]))
        service.routes["/api/status"] = lambda _q: json_response(self.status())
        service.routes["/api/events"] = lambda q: json_response(
            [e.to_ecs() for e in self.events.recent(_limit(q))]
        )
        service.routes["/health"] = lambda _q: json_response(
            {"status": "ok" if self.up else "starting", "version": version()}
        )
        self.http = service
        return service.start()

    # -- one unit of work each ------------------------------------------------------------------------

    def emit(self, event: Event) -> Event | None:
        """Apply the matching playbook's severity to an event and record it; None if merged or ignored.
        A recorded event then opens an incident (P0/P1), runs automated playbook actions and notifies."""
        decision = playbooks.decide(self.playbooks, event)
        if decision.playbook is not None:
            event = dataclasses.replace(
                event,
                severity=decision.severity,
                fields={**event.fields, "rule.name": decision.playbook.id},
            )
        accepted = self.events.emit(event)
        # `accepted` is the event itself, or None, or the log's own auto-ignore notice (type monitor).
        if accepted is event and event.type != "monitor":
            try:
                self._after_event(event, decision)
            except Exception:  # as for a broken sink: a failed response must not stop monitoring
                log.exception("event listener failed")
        return accepted

    def _to_sinks(self, event: Event) -> None:
        for sink in self.sinks:
            sink(event)

    def _after_event(self, event: Event, decision: playbooks.Decision) -> None:
        if decision.priority in ("P0", "P1"):
            self._open_incident(event, decision)
        if decision.playbook is not None and decision.playbook.automated:
            self._respond(event, decision.playbook)
        if self.notifier is not None:
            self._notify(event, decision.priority)

    def _notify(self, event: Event, priority: str) -> None:
        """Notifications go through a worker thread: a slow channel must not delay detection."""
        if self._notify_queue is None:
            self._notify_queue = queue.Queue(1000)
            threading.Thread(target=self._notify_worker, name="assay-notify", daemon=True).start()
        try:
            self._notify_queue.put_nowait((event, priority))
        except queue.Full:
            log.error("notification queue full: %s not notified", event.id)

    def _notify_worker(self) -> None:
        assert self._notify_queue is not None and self.notifier is not None
        while True:
            event, priority = self._notify_queue.get()
            try:
                self.notifier(event, priority)
            except Exception:  # the hook promises not to raise; stay alive if it does
                log.exception("notification hook failed")

    def _open_incident(self, event: Event, decision: playbooks.Decision) -> None:
        """One open incident per playbook and action: later events are appended to it (in batches,
        see flush_incidents), so a burst of a thousand changes is one incident, not a thousand."""
        key = f"{decision.playbook.id if decision.playbook else '-'}|{event.type}.{event.action}"
        summary = {"@timestamp": event.to_ecs()["@timestamp"], "event.id": event.id, "message": event.message}
        ident = self._incidents.get(key)
        if ident is not None:
            self._incident_backlog.setdefault(ident, []).append(summary)
            return
        subject = next(
            (
                str(event.fields[k])
                for k in ("file.path", "process.executable", "destination.ip", "source.ip")
                if event.fields.get(k)
            ),
            event.message,
        )
        title = f"{event.type}.{event.action}: {subject}"
        body = playbooks.render(decision.playbook, event, decision.priority)
        try:
            store = self._store()
            ident = incidents.open_incident(
                store,
                title[:200],
                decision.priority,
                playbook=decision.playbook.id if decision.playbook else "",
                body=body,
                events=[summary],
            )
        except StoreError as exc:
            self.errors.append(str(exc))
            log.error("cannot record incident: %s", exc)
            return
        self._incidents[key] = ident
        self.incidents_opened.append(ident)
        log.warning("incident %d opened (%s): %s", ident, decision.priority, event.message)

    def flush_incidents(self) -> None:
        """Write appended events; forget incidents someone closed, so the next event opens a new one."""
        backlog, self._incident_backlog = self._incident_backlog, {}
        try:
            store = self._store()
            for ident, summaries in backlog.items():
                incidents.append_events(store, ident, summaries)
            now = time.monotonic()
            if now - self._incidents_checked >= 5:
                self._incidents_checked = now
                for key, ident in list(self._incidents.items()):
                    if incidents.status_of(store, ident) != "open":
                        del self._incidents[key]
        except (StoreError, InputError) as exc:
            self.errors.append(str(exc))
            log.error("cannot update incidents: %s", exc)

    def _respond(self, event: Event, playbook: playbooks.Playbook) -> None:
        rcfg = self.cfg.response
        for action in playbook.actions:
            try:
                store = self._store()
                if action == "quarantine" and event.type == "file" and event.action in ("added", "changed"):
                    path = Path(str(event.fields["file.path"]))
                    ident = response.quarantine(
                        store,
                        path,
                        resolve(self.root, rcfg.quarantine_dir),
                        protected=rcfg.protected_paths,
                    )
                    self.current.pop(str(path), None)
                    log.warning("quarantined %s (action %d)", path, ident)
                elif action == "kill" and event.fields.get("process.pid"):
                    pid = int(event.fields["process.pid"])
                    ident = response.kill(store, pid, protected_names=rcfg.protected_processes)
                    log.warning("killed pid %d (action %d)", pid, ident)
            except InputError as exc:
                log.warning("playbook %s: %s not done: %s", playbook.id, action, exc)

    def full_check(self, roots: list[str] | None = None) -> list[Event]:
        """Scan (all roots or some) against what was last seen; returns the accepted events."""
        targets = roots if roots is not None else self.roots
        if not targets:
            return []
        previous = self.current  # read-only until the comparison below is done; no 100k-entry copy
        try:
            found, stats = fim.scan(
                targets,
                self.rules,
                previous,
                workers=self.cfg.hash_workers,
                budget=self.budget,
                stop=self._stop,
            )
        except fim.ScanStopped:
            return []  # stopping: a half-finished check must not report the unscanned part as removed
        if roots is not None:
            prefixes = [t.rstrip("/") + "/" for t in targets]
            old_part = {p: r for p, r in previous.items() if p in targets or p.startswith(tuple(prefixes))}
        else:
            old_part = previous
        changes = fim.compare(old_part, found, self.rules)
        with self._lock:
            if roots is None:
                self.current = found
            else:
                for path in old_part:
                    if path not in found:
                        self.current.pop(path, None)
                self.current.update(found)
        if roots is None:
            self.last_check = time.time()
            self.last_check_stats = stats
            self.skipped = stats.skipped
        return [e for e in (self.emit(ev) for ev in changes) if e is not None]

    def drain_realtime(self) -> list[Event]:
        """Re-check the paths the real-time watcher reported and return the recorded events."""
        if self.watcher is None:
            return []
        if self.watcher.state.overflowed:
            self.watcher.state.overflowed = False
            log.warning("real-time queue overflowed: running a full check so nothing is missed")
            return self.full_check()
        accepted: list[Event] = []
        for path in dict.fromkeys(self.watcher.drain()):
            if self._stop.is_set():
                break
            if self.rules.ignored(path) or not self._under_roots(path):
                continue
            old = self.current.get(path)
            new = fim.record_one(path, self.rules, old, self.budget)
            if new is not None and new.type == "directory" and (old is None or old.type != "directory"):
                accepted.extend(self.full_check([path]))
                continue
            if new is None and old is not None and old.type == "directory":
                accepted.extend(self.full_check([path]))
                continue
            event = fim.compare_one(old, new, self.rules)
            with self._lock:
                if new is None:
                    self.current.pop(path, None)
                else:
                    self.current[path] = new
            if event is not None:
                got = self.emit(event)
                if got is not None:
                    accepted.append(got)
        return accepted

    def poll_host(self) -> list[Event]:
        """Poll the process, network and login watchers and return the events recorded from them."""
        found: list[Event] = []
        for watcher in (self.processes, self.network, self.logins):
            if watcher is None:
                continue
            try:
                found.extend(watcher.poll())
            except Exception as exc:  # one failing watcher must not stop the others
                log.exception("%s failed", type(watcher).__name__)
                self.errors.append(f"{type(watcher).__name__}: {exc}")
        return [e for e in (self.emit(ev) for ev in found) if e is not None]

    # -- reporting ------------------------------------------------------------------------------------

    def fallbacks(self) -> list[dict[str, str]]:
        """Watched paths that are not watched in real time, each with the reason."""
        if self.watcher is None:
            reason = "real-time watching is off (realtime = false)" if not self.cfg.realtime else ""
            return [{"path": r, "reason": reason} for r in self.roots] if reason else []
        return [{"path": f.path, "reason": f.reason} for f in self.watcher.state.fallbacks]

    def status(self) -> dict[str, Any]:
        """The monitor's state as a JSON-ready dict (served at ``/api/status``)."""
        state = self.watcher.state if self.watcher is not None else None
        now = time.time()
        age = self.intel.age(now)
        return {
            "schema": SCHEMA,
            "version": version(),
            "pid": os.getpid(),
            "up": self.up,
            "started_at": self.started_at,
            "store": str(self.store_path),
            "watched": self.roots,
            "realtime": state.realtime if state else [],
            "watches": state.watches if state else 0,
            "watched_files": len(self.current),
            "fallbacks": self.fallbacks(),
            "dropped_events": self.events.dropped + (state.dropped if state else 0),
            "deduplicated_events": self.events.deduplicated,
            "auto_ignored": sorted(self.events.auto_ignored),
            "last_check": self.last_check,
            "skipped": [{"path": fim.display(p), "reason": r} for p, r in self.skipped[:50]],
            "skipped_total": len(self.skipped),
            "watchers": {
                "files": bool(self.roots),
                "processes": self.processes is not None,
                "network": self.network is not None,
                "logins": self.logins is not None,
            },
            # Which auth logs exist: a configured log that is missing means no login monitoring.
            "auth_logs": {p: os.path.exists(p) for p in self.logins.paths} if self.logins is not None else {},
            "intel": {
                "indicators": self.intel.counts(),
                "age_seconds": age,
                "sources": sorted(self.intel.sources),
            },
            "events": {f"{t}/{s}": n for (t, s), n in sorted(self.events.counts.items())},
            "incidents_opened": self.incidents_opened,
            "siem": [s.describe() for s in self.sinks],
            "http": self.http.url if self.http is not None else None,
            "errors": self.errors[-10:],
        }

    def measurements(self) -> list[Measurement]:
        """The monitor's health and detection counters as measurements for the metrics endpoint."""
        state = self.watcher.state if self.watcher is not None else None
        out = [
            Measurement("security_monitor_up", 1.0 if self.up else 0.0),
            Measurement("security_monitor_watches", float(state.watches if state else 0)),
            Measurement("security_monitor_watched_files", float(len(self.current))),
            Measurement("security_monitor_fallback_paths", float(len(self.fallbacks()))),
            Measurement(
                "security_monitor_dropped_events_total",
                float(self.events.dropped + (state.dropped if state else 0)),
            ),
            Measurement("security_iocs_detected", float(self.events.iocs)),
        ]
        if self.last_check is not None:
            out.append(
                Measurement("security_monitor_last_check_timestamp_seconds", self.last_check, unit="seconds")
            )
        for (etype, severity), n in sorted(self.events.counts.items()):
            out.append(Measurement("security_events_total", float(n), {"type": etype, "severity": severity}))
        # Every action from zero, so Prometheus' increase() sees the first violation as a rise.
        for action in sorted({*FILE_ACTIONS, *self.events.violations}):
            n = self.events.violations.get(action, 0)
            out.append(Measurement("file_integrity_violations_total", float(n), {"action": action}))
        if self.logins is not None:
            for source, n in sorted(self.logins.failures.items()):
                out.append(Measurement("authentication_failures_total", float(n), {"source": source}))
                out.append(
                    Measurement(
                        "security_authentication_burst",
                        1.0 if source in self.logins.bursting else 0.0,
                        {"source": source},
                    )
                )
        for kind, n in self.intel.counts().items():
            out.append(Measurement("security_intel_indicators", float(n), {"type": kind}))
        age = self.intel.age()
        if age is not None:
            out.append(Measurement("security_intel_age_seconds", age, unit="seconds"))
        return out

    # -- lifecycles -------------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Load intelligence, playbooks, SIEM sinks and the file baseline before monitoring starts."""
        self.load_intel()
        self.load_playbooks()
        self.setup_sinks()
        self.load_or_init_baseline()

    def once(self) -> list[Event]:
        """A single pass: a full check against the baseline and one look at processes, network and logins."""
        from assay.security.monitor.host import NetworkWatcher, ProcessWatcher
        from assay.security.monitor.logins import LoginWatcher

        self.prepare()
        self.up = True
        events = self.full_check()
        if self.cfg.processes:
            self.processes = ProcessWatcher(lambda: self.intel, root_allow=self.cfg.root_allow)
        if self.cfg.network:
            self.network = NetworkWatcher(lambda: self.intel, allowed_ports=self.cfg.allowed_ports)
            # No earlier state to call a listener "new": with an allow list, report what is not on it.
            self.network.listeners = set() if self.cfg.allowed_ports else None
        if self.cfg.logins:
            self.logins = LoginWatcher(
                [str(resolve(self.root, p)) for p in self.cfg.auth_logs],
                threshold=self.cfg.auth_threshold,
                window=self.cfg.auth_window,
                from_start=True,
            )
        events += self.poll_host()
        self.shutdown()
        return events

    def request_stop(self, *_args: Any) -> None:
        """Ask the run loop to stop (signal handler for SIGTERM and SIGINT)."""
        self._stop.set()

    def request_reload(self, *_args: Any) -> None:
        """Ask the run loop to reload configuration and intelligence (signal handler for SIGHUP)."""
        self._reload.set()

    def reload(self) -> None:
        """Reload configuration, intelligence, playbooks and sinks; on a bad config keep the old one."""
        log.warning("SIGHUP: reloading configuration and threat intelligence")
        if self.reload_config is not None:
            try:
                cfg = self.reload_config()
            except Exception as exc:  # keep running on the old configuration
                log.error("reload failed, keeping the running configuration: %s", exc)
                self.errors.append(f"reload: {exc}")
                cfg = self.cfg
            self.cfg = cfg
            self.rules = self._rules(cfg)
            if self.network is not None:
                self.network.allowed_ports = set(cfg.allowed_ports)
            if self.logins is not None:
                self.logins.threshold, self.logins.window = cfg.auth_threshold, cfg.auth_window
            self.setup_sinks()
        self.load_intel()
        self.load_playbooks()

    def install_signals(self) -> None:
        """Route SIGTERM and SIGINT to a stop and SIGHUP to a reload."""
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGHUP, self.request_reload)

    def run(self, *, on_ready: Callable[[Monitor], None] | None = None) -> None:
        """The daemon loop, until SIGTERM/SIGINT (or request_stop)."""
        self.prepare()
        self.start_watchers()
        # Prime process and listener state so only what appears after start-up counts as new.
        self.poll_host()
        self.full_check()
        self.up = True
        if on_ready is not None:
            on_ready(self)
        last_full = last_poll = time.monotonic()
        try:
            while not self._stop.wait(TICK):
                if self._reload.is_set():
                    self._reload.clear()
                    self.reload()
                self.drain_realtime()
                if self._incident_backlog or self._incidents:
                    self.flush_incidents()
                now = time.monotonic()
                if now - last_poll >= self.cfg.poll_interval:
                    last_poll = now
                    self.poll_host()
                if now - last_full >= self.cfg.interval:
                    last_full = now
                    self.full_check()
                elif self.fallbacks() and now - self.last_fallback_check >= self.cfg.fallback_interval:
                    self.last_fallback_check = now
                    self.full_check([f["path"] for f in self.fallbacks() if os.path.isdir(f["path"])])
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        """Stop the watchers and the HTTP server, flush pending incidents and close the store and sinks."""
        if self.up:
            log.warning("monitor stopping")
        self.up = False
        if self._incident_backlog:
            self.flush_incidents()
        if self._store_handle is not None:
            self._store_handle.close()
            self._store_handle = None
        if self.watcher is not None:
            self.watcher.stop()
        if self.http is not None:
            self.http.stop()
        for sink in self.sinks:
            close = getattr(sink, "close", None)
            if close is not None:
                close()


def _limit(query: Mapping[str, list[str]]) -> int:
    raw = (query.get("limit") or ["100"])[0]
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"limit must be an integer, got {raw!r}") from None
    if not 1 <= value <= MAX_EVENTS_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_EVENTS_LIMIT}, got {value}")
    return value


# -- pid file and state file --------------------------------------------------------------------------


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (one owned by another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_pid_file(path: Path) -> None:
    """Refuse when another live monitor holds the pid file (a stale one will be replaced)."""
    try:
        existing = int(path.read_text().strip() or "0")
    except (OSError, ValueError):
        existing = 0
    if existing and existing != os.getpid() and pid_alive(existing):
        raise InputError(f"{path}: a monitor is already running (pid {existing})")


def claim_pid_file(path: Path) -> None:
    """Write our pid after check_pid_file."""
    check_pid_file(path)
    write_atomic(path, f"{os.getpid()}\n")


def release(path: Path) -> None:
    """Remove the pid file if this process wrote it."""
    with contextlib.suppress(OSError, ValueError):
        if int(path.read_text().strip() or "0") == os.getpid():
            path.unlink()


def write_state(path: Path, monitor: Monitor) -> None:
    """Atomically write the running monitor's pid, HTTP URL and start time to the state file."""
    state = {
        "pid": os.getpid(),
        "url": monitor.http.url if monitor.http else None,
        "started_at": monitor.started_at,
    }
    write_atomic(path, json.dumps(state))


def release_state(path: Path) -> None:
    """Remove the state file if this process wrote it."""
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()


def read_state(path: Path) -> dict[str, Any] | None:
    """The state file of a running monitor; None if it is missing, unreadable or its process is gone."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not pid_alive(int(data.get("pid") or 0)):
        return None
    return data


# -- a Result for the store and the writers ------------------------------------------------------------


def to_result(events: list[Event], status: Mapping[str, Any], *, title: str, summary: str) -> Result:
    """Turn monitor events and status into a Result with one finding per event."""
    findings = []
    for e in events:
        path = e.fields.get("file.path")
        findings.append(
            Finding(
                id=f"monitor.{e.type}.{e.action}",
                severity=e.severity,
                message=e.message,
                location=Location(str(path)) if path else None,
                tool="security-monitor",
                properties={"priority": e.priority, "event.id": e.id},
                fingerprint=f"monitor.{e.type}.{e.action}|{e.key()}",
            )
        )
    counts: dict[tuple[str, str], int] = {}
    violations: dict[str, int] = {}
    for e in events:
        counts[(e.type, e.severity.value)] = counts.get((e.type, e.severity.value), 0) + 1
        if e.type == "file":
            violations[e.action] = violations.get(e.action, 0) + 1
    measurements = [
        Measurement("security_events_total", float(n), {"type": t, "severity": s})
        for (t, s), n in sorted(counts.items())
    ]
    measurements += [
        Measurement("file_integrity_violations_total", float(n), {"action": a})
        for a, n in sorted(violations.items())
    ]
    measurements.append(Measurement("security_monitor_watched_files", float(status.get("watched_files", 0))))
    if status.get("last_check"):
        measurements.append(
            Measurement(
                "security_monitor_last_check_timestamp_seconds", float(status["last_check"]), unit="seconds"
            )
        )
    return Result(
        tool="security-monitor",
        measurements=tuple(measurements),
        findings=tuple(findings),
        schema=SCHEMA,
        data={"status": dict(status), "events": [e.to_ecs() for e in events]},
        title=title,
        summary=summary,
    )
