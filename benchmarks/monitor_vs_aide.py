#!/usr/bin/env python3
"""Side by side with AIDE: baseline and full check of the same N-file tree (sha256 + metadata on both
sides), the same changes made, and the changes each tool detected. Also the monitor's real-time
detection latency (write -> event, p50/p95) and its idle CPU and RSS while watching the tree.

    .venv/bin/python benchmarks/monitor_vs_aide.py [--files 100000] [--latency-writes 200] [--idle 60]

Prints a Markdown table (the figures in docs/performance.md come from this script).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from monitor_churn import ASSAY, get, start_daemon  # the churn benchmark starts its daemon the same way

AIDE_RULE = "p+i+n+u+g+s+m+c+sha256+ftype+l"  # perms inode links user group size mtime ctime sha256 type link


def make_tree(root: Path, files: int) -> None:
    rng = random.Random(7)
    per_dir = 100
    for n in range(files):
        d = root / f"d{n // (per_dir * 50)}" / f"s{(n // per_dir) % 50}"
        if n % per_dir == 0:
            d.mkdir(parents=True, exist_ok=True)
        size = rng.choice((200, 1000, 4000, 16000))
        (d / f"f{n}.dat").write_bytes(rng.randbytes(size))


def change_tree(root: Path) -> set[str]:
    """Ten content changes, five permission changes, five removals, five additions."""
    files = sorted(root.rglob("*.dat"))
    rng = random.Random(11)
    picked = rng.sample(files, 20)
    changed = set()
    for p in picked[:10]:
        p.write_bytes(b"tampered" + p.read_bytes())
        changed.add(str(p))
    for p in picked[10:15]:
        p.chmod(0o4755)
        changed.add(str(p))
    for p in picked[15:20]:
        p.unlink()
        changed.add(str(p))
    for n in range(5):
        new = files[0].parent / f"new{n}.dat"
        new.write_text("new")
        changed.add(str(new))
    return changed


def timed(cmd: list[str], **kwargs: object) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - started, proc


def aide_config(work: Path, tree: Path) -> Path:
    conf = work / "aide.conf"
    conf.write_text(
        f"database_in=file:{work}/aide.db\n"
        f"database_out=file:{work}/aide.db.new\n"
        "database_new=file:{work}/aide.db.new\n".replace("{work}", str(work))
        + "gzip_dbout=no\n"
        f"report_url=file:{work}/aide.report\n"
        f"FIM = {AIDE_RULE}\n"
        f"{tree} FIM\n"
    )
    return conf


def aide_changes(report: str) -> set[str]:
    found = set()
    for line in report.splitlines():
        m = re.match(r"^[fd][ +\-~>=.!A-Za-z]*:\s+(/\S+)", line)
        if m:
            found.add(m.group(1))
    return found


def compare_with_aide(work: Path, tree: Path, workers: int) -> dict[str, object]:
    aide = shutil.which("aide")
    if aide is None:
        raise SystemExit("aide is not installed (apt-get install aide)")
    conf = aide_config(work, tree)
    db = work / "assay.db"
    cfg = work / "monitor.json"
    cfg.write_text(
        json.dumps({"hash_workers": workers, "processes": False, "network": False, "logins": False})
    )

    def baseline(sub: str, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
        """`assay security baseline SUB ...` against this store and config, timed (JSON output)."""
        cmd = [str(ASSAY), "--store", str(db), "security", "baseline", sub, "--config", str(cfg), *args]
        return timed([*cmd, "--format", "json"], cwd=work)

    out: dict[str, object] = {}
    subprocess.run(["sync"], check=False)
    # Each baseline twice, alternating, best of two: the first reader of a fresh tree pays for the
    # page cache, whichever tool it is.
    assay_times, aide_times = [], []
    for round_ in range(2):
        force = ["--force"] if round_ else []
        t, p = baseline("init", "--watch", str(tree), *force)
        assert p.returncode == 0, p.stderr
        assay_times.append(t)
        t, p = timed([aide, "--config", str(conf), "--init"])
        assert p.returncode == 0, p.stderr + p.stdout
        aide_times.append(t)
    out["assay_init_s"] = min(assay_times)
    out["aide_init_s"] = min(aide_times)
    runs = {"assay": assay_times, "aide": aide_times}
    out["init_runs_s"] = "; ".join(f"{k} {', '.join(f'{x:.2f}' for x in v)}" for k, v in runs.items())
    shutil.move(work / "aide.db.new", work / "aide.db")
    expected = change_tree(tree)
    t, p = baseline("check")
    assert p.returncode == 1, p.stderr
    out["assay_check_s"] = t
    assay_found = {e["file.path"] for e in json.loads(p.stdout)["events"] if e["file.path"] != str(tree)}
    t, p = baseline("check", "--rehash")
    assert p.returncode == 1, p.stderr
    out["assay_check_rehash_s"] = t
    t, p = timed([aide, "--config", str(conf), "--check"])
    out["aide_check_s"] = t
    aide_found = (
        aide_changes((work / "aide.report").read_text()) if (work / "aide.report").exists() else set()
    )
    files_only = {x for x in aide_found if x.endswith(".dat")}
    out["changes_made"] = len(expected)
    out["assay_detected"] = len(expected & assay_found)
    out["aide_detected"] = len(expected & files_only)
    out["assay_extra"] = sorted(assay_found - expected)[:5]
    return out


def latency(work: Path, tree: Path, writes: int, idle: float) -> dict[str, object]:
    proc, url = start_daemon(
        work,
        work / "assay.db",
        tree,
        {
            "interval": 86400,
            "dedup_seconds": 0,
            "auto_ignore_per_hour": 0,
            "event_buffer": writes + 100,
        },
    )
    ps = psutil.Process(proc.pid)
    out: dict[str, object] = {}
    try:
        status = get(url + "/api/status")
        assert isinstance(status, dict)
        out["watched_files"] = status["watched_files"]
        out["watches"] = status["watches"]
        time.sleep(5)  # let start-up settle before measuring idle
        cpu0 = sum(ps.cpu_times()[:2])
        t0 = time.monotonic()
        time.sleep(idle)
        cpu1 = sum(ps.cpu_times()[:2])
        out["idle_cpu_percent_of_one_core"] = 100 * (cpu1 - cpu0) / (time.monotonic() - t0)
        out["idle_rss_mb"] = ps.memory_info().rss / 2**20
        targets = sorted(tree.rglob("*.dat"))[:writes]
        written: dict[str, float] = {}
        for p in targets:
            written[str(p)] = time.time()
            with p.open("ab") as fh:
                fh.write(b"x")
            time.sleep(0.02)
        deadline = time.monotonic() + 60
        seen: dict[str, float] = {}
        while time.monotonic() < deadline and len(seen) < len(written):
            events = get(url + f"/api/events?limit={writes + 100}")
            assert isinstance(events, list)
            for e in events:
                path = e.get("file.path")
                if path in written and e["event.action"] == "changed" and path not in seen:
                    ts = time.mktime(time.strptime(e["@timestamp"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
                    seen[path] = ts + float("0." + e["@timestamp"][20:-1])
            time.sleep(0.2)
        lat = sorted(seen[p] - written[p] for p in seen)
        out["latency_events"] = f"{len(lat)}/{len(written)}"
        out["latency_p50_s"] = statistics.median(lat)
        out["latency_p95_s"] = lat[int(0.95 * (len(lat) - 1))]
        out["latency_max_s"] = lat[-1]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--latency-writes", type=int, default=200)
    parser.add_argument("--idle", type=float, default=60.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary tree")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="assay-monitor-bench-"))
    tree = work / "tree"
    try:
        t = time.perf_counter()
        make_tree(tree, args.files)
        print(f"tree of {args.files} files made in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        results = compare_with_aide(work, tree, args.workers)
        results.update(latency(work, tree, args.latency_writes, args.idle))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"| measure ({args.files} files, {args.workers} hash workers) | value |")
    print("|---|---|")
    for key, value in results.items():
        print(f"| {key} | {value:.3f} |" if isinstance(value, float) else f"| {key} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
