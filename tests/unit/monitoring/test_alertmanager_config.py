"""The shipped Alertmanager configuration, checked and routed by the real amtool."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import require_binary

MONITORING = Path(__file__).resolve().parents[3] / "monitoring"
CONFIG = MONITORING / "alertmanager" / "alertmanager.yml"
ALERT_RULES = MONITORING / "prometheus" / "rules" / "assay-alerts.yml"


def amtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    binary = require_binary("amtool")
    return subprocess.run([binary, *map(str, args)], capture_output=True, text=True, timeout=60)


def receivers_for(*labels: str) -> list[str]:
    proc = amtool("config", "routes", "test", f"--config.file={CONFIG}", *labels)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_amtool_check_config_passes() -> None:
    proc = amtool("check-config", CONFIG)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


def test_amtool_rejects_a_route_to_an_undefined_receiver(tmp_path: Path) -> None:
    config = yaml.safe_load(CONFIG.read_text())
    config["route"]["routes"][0]["receiver"] = "nobody"
    broken = tmp_path / "alertmanager.yml"
    broken.write_text(yaml.safe_dump(config))
    proc = amtool("check-config", broken)
    assert proc.returncode != 0
    assert "nobody" in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("severity", "receiver"),
    [("critical", "pager"), ("warning", "team-chat"), ("info", "dashboard-only")],
)
def test_severity_routes_to_its_receiver(severity: str, receiver: str) -> None:
    assert receivers_for(f"severity={severity}", "alertname=AssayAnything", "job=web") == [receiver]


def test_every_shipped_alert_reaches_the_receiver_its_severity_names() -> None:
    expected = {"critical": "pager", "warning": "team-chat", "info": "dashboard-only"}
    for group in yaml.safe_load(ALERT_RULES.read_text())["groups"]:
        for rule in group["rules"]:
            severity = rule["labels"]["severity"]
            got = receivers_for(f"alertname={rule['alert']}", f"severity={severity}")
            assert got == [expected[severity]], rule["alert"]


def _route(severity: str) -> dict[str, Any]:
    config = yaml.safe_load(CONFIG.read_text())
    return next(r for r in config["route"]["routes"] if r["matchers"] == [f'severity="{severity}"'])


def test_critical_pages_at_once_and_repeats_more_often_than_warnings() -> None:
    assert _route("critical")["group_wait"] == "0s"
    assert _route("warning")["group_wait"] != "0s"
    hours = {"1h": 1, "12h": 12, "24h": 24}
    assert hours[_route("critical")["repeat_interval"]] < hours[_route("warning")["repeat_interval"]]


def test_critical_inhibits_warning_of_the_same_alert_and_instance() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    rule = config["inhibit_rules"][0]
    assert rule["source_matchers"] == ['severity="critical"']
    assert rule["target_matchers"] == ['severity="warning"']
    assert {"alertname", "instance"} <= set(rule["equal"])


def test_no_secret_is_written_in_the_config() -> None:
    """Webhook URLs and routing keys come from files the operator provisions."""
    config = yaml.safe_load(CONFIG.read_text())
    assert "slack_api_url" not in config["global"]
    for receiver in config["receivers"]:
        for entry in receiver.get("pagerduty_configs", []):
            assert "routing_key" not in entry and "service_key" not in entry
            assert entry["routing_key_file"].startswith("/etc/alertmanager/secrets/")
        for entry in receiver.get("slack_configs", []):
            assert "api_url" not in entry
