"""The optional online checks against a loopback server that serves recorded GitHub API responses."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import GitRepo

TOKEN = "ghp_" + "recordedtesttokenvalue0123456789abcd"  # pragma: allowlist secret
# Recorded from the GitHub REST API (2022-11-28), trimmed to the fields the checks read.
REPO = {"full_name": "octo/app", "default_branch": "trunk", "private": False}
PROTECTION = {
    "url": "https://api.github.com/repos/octo/app/branches/trunk/protection",
    "required_status_checks": {
        "strict": True,
        "contexts": ["ci"],
        "checks": [{"context": "ci", "app_id": 15368}],
    },
    "required_pull_request_reviews": {
        "dismiss_stale_reviews": True,
        "require_code_owner_reviews": False,
        "required_approving_review_count": 1,
    },
    "enforce_admins": {"enabled": True},
    "allow_force_pushes": {"enabled": False},
    "allow_deletions": {"enabled": False},
}
NOT_PROTECTED = {"message": "Branch not protected", "documentation_url": "https://docs.github.com/rest"}


class Recorded(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, Any]] = {}
    seen: list[tuple[str, str]] = []

    def do_GET(self) -> None:
        type(self).seen.append((self.path, self.headers.get("Authorization", "")))
        status, body = type(self).routes.get(self.path, (404, {"message": "Not Found"}))
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def github() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Recorded.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def configure(repo: GitRepo, api: str) -> None:
    repo.write(
        "assay.toml",
        '[maturity]\ngithub_token = "${TEST_GH_TOKEN}"\n'
        f'github_api_url = "{api}"\ngithub_repository = "octo/app"\n',
    )
    repo.commit("config")


def score(assay_cli, repo: GitRepo, tmp_path: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    done = assay_cli("--store", tmp_path / "s.db", "score", repo.path, "--format", "json")
    assert done.exit_code == 0, done.stderr
    assert TOKEN not in done.stdout + done.stderr
    doc: dict[str, Any] = json.loads(done.stdout)
    return {c["id"]: c for c in doc["checks"]}


@pytest.mark.parametrize(
    ("protection", "branch_status", "reviews_status", "says"),
    [
        ((200, PROTECTION), "pass", "partial", "default branch 'trunk' is protected"),
        ((404, NOT_PROTECTED), "fail", "fail", "is not protected"),
        # A token that may not read protection: inconclusive, never a failure.
        ((403, {"message": "Resource not accessible"}), "not_applicable", "not_applicable", "HTTP 403"),
    ],
)
def test_online_checks_from_recorded_responses(  # type: ignore[no-untyped-def]
    git_repo: GitRepo,
    github: str,
    assay_cli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    protection: tuple[int, Any],
    branch_status: str,
    reviews_status: str,
    says: str,
) -> None:
    monkeypatch.setenv("TEST_GH_TOKEN", TOKEN)
    Recorded.routes = {
        "/repos/octo/app": (200, REPO),
        "/repos/octo/app/branches/trunk/protection": protection,
    }
    configure(git_repo, github)
    checks = score(assay_cli, git_repo, tmp_path)
    assert checks["security.branch-protection"]["status"] == branch_status
    assert checks["maintenance.required-reviews"]["status"] == reviews_status
    assert says in checks["security.branch-protection"]["evidence"][0]
    assert ("/repos/octo/app", f"Bearer {TOKEN}") in Recorded.seen
    stored_files = sorted(tmp_path.glob("s.db*"))  # the database and its WAL
    assert stored_files, "the run was not stored, so the token check below would check nothing"
    for stored in stored_files:
        assert TOKEN.encode() not in stored.read_bytes()
    if branch_status == "pass":
        assert checks["maintenance.required-reviews"]["score"] == 8.5


def test_offline_without_token_makes_no_request(
    git_repo: GitRepo, github: str, assay_cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    git_repo.write("a.py", "")
    git_repo.commit("a")
    checks = score(assay_cli, git_repo, tmp_path)
    assert checks["security.branch-protection"]["status"] == "not_applicable"
    assert Recorded.seen == []


def test_unknown_check_id_is_reported_before_any_request(  # type: ignore[no-untyped-def]
    git_repo: GitRepo, github: str, assay_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_GH_TOKEN", TOKEN)
    Recorded.routes = {"/repos/octo/app": (200, REPO)}
    configure(git_repo, github)
    config = git_repo.path / "assay.toml"
    config.write_text(config.read_text() + 'disabled = ["no.such"]\n')  # under [maturity], with the token
    done = assay_cli("--store", tmp_path / "s.db", "score", git_repo.path, "--format", "json")
    assert done.exit_code == 2
    assert "disabled: unknown check id 'no.such'" in done.stderr
    assert Recorded.seen == []  # the configuration is checked before GitHub is called
