"""monitoring/docker-compose.monitoring.yml stays consistent with the files it mounts and the
addresses the shipped Prometheus, Alertmanager and Grafana configuration point at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MONITORING = Path(__file__).resolve().parents[3] / "monitoring"
COMPOSE = MONITORING / "docker-compose.monitoring.yml"


def compose() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return doc


def mounts(service: str) -> dict[str, str]:
    """Container path -> host path (relative to monitoring/) for bind mounts."""
    out = {}
    for volume in compose()["services"][service].get("volumes", []):
        source, target = volume.split(":")[:2]
        out[target] = source
    return out


def listen(service: str, flag: str = "--web.listen-address=") -> str:
    for arg in compose()["services"][service].get("command", []):
        if arg.startswith(flag):
            return str(arg.removeprefix(flag))
    raise AssertionError(f"{service} has no {flag}")


def test_the_four_services_are_defined() -> None:
    assert set(compose()["services"]) == {"prometheus", "alertmanager", "pushgateway", "grafana"}


def test_every_bind_mount_source_exists() -> None:
    for service in compose()["services"]:
        for source in mounts(service).values():
            if source.startswith("./") and not source.endswith("/secrets"):
                assert (MONITORING / source).exists(), f"{service}: {source}"


def test_prometheus_mounts_its_config_where_rule_files_resolve() -> None:
    prom = mounts("prometheus")
    assert prom["/etc/prometheus/prometheus.yml"] == "./prometheus/prometheus.yml"
    config = yaml.safe_load((MONITORING / "prometheus" / "prometheus.yml").read_text())
    # rule_files are relative to the config file's directory, /etc/prometheus in the container.
    for rule_file in config["rule_files"]:
        directory, name = rule_file.split("/")
        assert prom[f"/etc/prometheus/{directory}"] == f"./prometheus/{directory}"
        assert (MONITORING / "prometheus" / directory / name).exists()


def test_listen_addresses_match_what_the_configs_point_at() -> None:
    prometheus = yaml.safe_load((MONITORING / "prometheus" / "prometheus.yml").read_text())
    alertmanagers = prometheus["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert alertmanagers == [listen("alertmanager")]
    targets = {job["job_name"]: job["static_configs"][0]["targets"] for job in prometheus["scrape_configs"]}
    assert targets["pushgateway"] == [listen("pushgateway")]
    datasources = yaml.safe_load(
        (MONITORING / "grafana" / "provisioning" / "datasources" / "assay.yml").read_text()
    )
    urls = {d["type"]: d["url"] for d in datasources["datasources"]}
    assert urls["prometheus"] == f"http://{listen('prometheus')}"
    assert urls["alertmanager"] == f"http://{listen('alertmanager')}"
    assert listen("alertmanager", "--cluster.listen-address=") == ""  # no gossip port on 0.0.0.0


def test_everything_listens_on_loopback_only() -> None:
    for name, service in compose()["services"].items():
        assert service["network_mode"] == "host", name
        assert "ports" not in service, name
        if name == "grafana":
            assert service["environment"]["GF_SERVER_HTTP_ADDR"] == "127.0.0.1"
        else:
            assert listen(name).startswith("127.0.0.1:"), name


def test_alertmanager_secrets_are_mounted_where_the_config_reads_them() -> None:
    am = mounts("alertmanager")
    assert am["/etc/alertmanager/alertmanager.yml"] == "./alertmanager/alertmanager.yml"
    assert "/etc/alertmanager/secrets" in am
    config = (MONITORING / "alertmanager" / "alertmanager.yml").read_text()
    for line in config.splitlines():
        if "_file:" in line:
            assert line.split(":", 1)[1].strip().startswith("/etc/alertmanager/secrets/"), line


def test_grafana_loads_the_shipped_dashboards_and_no_password_is_written() -> None:
    grafana = mounts("grafana")
    provider = yaml.safe_load(
        (MONITORING / "grafana" / "provisioning" / "dashboards" / "assay.yml").read_text()
    )
    path = provider["providers"][0]["options"]["path"]
    assert grafana[path] == "./grafana/dashboards"
    assert grafana["/etc/grafana/provisioning/dashboards"] == "./grafana/provisioning/dashboards"
    assert grafana["/etc/grafana/provisioning/datasources"] == "./grafana/provisioning/datasources"
    password = compose()["services"]["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"]
    assert password.startswith("${GRAFANA_ADMIN_PASSWORD")
