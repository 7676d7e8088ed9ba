#!/usr/bin/env python3
"""Download the real public repositories of tests/data/real-repositories.toml into a cache, verified.

    python scripts/fetch-real-repositories.py [--cache DIR] [--quiet]

Each tree is Debian's copy of the upstream source (deb.debian.org, a package registry), checked against
the sha256 in the manifest, and unpacked with tarfile's "data" filter (no absolute paths, links out of the
tree, devices or set-uid bits). Already unpacked trees are kept. The cache defaults to
$ASSAY_REAL_REPOS_DIR or ~/.cache/assay/real-repositories. Exit 0 when every tree is there, 1 otherwise
(each failure is one line on stderr).
"""

from __future__ import annotations

import argparse
import hashlib
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

MIRROR = "http://deb.debian.org/debian/"  # the archive is signed; the manifest's sha256 pins each file
MANIFEST = Path(__file__).resolve().parent.parent / "tests" / "data" / "real-repositories.toml"


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


def download(url: str, path: Path, attempts: int = 3) -> str:
    """Save `url` to `path` and return its sha256; a failed attempt is retried after 2 s, then 4 s."""
    for attempt in range(1, attempts + 1):
        digest = hashlib.sha256()
        try:
            # a fixed http:// mirror: integrity comes from the pinned sha256, not the transport
            with urllib.request.urlopen(url, timeout=60) as response, path.open("wb") as out:  # noqa: S310
                while chunk := response.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
            return digest.hexdigest()
        except OSError:
            if attempt == attempts:
                raise
            time.sleep(2**attempt)
    raise AssertionError("unreachable")


def fetch(repo: dict[str, str], cache: Path) -> Path:
    """Download, verify and unpack one repository; return its tree. Raises OSError/ValueError on failure."""
    target = tree_dir(cache, repo)
    marker = target.with_name(target.name + ".sha256")  # beside the tree, so it is not scored with it
    if target.is_dir() and marker.exists() and marker.read_text().strip() == repo["sha256"]:
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        archive = Path(tmp) / repo["debian"].rsplit("/", 1)[-1]
        digest = download(MIRROR + repo["debian"], archive)
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
    marker.write_text(repo["sha256"] + "\n")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="where to keep the trees")
    parser.add_argument("--quiet", action="store_true", help="print only failures")
    args = parser.parse_args(argv)
    cache = args.cache or default_cache()
    failed = 0
    for repo in load_manifest():
        try:
            path = fetch(repo, cache)
        except (OSError, ValueError, tarfile.TarError, urllib.error.URLError) as exc:
            failed += 1
            print(f"fetch-real-repositories: {repo['name']} {repo['version']}: {exc}", file=sys.stderr)
            continue
        if not args.quiet:
            print(f"{repo['name']} {repo['version']}: {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
