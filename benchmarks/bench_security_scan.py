"""Dependency audit against the full PyPA advisory snapshot (300 pinned dependencies), cold and with the
store's cache warm; bandit on assay's own src/ through assay and through bandit's CLI, side by side.
Goals: cold under 2 s, warm under 200 ms, assay's bandit no slower than bandit's CLI.
Run: .venv/bin/python -m pytest benchmarks/bench_security_scan.py --benchmark-only -p no:cacheprovider"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assay.results import Severity
from assay.security.scan import database, osv
from assay.security.scan.audit import audit
from assay.security.scan.code import scan_code
from assay.security.scan.model import Dependency, normalize

REPO_ROOT = Path(__file__).resolve().parents[1]
ADVISORY_DB = REPO_ROOT.parent / "shared" / "data" / "advisory-database"
BIN = Path(sys.executable).parent
DEPENDENCIES = 300


def _dependencies() -> list[Dependency]:
    """300 pins of packages the snapshot knows, at an old version most advisories affect."""
    names = sorted(p.name for p in (ADVISORY_DB / "vulns").iterdir() if p.is_dir())[:DEPENDENCIES]
    return [Dependency(normalize(n), "1.0", "requirements.txt") for n in names]


def _load_and_audit(store: Path | None) -> int:
    # A scan is one process: start every round without the version caches a previous round filled.
    osv._ordering.cache_clear()
    osv._sorted_events.cache_clear()
    deps = _dependencies()
    db = database.open_directory(ADVISORY_DB, store)
    return len(audit(deps, db.advisories_for(d.name for d in deps), Severity.HIGH))


@pytest.fixture(scope="module")
def needs_snapshot() -> None:
    if not ADVISORY_DB.is_dir():
        pytest.skip(f"SKIPPED LOUDLY: the advisory snapshot is not at {ADVISORY_DB}")


def test_audit_300_pins_cold(benchmark, tmp_path: Path, needs_snapshot: None) -> None:  # type: ignore[no-untyped-def]
    counter = iter(range(1000))

    def fresh_store() -> tuple[tuple[Path], dict[str, object]]:
        return (tmp_path / f"cold-{next(counter)}.db",), {}

    found = benchmark.pedantic(_load_and_audit, setup=fresh_store, rounds=5, iterations=1)
    assert found > 0


def test_audit_300_pins_warm_cache(benchmark, tmp_path: Path, needs_snapshot: None) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "warm.db"
    expected = _load_and_audit(store)
    found = benchmark.pedantic(_load_and_audit, args=(store,), rounds=10, iterations=1, warmup_rounds=1)
    assert found == expected


def test_bandit_through_assay_api(benchmark) -> None:  # type: ignore[no-untyped-def]
    result = benchmark.pedantic(scan_code, args=(REPO_ROOT, ["src"]), rounds=5, iterations=1, warmup_rounds=1)
    assert result.files > 0


def test_bandit_through_assay_cli(benchmark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    argv = [str(BIN / "assay"), "--repo", str(REPO_ROOT), "--store", str(tmp_path / "s.db"), "-q"]
    argv += ["security", "scan", "--no-deps", "-f", "json", "-o", str(tmp_path / "out.json")]
    kwargs = {"capture_output": True}
    proc = benchmark.pedantic(subprocess.run, args=(argv,), kwargs=kwargs, rounds=5, iterations=1)
    assert proc.returncode in (0, 1)


def test_bandit_cli_same_tree(benchmark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    argv = [str(BIN / "bandit"), "-r", "src", "-c", "pyproject.toml", "-f", "json", "-q"]
    argv += ["-o", str(tmp_path / "bandit.json")]

    def run() -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(argv, cwd=REPO_ROOT, capture_output=True)

    proc = benchmark.pedantic(run, rounds=5, iterations=1)
    assert proc.returncode in (0, 1)
