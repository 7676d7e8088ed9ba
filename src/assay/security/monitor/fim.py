"""File integrity: stat and hash a tree, keep a baseline in the store, and compare.

Hashing happens only when metadata changed (size, mtime, ctime, inode), in a thread pool with an
optional read budget. Special files are never opened; symlinks are never followed; files that
vanish or refuse to open are reported as skipped, never as a crash.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import stat
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from assay.results import Severity
from assay.security.monitor.events import Event
from assay.store import Store

CHUNK = 1 << 20
HASH_BATCH = 128
_TYPES = (
    (stat.S_ISREG, "file"),
    (stat.S_ISDIR, "directory"),
    (stat.S_ISLNK, "symlink"),
    (stat.S_ISFIFO, "fifo"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "char_device"),
    (stat.S_ISBLK, "block_device"),
)


def file_type(mode: int) -> str:
    """The kind of file a stat mode describes (``file``, ``directory``, ``symlink``, ...)."""
    for test, name in _TYPES:
        if test(mode):
            return name
    return "unknown"


def display(path: str) -> str:
    """A path as text for people and JSON: undecodable bytes shown as \\xNN, never an error."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


@dataclass(frozen=True, slots=True)
class FileRecord:
    """The recorded metadata of one monitored path, for integrity comparison."""

    path: str
    type: str
    mode: int
    uid: int
    gid: int
    size: int
    inode: int
    mtime_ns: int
    ctime_ns: int
    target: str | None = None
    sha256: str | None = None

    @classmethod
    def from_stat(cls, path: str, st: os.stat_result, target: str | None = None) -> FileRecord:
        """Build a record from a stat result (and a symlink's target)."""
        return cls(
            path=path,
            type=file_type(st.st_mode),
            mode=stat.S_IMODE(st.st_mode),
            uid=st.st_uid,
            gid=st.st_gid,
            size=st.st_size,
            inode=st.st_ino,
            mtime_ns=st.st_mtime_ns,
            ctime_ns=st.st_ctime_ns,
            target=target,
        )

    def same_content_metadata(self, other: FileRecord) -> bool:
        """Whether size, mtime, ctime and inode all match, so the content need not be re-hashed."""
        return (self.size, self.mtime_ns, self.ctime_ns, self.inode) == (
            other.size,
            other.mtime_ns,
            other.ctime_ns,
            other.inode,
        )

    def with_hash(self, digest: str | None) -> FileRecord:
        """A copy with another sha256 (dataclasses.replace is several times slower on 100k records)."""
        return FileRecord(
            self.path,
            self.type,
            self.mode,
            self.uid,
            self.gid,
            self.size,
            self.inode,
            self.mtime_ns,
            self.ctime_ns,
            self.target,
            digest,
        )

    def view(self) -> dict[str, Any]:
        """The record as a dict for display, with the path made printable and the mode in octal."""
        out = asdict(self)
        out["path"] = display(self.path)
        out["mode"] = oct(self.mode)
        return out


@dataclass
class ScanStats:
    """Counters from one integrity scan: files seen, hashed, skipped and time taken."""

    files: int = 0
    hashed: int = 0
    hashed_bytes: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


class Rules:
    """Ignore and growing-file globs, matched on the full path and on the name (one compiled regex each:
    matching 100,000 paths against a handful of globs one by one costs more than stat-ing them)."""

    def __init__(self, ignore: Sequence[str] = (), growing: Sequence[str] = ()) -> None:
        self.ignore = list(ignore)
        self.growing = list(growing)
        self._ignore = self._compile(self.ignore)
        self._growing = self._compile(self.growing)

    @staticmethod
    def _compile(globs: Sequence[str]) -> re.Pattern[str] | None:
        if not globs:
            return None
        return re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs))

    @staticmethod
    def _match(path: str, pattern: re.Pattern[str] | None) -> bool:
        if pattern is None:
            return False
        return pattern.match(path) is not None or pattern.match(os.path.basename(path)) is not None

    def ignored(self, path: str) -> bool:
        """Whether the path matches an ignore pattern."""
        return self._match(path, self._ignore)

    def is_growing(self, path: str) -> bool:
        """Whether the path matches a pattern of files expected to grow (such as logs)."""
        return self._match(path, self._growing)


class Budget:
    """A shared read budget in bytes per second (0: unlimited), so a check cannot starve the service."""

    def __init__(self, bytes_per_second: float) -> None:
        self.rate = bytes_per_second
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._spent = 0

    def spend(self, n: int) -> None:
        """Account for ``n`` bytes read, sleeping as needed to keep within the rate."""
        if self.rate <= 0:
            return
        with self._lock:
            self._spent += n
            due = self._start + self._spent / self.rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def hash_file(path: str, budget: Budget | None = None, *, follow: bool = False) -> str:
    """sha256 of a regular file in chunks; refuses to open anything that is no longer a regular file
    (O_NONBLOCK so a FIFO swapped in meanwhile cannot block us)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (0 if follow else getattr(os, "O_NOFOLLOW", 0))
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{display(path)}: no longer a regular file")
        digest = hashlib.sha256()
        while True:
            chunk = os.read(fd, CHUNK)
            if not chunk:
                break
            digest.update(chunk)
            if budget is not None:
                budget.spend(len(chunk))
            if len(chunk) < CHUNK:
                break  # a short read of a regular file is its end: saves a read() per small file
        return digest.hexdigest()
    finally:
        os.close(fd)


def stat_path(path: str) -> FileRecord | None:
    """The metadata of one path (never following a symlink); None when it does not exist."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return record_of(path, st)


def record_of(path: str, st: os.stat_result) -> FileRecord:
    """The record of a path already lstat()ed, with its link target when it is a symlink."""
    target = None
    if stat.S_ISLNK(st.st_mode):
        try:
            target = display(os.readlink(path))
        except OSError:
            target = None
    return FileRecord.from_stat(path, st, target)


def walk(roots: Iterable[str], rules: Rules, stats: ScanStats) -> Iterator[FileRecord]:
    """Every entry under the roots (roots included), without following symlinks: no loops possible."""
    stack = []
    for root in roots:
        rec = stat_path(root)
        if rec is None:
            stats.skipped.append((root, "does not exist"))
            continue
        yield rec
        if rec.type == "directory":
            stack.append(root)
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = list(it)
        except FileNotFoundError:
            continue  # vanished between listing and reading
        except OSError as exc:
            stats.skipped.append((current, exc.strerror or str(exc)))
            continue
        for entry in entries:
            path = entry.path
            if rules.ignored(path):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            except OSError as exc:
                stats.skipped.append((path, exc.strerror or str(exc)))
                continue
            rec = record_of(path, st)
            yield rec
            if rec.type == "directory":
                stack.append(path)


class ScanStopped(Exception):
    """The scan was asked to stop (the daemon is shutting down)."""


def scan(
    roots: Sequence[str],
    rules: Rules,
    previous: Mapping[str, FileRecord] | None = None,
    *,
    workers: int = 4,
    budget: Budget | None = None,
    stop: threading.Event | None = None,
) -> tuple[dict[str, FileRecord], ScanStats]:
    """Stat everything under the roots and hash regular files whose metadata changed since `previous`."""
    started = time.monotonic()
    stats = ScanStats()
    found: dict[str, FileRecord] = {}
    batch: list[FileRecord] = []
    futures: list[Future[list[tuple[FileRecord, str | None, str | None]]]] = []

    def work(records: list[FileRecord]) -> list[tuple[FileRecord, str | None, str | None]]:
        out: list[tuple[FileRecord, str | None, str | None]] = []
        for rec in records:
            try:
                out.append((rec, hash_file(rec.path, budget), None))
            except FileNotFoundError:
                out.append((rec, None, "vanished"))
            except OSError as exc:
                out.append((rec, None, exc.strerror or str(exc)))
        return out

    # Hashing runs in batches while the walk goes on, so stat and read I/O overlap.
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="assay-hash") as pool:
        for rec in walk([os.path.abspath(r) for r in roots], rules, stats):
            if stop is not None and stop.is_set():
                for future in futures:
                    future.cancel()
                raise ScanStopped
            old = previous.get(rec.path) if previous else None
            if rec.type == "file":
                if old is not None and old.sha256 and old.type == "file" and old.same_content_metadata(rec):
                    # Share the unchanged record: two full trees in memory would double the peak RSS.
                    rec = old if old.with_hash(None) == rec else rec.with_hash(old.sha256)
                else:
                    batch.append(rec)
                    if len(batch) >= HASH_BATCH:
                        futures.append(pool.submit(work, batch))
                        batch = []
            elif old is not None and old == rec:
                rec = old
            found[rec.path] = rec
        if batch:
            futures.append(pool.submit(work, batch))
        for future in futures:
            for rec, digest, problem in future.result():
                if problem == "vanished":
                    found.pop(rec.path, None)
                    continue
                if problem is not None:
                    stats.skipped.append((rec.path, problem))
                    continue
                found[rec.path] = rec.with_hash(digest)
                stats.hashed += 1
                stats.hashed_bytes += rec.size
    stats.files = len(found)
    stats.seconds = time.monotonic() - started
    return found, stats


def record_one(
    path: str, rules: Rules, old: FileRecord | None, budget: Budget | None = None
) -> FileRecord | None:
    """Current state of a single path (used by the real-time watcher)."""
    rec = stat_path(path)
    if rec is None or rules.ignored(path):
        return None
    if rec.type == "file":
        if old is not None and old.sha256 and old.type == "file" and old.same_content_metadata(rec):
            return replace(rec, sha256=old.sha256)
        try:
            return replace(rec, sha256=hash_file(path, budget))
        except FileNotFoundError:
            return None
        except OSError:
            return rec
    return rec


# -- comparing ---------------------------------------------------------------------------------------

_ATTRS = ("mode", "uid", "gid")


def compare_one(old: FileRecord | None, new: FileRecord | None, rules: Rules) -> Event | None:
    """The event for one path's change, with old -> new values labelled; None when nothing counts."""
    if old is None and new is None:
        return None
    if old is None:
        assert new is not None
        return _event(
            "added",
            Severity.MEDIUM,
            f"{display(new.path)}: added ({new.type})",
            new.path,
            {
                "file.type": new.type,
                "file.mode": oct(new.mode),
                "file.hash.sha256": new.sha256,
                "file.size": new.size,
            },
        )
    if new is None:
        return _event(
            "removed",
            Severity.HIGH,
            f"{display(old.path)}: removed (was {old.type})",
            old.path,
            {"file.type": old.type, "assay.old.sha256": old.sha256},
        )
    if old.type != new.type:
        return _event(
            "type_changed",
            Severity.HIGH,
            f"{display(new.path)}: type {old.type} -> {new.type}",
            new.path,
            {"file.type": new.type, "assay.old.type": old.type, "assay.new.type": new.type},
        )
    changes: dict[str, tuple[Any, Any]] = {}
    for attr in _ATTRS:
        a, b = getattr(old, attr), getattr(new, attr)
        if a != b:
            changes[attr] = (oct(a), oct(b)) if attr == "mode" else (a, b)
    content_changed = (
        old.sha256 is not None and new.sha256 is not None and old.sha256 != new.sha256
    ) or old.target != new.target
    if content_changed and rules.is_growing(new.path) and new.size >= old.size:
        content_changed = False  # a log that grew is expected
    if content_changed:
        extra: dict[str, Any] = {
            "file.hash.sha256": new.sha256,
            "assay.old.sha256": old.sha256,
            "assay.new.sha256": new.sha256,
            "assay.old.size": old.size,
            "assay.new.size": new.size,
        }
        if old.target != new.target:
            extra.update({"assay.old.target": old.target, "assay.new.target": new.target})
        for attr, (a, b) in changes.items():
            extra[f"assay.old.{attr}"], extra[f"assay.new.{attr}"] = a, b
        what = "symlink target changed" if old.target != new.target else "content changed"
        detail = (
            f"sha256 {str(old.sha256)[:12]} -> {str(new.sha256)[:12]}"
            if old.target == new.target
            else (f"target {old.target} -> {new.target}")
        )
        also = "".join(f"; {attr} {a} -> {b}" for attr, (a, b) in changes.items())
        return _event(
            "changed", Severity.HIGH, f"{display(new.path)}: {what} ({detail}){also}", new.path, extra
        )
    if changes:
        extra = {"file.mode": oct(new.mode), "file.uid": str(new.uid), "file.gid": str(new.gid)}
        parts = []
        for attr, (a, b) in changes.items():
            extra[f"assay.old.{attr}"], extra[f"assay.new.{attr}"] = a, b
            parts.append(f"{attr} {a} -> {b}")
        severity = (
            Severity.HIGH if new.mode & (stat.S_ISUID | stat.S_ISGID | stat.S_IWOTH) else Severity.MEDIUM
        )
        return _event(
            "attributes_changed", severity, f"{display(new.path)}: {', '.join(parts)}", new.path, extra
        )
    return None


def _event(action: str, severity: Severity, message: str, path: str, extra: Mapping[str, Any]) -> Event:
    fields = {"file.path": display(path), **{k: v for k, v in extra.items() if v is not None}}
    return Event("file", action, severity, message, fields)


def compare(
    old: Mapping[str, FileRecord], new: Mapping[str, FileRecord], rules: Rules, *, under: Sequence[str] = ()
) -> list[Event]:
    """Events for every difference; `under` limits removals to those subtrees (a partial check)."""
    events = []
    prefixes = [os.path.abspath(u) for u in under]
    for path, rec in new.items():
        ev = compare_one(old.get(path), rec, rules)
        if ev is not None:
            events.append(ev)
    for path, rec in old.items():
        if path in new:
            continue
        if prefixes and not any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes):
            continue
        ev = compare_one(rec, None, rules)
        if ev is not None:
            events.append(ev)
    return events


# -- the baseline in the store ---------------------------------------------------------------------


@dataclass(frozen=True)
class BaselineInfo:
    """Metadata of the stored file-integrity baseline."""

    id: int
    created_at: float
    updated_at: float
    roots: list[str]
    files: int


def baseline_info(store: Store) -> BaselineInfo | None:
    """The latest stored file-integrity baseline's metadata, or None if there is none."""
    row = store.connection.execute("SELECT * FROM monitor_baselines ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return None
    return BaselineInfo(
        row["id"], row["created_at"], row["updated_at"], json.loads(row["roots"]), row["files"]
    )


def load_baseline(store: Store) -> tuple[BaselineInfo | None, dict[str, FileRecord]]:
    """The latest baseline's metadata and its file records by path; ``(None, {})`` without one."""
    info = baseline_info(store)
    if info is None:
        return None, {}
    out: dict[str, FileRecord] = {}
    for r in store.connection.execute(
        "SELECT path, type, mode, uid, gid, size, inode, mtime_ns, ctime_ns, target, sha256 "
        "FROM monitor_files WHERE baseline_id = ?",
        (info.id,),
    ):
        path = os.fsdecode(bytes(r[0]))
        out[path] = FileRecord(path, *tuple(r)[1:])
    return info, out


def save_baseline(store: Store, roots: Sequence[str], records: Mapping[str, FileRecord]) -> BaselineInfo:
    """Replace the baseline in one transaction: a crash or SIGKILL midway leaves the previous one intact."""
    now = time.time()
    previous = baseline_info(store)
    created = previous.created_at if previous is not None else now
    roots_json = json.dumps([display(os.path.abspath(r)) for r in roots])
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO monitor_baselines (created_at, updated_at, roots, files) VALUES (?, ?, ?, ?)",
            (created, now, roots_json, len(records)),
        )
        new_id = int(cur.lastrowid or 0)
        conn.executemany(
            "INSERT INTO monitor_files (baseline_id, path, type, mode, uid, gid, size, inode, mtime_ns, "
            "ctime_ns, target, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    new_id,
                    os.fsencode(r.path),
                    r.type,
                    r.mode,
                    r.uid,
                    r.gid,
                    r.size,
                    r.inode,
                    r.mtime_ns,
                    r.ctime_ns,
                    r.target,
                    r.sha256,
                )
                for r in records.values()
            ),
        )
        conn.execute("DELETE FROM monitor_baselines WHERE id != ?", (new_id,))
    return BaselineInfo(new_id, created, now, json.loads(roots_json), len(records))
