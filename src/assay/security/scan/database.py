"""The offline advisory database: a directory (or archive) of OSV JSON/YAML files, cached in the store.

A directory given with `--db` is parsed once and cached per package in the store, keyed by a
fingerprint of its files (names, sizes, mtimes); `assay security db update --from` imports a
snapshot as the store's own copy, used when no `--db` is given.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from assay.errors import InputError, StoreError
from assay.security.scan.model import Advisory
from assay.security.scan.osv import MalformedAdvisory, parse_advisory
from assay.security.scan.parallel import fork_workers, run_forked
from assay.store import Store

log = logging.getLogger(__name__)

COMPONENT = "security_scan"
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE security_scan_sources (
        source TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        origin TEXT NOT NULL,
        imported_at REAL NOT NULL,
        advisories INTEGER NOT NULL,
        packages INTEGER NOT NULL,
        skipped INTEGER NOT NULL
    );
    CREATE TABLE security_scan_advisories (
        source TEXT NOT NULL REFERENCES security_scan_sources (source) ON DELETE CASCADE,
        package TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (source, package)
    );
    """,
)
IMPORTED = "imported"
# Part of every cache key: bump when the cached Advisory form changes, so old caches are re-read.
CACHE_FORMAT = "advisories/2"
_SUFFIXES = (".json", ".yaml", ".yml")
_MAX_DOWNLOAD = 512 * 1024 * 1024
# Every OSV field assay reads is a string, list or mapping: the base loader (no implicit typing, no
# object construction) is enough, and libyaml's C version is the fastest way to read 2,600 files.
_YAML_LOADER: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_PARALLEL_FROM = 400  # files; below this a worker process costs more than it saves


@dataclass(frozen=True)
class DatabaseInfo:
    """What one load or import found: where from, and how many advisories, packages and skipped files."""

    origin: str
    advisories: int
    packages: int
    skipped: int
    cached: bool = False

    def to_json(self) -> dict[str, Any]:
        """The database description as a JSON-ready dict."""
        return {
            "origin": self.origin,
            "advisories": self.advisories,
            "packages": self.packages,
            "skipped": self.skipped,
            "cached": self.cached,
        }


@dataclass
class AdvisoryDatabase:
    """Advisories by normalised package name; reads from the store lazily when loaded from its cache."""

    info: DatabaseInfo
    _by_package: dict[str, list[Advisory]] = field(default_factory=dict)
    _store_path: Path | None = None
    _source: str = ""

    def advisories_for(self, packages: Iterable[str]) -> dict[str, list[Advisory]]:
        """The advisories that concern each of these packages (packages without any are left out)."""
        wanted = sorted(set(packages))
        if self._store_path is None:
            return {p: self._by_package[p] for p in wanted if p in self._by_package}
        out: dict[str, list[Advisory]] = {}
        with Store(self._store_path, readonly=True) as store:
            conn = store.connection
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT package, doc FROM security_scan_advisories "  # noqa: S608 - placeholders only
                    f"WHERE source = ? AND package IN ({marks})",
                    (self._source, *chunk),
                ).fetchall()
                for package, doc in rows:
                    out[package] = [Advisory.from_json(d) for d in json.loads(doc)]
        return out


def _advisory_files(directory: Path) -> Iterator[str]:
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(_SUFFIXES) and not name.startswith("."):
                yield os.path.join(root, name)  # plain strings: the warm path stats 2,600 of them


def _check_directory(directory: Path) -> list[str]:
    if not directory.exists():
        raise InputError(f"{directory}: advisory database not found")
    if not directory.is_dir():
        raise InputError(f"{directory}: advisory database must be a directory of OSV JSON/YAML files")
    files = list(_advisory_files(directory))
    if not files:
        raise InputError(f"{directory}: advisory database is empty (no OSV .json/.yaml files found)")
    return files


def fingerprint(files: Iterable[str]) -> str:
    """A hash of the files' paths, sizes and mtimes, to tell whether a cached import is stale."""
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    for path in files:
        st = os.stat(path)
        digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _read_file(path: str) -> Any:
    with open(path, "rb") as fh:
        data = fh.read()
    if path.endswith(".json"):
        return json.loads(data)
    return yaml.load(data, Loader=_YAML_LOADER)  # noqa: S506 - the base loader builds only str/list/dict


def _parse_files(directory: Path, files: Sequence[str]) -> tuple[list[list[Advisory]], list[str]]:
    parsed: list[list[Advisory]] = []
    skipped: list[str] = []
    for path in files:
        where = os.path.relpath(path, directory)
        try:
            parsed.append(parse_advisory(_read_file(path), where))
        except (MalformedAdvisory, ValueError, yaml.YAMLError, UnicodeDecodeError) as exc:
            skipped.append(str(exc).splitlines()[0] if str(exc) else where)
        except OSError as exc:
            skipped.append(f"{where}: {exc.strerror or exc}")
    return parsed, skipped


def _parse_parallel(directory: Path, files: list[str]) -> tuple[list[list[Advisory]], list[str]]:
    """Parse on every core: YAML construction is CPU-bound Python. Falls back to one process when the
    platform cannot fork safely or a worker fails."""
    workers = fork_workers(len(files), _PARALLEL_FROM)
    results = run_forked(_parse_files, [(directory, files[i::workers]) for i in range(workers)])
    if results is None:
        return _parse_files(directory, files)
    parsed = [advisories for chunk, _ in results for advisories in chunk]
    skipped = [reason for _, reasons in results for reason in reasons]
    return parsed, skipped


def read_directory(directory: Path, files: list[str] | None = None) -> AdvisoryDatabase:
    """Parse every advisory; malformed files and ranges are skipped and counted, never fatal."""
    files = files if files is not None else _check_directory(directory)
    by_package: dict[str, list[Advisory]] = {}
    parsed, skipped = _parse_parallel(directory, files)
    count = 0
    for advisories in parsed:
        if advisories:
            count += 1
        for advisory in advisories:
            by_package.setdefault(advisory.package, []).append(advisory)
    for found in by_package.values():
        found.sort(key=lambda a: a.id)  # the same order whichever worker read which file
    if count == 0:
        raise InputError(f"{directory}: advisory database holds no usable PyPI advisories")
    if skipped:
        log.warning("advisory database %s: skipped %d malformed advisories", directory, len(skipped))
        for example in skipped[:3]:
            log.info("skipped advisory: %s", example)
    info = DatabaseInfo(str(directory), count, len(by_package), len(skipped))
    return AdvisoryDatabase(info, by_package)


def _cached(store: Store, source: str, print_: str | None) -> DatabaseInfo | None:
    row = store.connection.execute(
        "SELECT fingerprint, origin, advisories, packages, skipped FROM security_scan_sources "
        "WHERE source = ?",
        (source,),
    ).fetchone()
    if row is None or (print_ is not None and row[0] != print_):
        return None
    return DatabaseInfo(row[1], row[2], row[3], row[4], cached=True)


def _write_cache(store: Store, source: str, print_: str, db: AdvisoryDatabase) -> None:
    rows = [
        (source, package, json.dumps([a.to_json() for a in advisories], separators=(",", ":")))
        for package, advisories in db._by_package.items()
    ]
    info = db.info
    with store.transaction() as conn:
        conn.execute("DELETE FROM security_scan_sources WHERE source = ?", (source,))
        conn.execute(
            "INSERT INTO security_scan_sources VALUES (?, ?, ?, ?, ?, ?, ?)",
            (source, print_, info.origin, time.time(), info.advisories, info.packages, info.skipped),
        )
        conn.executemany("INSERT INTO security_scan_advisories VALUES (?, ?, ?)", rows)


def prepare(store: Store) -> None:
    """Create or migrate the advisory tables in the store."""
    store.ensure_component(COMPONENT, MIGRATIONS)


def open_directory(directory: Path, store_path: Path | None) -> AdvisoryDatabase:
    """The database in `directory`, from the store's cache when the files have not changed."""
    files = _check_directory(directory)
    print_ = fingerprint(files)
    source = f"dir:{directory.resolve()}"
    if store_path is None:
        return read_directory(directory, files)
    try:
        with Store(store_path) as store:
            prepare(store)
            info = _cached(store, source, print_)
            if info is not None:
                return AdvisoryDatabase(info, _store_path=store_path, _source=source)
            db = read_directory(directory, files)
            _write_cache(store, source, print_, db)
            return db
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{store_path}: cannot cache the advisory database: {exc}") from None


def open_imported(store_path: Path) -> AdvisoryDatabase | None:
    """The snapshot imported with `assay security db update`, or None when there is none."""
    if not store_path.exists():
        return None
    with Store(store_path) as store:
        prepare(store)
        info = _cached(store, IMPORTED, None)
    if info is None:
        return None
    return AdvisoryDatabase(info, _store_path=store_path, _source=IMPORTED)


def imported_info(store_path: Path) -> DatabaseInfo | None:
    """Description of the advisory database imported into the store; None if none is."""
    db = open_imported(store_path)
    return db.info if db else None


# -- importing a snapshot ------------------------------------------------------------------------------


def _download(url: str, dest: Path, timeout: float) -> Path:
    name = Path(urllib.parse.urlparse(url).path).name or "snapshot"
    target = dest / name
    try:
        # The scheme is checked by the caller (http, https, file only).
        with urllib.request.urlopen(url, timeout=timeout) as response, target.open("wb") as out:  # noqa: S310
            total = 0
            while chunk := response.read(1 << 20):
                total += len(chunk)
                if total > _MAX_DOWNLOAD:
                    raise InputError(f"{url}: snapshot larger than {_MAX_DOWNLOAD >> 20} MiB; refused")
                out.write(chunk)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise InputError(f"{url}: cannot download the advisory snapshot: {reason}") from None
    return target


def _extract(archive: Path, dest: Path) -> Path:
    out = dest / "extracted"
    out.mkdir()
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for member in zf.namelist():
                    if member.startswith(("/", "\\")) or ".." in Path(member).parts:
                        raise InputError(f"{archive}: unsafe path {member!r} in archive; refused")
                zf.extractall(out)  # noqa: S202 - member paths checked above
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                tf.extractall(out, filter="data")
        else:
            raise InputError(f"{archive}: not a directory, .zip or .tar archive of OSV advisories")
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{archive}: cannot extract the advisory snapshot: {exc}") from None
    return out


def _materialise(origin: str, work: Path, timeout: float) -> Path:
    scheme = urllib.parse.urlparse(origin).scheme
    if scheme in ("http", "https", "file"):
        fetched = _download(origin, work, timeout)
        return fetched if fetched.is_dir() else _extract(fetched, work)
    if scheme and len(scheme) > 1:
        raise InputError(f"{origin}: unsupported URL scheme {scheme!r} (use http, https, file or a path)")
    path = Path(origin)
    if not path.exists():
        raise InputError(f"{origin}: no such file or directory")
    return path if path.is_dir() else _extract(path, work)


def import_snapshot(origin: str, store_path: Path, timeout: float = 60.0) -> DatabaseInfo:
    """Import a snapshot (directory, archive, or URL to one) as the store's offline database."""
    with tempfile.TemporaryDirectory(prefix="assay-advisories-") as tmp:
        directory = _materialise(origin, Path(tmp), timeout)
        files = _check_directory(directory)
        db = read_directory(directory, files)
        db.info = replace(db.info, origin=origin)
        with Store(store_path) as store:
            prepare(store)
            _write_cache(store, IMPORTED, fingerprint(files), db)
        return db.info
