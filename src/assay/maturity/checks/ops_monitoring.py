"""operations.monitoring: monitoring as code (Prometheus rules, Alertmanager, dashboards)."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict

CANDIDATE_DIRS = ("monitoring", "prometheus", "alerts", "observability", "ops", "deploy", "grafana")


def evaluate(ev: Evidence) -> Verdict:
    files = [p for d in CANDIDATE_DIRS for p in ev.under(d)] + ev.named_like("*.rules.yml", "*.rules.yaml")
    rules: list[str] = []
    dashboards: list[str] = []
    alerting: list[str] = []
    for rel in sorted(set(files))[:500]:
        if rel.endswith((".yml", ".yaml")):
            text = ev.text(rel, 262144) or ""
            if "groups:" in text and ("expr:" in text or "alert:" in text):
                rules.append(rel)
            elif "route:" in text and "receivers:" in text:
                alerting.append(rel)
        elif rel.endswith(".json"):
            text = ev.text(rel, 65536) or ""
            if '"panels"' in text:
                dashboards.append(rel)
    lines = [
        f"Prometheus rule files: {len(rules)}",
        f"Alertmanager configs: {len(alerting)}",
        f"dashboards: {len(dashboards)}",
    ]
    kinds = sum(1 for x in (rules, alerting, dashboards) if x)
    if rules and dashboards:
        return Verdict.scored(10, *lines)
    if kinds:
        return Verdict.scored(4 + 2 * kinds, *lines)
    return Verdict.scored(0, "no Prometheus rules, Alertmanager configuration or dashboards")


CHECK = Check(
    id="operations.monitoring",
    category="operations",
    title="Monitoring configuration",
    weight=2,
    evaluate=evaluate,
    remediation="Keep Prometheus alert rules (with promtool tests) and Grafana dashboards under monitoring/.",
    motivation="What is not monitored fails silently.",
    effort="medium",
)
