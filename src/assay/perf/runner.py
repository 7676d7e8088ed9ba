"""Run a pytest-benchmark suite in a checkout (or a temporary git worktree) and collect raw samples.

Base and head run interleaved in the same job (A B A B ...), so drift on a shared machine hits both.
Each run is a real `python -m pytest` subprocess with an argument list, in this same environment.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assay.errors import InputError, ToolError
from assay.perf.samples import BenchmarkSamples, SuiteSamples, load_file, merge
from assay.vcs import resolve_ref, run_git

log = logging.getLogger(__name__)

PYTEST_NO_TESTS = 5

# Written beside the JSON so we learn which benchmarks failed, by the same node id pytest-benchmark
# uses as `fullname`; a file (not an importable assay module) so it also works for an old base checkout.
_PLUGIN = """
import json, os

_failures = {}


def pytest_runtest_logreport(report):
    if report.failed and report.nodeid not in _failures:
        text = getattr(report, "longreprtext", "") or "failed"
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        errs = [ln for ln in lines if ln.startswith("E ")]
        _failures[report.nodeid] = (errs[-1][1:].strip() if errs else lines[-1] if lines else "failed")[:300]


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("ASSAY_PERF_FAILURES")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(_failures, fh)
"""
_PLUGIN_NAME = "_assay_perf_failures"


@dataclass(frozen=True)
class SuiteOptions:
    benchmarks: str = "benchmarks"
    max_time: float = 0.1
    min_rounds: int = 5
    min_time: float = 0.0002
    timeout: float = 900
    pytest_args: Sequence[str] = ()
    # None: pytest autoloads every installed plugin. A tuple: only these (plus pytest-benchmark),
    # which saves most of pytest's start-up when many plugins are installed.
    plugins: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SuiteRun:
    """One run of the suite in one checkout."""

    samples: SuiteSamples
    failures: dict[str, str] = field(default_factory=dict)
    # Set when pytest could not run the suite at all (usage error, nothing collected ...).
    problem: str = ""


def run_suite(checkout: Path, options: SuiteOptions, work: Path) -> SuiteRun:
    """Run the suite once in `checkout`; the checkout's own code is imported first (src/ and root)."""
    work.mkdir(parents=True, exist_ok=True)
    plugin = work / f"{_PLUGIN_NAME}.py"
    if not plugin.exists():
        plugin.write_text(_PLUGIN, encoding="utf-8")
    fd, json_name = tempfile.mkstemp(prefix="bench-", suffix=".json", dir=work)
    os.close(fd)
    json_path = Path(json_name)
    json_path.unlink()
    failures_path = json_path.with_suffix(".failures.json")
    paths = [str(checkout / "src"), str(checkout), str(work)]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "ASSAY_PERF_FAILURES": str(failures_path)}
    plugin_args: list[str] = []
    if options.plugins is not None:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        for name in ("pytest_benchmark.plugin", *options.plugins):
            plugin_args += ["-p", name]
    args = [
        sys.executable,
        "-m",
        "pytest",
        *shlex.split(options.benchmarks),
        "--benchmark-only",
        f"--benchmark-json={json_path}",
        f"--benchmark-max-time={options.max_time}",
        f"--benchmark-min-rounds={options.min_rounds}",
        f"--benchmark-min-time={options.min_time}",
        "-p",
        _PLUGIN_NAME,
        "-q",
        "--no-header",
        "-rN",
        # One module that no longer imports (e.g. at an old base commit) must not hide the others.
        "--continue-on-collection-errors",
        *plugin_args,
        *options.pytest_args,
    ]
    log.debug("running %s in %s", " ".join(args), checkout)
    try:
        proc = subprocess.run(
            args, cwd=checkout, env=env, capture_output=True, text=True, timeout=options.timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise ToolError(
            f"pytest did not finish the suite {options.benchmarks} in {options.timeout:.0f}s "
            "(raise [tool.assay.perf].timeout)"
        ) from None
    failures: dict[str, str] = {}
    if failures_path.exists():
        with contextlib.suppress(OSError, ValueError):
            failures = {str(k): str(v) for k, v in json.loads(failures_path.read_text()).items()}
    if proc.returncode == PYTEST_NO_TESTS:
        return SuiteRun(SuiteSamples({}), failures, f"no benchmarks collected from {options.benchmarks}")
    if proc.returncode not in (0, 1) or not json_path.exists():
        return SuiteRun(SuiteSamples({}), failures, f"pytest exit {proc.returncode}: {_last_line(proc)}")
    samples = load_file(json_path)
    if not samples.benchmarks and not failures:
        return SuiteRun(samples, failures, f"no benchmarks collected from {options.benchmarks}")
    return SuiteRun(samples, failures)


def _last_line(proc: subprocess.CompletedProcess[str]) -> str:
    for stream in (proc.stderr, proc.stdout):
        lines = [ln.strip() for ln in stream.splitlines() if ln.strip() and not ln.startswith("=")]
        if lines:
            return lines[-1][:300]
    return "no output"


def pooled(runs: Sequence[SuiteRun]) -> dict[str, BenchmarkSamples]:
    return merge([r.samples for r in runs], [r.failures for r in runs])


def run_rounds(checkout: Path, options: SuiteOptions, rounds: int, work: Path) -> tuple[list[SuiteRun], str]:
    """Run the suite up to `rounds` times in one checkout; returns the good runs and the first problem.

    A run that could not run the suite at all ends the rounds: the next ones would fail the same way.
    """
    runs: list[SuiteRun] = []
    for _ in range(rounds):
        run = run_suite(checkout, options, work)
        if run.problem:
            return runs, run.problem
        runs.append(run)
    return runs, ""


def run_interleaved(
    base: Path,
    head: Path,
    options: SuiteOptions,
    rounds: int,
    work: Path,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[SuiteRun], list[SuiteRun], str, str]:
    """A B A B ...; returns base runs, head runs and each side's problem (empty when it ran).

    A head that cannot run the suite ends the rounds at once: there is nothing to compare base with.
    A base that cannot run (e.g. it predates the benchmarks) only stops base's runs.
    """
    base_runs: list[SuiteRun] = []
    head_runs: list[SuiteRun] = []
    base_problem = ""
    for index in range(rounds):
        if not base_problem:
            run = run_suite(base, options, work)
            base_problem = run.problem
            if not run.problem:
                base_runs.append(run)
        run = run_suite(head, options, work)
        if progress is not None:
            progress(index + 1, rounds)
        if run.problem:
            return base_runs, head_runs, base_problem, run.problem
        head_runs.append(run)
    return base_runs, head_runs, base_problem, ""


@contextlib.contextmanager
def worktree(root: Path, ref: str) -> Iterator[tuple[Path, str]]:
    """A temporary detached worktree of `ref`; removed afterwards even on errors."""
    sha = resolve_ref(root, ref)
    parent = Path(tempfile.mkdtemp(prefix="assay-perf-"))
    path = parent / "checkout"
    try:
        run_git(["worktree", "add", "--detach", "--quiet", str(path), sha], root, timeout=300)
    except InputError:
        shutil.rmtree(parent, ignore_errors=True)
        raise
    try:
        yield path, sha
    finally:
        run_git(["worktree", "remove", "--force", str(path)], root, check=False, timeout=120)
        shutil.rmtree(parent, ignore_errors=True)
        run_git(["worktree", "prune"], root, check=False, timeout=60)
