"""Automated response, opt-in per playbook: quarantine a file, kill a process. Protected targets
(pid 1, the daemon itself, listed services and paths) are never touched; every action is recorded,
and a quarantine can be restored (`assay security quarantine restore ID`)."""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assay.errors import InputError
from assay.store import Store


class Refused(InputError):
    """The target is protected or not eligible; nothing was done."""


@dataclass(frozen=True)
class Action:
    id: int
    at: float
    action: str
    target: str
    details: dict[str, Any]
    reversible: bool
    reversed_at: float | None

    def to_json(self) -> dict[str, Any]:
        """The action as a JSON-ready dict."""
        return asdict(self)


def _record(store: Store, action: str, target: str, details: dict[str, Any], reversible: bool) -> int:
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO monitor_actions (at, action, target, details, reversible) VALUES (?, ?, ?, ?, ?)",
            (time.time(), action, target, json.dumps(details, default=str), int(reversible)),
        )
        return int(cur.lastrowid or 0)


def _action(row: Any) -> Action:
    return Action(
        row["id"],
        row["at"],
        row["action"],
        row["target"],
        json.loads(row["details"]),
        bool(row["reversible"]),
        row["reversed_at"],
    )


def actions(store: Store) -> list[Action]:
    return [_action(r) for r in store.connection.execute("SELECT * FROM monitor_actions ORDER BY id DESC")]


def get_action(store: Store, action_id: int) -> Action:
    row = store.connection.execute("SELECT * FROM monitor_actions WHERE id = ?", (action_id,)).fetchone()
    if row is None:
        raise InputError(f"no recorded response action {action_id}")
    return _action(row)


def quarantine(store: Store, path: Path, qdir: Path, *, protected: Sequence[str] = ()) -> int:
    """Move a regular file into a 0700 quarantine directory with its metadata; returns the action id."""
    target = path.absolute()
    if any(fnmatch.fnmatchcase(str(target), g) for g in protected):
        raise Refused(f"{target}: protected path, not quarantined")
    try:
        st = os.lstat(target)
    except OSError as exc:
        raise InputError(f"{target}: cannot quarantine: {exc.strerror or exc}") from None
    if not os.path.isfile(target) or os.path.islink(target):
        raise Refused(f"{target}: only regular files are quarantined")
    qdir.mkdir(parents=True, exist_ok=True)
    os.chmod(qdir, 0o700)
    digest = hashlib.sha256(target.read_bytes()).hexdigest() if st.st_size < 64 * 2**20 else None
    slot = qdir / f"{int(time.time() * 1000)}-{os.getpid()}-{target.name}"
    slot.mkdir(mode=0o700)
    details = {
        "original": str(target),
        "stored": str(slot / "content"),
        "mode": st.st_mode & 0o7777,
        "uid": st.st_uid,
        "gid": st.st_gid,
        "mtime_ns": st.st_mtime_ns,
        "size": st.st_size,
        "sha256": digest,
    }
    shutil.move(str(target), str(slot / "content"))
    os.chmod(slot / "content", 0o000)
    (slot / "metadata.json").write_text(json.dumps(details, indent=2))
    return _record(store, "quarantine", str(target), details, True)


def restore(store: Store, action_id: int) -> Action:
    """Put a quarantined file back with its mode, owner and mtime; refuses to overwrite anything."""
    action = get_action(store, action_id)
    if action.action != "quarantine":
        raise InputError(f"action {action_id} is a {action.action}, which cannot be restored")
    if action.reversed_at is not None:
        raise InputError(f"action {action_id} was already restored")
    original = Path(action.details["original"])
    stored = Path(action.details["stored"])
    if original.exists() or original.is_symlink():
        raise InputError(f"{original}: exists again; move it away before restoring (nothing changed)")
    if not stored.exists():
        raise InputError(f"{stored}: quarantined copy is gone; cannot restore")
    original.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(stored), str(original))
    os.chmod(original, int(action.details["mode"]))
    # Only root may give a file away; the mode is restored regardless.
    with contextlib.suppress(PermissionError):
        os.chown(original, int(action.details["uid"]), int(action.details["gid"]))
    mtime = int(action.details["mtime_ns"])
    os.utime(original, ns=(mtime, mtime))
    with store.transaction() as conn:
        conn.execute("UPDATE monitor_actions SET reversed_at = ? WHERE id = ?", (time.time(), action_id))
    return get_action(store, action_id)


def kill(store: Store, pid: int, *, protected_names: Sequence[str] = (), grace: float = 3.0) -> int:
    """Terminate a process (SIGTERM, then SIGKILL after `grace`); never pid 1, the daemon or a listed name."""
    import psutil

    if pid <= 1 or pid in (os.getpid(), os.getppid()):
        raise Refused(f"pid {pid} is protected (init or the monitor itself); not killed")
    try:
        proc = psutil.Process(pid)
        name = proc.name()
        exe = proc.exe() if proc.pid else ""
    except psutil.NoSuchProcess:
        raise InputError(f"no process {pid}") from None
    except psutil.AccessDenied:
        raise InputError(f"pid {pid}: access denied") from None
    if name in protected_names:
        raise Refused(f"pid {pid} ({name}) is a protected service; not killed")
    details = {"pid": pid, "name": name, "exe": exe, "cmdline": proc.cmdline()}
    proc.terminate()
    try:
        proc.wait(grace)
        details["signal"] = "SIGTERM"
    except psutil.TimeoutExpired:
        proc.kill()
        details["signal"] = "SIGKILL"
    return _record(store, "kill", f"pid {pid} ({name})", details, False)
