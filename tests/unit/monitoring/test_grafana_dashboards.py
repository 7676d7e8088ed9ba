"""The shipped Grafana dashboards: valid dashboard JSON with the datasource as a variable, every
query naming only catalogue metrics (or assay's recording rules) and parsing as PromQL."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import require_binary

MONITORING = Path(__file__).resolve().parents[3] / "monitoring"
DASHBOARDS = sorted((MONITORING / "grafana" / "dashboards").glob("*.json"))
RULES = MONITORING / "prometheus" / "rules" / "assay-recording.yml"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def queries(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, PromQL) for every panel target and every query variable."""
    for panel in doc["panels"]:
        for target in panel.get("targets", []):
            yield f"{doc['uid']} panel {panel['title']!r}", target["expr"]
    for var in doc["templating"]["list"]:
        if var["type"] == "query":
            yield f"{doc['uid']} variable {var['name']}", var["query"]["query"]


def recorded_names() -> set[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {rule["record"] for group in groups for rule in group["rules"]}


def as_promql(expr: str) -> str:
    """Grafana's variables replaced by what Grafana would substitute, so promtool can parse it."""
    expr = re.sub(r"label_values\((\w+), *\w+\)", r"\1", expr)
    return expr.replace("$__rate_interval", "5m").replace("$job", ".*")


def test_the_four_dashboards_are_shipped() -> None:
    titles = {load(p)["title"] for p in DASHBOARDS}
    assert titles == {
        "assay / Repository maturity",
        "assay / Quality gates and coverage",
        "assay / Performance trends",
        "assay / Security monitor",
    }
    assert len({load(p)["uid"] for p in DASHBOARDS}) == len(DASHBOARDS)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboard_json_is_valid_with_datasource_as_a_variable(path: Path) -> None:
    doc = load(path)
    assert isinstance(doc["schemaVersion"], int) and doc["schemaVersion"] >= 36
    assert doc["uid"] == path.stem and len(doc["uid"]) <= 40
    variables = {v["name"]: v for v in doc["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    ids = [panel["id"] for panel in doc["panels"]]
    assert len(ids) == len(set(ids))
    for panel in doc["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24 and grid["h"] > 0, panel["title"]
        assert panel["datasource"] == DATASOURCE, panel["title"]
        for target in panel.get("targets", []):
            assert target["datasource"] == DATASOURCE, panel["title"]
            assert target["expr"].strip(), panel["title"]
        if panel["type"] != "alertlist":
            assert panel["targets"], panel["title"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_every_query_names_only_catalogue_metrics(
    path: Path, promql_names: Callable[[str], set[str]], known_series: set[str]
) -> None:
    allowed = known_series | recorded_names()
    unknown = {where: sorted(promql_names(expr) - allowed) for where, expr in queries(load(path))}
    assert {where: names for where, names in unknown.items() if names} == {}
    assert all(promql_names(expr) for _, expr in queries(load(path)))


def test_every_query_is_valid_promql(tmp_path: Path) -> None:
    """promtool parses each query (Grafana variables substituted) as a recording rule."""
    promtool = require_binary("promtool")
    exprs = sorted({as_promql(expr) for path in DASHBOARDS for _, expr in queries(load(path))})
    rules = [{"record": f"dashboard:query:{i}", "expr": expr} for i, expr in enumerate(exprs)]
    target = tmp_path / "dashboard-queries.yml"
    target.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    proc = subprocess.run(
        [promtool, "check", "rules", str(target)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(rules)} rules found" in proc.stdout


def test_the_security_dashboard_shows_every_alerting_security_metric(
    promql_names: Callable[[str], set[str]],
) -> None:
    from assay.metrics import CATALOGUE

    doc = load(MONITORING / "grafana" / "dashboards" / "assay-security.json")
    shown = set().union(*(promql_names(expr) for _, expr in queries(doc)))
    for spec in CATALOGUE:
        if spec.tool == "security-monitor" and spec.alert:
            assert shown & set(CATALOGUE.exposed_names(spec.name)), spec.name


def test_provisioning_loads_the_dashboards_and_a_prometheus_datasource() -> None:
    grafana = MONITORING / "grafana" / "provisioning"
    providers = yaml.safe_load((grafana / "dashboards" / "assay.yml").read_text())["providers"]
    assert providers[0]["type"] == "file"
    assert providers[0]["options"]["path"] == "/var/lib/grafana/dashboards/assay"
    sources = yaml.safe_load((grafana / "datasources" / "assay.yml").read_text())["datasources"]
    assert {s["type"] for s in sources} == {"prometheus", "alertmanager"}
