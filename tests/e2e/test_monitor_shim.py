"""security/runtime-security-monitor.py as cron or systemd runs it, and the shipped example config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assay.security.monitor.config import MonitorSection

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIM = REPO_ROOT / "security" / "runtime-security-monitor.py"


def shim(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SHIM), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_example_config_is_valid() -> None:
    data = json.loads((REPO_ROOT / "security" / "security-config.example.json").read_text())
    section = MonitorSection.model_validate(data)
    assert section.http_host == "127.0.0.1"
    assert section.siem and section.watch
    assert set(data) <= set(MonitorSection.model_fields)  # no key the model would silently ignore


def test_shim_once_status_and_intel(tmp_path: Path) -> None:
    watched = tmp_path / "w"
    watched.mkdir()
    (watched / "f").write_text("x")
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"processes": False, "network": False, "logins": False}))
    store = str(tmp_path / "db")
    first = shim(
        tmp_path, "--once", "--config", str(cfg), "--watch", str(watched), "--store", store, "-f", "json"
    )
    assert first.returncode == 0, first.stderr
    (watched / "f").write_text("y")
    second = shim(
        tmp_path, "--once", "--config", str(cfg), "--watch", str(watched), "--store", store, "-f", "json"
    )
    assert second.returncode == 1
    assert json.loads(second.stdout)["events"][0]["event.action"] == "changed"
    status = shim(tmp_path, "--status", "--config", str(cfg), "--store", store, "-f", "json")
    assert status.returncode == 1 and json.loads(status.stdout)["running"] is False
    feed = tmp_path / "feed.txt"
    feed.write_text("203.0.113.8\n")
    intel = shim(tmp_path, "--update-threat-intel", "--from", str(feed), "-f", "json")
    assert intel.returncode == 0, intel.stderr
    assert json.loads(intel.stdout)["installed"][0]["indicators"]["ip"] == 1
