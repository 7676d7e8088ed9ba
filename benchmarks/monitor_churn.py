#!/usr/bin/env python3
"""Heavy file churn against a real monitor daemon for N minutes: it must not crash, its RSS must stay
flat, and after the churn every new file (which real-time mode can see) must be reported.

    .venv/bin/python benchmarks/monitor_churn.py [--minutes 10]

Prints a Markdown table: operations, RSS samples, dropped events, files reported.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

ASSAY = Path(sys.executable).with_name("assay")


def churn(root: Path, stop: threading.Event, counter: list[int]) -> None:
    rng = random.Random(5)
    while not stop.is_set():
        d = root / f"d{rng.randrange(50)}"
        d.mkdir(exist_ok=True)
        p = d / f"f{rng.randrange(500)}"
        r = rng.random()
        try:
            if r < 0.5:
                p.write_bytes(rng.randbytes(rng.randrange(1, 8192)))
            elif r < 0.8:
                p.unlink(missing_ok=True)
            else:
                p.rename(d / f"f{rng.randrange(500)}")
        except FileNotFoundError:
            pass
        counter[0] += 1


def get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.loads(resp.read())


def start_daemon(
    work: Path, store: Path, watched: Path, config: dict[str, object]
) -> tuple[subprocess.Popen[str], str]:
    """`assay security monitor` watching files only under `watched` with `config` (pid and state files in
    `work`) on an ephemeral port; returns the process and its base URL. monitor_vs_aide.py uses it too."""
    files_only = {"processes": False, "network": False, "logins": False}
    own = {"pid_file": str(work / "m.pid"), "state_file": str(work / "m.json")}
    cfg = work / "daemon.json"
    cfg.write_text(json.dumps({**files_only, **own, **config}))
    daemon = subprocess.Popen(
        [
            *(str(ASSAY), "--store", str(store), "security", "monitor", "--config", str(cfg)),
            *("--watch", str(watched), "--http-port", "0"),
        ],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert daemon.stdout is not None
    return daemon, daemon.stdout.readline().split("listening on ", 1)[1].split()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="assay-churn-"))
    watched = work / "w"
    watched.mkdir()
    daemon, url = start_daemon(work, work / "db", watched, {"event_buffer": 5000})
    proc = psutil.Process(daemon.pid)
    stop = threading.Event()
    counter = [0]
    worker = threading.Thread(target=churn, args=(watched, stop, counter))
    worker.start()
    samples = []
    end = time.monotonic() + args.minutes * 60
    try:
        while time.monotonic() < end:
            time.sleep(min(30.0, max(0.0, end - time.monotonic())))
            samples.append(proc.memory_info().rss / 2**20)
            if daemon.poll() is not None:
                break
        stop.set()
        worker.join()
        alive = daemon.poll() is None
        final = watched / "final"
        final.mkdir()
        time.sleep(1)
        names = {str(final / f"n{n}") for n in range(200)}
        for name in names:
            Path(name).write_text("x")
        deadline = time.monotonic() + 120
        seen: set[str] = set()
        while alive and time.monotonic() < deadline and not names <= seen:
            events = get(url + "/api/events?limit=5000")
            assert isinstance(events, list)
            seen = {e.get("file.path") for e in events}
            time.sleep(1)
        status = get(url + "/api/status") if alive else {}
        assert isinstance(status, dict)
    finally:
        stop.set()
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(30)
        shutil.rmtree(work, ignore_errors=True)
    print(f"| churn for {args.minutes:g} min | value |")
    print("|---|---|")
    print(f"| daemon alive at the end | {alive} |")
    print(f"| file operations | {counter[0]} |")
    print(f"| RSS MB (first, max, last sample) | {samples[0]:.1f}, {max(samples):.1f}, {samples[-1]:.1f} |")
    print(f"| auto-ignored paths | {len(status.get('auto_ignored', []))} |")
    print(f"| dropped events (queue + auto-ignored) | {status.get('dropped_events')} |")
    print(f"| new files reported after the churn | {len(names & seen)}/{len(names)} |")
    return 0 if alive and names <= seen else 1


if __name__ == "__main__":
    sys.exit(main())
