"""Heavy file churn against a real daemon: it stays up, memory stays bounded, and every file written
after the churn (which real-time mode can see) is reported. The unpaced ten-minute run on a larger tree
is `benchmarks/monitor_churn.py --minutes 10` (figures in docs/performance.md)."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# The `start_monitor` fixture (conftest.py here): config and watched dir in, daemon and base URL out.
StartMonitor = Callable[[dict[str, Any], Path], tuple["subprocess.Popen[str]", str]]

# Paced so the test means the same on an idle and on a loaded CI machine: an unpaced writer in the
# test process can outrun any consumer on a busy 2-core box. The unpaced ten-minute run is the
# benchmark (benchmarks/monitor_churn.py).
OPS_PER_SECOND = 1000


def churn(root: Path, stop: threading.Event) -> int:
    rng = random.Random(3)
    ops = 0
    started = time.monotonic()
    while not stop.is_set():
        if ops % 50 == 0:
            ahead = ops / OPS_PER_SECOND - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
        d = root / f"d{rng.randrange(20)}"
        d.mkdir(exist_ok=True)
        p = d / f"f{rng.randrange(200)}"
        choice = rng.random()
        try:
            if choice < 0.5:
                p.write_bytes(rng.randbytes(rng.randrange(1, 4096)))
            elif choice < 0.8:
                p.unlink(missing_ok=True)
            else:
                p.rename(d / f"f{rng.randrange(200)}")
        except FileNotFoundError:
            pass
        ops += 1
    return ops


def test_churn_then_every_new_file_is_reported(tmp_path: Path, start_monitor: StartMonitor) -> None:
    watched = tmp_path / "w"
    watched.mkdir()
    daemon, url = start_monitor(
        {
            "processes": False,
            "network": False,
            "logins": False,
            "dedup_seconds": 0,
            "auto_ignore_per_hour": 0,
            "event_buffer": 10000,
        },
        watched,
    )
    proc = psutil.Process(daemon.pid)
    try:
        stop = threading.Event()
        counted: list[int] = []
        worker = threading.Thread(target=lambda: counted.append(churn(watched, stop)))
        worker.start()
        time.sleep(3)
        rss_early = proc.memory_info().rss
        time.sleep(10)
        stop.set()
        worker.join()
        rss_late = proc.memory_info().rss
        assert daemon.poll() is None, "the daemon died under churn"
        assert counted[0] > 5000
        # After the churn: 100 distinct new files, each must be reported exactly as added.
        final = watched / "final"
        final.mkdir()
        time.sleep(0.5)  # the new directory's watch is in place before its files arrive
        names = {str(final / f"n{n}") for n in range(100)}
        for name in names:
            Path(name).write_text("x")
        deadline = time.monotonic() + 60
        seen: set[str] = set()
        while time.monotonic() < deadline and not names <= seen:
            with urllib.request.urlopen(url + "/api/events?limit=10000", timeout=10) as resp:
                seen = {e.get("file.path") for e in json.loads(resp.read()) if e["event.action"] == "added"}
            time.sleep(0.5)
        assert names - seen == set()
        with urllib.request.urlopen(url + "/api/status", timeout=10) as resp:
            status = json.loads(resp.read())
        assert status["dropped_events"] == 0, status
        # Thousands of P1 changes are one open incident per action, not one per path.
        assert 1 <= len(status["incidents_opened"]) <= 3
        # Memory is bounded by the tree and the event ring, not by the number of operations.
        assert rss_late - rss_early < 40 * 2**20, (rss_early, rss_late)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=15)
    assert daemon.returncode == 0
