"""The shipped rules and routing end to end with the real binaries, all on 127.0.0.1:
Prometheus scrapes `assay metrics serve` and a Pushgateway fed by `assay metrics push`, evaluates
monitoring/prometheus/rules/*.yml, and Alertmanager (monitoring/alertmanager/alertmanager.yml with
its receivers pointed at this test) delivers the firing alert to a webhook receiver here."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from assay.results import Measurement, Result
from assay.store import Store
from assay.vcs import RepoInfo
from conftest import ASSAY_BIN, free_port, require_binary

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MONITORING = Path(__file__).resolve().parents[3] / "monitoring"
RULES = sorted((MONITORING / "prometheus" / "rules").glob("*.yml"))
REPO = RepoInfo(root=Path("/srv/web"), commit="c" * 40, branch="main", dirty=False, is_git=True)


def http_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (OSError, ValueError) as exc:
            last = exc
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


class Webhook:
    """An Alertmanager webhook receiver: remembers each POST body by path (= receiver name)."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        lock = threading.Lock()
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    posts.append((self.path, json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        serve = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        serve.start()

    def alerts(self, receiver: str) -> list[dict[str, Any]]:
        return [
            alert for path, body in list(self.posts) if path == f"/{receiver}" for alert in body["alerts"]
        ]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Processes:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, *argv: str) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{name}.log").open("wb")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        self.running.append((name, proc))
        return proc

    def logs(self) -> str:
        return "\n".join(
            f"--- {name}\n{(self.tmp / f'{name}.log').read_text()[-3000:]}" for name, _ in self.running
        )

    def stop(self) -> None:
        for _, proc in reversed(self.running):
            proc.terminate()
        for _, proc in self.running:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def record(db: Path, tool: str, *measurements: Measurement) -> None:
    with Store(db) as store:
        store.record(Result(tool=tool, measurements=measurements), REPO)


def test_a_firing_alert_travels_from_assay_to_the_webhook(tmp_path: Path) -> None:
    prometheus = require_binary("prometheus")
    alertmanager = require_binary("prometheus-alertmanager")
    pushgateway = require_binary("prometheus-pushgateway")

    # What `assay metrics serve` exports: a new critical finding and coverage far below target.
    served = tmp_path / "served.db"
    record(served, "security-scan", Measurement("security_findings_new", 2, {"severity": "critical"}))
    record(served, "coverage", Measurement("test_coverage_overall", 42.0))
    # What CI on main pushed: a benchmark regressed.
    pushed = tmp_path / "pushed.db"
    record(
        pushed, "perf", Measurement("performance_test_regression_detected", 1, {"benchmark": "test_parse"})
    )

    webhook = Webhook()
    procs = Processes(tmp_path)
    try:
        _run_stack(tmp_path, procs, webhook, served, pushed, prometheus, alertmanager, pushgateway)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{procs.logs()}") from None
    finally:
        procs.stop()
        webhook.close()


def _run_stack(
    tmp: Path,
    procs: Processes,
    webhook: Webhook,
    served: Path,
    pushed: Path,
    prometheus: str,
    alertmanager: str,
    pushgateway: str,
) -> None:
    # The exporter, on a port it picks and prints (`port=N` on stderr).
    procs.start("exporter", str(ASSAY_BIN), "--store", str(served), "metrics", "serve", "--port", "0")

    def exporter_port() -> int:
        for line in (tmp / "exporter.log").read_text().splitlines():
            if line.startswith("port="):
                return int(line.split("=", 1)[1])
        return 0

    port = wait_for(exporter_port, 30, "assay metrics serve to print its port")

    # The Pushgateway, fed by `assay metrics push` as a CI job would.
    gateway_port = free_port()
    procs.start(
        "pushgateway", pushgateway, f"--web.listen-address=127.0.0.1:{gateway_port}", "--log.level=warn"
    )
    wait_for(lambda: urllib.request.urlopen(f"http://127.0.0.1:{gateway_port}/-/ready"), 30, "Pushgateway")
    push = subprocess.run(
        [
            str(ASSAY_BIN),
            "--store",
            str(pushed),
            "metrics",
            "push",
            f"http://127.0.0.1:{gateway_port}",
            "--job",
            "ci-main",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert push.returncode == 0, push.stderr

    # Alertmanager with the shipped routing tree and inhibitions; only the receivers' integrations
    # are replaced by webhooks to this test (no Slack or PagerDuty here).
    am_config = yaml.safe_load((MONITORING / "alertmanager" / "alertmanager.yml").read_text())
    am_config["global"].pop("slack_api_url_file", None)
    am_config["receivers"] = [
        {"name": r["name"], "webhook_configs": [{"url": f"http://127.0.0.1:{webhook.port}/{r['name']}"}]}
        for r in am_config["receivers"]
    ]
    (tmp / "alertmanager.yml").write_text(yaml.safe_dump(am_config))
    am_port = free_port()
    procs.start(
        "alertmanager",
        alertmanager,
        f"--config.file={tmp / 'alertmanager.yml'}",
        f"--storage.path={tmp / 'am-data'}",
        f"--web.listen-address=127.0.0.1:{am_port}",
        "--cluster.listen-address=",
        "--log.level=warn",
    )
    wait_for(lambda: urllib.request.urlopen(f"http://127.0.0.1:{am_port}/-/ready"), 30, "Alertmanager")

    # Prometheus with the shipped rule files, fast intervals, scraping both sources.
    prom_config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(path) for path in RULES],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]},
        "scrape_configs": [
            {"job_name": "assay", "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]},
            {
                "job_name": "pushgateway",
                "honor_labels": True,
                "static_configs": [{"targets": [f"127.0.0.1:{gateway_port}"]}],
            },
        ],
    }
    (tmp / "prometheus.yml").write_text(yaml.safe_dump(prom_config))
    prom_port = free_port()
    procs.start(
        "prometheus",
        prometheus,
        f"--config.file={tmp / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{prom_port}",
        "--log.level=warn",
    )

    # Critical pages at once: the pager receiver gets the new critical finding.
    def paged() -> list[dict[str, Any]]:
        return [a for a in webhook.alerts("pager") if a["labels"]["alertname"] == "AssayNewSecurityFinding"]

    alert = wait_for(paged, 60, "the critical alert at the pager webhook")[0]
    assert alert["status"] == "firing"
    assert alert["labels"]["severity"] == "critical"
    assert alert["labels"]["job"] == "assay"
    assert alert["annotations"]["summary"] == "2 new critical security finding(s) on assay"
    assert alert["annotations"]["runbook_url"] == "docs/monitoring.md#assaynewsecurityfinding"

    # Coverage 42 % fires both levels; the critical one pages, the warning one is inhibited.
    wait_for(
        lambda: any(a["labels"]["alertname"] == "AssayCoverageBelowTarget" for a in webhook.alerts("pager")),
        30,
        "the critical coverage alert at the pager webhook",
    )

    def am_alerts() -> dict[tuple[str, str], dict[str, Any]]:
        found = http_json(f"http://127.0.0.1:{am_port}/api/v2/alerts")
        return {(a["labels"]["alertname"], a["labels"]["severity"]): a for a in found}

    def all_arrived() -> dict[tuple[str, str], dict[str, Any]] | None:
        alerts = am_alerts()
        wanted = {("AssayCoverageBelowTarget", "warning"), ("AssayPerformanceRegression", "warning")}
        return alerts if wanted <= alerts.keys() else None

    alerts = wait_for(all_arrived, 30, "the warning alerts in Alertmanager")
    warning = alerts[("AssayCoverageBelowTarget", "warning")]
    assert warning["status"]["state"] == "suppressed"
    assert warning["status"]["inhibitedBy"], "critical coverage should inhibit the warning"
    # The Pushgateway path: the job label CI pushed survives, and warnings go to team chat.
    regression = alerts[("AssayPerformanceRegression", "warning")]
    assert regression["labels"]["job"] == "ci-main"
    assert regression["labels"]["benchmark"] == "test_parse"
    assert [r["name"] for r in regression["receivers"]] == ["team-chat"]
    assert regression["status"]["state"] == "active"
    # Nothing but critical alerts reached the pager.
    assert {a["labels"]["severity"] for a in webhook.alerts("pager")} == {"critical"}
