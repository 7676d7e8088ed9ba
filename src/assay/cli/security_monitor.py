"""`assay security monitor|baseline|status|intel|quarantine`: the runtime security monitor.

Heavy imports (watchdog, psutil) load inside the commands so `assay --help` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from assay.cli.context import AppContext, output_options, pass_app, write_result
from assay.config import deep_merge, read_file
from assay.errors import ConfigError, InputError, ThresholdFailed
from assay.formats.interface import printable
from assay.results import Outcome, Result, Severity, Status

SECTION = "security.monitor"


# -- configuration ------------------------------------------------------------------------------------


def monitor_config(app: AppContext, config_file: Path | None, overrides: dict[str, Any]) -> Any:
    """[tool.assay.security.monitor], then the monitor's own --config file, then flags (later wins)."""
    from pydantic import ValidationError

    from assay.security.monitor.config import MonitorSection

    data: dict[str, Any] = dict(app.config.get(SECTION, {}) or {})
    if config_file is not None:
        loaded = read_file(config_file)
        nested = (
            loaded.get("security", {}).get("monitor") if isinstance(loaded.get("security"), dict) else None
        )
        data = deep_merge(data, nested if isinstance(nested, dict) else loaded)
    data = deep_merge(data, {k: v for k, v in overrides.items() if v is not None and v != ()})
    try:
        return MonitorSection.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        where = f"{config_file}: " if config_file is not None else ""
        raise ConfigError(f"{where}{SECTION}.{key}: {err['msg'].lower()}, got {err.get('input')!r}") from None


def store_path(app: AppContext, store: Path | None) -> Path:
    """The ``--store`` path if given, else the configured store."""
    return store if store is not None else app.store_path


def config_option(func: Any) -> Any:
    """Add the ``--config`` monitor settings file option to a command."""
    return click.option(
        "--config",
        "config_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Monitor settings file (JSON, TOML or YAML; the keys of [tool.assay.security.monitor]).",
    )(func)


def watch_option(func: Any) -> Any:
    """Add the repeatable ``--watch`` directory option to a command."""
    return click.option(
        "--watch",
        "watch",
        multiple=True,
        help="Directory to monitor (repeatable; replaces the configured list).",
    )(func)


def store_option(func: Any) -> Any:
    """Add the ``--store`` option to a command."""
    return click.option("--store", "store", type=click.Path(path_type=Path), help="SQLite store to use.")(
        func
    )


def _watch_list(watch: tuple[str, ...]) -> list[str] | None:
    if not watch:
        return None
    for w in watch:
        if not os.path.isdir(w):
            raise InputError(f"{w}: not a directory (--watch takes directories)")
    return [os.path.abspath(w) for w in watch]


# -- monitor ------------------------------------------------------------------------------------------


@click.command()
@config_option
@watch_option
@store_option
@click.option("--http-port", type=click.IntRange(0, 65535), help="Port of the HTTP API (0: pick a free one).")
@click.option("--http-host", help="Address of the HTTP API (default 127.0.0.1).")
@click.option("--interval", type=click.FloatRange(min=0.1), help="Seconds between full integrity checks.")
@click.option(
    "--poll-interval", type=click.FloatRange(min=0.1), help="Seconds between process/network polls."
)
@click.option("--pid-file", type=click.Path(path_type=Path, dir_okay=False), help="Pid file path.")
@click.option("--daemon", "daemonize", is_flag=True, help="Detach into the background (pid file, log file).")
@click.option(
    "--once", is_flag=True, help="One pass: full check plus one look at processes, network, logins."
)
@click.option("--update-threat-intel", is_flag=True, help="Fetch the configured intel sources first.")
@output_options(default=None)
@pass_app
def monitor(
    app: AppContext,
    config_file: Path | None,
    watch: tuple[str, ...],
    store: Path | None,
    http_port: int | None,
    http_host: str | None,
    interval: float | None,
    poll_interval: float | None,
    pid_file: Path | None,
    daemonize: bool,
    once: bool,
    update_threat_intel: bool,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Run the runtime security monitor (foreground by default; SIGTERM stops it, SIGHUP reloads).

    Watches the configured directories in real time (inotify) with periodic full checks, polls
    processes, listening sockets, connections and auth logs, and serves /metrics, /health,
    /api/status and /api/events on 127.0.0.1.
    """
    from assay.security.monitor.daemon import Monitor, resolve

    overrides = {
        "watch": _watch_list(watch),
        "http_port": http_port,
        "http_host": http_host,
        "interval": interval,
        "poll_interval": poll_interval,
    }
    cfg = monitor_config(app, config_file, overrides)
    if not cfg.watch and not (cfg.processes or cfg.network or cfg.logins):
        raise InputError("nothing to monitor: give --watch DIR or enable processes, network or logins")
    root = app.root
    db = store_path(app, store)
    if update_threat_intel:
        _update_intel(cfg, root, ())

    def reload_config() -> Any:
        app.__dict__.pop("config", None)  # cached_property: read the files again
        return monitor_config(app, config_file, overrides)

    mon = Monitor(cfg, root=root, store_path=db, reload_config=reload_config, notifier=_notifier(app, db))
    if once:
        events = mon.once()
        _finish_once(app, mon, events, fmt, output)
        return
    pid_path = pid_file if pid_file is not None else resolve(root, cfg.pid_file)
    state_path = resolve(root, cfg.state_file)
    from assay.security.monitor import daemon as d

    pid_path = pid_path.absolute()
    d.check_pid_file(pid_path)  # fail early, before detaching, when another monitor runs
    if daemonize:
        _detach(pid_path, state_path)
    d.claim_pid_file(pid_path)
    mon.install_signals()

    def ready(m: Monitor) -> None:
        d.write_state(state_path, m)
        click.echo(f"assay monitor listening on {m.http.url} (pid {os.getpid()})")
        sys.stdout.flush()

    try:
        mon.start_http()
        mon.run(on_ready=ready)
    finally:
        mon.shutdown()
        d.release(pid_path)
        d.release_state(state_path)
    if daemonize:
        os._exit(0)


def _notifier(app: AppContext, db: Path) -> Any:
    """assay.notify's hook for monitor events when that module is installed; otherwise no hook."""
    import importlib
    import importlib.util

    if importlib.util.find_spec("assay.notify") is None:
        return None
    module = importlib.import_module("assay.notify")
    hook = getattr(module, "notify_event", None)
    bind = getattr(module, "bind", None)
    if not callable(hook):
        return None
    if callable(bind):
        bind(app.config, db)
    return hook


def _detach(pid_path: Path, state_path: Path) -> None:
    """Double fork; the parent waits until the daemon says where it listens, prints that, and exits."""
    log_path = pid_path.with_suffix(".log")
    first = os.fork()
    if first > 0:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                state = json.loads(state_path.read_text())
            except (OSError, ValueError):
                state = {}
            if state.get("url") and state.get("pid") != os.getpid():
                from assay.security.monitor.daemon import pid_alive

                if pid_alive(int(state["pid"])):
                    click.echo(f"assay monitor listening on {state['url']} (pid {state['pid']})")
                    os._exit(0)
            time.sleep(0.1)
        click.echo(f"assay: error: the monitor did not start; see {log_path}", err=True)
        os._exit(2)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    os.chdir("/")
    fd = os.open(os.devnull, os.O_RDWR)
    os.dup2(fd, 0)
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)


def _finish_once(app: AppContext, mon: Any, events: list[Any], fmt: str | None, output: Path | None) -> None:
    from assay.security.monitor.daemon import to_result

    status = mon.status()
    serious = [e for e in events if e.severity >= Severity.MEDIUM]
    summary = (
        f"{len(events)} event(s), {len(serious)} at medium or above; {status['watched_files']} files checked"
    )
    result = to_result(events, status, title="assay security monitor --once", summary=summary)
    result = _with_outcome(result, not serious, summary)
    app.record(result)
    write_result(result, fmt, output)
    if serious:
        raise ThresholdFailed(summary)


def _with_outcome(result: Result, ok: bool, message: str) -> Result:
    from dataclasses import replace

    return replace(result, outcomes=(Outcome("monitor", Status.PASS if ok else Status.FAIL, message),))


# -- baseline -------------------------------------------------------------------------------------------


@click.group()
def baseline() -> None:
    """AIDE-style batch file integrity: init, check, update the baseline in the store."""


def _baseline_setup(app: AppContext, config_file: Path | None, watch: tuple[str, ...]) -> Any:
    cfg = monitor_config(app, config_file, {"watch": _watch_list(watch)})
    if not cfg.watch:
        raise InputError("no directories to baseline: give --watch DIR or set security.monitor.watch")
    return cfg


@baseline.command("init")
@config_option
@watch_option
@store_option
@click.option("--force", is_flag=True, help="Replace an existing baseline.")
@output_options(default=None)
@pass_app
def baseline_init(
    app: AppContext,
    config_file: Path | None,
    watch: tuple[str, ...],
    store: Path | None,
    force: bool,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Record the baseline of every watched file (metadata + sha256)."""
    from assay.security.monitor import fim
    from assay.security.monitor.daemon import SCHEMA, watch_roots
    from assay.security.monitor.schema import open_store

    cfg = _baseline_setup(app, config_file, watch)
    db = store_path(app, store)
    with open_store(db) as st:
        if fim.baseline_info(st) is not None and not force:
            raise InputError(f"{db}: a baseline exists already (use `baseline update`, or init --force)")
    roots = watch_roots(app.root, cfg.watch)
    records, stats = fim.scan(
        roots,
        fim.Rules(cfg.ignore, cfg.growing),
        workers=cfg.hash_workers,
        budget=fim.Budget(cfg.io_budget_mb_s * 1e6),
    )
    with open_store(db) as st:
        info = fim.save_baseline(st, roots, records)
    summary = f"baseline of {info.files} entries ({stats.hashed} files hashed) in {stats.seconds:.2f} s"
    _write_baseline_result(app, [], roots, info.files, stats, summary, fmt, output, SCHEMA)


def _write_baseline_result(
    app: AppContext,
    events: list[Any],
    roots: list[str],
    files: int,
    stats: Any,
    summary: str,
    fmt: str | None,
    output: Path | None,
    schema: str,
) -> None:
    from assay.security.monitor.daemon import to_result
    from assay.security.monitor.fim import display

    status = {
        "watched": roots,
        "watched_files": files,
        "last_check": time.time(),
        "hashed": stats.hashed,
        "seconds": round(stats.seconds, 3),
        "skipped": [{"path": display(p), "reason": r} for p, r in stats.skipped[:100]],
        "skipped_total": len(stats.skipped),
    }
    result = to_result(events, status, title="assay security baseline", summary=summary)
    result = _with_outcome(result, not events, summary)
    app.record(result)
    write_result(result, fmt, output)
    for path, reason in stats.skipped[:5]:
        click.echo(f"assay: warning: skipped {printable(display(path))}: {printable(reason)}", err=True)


@baseline.command("check")
@config_option
@watch_option
@store_option
@click.option("--rehash", is_flag=True, help="Hash every file, even when its metadata is unchanged.")
@output_options(default=None)
@pass_app
def baseline_check(
    app: AppContext,
    config_file: Path | None,
    watch: tuple[str, ...],
    store: Path | None,
    rehash: bool,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Compare the tree with the baseline; exit 1 when anything changed."""
    events, roots, records, stats = _compare(app, config_file, watch, store, rehash=rehash)
    files = len(records)
    from assay.security.monitor.daemon import SCHEMA

    summary = f"{len(events)} change(s) against the baseline; {files} entries checked"
    _write_baseline_result(app, events, roots, files, stats, summary, fmt, output, SCHEMA)
    if events:
        raise ThresholdFailed(summary)


@baseline.command("update")
@config_option
@watch_option
@store_option
@output_options(default=None)
@pass_app
def baseline_update(
    app: AppContext,
    config_file: Path | None,
    watch: tuple[str, ...],
    store: Path | None,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Report the changes, then accept them as the new baseline (atomically)."""
    from assay.security.monitor import fim
    from assay.security.monitor.daemon import SCHEMA
    from assay.security.monitor.schema import open_store

    events, roots, records, stats = _compare(app, config_file, watch, store, rehash=False)
    files = len(records)
    with open_store(store_path(app, store)) as st:
        fim.save_baseline(st, roots, records)
    summary = f"baseline updated: {len(events)} change(s) accepted; {files} entries"
    _write_baseline_result(app, [], roots, files, stats, summary, fmt, output, SCHEMA)
    for e in events:
        click.echo(f"accepted: {printable(e.message)}", err=True)


def _compare(
    app: AppContext,
    config_file: Path | None,
    watch: tuple[str, ...],
    store: Path | None,
    *,
    rehash: bool,
) -> tuple[list[Any], list[str], dict[str, Any], Any]:
    from assay.security.monitor import fim
    from assay.security.monitor.daemon import watch_roots
    from assay.security.monitor.schema import open_store

    cfg = monitor_config(app, config_file, {"watch": _watch_list(watch)})
    db = store_path(app, store)
    with open_store(db) as st:
        info, old = fim.load_baseline(st)
    if info is None:
        raise InputError(f"{db}: no baseline yet (run `assay security baseline init` first)")
    roots = watch_roots(app.root, cfg.watch) if cfg.watch else list(info.roots)
    rules = fim.Rules(cfg.ignore, cfg.growing)
    records, stats = fim.scan(
        roots,
        rules,
        None if rehash else old,
        workers=cfg.hash_workers,
        budget=fim.Budget(cfg.io_budget_mb_s * 1e6),
    )
    events = fim.compare(old, records, rules, under=roots)
    return events, roots, records, stats


# -- status ------------------------------------------------------------------------------------------


@click.command()
@config_option
@store_option
@output_options(default=None)
@pass_app
def status(
    app: AppContext, config_file: Path | None, store: Path | None, fmt: str | None, output: Path | None
) -> None:
    """What the running monitor watches: watch count, fallbacks, dropped events, last check, intel age.

    Exit 1 when no monitor is running.
    """
    import urllib.request

    from assay.security import intel
    from assay.security.monitor import fim
    from assay.security.monitor.daemon import SCHEMA, read_state, resolve
    from assay.security.monitor.schema import open_store

    cfg = monitor_config(app, config_file, {})
    state = read_state(resolve(app.root, cfg.state_file))
    live: dict[str, Any] | None = None
    if state and state.get("url"):
        try:
            request = urllib.request.Request(f"{state['url']}/api/status")  # noqa: S310 - our own http URL
            if cfg.http_token is not None:
                request.add_header("Authorization", f"Bearer {cfg.http_token.get_secret_value()}")
            with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 - our own loopback URL
                live = json.loads(resp.read())
        except (OSError, ValueError) as exc:
            live = None
            click.echo(f"assay: warning: monitor pid {state.get('pid')} does not answer: {exc}", err=True)
    db = store_path(app, store)
    base = None
    if db.exists():
        with open_store(db) as st:
            base = fim.baseline_info(st)
    loaded = intel.load_dir(resolve(app.root, cfg.intel_dir))
    data: dict[str, Any] = {
        "running": live is not None,
        "monitor": live,
        "baseline": None
        if base is None
        else {
            "files": base.files,
            "roots": base.roots,
            "created_at": base.created_at,
            "updated_at": base.updated_at,
        },
        "intel": {"indicators": loaded.counts(), "age_seconds": loaded.age(), "errors": len(loaded.errors)},
    }
    if live is not None:
        fallbacks = live.get("fallbacks", [])
        summary = (
            f"running (pid {live['pid']}): {len(live['watched'])} director(ies), {live['watches']} watches, "
            f"{live['watched_files']} files, {len(fallbacks)} fallback(s), {live['dropped_events']} dropped"
        )
    else:
        summary = "no monitor is running"
    outcomes = [Outcome("monitor running", Status.PASS if live else Status.FAIL, summary)]
    if live is not None:
        for fb in live.get("fallbacks", []):
            outcomes.append(Outcome(f"fallback {fb['path']}", Status.WARN, fb["reason"]))
    result = Result(
        tool="security-monitor-status",
        outcomes=tuple(outcomes),
        schema=SCHEMA,
        data=data,
        title="monitor status",
        summary=summary,
    )
    write_result(result, fmt, output)
    if live is None:
        raise ThresholdFailed(summary)


# -- intel ---------------------------------------------------------------------------------------------


@click.group()
def intel() -> None:
    """Offline threat intelligence: plain lists, abuse.ch CSV, STIX 2.1 bundles."""


def _update_intel(cfg: Any, root: Path, sources: tuple[str, ...]) -> list[dict[str, Any]]:
    from assay.security import intel as intel_mod
    from assay.security.monitor.daemon import resolve

    chosen = list(sources) or list(cfg.intel_sources)
    if not chosen:
        raise InputError("no intel source: give --from PATH_OR_URL or set security.monitor.intel_sources")
    directory = resolve(root, cfg.intel_dir)
    out = []
    for source in chosen:
        target, found = intel_mod.install(source, directory)
        for error in found.errors[:20]:
            click.echo(f"assay: warning: {printable(error)}", err=True)
        if len(found.errors) > 20:
            click.echo(f"assay: warning: ... and {len(found.errors) - 20} more malformed entries", err=True)
        out.append(
            {"source": source, "installed": str(target), "indicators": found.counts(), "errors": found.errors}
        )
    return out


@intel.command("update")
@config_option
@click.option("--from", "sources", multiple=True, help="A file path or http(s) URL (repeatable).")
@output_options(default=None)
@pass_app
def intel_update(
    app: AppContext, config_file: Path | None, sources: tuple[str, ...], fmt: str | None, output: Path | None
) -> None:
    """Validate intel sources and install them; a running monitor picks them up on SIGHUP."""
    from assay.security.monitor.daemon import SCHEMA

    cfg = monitor_config(app, config_file, {})
    installed = _update_intel(cfg, app.root, sources)
    total = sum(sum(i["indicators"].values()) for i in installed)
    errors = sum(len(i["errors"]) for i in installed)
    summary = (
        f"{total} indicator(s) installed from {len(installed)} source(s); {errors} malformed line(s) skipped"
    )
    write_result(
        Result(tool="security-intel", schema=SCHEMA, data={"installed": installed}, summary=summary),
        fmt,
        output,
    )


@intel.command("show")
@config_option
@output_options(default=None)
@pass_app
def intel_show(app: AppContext, config_file: Path | None, fmt: str | None, output: Path | None) -> None:
    """Counts and age of the installed intel."""
    from assay.security import intel as intel_mod
    from assay.security.monitor.daemon import SCHEMA, resolve

    cfg = monitor_config(app, config_file, {})
    loaded = intel_mod.load_dir(resolve(app.root, cfg.intel_dir))
    age = loaded.age()
    summary = f"{loaded.total()} indicator(s) from {len(loaded.sources)} source(s)" + (
        f", oldest {age / 3600:.1f} h old" if age is not None else ""
    )
    data = {
        "indicators": loaded.counts(),
        "age_seconds": age,
        "sources": loaded.sources,
        "errors": loaded.errors,
    }
    write_result(Result(tool="security-intel", schema=SCHEMA, data=data, summary=summary), fmt, output)


# -- quarantine ------------------------------------------------------------------------------------------


@click.group()
def quarantine() -> None:
    """Quarantined files and other recorded response actions."""


@quarantine.command("list")
@store_option
@output_options(default=None)
@pass_app
def quarantine_list(app: AppContext, store: Path | None, fmt: str | None, output: Path | None) -> None:
    """Every recorded response action, newest first."""
    from assay.security import response
    from assay.security.monitor.daemon import SCHEMA
    from assay.security.monitor.schema import open_store

    with open_store(store_path(app, store)) as st:
        recorded = response.actions(st)
    outcomes = tuple(
        Outcome(
            f"{a.id} {a.action} {a.target}",
            Status.PASS if a.reversed_at else Status.WARN,
            "restored" if a.reversed_at else ("reversible" if a.reversible else "not reversible"),
        )
        for a in recorded
    )
    write_result(
        Result(
            tool="security-response",
            schema=SCHEMA,
            outcomes=outcomes,
            data={"actions": [a.to_json() for a in recorded]},
            summary=f"{len(recorded)} recorded action(s)",
        ),
        fmt,
        output,
    )


@quarantine.command("add")
@click.argument("path", type=click.Path(path_type=Path))
@config_option
@store_option
@pass_app
def quarantine_add(app: AppContext, path: Path, config_file: Path | None, store: Path | None) -> None:
    """Quarantine one file by hand (moved into the 0700 quarantine directory)."""
    from assay.security import response
    from assay.security.monitor.daemon import resolve
    from assay.security.monitor.schema import open_store

    cfg = monitor_config(app, config_file, {})
    with open_store(store_path(app, store)) as st:
        ident = response.quarantine(
            st, path, resolve(app.root, cfg.response.quarantine_dir), protected=cfg.response.protected_paths
        )
    click.echo(f"quarantined {path} as action {ident} (restore: assay security quarantine restore {ident})")


@quarantine.command("restore")
@click.argument("action_id", type=int)
@store_option
@pass_app
def quarantine_restore(app: AppContext, action_id: int, store: Path | None) -> None:
    """Put a quarantined file back where it was, with its mode, owner and mtime."""
    from assay.security import response
    from assay.security.monitor.schema import open_store

    with open_store(store_path(app, store)) as st:
        action = response.restore(st, action_id)
    click.echo(f"restored {action.details['original']} (action {action_id})")
