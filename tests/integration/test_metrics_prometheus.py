"""The exporter against the real thing: Prometheus scrapes `assay metrics serve`, and
`assay metrics push` feeds a real Pushgateway. Everything listens on 127.0.0.1 only."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assay.results import Measurement, Result
from assay.store import Store
from assay.vcs import RepoInfo
from conftest import ASSAY_BIN, CliResult, free_port, require_binary, wait_for

pytestmark = pytest.mark.integration

REPO = RepoInfo(root=Path("/r"), commit="b" * 40, branch="main", dirty=False, is_git=True)


def http_get(url: str, timeout: float = 5) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return bytes(response.read())


@pytest.fixture
def store_with_data(tmp_path: Path) -> Path:
    db = tmp_path / "assay.db"
    with Store(db) as store:
        store.record(
            Result(
                tool="maturity",
                measurements=(
                    Measurement("repository_maturity_percent", 87.5),
                    Measurement("repository_maturity_category_percent", 70.0, {"category": "testing"}),
                ),
            ),
            REPO,
        )
    return db


@pytest.fixture
def exporter(store_with_data: Path) -> Iterator[int]:
    proc = subprocess.Popen(
        [str(ASSAY_BIN), "--store", str(store_with_data), "metrics", "serve", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    port = None
    for _ in range(20):
        line = proc.stderr.readline()
        if line.startswith("port="):
            port = int(line.split("=", 1)[1])
            break
    assert port, "assay metrics serve did not print its port"
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_answers_health_and_metrics_on_loopback(exporter: int) -> None:
    assert json.loads(http_get(f"http://127.0.0.1:{exporter}/health")) == {"status": "ok"}
    body = http_get(f"http://127.0.0.1:{exporter}/metrics").decode()
    assert "repository_maturity_percent 87.5" in body


def test_real_prometheus_scrapes_the_exporter(exporter: int, tmp_path: Path) -> None:
    prometheus = require_binary("prometheus")
    web_port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n"
        "  - job_name: assay\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{exporter}']\n"
    )
    proc = subprocess.Popen(
        [
            prometheus,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{web_port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def query(expr: str) -> list[dict[str, object]]:
            url = f"http://127.0.0.1:{web_port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
            doc = json.loads(http_get(url))
            assert doc["status"] == "success"
            return list(doc["data"]["result"])

        results = wait_for(lambda: query("repository_maturity_percent"), 60, "Prometheus to scrape assay")
        assert results[0]["value"][1] == "87.5"  # type: ignore[index]
        assert results[0]["metric"]["job"] == "assay"  # type: ignore[index]
        by_category = query('repository_maturity_category_percent{category="testing"}')
        assert by_category[0]["value"][1] == "70"  # type: ignore[index]
        up = query('up{job="assay"}')
        assert up[0]["value"][1] == "1"  # type: ignore[index]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_push_to_a_real_pushgateway(store_with_data: Path, assay_proc: Callable[..., CliResult]) -> None:
    pushgateway = require_binary("prometheus-pushgateway")
    port = free_port()
    proc = subprocess.Popen(
        [pushgateway, f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    gateway = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: http_get(f"{gateway}/-/ready"), 20, "the Pushgateway to start")
        pushed = assay_proc("--store", store_with_data, "metrics", "push", gateway, "--job", "ci", timeout=60)
        assert pushed.exit_code == 0, pushed.stderr
        body = http_get(f"{gateway}/metrics").decode()
        assert 'repository_maturity_percent{instance="",job="ci"} 87.5' in body
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_push_to_nothing_is_a_one_line_error(
    store_with_data: Path, assay_proc: Callable[..., CliResult]
) -> None:
    port = free_port()  # nothing listens here
    done = assay_proc(
        "--store", store_with_data, "metrics", "push", f"http://127.0.0.1:{port}", "--job", "ci", timeout=60
    )
    assert done.exit_code == 2
    assert done.stderr.startswith("assay: error: cannot push to Pushgateway")
    assert len(done.stderr.strip().splitlines()) == 1
