"""SECURITY.md says what the code does: the ports, the pid file and the template guarantees it states."""

from __future__ import annotations

import re

from assay.config import MetricsSection
from assay.security.monitor.config import MonitorSection
from conftest import REPO_ROOT

TEXT = (REPO_ROOT / "SECURITY.md").read_text()


def test_the_policy_has_every_part_a_reporter_needs() -> None:
    headings = re.findall(r"^## (.+)$", TEXT, re.M)
    assert headings == [
        "Supported versions",
        "Reporting a vulnerability",
        "Response times",
        "Scope",
        "Security architecture",
    ]
    assert "/security/advisories/new" in TEXT  # private reporting, not a public issue
    for severity in ("critical", "high", "medium", "low"):
        assert re.search(rf"^\| {severity} \(", TEXT, re.M), severity
    for part in ("security monitor daemon", "HTTP endpoints", "Template generation"):
        assert part in TEXT


def test_the_architecture_table_matches_the_defaults_in_the_code() -> None:
    metrics = MetricsSection()
    monitor = MonitorSection()
    assert f"{metrics.host}:{metrics.port} by default" in TEXT
    assert f"{monitor.http_host}:{monitor.http_port} by default" in TEXT
    assert f"its pid file (`{monitor.pid_file}`)" in TEXT
    assert "monitoring/systemd/assay-monitor.service" in TEXT
