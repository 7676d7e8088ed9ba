"""A real Prometheus scrapes a real monitor daemon with the shipped alert rules loaded: a changed file
and a burst of failed logins fire AssayFileIntegrityViolation and AssayBruteForceLogin."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import free_port, require_binary, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# The `start_monitor` fixture (conftest.py here): config and watched dir in, daemon and base URL out.
StartMonitor = Callable[[dict[str, Any], Path], tuple["subprocess.Popen[str]", str]]

REPO_ROOT = Path(__file__).resolve().parents[3]


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


def test_prometheus_alerts_fire_from_the_daemons_metrics(tmp_path: Path, start_monitor: StartMonitor) -> None:
    prometheus = require_binary("prometheus")
    watched = tmp_path / "w"
    watched.mkdir()
    (watched / "config").write_text("safe\n")
    auth = tmp_path / "auth.log"
    auth.write_text("")
    daemon, url = start_monitor(
        {
            "processes": False,
            "network": False,
            "auth_logs": [str(auth)],
            "auth_threshold": 3,
            "poll_interval": 0.5,
        },
        watched,
    )
    target = url.removeprefix("http://")
    web = free_port()
    (tmp_path / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"rule_files:\n  - {REPO_ROOT / 'monitoring' / 'prometheus' / 'rules' / 'assay-alerts.yml'}\n"
        "scrape_configs:\n  - job_name: monitor\n"
        f"    static_configs:\n      - targets: ['{target}']\n"
    )
    prom = subprocess.Popen(
        [
            prometheus,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{web}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def query(expr: str) -> list[dict[str, Any]]:
        url = f"http://127.0.0.1:{web}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        return list(get_json(url)["data"]["result"])

    def firing(name: str) -> list[dict[str, Any]]:
        return query(f'ALERTS{{alertname="{name}", alertstate="firing"}}')

    try:
        wait_for(lambda: query('security_monitor_up{job="monitor"} == 1'), 60, "the first scrape")
        time.sleep(2)  # a second sample of the zero counters
        (watched / "config").write_text("tampered\n")
        with auth.open("a") as fh:
            fh.write("sshd[7]: Failed password for root from 198.51.100.23 port 4 ssh2\n" * 3)
        alerts = wait_for(lambda: firing("AssayFileIntegrityViolation"), 60, "the integrity alert")
        assert alerts[0]["metric"]["action"] == "changed"
        assert alerts[0]["metric"]["severity"] == "critical"
        burst = wait_for(lambda: firing("AssayBruteForceLogin"), 60, "the brute-force alert")
        assert burst[0]["metric"]["source"] == "198.51.100.23"
    finally:
        prom.terminate()
        prom.wait(timeout=20)
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=15)
