"""A real `assay security monitor` daemon started on loopback for the integration tests here."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ASSAY_BIN, listening_url

StartMonitor = Callable[[dict[str, Any], Path], tuple["subprocess.Popen[str]", str]]


@pytest.fixture
def start_monitor(tmp_path: Path) -> Iterator[StartMonitor]:
    """Start a daemon watching `watched` with `config` (plus a pid and state file in tmp_path) on an
    ephemeral HTTP port; returns the process and its base URL. A daemon still running at teardown
    gets SIGTERM."""
    started: list[subprocess.Popen[str]] = []

    def start(config: dict[str, Any], watched: Path) -> tuple[subprocess.Popen[str], str]:
        cfg = tmp_path / "cfg.json"
        cfg.write_text(
            json.dumps(
                {"pid_file": str(tmp_path / "m.pid"), "state_file": str(tmp_path / "m.json"), **config}
            )
        )
        daemon = subprocess.Popen(
            [
                str(ASSAY_BIN),
                "--store",
                str(tmp_path / "db"),
                "security",
                "monitor",
                "--config",
                str(cfg),
                "--watch",
                str(watched),
                "--http-port",
                "0",
            ],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        started.append(daemon)
        return daemon, listening_url(daemon)

    yield start
    for daemon in started:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=15)
