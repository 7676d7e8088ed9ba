"""`assay security db update` from a real HTTP server on 127.0.0.1, and scans using the imported snapshot;
safety configured on a machine without network: one line, then the offline audit as usual."""

from __future__ import annotations

import functools
import http.server
import json
import tarfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import CliResult, GitRepo

Cli = Callable[..., CliResult]
ADVISORY = {
    "id": "DEMO-2024-1",
    "aliases": ["CVE-2024-0001"],
    "summary": "demo is vulnerable",
    "affected": [
        {
            "package": {"name": "demo-lib", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1"}]}],
        }
    ],
}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A snapshot archive served over HTTP on 127.0.0.1; yields the base URL."""
    root = tmp_path / "www"
    (root / "db" / "vulns" / "demo-lib").mkdir(parents=True)
    (root / "db" / "vulns" / "demo-lib" / "DEMO-2024-1.json").write_text(json.dumps(ADVISORY))
    with tarfile.open(root / "snapshot.tar.gz", "w:gz") as tf:
        tf.add(root / "db", arcname="advisory-database-main")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_update_from_http_then_scan_offline_with_the_imported_snapshot(
    assay_cli: Cli, git_repo: GitRepo, served: str
) -> None:
    store = git_repo.path / "store.db"
    git_repo.write("requirements.txt", "demo-lib==1.0\n")
    base = ("--repo", git_repo.path, "--store", store, "security")
    none_yet = assay_cli(*base, "db", "info")
    assert none_yet.exit_code == 2 and "no advisory snapshot imported yet" in none_yet.stderr
    updated = assay_cli(*base, "db", "update", "--from", f"{served}/snapshot.tar.gz")
    assert updated.exit_code == 0, updated.stderr
    assert "imported 1 advisories for 1 packages" in updated.stderr
    info = json.loads(assay_cli(*base, "db", "info").stdout)
    assert info["advisories"] == 1 and info["origin"].endswith("/snapshot.tar.gz")
    scan = assay_cli(
        *base, "scan", "--no-code", "--no-environment", "-r", git_repo.path / "requirements.txt", "-f", "json"
    )
    assert scan.exit_code == 0, scan.stderr
    vulns = json.loads(scan.stdout)["vulnerabilities"]
    assert [(v["package"], v["id"], v["fixed_in"]) for v in vulns] == [("demo-lib", "DEMO-2024-1", ["1.1"])]


def test_update_from_a_missing_url_is_one_line_and_keeps_the_old_snapshot(
    assay_cli: Cli, git_repo: GitRepo, served: str
) -> None:
    base = ("--repo", git_repo.path, "--store", git_repo.path / "store.db", "security", "db")
    assert assay_cli(*base, "update", "--from", f"{served}/snapshot.tar.gz").exit_code == 0
    missing = assay_cli(*base, "update", "--from", f"{served}/nope.tar.gz")
    assert missing.exit_code == 2
    assert "cannot download the advisory snapshot" in missing.stderr and "Traceback" not in missing.stderr
    assert json.loads(assay_cli(*base, "info").stdout)["advisories"] == 1


def test_scan_without_any_database_says_how_to_get_one(assay_cli: Cli, git_repo: GitRepo) -> None:
    git_repo.write("requirements.txt", "demo-lib==1.0\n")
    result = assay_cli(
        "--repo",
        git_repo.path,
        "--store",
        git_repo.path / "store.db",
        "security",
        "scan",
        "--no-code",
        "--no-environment",
        "-r",
        git_repo.path / "requirements.txt",
        "-f",
        "json",
    )
    assert result.exit_code == 0
    assert "assay security db update --from" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["dependencies"]["note"].startswith("no advisory database")
    # Nothing was audited: the advisory metrics are absent (not measured), never a reassuring zero.
    names = {m["name"] for m in doc["measurements"]}
    assert "security_vulnerable_packages" not in names and "security_advisories" not in names


@pytest.mark.slow
def test_configured_safety_without_network_continues_offline(
    assay_cli: Cli, git_repo: GitRepo, served: str
) -> None:
    git_repo.write("requirements.txt", "demo-lib==1.0\n")
    git_repo.write(
        "pyproject.toml",
        '[tool.assay.security.scan.safety]\ndb = "https://safety-mirror.invalid/db"\ntimeout = 60\n',
    )
    base = ("--repo", git_repo.path, "--store", git_repo.path / "store.db", "security")
    assert assay_cli(*base, "db", "update", "--from", f"{served}/snapshot.tar.gz").exit_code == 0
    result = assay_cli(
        *base, "scan", "--no-code", "--no-environment", "-r", git_repo.path / "requirements.txt", "-f", "json"
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["safety"]["ran"] is False and "continuing offline" in doc["safety"]["status"]
    assert [line for line in result.stderr.splitlines() if "safety" in line] == [
        f"assay: warning: {doc['safety']['status']}"
    ]
    assert [v["id"] for v in doc["vulnerabilities"]] == ["DEMO-2024-1"]
