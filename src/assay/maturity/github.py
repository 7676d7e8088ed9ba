"""The optional online facts (branch protection, required reviews) from the GitHub REST API.

Only used when a token is configured. The token goes in one request header and nowhere else.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from assay import vcs

TIMEOUT_S = 10.0
_SLUG = re.compile(r"github\.com[:/](?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)(?:\.git)?/?$")


class GitHubUnavailable(Exception):
    """The API could not answer; the online checks become not applicable with this reason."""


def slug_from_remote(root: Any) -> str | None:
    try:
        url = vcs.run_git(["config", "--get", "remote.origin.url"], root, check=False, timeout=10).strip()
    except vcs.GitError:
        return None
    match = _SLUG.search(url)
    return f"{match.group('owner')}/{match.group('name')}" if match else None


def _get(api: str, path: str, token: str) -> tuple[int, Any]:
    url = api.rstrip("/") + path
    if not url.startswith(("https://", "http://")):
        raise GitHubUnavailable(f"GitHub API URL must be http(s): {api!r}")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "assay-maturity",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 - scheme checked
            return int(response.status), json.loads(response.read(4_000_000) or b"null")
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read(65536) or b"null")
        except ValueError:
            body = None
        return int(exc.code), body
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise GitHubUnavailable(f"GitHub API unreachable: {reason}") from None


def fetch(api: str, repository: str, token: str) -> dict[str, Any]:
    """Default branch and its protection; raise GitHubUnavailable when the answer is inconclusive."""
    owner_name = "/".join(urllib.parse.quote(part, safe="") for part in repository.split("/", 1))
    status, repo = _get(api, f"/repos/{owner_name}", token)
    if status != 200 or not isinstance(repo, dict):
        raise GitHubUnavailable(f"GitHub API: repository {repository} answered HTTP {status}")
    branch = str(repo.get("default_branch") or "main")
    status, protection = _get(
        api, f"/repos/{owner_name}/branches/{urllib.parse.quote(branch, safe='')}/protection", token
    )
    message = str(protection.get("message", "")) if isinstance(protection, dict) else ""
    if status == 404 and "not protected" in message.lower():
        return {"default_branch": branch, "protection": None}
    if status != 200 or not isinstance(protection, dict):
        # 403/404 without "not protected" means the token may not read protection: inconclusive.
        raise GitHubUnavailable(
            f"GitHub API: branch protection answered HTTP {status} (token lacks admin read?)"
        )
    return {"default_branch": branch, "protection": protection}
