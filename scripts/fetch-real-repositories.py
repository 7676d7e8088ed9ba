#!/usr/bin/env python3
"""Download the real public repositories of tests/data/real-repositories.toml into a cache, verified.

    python scripts/fetch-real-repositories.py [--cache DIR] [--quiet]

Each tree is Debian's copy of the upstream source (bookworm's pool on deb.debian.org, a package registry),
checked against the sha256 in the manifest and unpacked with tarfile's "data" filter (no absolute paths,
links out of the tree, devices or set-uid bits). Already unpacked trees are kept. The cache defaults to
$ASSAY_REAL_REPOS_DIR or ~/.cache/assay/real-repositories; $ASSAY_DEBIAN_MIRROR names another Debian
mirror. When the mirror cannot be reached at all, the rest is not tried (one line says so). Exit 0 when
every tree is there, 1 otherwise, 2 when this Python cannot unpack safely; each failure is one line on
stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import shutil
import sys
import tarfile
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

# Integrity comes from the manifest's sha256 (Debian's own), not from the transport; a local Debian
# mirror can stand in with ASSAY_DEBIAN_MIRROR (its URL up to and including /debian/).
MIRROR = os.environ.get("ASSAY_DEBIAN_MIRROR", "http://deb.debian.org/debian/")
MANIFEST = Path(__file__).resolve().parent.parent / "tests" / "data" / "real-repositories.toml"
# The manifest's tiers, best first, as numbers for a rank correlation with the scores.
TIER_VALUE = {"A": 3, "B": 2, "C": 1}
TIMEOUT = 15.0  # seconds without data before a download is given up
DOWNLOAD_ERRORS = (OSError, http.client.HTTPException)  # urllib's URLError/HTTPError are OSErrors


class MirrorUnreachable(Exception):
    """The mirror could not be connected to: the other downloads would fail the same way."""


def default_cache() -> Path:
    """Where the trees live unless --cache says otherwise."""
    configured = os.environ.get("ASSAY_REAL_REPOS_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "assay" / "real-repositories"


def load_manifest(path: Path = MANIFEST) -> list[dict[str, str]]:
    """The manifest's repositories, in file order."""
    with path.open("rb") as fh:
        return list(tomllib.load(fh)["repository"])


def tree_dir(cache: Path, repo: dict[str, str]) -> Path:
    """The unpacked tree of one repository."""
    return cache / f"{repo['name']}-{repo['version']}"


def is_fetched(cache: Path, repo: dict[str, str]) -> bool:
    """Whether the tree is unpacked and was verified against the manifest's current sha256."""
    target = tree_dir(cache, repo)
    marker = target.with_name(target.name + ".sha256")  # beside the tree, so it is not scored with it
    return target.is_dir() and marker.is_file() and marker.read_text().strip() == repo["sha256"]


def download(url: str, path: Path, attempts: int = 3) -> str:
    """Save `url` to `path` and return its sha256. A dropped or truncated transfer is retried after 2 s,
    then 4 s; an HTTP error status is not (the file is not there); no connection raises MirrorUnreachable."""
    for attempt in range(1, attempts + 1):
        digest = hashlib.sha256()
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as response, path.open("wb") as out:  # noqa: S310
                while chunk := response.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
            return digest.hexdigest()
        except urllib.error.HTTPError:
            raise
        except urllib.error.URLError as exc:  # DNS, refused, unreachable: not a transfer problem
            raise MirrorUnreachable(f"{MIRROR} cannot be reached ({exc.reason})") from None
        except DOWNLOAD_ERRORS:
            if attempt == attempts:
                raise
            time.sleep(2**attempt)
    raise AssertionError("unreachable")


def fetch(repo: dict[str, str], cache: Path, mirror: str = MIRROR) -> Path:
    """Download, verify and unpack one repository; return its tree.

    Raises MirrorUnreachable, an OSError/HTTPException for a failed download, ValueError for a checksum
    mismatch and tarfile.TarError for an archive that cannot be unpacked safely. On any failure nothing is
    left in the cache for this repository but what was there before.
    """
    target = tree_dir(cache, repo)
    if is_fetched(cache, repo):
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        archive = Path(tmp) / repo["debian"].rsplit("/", 1)[-1]
        digest = download(mirror + repo["debian"], archive)
        if digest != repo["sha256"]:
            raise ValueError(f"sha256 mismatch ({digest[:12]}… is not {repo['sha256'][:12]}…)")
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(archive) as tar:
            tar.extractall(unpacked, filter="data")
        tops = list(unpacked.iterdir())
        root = tops[0] if len(tops) == 1 and tops[0].is_dir() else unpacked
        if target.exists():
            shutil.rmtree(target)
        root.rename(target)
    target.with_name(target.name + ".sha256").write_text(repo["sha256"] + "\n")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Download the real repositories of the ranking test.")
    parser.add_argument("--cache", type=Path, default=None, help="where to keep the trees")
    parser.add_argument("--quiet", action="store_true", help="print only failures")
    args = parser.parse_args(argv)
    if not hasattr(tarfile, "data_filter"):
        print(
            "fetch-real-repositories: this Python has no tarfile data filter (needs 3.11.4+)", file=sys.stderr
        )
        return 2
    cache = args.cache or default_cache()
    failed = 0
    for repo in load_manifest():
        try:
            path = fetch(repo, cache)
        except MirrorUnreachable as exc:
            print(
                f"fetch-real-repositories: {exc}; not fetched: {repo['name']} and the rest", file=sys.stderr
            )
            return 1
        except (*DOWNLOAD_ERRORS, ValueError, tarfile.TarError) as exc:
            failed += 1
            print(f"fetch-real-repositories: {repo['name']} {repo['version']}: {exc}", file=sys.stderr)
            continue
        if not args.quiet:
            print(f"{repo['name']} {repo['version']}: {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
