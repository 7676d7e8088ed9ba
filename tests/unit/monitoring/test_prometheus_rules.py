"""The shipped Prometheus rules: valid for promtool, unit-tested by promtool, named from the metric
catalogue, covering every alerting metric, and every alert carries a severity and a runbook."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from assay.metrics import CATALOGUE
from conftest import require_binary

MONITORING = Path(__file__).resolve().parents[3] / "monitoring"
PROMETHEUS = MONITORING / "prometheus"
RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
TEST_FILES = sorted((PROMETHEUS / "tests").glob("*.test.yml"))
MONITORING_DOC = MONITORING.parent / "docs" / "monitoring.md"
SEVERITIES = {"critical", "warning", "info"}
PROCEDURE_FILES = {"docs/rollback.md", "security/incident-response-procedures.md"}


def rules() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            out.extend(group["rules"])
    return out


def alert_rules() -> list[dict[str, Any]]:
    return [rule for rule in rules() if "alert" in rule]


def recorded_names() -> set[str]:
    return {rule["record"] for rule in rules() if "record" in rule}


def promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    binary = require_binary("promtool")
    return subprocess.run([binary, *map(str, args)], capture_output=True, text=True, timeout=120)


def test_the_rule_files_exist() -> None:
    assert {p.name for p in RULE_FILES} == {"assay-alerts.yml", "assay-recording.yml"}
    assert len(alert_rules()) >= 10


def test_promtool_check_rules_passes() -> None:
    proc = promtool("check", "rules", *RULE_FILES)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_promtool_unit_tests_pass() -> None:
    proc = promtool("test", "rules", *TEST_FILES)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("SUCCESS") == len(TEST_FILES)


def test_promtool_check_config_accepts_the_shipped_prometheus_yml() -> None:
    proc = promtool("check", "config", PROMETHEUS / "prometheus.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    assert sorted(config["rule_files"]) == sorted(f"rules/{p.name}" for p in RULE_FILES)


def test_promtool_notices_a_broken_expectation(tmp_path: Path) -> None:
    """The unit tests can fail: an expectation that contradicts the rules is reported."""
    suite = yaml.safe_load((PROMETHEUS / "tests" / "assay-alerts.test.yml").read_text())
    suite["rule_files"] = [str(PROMETHEUS / "rules" / "assay-alerts.yml")]
    first = suite["tests"][0]["alert_rule_test"][-1]
    first["exp_alerts"] = []
    broken = tmp_path / "broken.test.yml"
    broken.write_text(yaml.safe_dump(suite))
    proc = promtool("test", "rules", broken)
    assert proc.returncode != 0
    assert "FAILED" in proc.stdout + proc.stderr


def test_every_rule_names_only_catalogue_metrics(
    promql_names: Callable[[str], set[str]], known_series: set[str]
) -> None:
    allowed = known_series | recorded_names()
    unknown = {
        rule.get("alert") or rule["record"]: sorted(promql_names(rule["expr"]) - allowed) for rule in rules()
    }
    assert {name: names for name, names in unknown.items() if names} == {}


def test_the_name_check_rejects_an_unknown_metric(
    promql_names: Callable[[str], set[str]], known_series: set[str]
) -> None:
    expr = (
        'sum by (job) (rate(assay_made_up_total{severity="critical"}[5m])) > on (job) test_coverage_overall'
    )
    assert promql_names(expr) - known_series == {"assay_made_up_total"}


def test_recording_rules_follow_the_level_metric_operation_convention() -> None:
    for name in recorded_names():
        level, metric, operation = name.split(":")
        assert level and operation, name
        assert any(metric in exposed or exposed.startswith(metric) for exposed in _exposed()), name


def _exposed() -> set[str]:
    return {exposed for name in CATALOGUE.names() for exposed in CATALOGUE.exposed_names(name)}


def test_every_alerting_metric_has_an_alert_rule(promql_names: Callable[[str], set[str]]) -> None:
    used = set().union(*(promql_names(rule["expr"]) for rule in alert_rules()))
    missing = [
        spec.name for spec in CATALOGUE if spec.alert and not used & set(CATALOGUE.exposed_names(spec.name))
    ]
    assert missing == []


def test_every_alert_has_a_severity_summary_and_runbook() -> None:
    for rule in alert_rules():
        assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
        annotations = rule["annotations"]
        assert annotations["summary"] and annotations["description"], rule["alert"]
        assert annotations["runbook_url"] == f"docs/monitoring.md#{rule['alert'].lower()}", rule["alert"]
        if "procedure" in annotations:
            path, _, anchor = annotations["procedure"].partition("#")
            assert path in PROCEDURE_FILES and anchor, rule["alert"]
    assert {rule["labels"]["severity"] for rule in alert_rules()} == SEVERITIES


def test_runbook_anchors_exist_in_docs_monitoring_md() -> None:
    anchors = _slugs(MONITORING_DOC)
    for rule in alert_rules():
        assert rule["annotations"]["runbook_url"].split("#", 1)[1] in anchors, rule["alert"]


def test_procedure_anchors_are_listed_in_docs_monitoring_md() -> None:
    """Other documents own these anchors; docs/monitoring.md lists each one they must keep."""
    text = MONITORING_DOC.read_text()
    for rule in alert_rules():
        procedure = rule["annotations"].get("procedure")
        if procedure:
            assert procedure in text, rule["alert"]


def _promtool_tested_names() -> tuple[set[tuple[str, str]], set[str]]:
    alerts: set[tuple[str, str]] = set()
    exprs: set[str] = set()
    for path in TEST_FILES:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                for expected in check["exp_alerts"]:
                    alerts.add((check["alertname"], expected["exp_labels"]["severity"]))
            for check in case.get("promql_expr_test", []):
                exprs.add(check["expr"])
    return alerts, exprs


@pytest.mark.parametrize("kind", ["alert", "record"])
def test_every_rule_has_a_promtool_unit_test(kind: str) -> None:
    fired, recorded = _promtool_tested_names()
    if kind == "alert":
        # Each rule (both levels of a two-level alert) is expected to fire in some test case.
        assert {(r["alert"], r["labels"]["severity"]) for r in alert_rules()} - fired == set()
    else:
        assert recorded_names() - recorded == set()


def _slugs(markdown: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+\s+(.+?)\s*$", markdown.read_text(), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


@pytest.mark.parametrize("document", sorted(PROCEDURE_FILES))
def test_procedure_links_land_on_a_heading(document: str) -> None:
    path = MONITORING.parent / document
    if not path.exists():
        pytest.skip(
            f"SKIPPED LOUDLY: {document} is not written yet; its anchors are listed in docs/monitoring.md"
        )
    anchors = _slugs(path)
    for rule in alert_rules():
        target, _, anchor = rule["annotations"].get("procedure", "").partition("#")
        if target == document:
            assert anchor in anchors, f"{rule['alert']}: {document} has no heading for #{anchor}"
