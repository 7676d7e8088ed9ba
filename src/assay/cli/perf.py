"""`assay perf`: benchmark runs with raw samples, baselines per branch and machine, statistical compare,
bisect and history. Thin: parse, call assay.perf, record, write.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from assay import machine
from assay.cli.context import AppContext, F, output_options, pass_app, write_result
from assay.errors import InputError, ThresholdFailed
from assay.formats.interface import printable
from assay.results import Result
from assay.vcs import RepoInfo

if TYPE_CHECKING:  # the real imports stay inside the commands so `assay --help` stays fast
    from assay.perf.config import PerfSection
    from assay.perf.runner import SuiteOptions
    from assay.perf.samples import BenchmarkSamples
    from assay.perf.stats import Rule
    from assay.perf.storage import Baseline
    from assay.store import Store

log = logging.getLogger("assay.perf")


def _section(app: AppContext) -> PerfSection:
    from assay.perf.config import PerfSection

    return app.config.section("perf", PerfSection)


def _rule(app: AppContext, threshold: float | None) -> Rule:
    from assay.perf.stats import Rule

    s = _section(app)
    if threshold is not None and not 0 < threshold < 10:
        raise InputError(f"--regression-threshold must be between 0 and 10 (0.15 = 15%), got {threshold}")
    return Rule(
        threshold=s.regression_threshold if threshold is None else threshold,
        alpha=s.alpha,
        min_samples=s.min_samples,
        resamples=s.bootstrap,
    )


def _suite(
    app: AppContext,
    benchmarks: str | None,
    extra: tuple[str, ...],
    max_time: float | None,
    no_plugin_autoload: bool = False,
) -> SuiteOptions:
    from assay.perf.runner import SuiteOptions

    s = _section(app)
    plugins = tuple(s.plugins) if s.plugins is not None else (() if no_plugin_autoload else None)
    return SuiteOptions(
        plugins=plugins,
        benchmarks=benchmarks or s.benchmarks,
        max_time=max_time if max_time is not None else s.max_time,
        min_rounds=s.min_rounds,
        min_time=s.min_time,
        timeout=s.timeout,
        pytest_args=(*s.pytest_args, *extra),
    )


def _say(app: AppContext, text: str) -> None:
    if not app.quiet:
        click.echo(text, err=True)


def _save_measured(st: Store, result: Result, repo: RepoInfo, benchmarks: dict[str, BenchmarkSamples]) -> int:
    """Record a measurement run and its raw samples in an open store (perf tables prepared)."""
    from assay.perf import storage

    run_id = st.record(result, repo)
    storage.save_samples(st, run_id, benchmarks.values())
    return run_id


def _record_measured(
    app: AppContext, result: Result, repo: RepoInfo, benchmarks: dict[str, BenchmarkSamples]
) -> int:
    from assay.perf import storage

    with app.open_store() as st:
        return _save_measured(storage.prepare(st), result, repo, benchmarks)


def _run_here(repo: RepoInfo, options: SuiteOptions, rounds: int) -> dict[str, BenchmarkSamples]:
    """Run the suite `rounds` times in this checkout and pool the samples; exit 2 if it cannot run."""
    from assay.perf.runner import pooled, run_rounds

    with tempfile.TemporaryDirectory(prefix="assay-perf-") as work:
        runs, problem = run_rounds(repo.root, options, rounds, Path(work))
    if problem:
        raise InputError(f"{repo.root}: {problem}")
    return pooled(runs)


def _head_info(repo: RepoInfo, run_id: int | None) -> dict[str, Any]:
    """The head side of a comparison: this checkout and the run that measured it."""
    return {
        "commit": repo.commit,
        "branch": repo.branch,
        "dirty": repo.dirty,
        "run_id": run_id,
        "label": f"{repo.branch} ({repo.commit[:12]}{', dirty' if repo.dirty else ''})",
    }


def _finish(
    app: AppContext,
    result: Result,
    fmt: str | None,
    output: Path | None,
    *,
    fail_on_regression: bool = False,
    export_prometheus: Path | None = None,
) -> None:
    from assay.perf.tool import regressions

    app.record(result)
    write_result(result, fmt, output)
    if export_prometheus is not None:
        from assay.metrics import registry_for, write_textfile

        write_textfile(export_prometheus, registry_for([lambda: result.measurements]))
        _say(app, f"wrote Prometheus textfile {export_prometheus}")
    slow = regressions(result)
    if fail_on_regression and slow:
        raise ThresholdFailed(f"{len(slow)} benchmark(s) regressed: {', '.join(slow[:5])}")


def _warn_dirty(app: AppContext, repo: RepoInfo) -> list[str]:
    if repo.dirty:
        _say(app, "assay: warning: the work tree has uncommitted changes; results are flagged dirty")
        return ["head has uncommitted changes (dirty)"]
    return []


@contextlib.contextmanager
def _progress(app: AppContext, total: int, label: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on a terminal; log lines otherwise (quiet when not a TTY or --quiet)."""
    if not app.interactive:
        yield lambda i, n: log.info("round %d/%d done", i, n)
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda i, n: bar.update(task, completed=i)


_benchmarks_option = click.option(
    "--benchmarks", help="Suite path or node id (default [tool.assay.perf].benchmarks)."
)
_max_time_option = click.option(
    "--max-time", type=click.FloatRange(min=0, min_open=True), help="--benchmark-max-time per run."
)

_compare_options: list[Callable[[Any], Any]] = [
    click.option("--rounds", type=click.IntRange(1, 200), help="Runs of the suite per side (default 5)."),
    click.option(
        "--regression-threshold",
        type=float,
        help="Minimum slowdown that counts (0.15 = 15%; default from [tool.assay.perf]).",
    ),
    click.option("--fail-on-regression", is_flag=True, help="Exit 1 if any benchmark regressed."),
    click.option(
        "--export-prometheus",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Also write the perf metrics to this node_exporter textfile.",
    ),
    _benchmarks_option,
    _max_time_option,
    click.option(
        "--no-plugin-autoload",
        is_flag=True,
        help="Load only pytest-benchmark, not every installed pytest plugin (faster start-up).",
    ),
]


def compare_options(func: F) -> F:
    """The flags `compare` and `check` share."""
    for option in reversed(_compare_options):
        func = option(func)
    return func


@click.group()
def perf() -> None:
    """Performance regression baselines on top of pytest-benchmark.

    Decisions use raw per-round samples: Mann-Whitney U, a bootstrap CI of the ratio of medians,
    and a minimum effect size. See docs/perf.md.
    """


@perf.command(name="run", context_settings={"ignore_unknown_options": True})
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@click.option(
    "--rounds", type=click.IntRange(1, 200), default=1, show_default=True, help="Runs of the suite."
)
@_benchmarks_option
@_max_time_option
@click.option(
    "--no-plugin-autoload", is_flag=True, help="Load only pytest-benchmark, not every pytest plugin."
)
@output_options()
@pass_app
def run_cmd(
    app: AppContext,
    pytest_args: tuple[str, ...],
    rounds: int,
    benchmarks: str | None,
    max_time: float | None,
    no_plugin_autoload: bool,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Run the pytest-benchmark suite and store every raw sample (assay perf run [-- PYTEST ARGS])."""
    from assay.perf.tool import measurement_result

    repo = app.repo
    notes = _warn_dirty(app, repo)
    options = _suite(app, benchmarks, pytest_args, max_time, no_plugin_autoload)
    samples = _run_here(repo, options, rounds)
    result = measurement_result(
        samples, kind="run", source={"suite": options.benchmarks, "rounds": rounds, "notes": notes}
    )
    _record_measured(app, result, repo, samples)
    write_result(result, fmt, output)


@perf.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_options()
@pass_app
def import_cmd(app: AppContext, files: tuple[Path, ...], fmt: str | None, output: Path | None) -> None:
    """Store the raw samples of existing pytest-benchmark JSON files (for the current commit)."""
    from assay.perf.samples import load_file, merge
    from assay.perf.tool import measurement_result

    parsed = [load_file(f) for f in files]  # every file is checked before anything is stored
    if not any(p.benchmarks for p in parsed):
        raise InputError(f"{', '.join(map(str, files))}: no benchmarks in the file(s)")
    samples = merge(parsed)
    result = measurement_result(
        samples,
        kind="import",
        source={"files": [str(f) for f in files], "pytest_benchmark": sorted({p.version for p in parsed})},
    )
    _record_measured(app, result, app.repo, samples)
    write_result(result, fmt, output)


@perf.command()
@click.option("--base", "base_ref", required=True, help="Git ref to compare against (run in a worktree).")
@compare_options
@output_options()
@pass_app
def compare(
    app: AppContext,
    base_ref: str,
    rounds: int | None,
    regression_threshold: float | None,
    fail_on_regression: bool,
    export_prometheus: Path | None,
    benchmarks: str | None,
    max_time: float | None,
    no_plugin_autoload: bool,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Run base (a worktree of --base) and head (this checkout) interleaved, then decide per benchmark."""
    from assay.perf import storage
    from assay.perf.runner import pooled, run_interleaved, worktree
    from assay.perf.tool import compare_all, comparison_result, measurement_result

    repo = app.repo
    if not repo.is_git:
        raise InputError(f"{repo.root}: not a git repository; --base needs git")
    rule = _rule(app, regression_threshold)
    options = _suite(app, benchmarks, (), max_time, no_plugin_autoload)
    n = rounds or _section(app).rounds
    notes = _warn_dirty(app, repo)
    host = machine.current()
    started = time.time()
    with (
        worktree(repo.root, base_ref) as (base_dir, base_sha),
        tempfile.TemporaryDirectory(prefix="assay-perf-") as work,
    ):
        _say(app, f"assay perf: {n} interleaved rounds of {options.benchmarks}: {base_ref} vs working tree")
        with _progress(app, n, f"base {base_ref} / head") as step:
            base_runs, head_runs, base_problem, head_problem = run_interleaved(
                base_dir, repo.root, options, n, Path(work), progress=step
            )
    if head_problem:
        raise InputError(f"{repo.root}: {head_problem}")
    if base_problem:
        notes.append(f"base {base_ref}: {base_problem}")
    base_samples, head_samples = pooled(base_runs), pooled(head_runs)
    base_repo = RepoInfo(root=repo.root, commit=base_sha, branch=base_ref, dirty=False, is_git=True)
    source = {"suite": options.benchmarks, "rounds": n, "compare": True}
    base_run = None
    with app.open_store() as st:
        storage.prepare(st)
        if base_samples:
            base_run = _save_measured(
                st,
                measurement_result(base_samples, kind="run", source={**source, "side": "base"}),
                base_repo,
                base_samples,
            )
        head_run = _save_measured(
            st,
            measurement_result(head_samples, kind="run", source={**source, "side": "head"}),
            repo,
            head_samples,
        )
    compared = compare_all(base_samples, head_samples, rule, base_problem=base_problem)
    result = comparison_result(
        compared,
        rule,
        mode="compare",
        base_info={
            "ref": base_ref,
            "commit": base_sha,
            "label": f"{base_ref} ({base_sha[:12]})",
            "run_id": base_run,
            "dirty": False,
        },
        head_info=_head_info(repo, head_run),
        notes=[
            *notes,
            f"{n} interleaved rounds in {time.time() - started:.1f}s",
            f"machine {host.id}: {host.describe()}",
        ],
    )
    _finish(
        app, result, fmt, output, fail_on_regression=fail_on_regression, export_prometheus=export_prometheus
    )


@perf.command()
@click.option("--branch", help="Baseline branch (default: the current branch, then the default branch).")
@click.option(
    "--from-store", is_flag=True, help="Use the newest stored run of this commit instead of running."
)
@compare_options
@output_options()
@pass_app
def check(
    app: AppContext,
    branch: str | None,
    from_store: bool,
    rounds: int | None,
    regression_threshold: float | None,
    fail_on_regression: bool,
    export_prometheus: Path | None,
    benchmarks: str | None,
    max_time: float | None,
    no_plugin_autoload: bool,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Compare the current run (or the stored one, --from-store) against the stored baseline."""
    from assay.perf import storage
    from assay.perf.tool import compare_all, comparison_result, measurement_result

    repo = app.repo
    rule = _rule(app, regression_threshold)
    host = machine.current()
    with app.open_store() as st:
        storage.prepare(st)
        baseline = _find_baseline(st, repo, branch, host.id)
        head_run: int | None = None
        if from_store:
            head_run, _ = _stored_run(st, repo, host.id)
            head_samples = storage.samples_of_run(st, head_run)
    notes = _warn_dirty(app, repo)
    if not from_store:
        options = _suite(app, benchmarks, (), max_time, no_plugin_autoload)
        n = rounds or _section(app).rounds
        head_samples = _run_here(repo, options, n)
        head_run = _record_measured(
            app,
            measurement_result(head_samples, kind="run", source={"suite": options.benchmarks, "rounds": n}),
            repo,
            head_samples,
        )
    compared = compare_all(baseline.samples(), head_samples, rule)
    result = comparison_result(
        compared,
        rule,
        mode="check",
        base_info={
            "baseline_id": baseline.id,
            "branch": baseline.branch,
            "commit": baseline.commit,
            "dirty": baseline.dirty,
            "machine_id": baseline.machine_id,
            "label": f"baseline {baseline.id} {baseline.branch}@{baseline.commit[:12]}",
        },
        head_info=_head_info(repo, head_run),
        notes=notes,
    )
    _finish(
        app, result, fmt, output, fail_on_regression=fail_on_regression, export_prometheus=export_prometheus
    )


def _stored_run(st: Store, repo: RepoInfo, machine_id: str) -> tuple[int, bool]:
    """The newest stored run of this commit on this machine that has samples: (run id, dirty)."""
    from assay.perf import storage

    found = storage.latest_sampled_run(st, str(repo.root), repo.commit, machine_id)
    if found is None:
        raise InputError(
            f"no stored perf run for {repo.commit[:12]} on this machine; run `assay perf run` first"
        )
    return found


def _find_baseline(st: Store, repo: RepoInfo, branch: str | None, machine_id: str) -> Baseline:
    from assay.perf import storage
    from assay.vcs import default_branch

    candidates = [branch] if branch else [repo.branch]
    if not branch and repo.is_git:
        fallback = default_branch(repo.root)
        if fallback and fallback not in candidates:
            candidates.append(fallback)
    for name in candidates:
        found = storage.active_baseline(st, str(repo.root), name, machine_id)
        if found is not None:
            return found
    others = [b for name in candidates for b in storage.list_baselines(st, str(repo.root), branch=name)]
    if others:
        b = others[0]
        describe = b.machine.get("cpu_model", "?"), b.machine.get("cores", "?"), b.machine.get("python", "?")
        raise InputError(
            f"the baseline for {b.branch} (id {b.id}) was recorded on another machine "
            f"({describe[0]}, {describe[1]} cores, Python {describe[2]}; fingerprint {b.machine_id}) "
            f"and this machine is {machine_id}: timings from different machines are not compared; "
            "record a baseline here with `assay perf baseline update`"
        )
    raise InputError(
        f"no perf baseline for branch {' or '.join(candidates)}; record one with `assay perf run` "
        "then `assay perf baseline update`"
    )


# -- baselines ----------------------------------------------------------------------------------------


@perf.group()
def baseline() -> None:
    """Baselines: one per branch and machine fingerprint, older ones kept (list, show, restore)."""


@baseline.command(name="update")
@click.option("--force-update", is_flag=True, help="Replace this commit's existing baseline.")
@pass_app
def baseline_update(app: AppContext, force_update: bool) -> None:
    """Record the current commit's stored results as the baseline for its branch and this machine."""
    from assay.perf import storage

    repo = app.repo
    host = machine.current()
    with app.open_store() as st:
        storage.prepare(st)
        run_id, dirty = _stored_run(st, repo, host.id)
        samples = {k: v.samples for k, v in storage.samples_of_run(st, run_id).items() if v.ok}
        if not samples:
            raise InputError(f"run {run_id} has no successful benchmark to use as a baseline")
        new_id = storage.add_baseline(
            st,
            str(repo.root),
            branch=repo.branch,
            machine_id=host.id,
            machine=json.loads(host.to_json()),
            commit=repo.commit,
            dirty=dirty,
            benchmarks=samples,
            source_run_id=run_id,
            force=force_update,
        )
    flag = " (dirty work tree)" if dirty else ""
    click.echo(
        f"baseline {new_id}: {repo.branch}@{repo.commit[:12]}{flag}, {len(samples)} benchmarks, "
        f"machine {host.id}"
    )


@baseline.command(name="list")
@click.option("--branch", help="Only this branch.")
@click.option(
    "--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_app
def baseline_list(app: AppContext, branch: str | None, fmt: str) -> None:
    """Every stored baseline, newest active first; `*` marks the active one per branch and machine."""
    from assay.perf import storage

    with app.open_store() as st:
        storage.prepare(st)
        items = storage.list_baselines(st, str(app.root), branch=branch)
    here = machine.current().id
    seen: set[tuple[str, str]] = set()
    rows = []
    for b in items:
        key = (b.branch, b.machine_id)
        rows.append({**b.summary(), "active": key not in seen, "this_machine": b.machine_id == here})
        seen.add(key)
    if fmt == "json":
        click.echo(json.dumps({"schema": "assay.perf.baseline-list/1", "baselines": rows}, indent=2))
        return
    if not rows:
        click.echo("no perf baselines yet (assay perf run, then assay perf baseline update)")
    for r in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(float(r["created_at"])))
        mark = "*" if r["active"] else " "
        other = "" if r["this_machine"] else "  (other machine)"
        dirty = " dirty" if r["dirty"] else ""
        click.echo(
            f"{mark} {r['id']:>4}  {r['branch']:<20} {str(r['commit'])[:12]}{dirty}  {when}  "
            f"{r['benchmarks']} benchmarks  machine {r['machine_id']}{other}"
        )


@baseline.command(name="show")
@click.argument("baseline_id", type=int)
@output_options()
@pass_app
def baseline_show(app: AppContext, baseline_id: int, fmt: str | None, output: Path | None) -> None:
    """One baseline's benchmarks: median, IQR and n of the stored samples."""
    from assay.perf import storage
    from assay.perf.tool import measurement_result

    with app.open_store() as st:
        storage.prepare(st)
        b = storage.get_baseline(st, str(app.root), baseline_id)
    result = measurement_result(b.samples(), kind="baseline", source=b.summary())
    write_result(result, fmt, output)


@baseline.command(name="restore")
@click.argument("baseline_id", type=int)
@pass_app
def baseline_restore(app: AppContext, baseline_id: int) -> None:
    """Make an older baseline the active one for its branch and machine again."""
    from assay.perf import storage

    with app.open_store() as st:
        storage.prepare(st)
        b = storage.restore_baseline(st, str(app.root), baseline_id)
    click.echo(f"baseline {b.id} ({b.branch}@{b.commit[:12]}) is active again")


@baseline.command(name="export")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--branch", help="Only this branch.")
@pass_app
def baseline_export(app: AppContext, path: Path, branch: str | None) -> None:
    """Write baselines (with their raw samples and machine fingerprints) to a JSON file."""
    from assay.formats import write_atomic
    from assay.perf import storage

    with app.open_store() as st:
        storage.prepare(st)
        items = storage.list_baselines(st, str(app.root), branch=branch)
    write_atomic(path, json.dumps(storage.export_document(reversed(items)), indent=2) + "\n")
    click.echo(f"exported {len(items)} baselines to {path}", err=True)


@baseline.command(name="import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--force-update", is_flag=True, help="Replace baselines of the same branch, machine and commit."
)
@pass_app
def baseline_import(app: AppContext, path: Path, force_update: bool) -> None:
    """Read baselines exported by `assay perf baseline export` (their machine fingerprints are kept)."""
    from assay.perf import storage

    items = storage.parse_export(path)  # the whole file is checked before anything is written
    added = skipped = 0
    with app.open_store() as st:
        storage.prepare(st)
        for item in items:
            try:
                storage.add_baseline(
                    st,
                    str(app.root),
                    branch=item["branch"],
                    machine_id=item["machine_id"],
                    machine=item["machine"],
                    commit=item["commit"],
                    dirty=bool(item.get("dirty")),
                    benchmarks=item["benchmarks"],
                    source_run_id=None,
                    force=force_update,
                    created_at=float(item.get("created_at") or time.time()),
                )
                added += 1
            except InputError as exc:
                skipped += 1
                log.warning("skipped: %s", exc)
    click.echo(
        f"imported {added} baselines from {path}"
        + (f", skipped {skipped} already present" if skipped else "")
    )


# -- history and bisect ----------------------------------------------------------------------------------


def _resolve_name(st: Store, root: str, name: str) -> str:
    from assay.perf import storage

    names = storage.benchmark_names(st, root)
    if name in names:
        return name
    matches = [n for n in names if n.split("::")[-1] == name or n.endswith(name)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        known = ", ".join(names[:8]) or "none stored yet"
        raise InputError(f"no stored benchmark named {name!r} (known: {known})")
    raise InputError(f"benchmark name {name!r} is ambiguous: {', '.join(matches[:5])}")


@perf.command()
@click.argument("name")
@output_options()
@pass_app
def history(app: AppContext, name: str, fmt: str | None, output: Path | None) -> None:
    """The trend of one benchmark over its stored runs (up/down/flat at ±5%)."""
    from assay.perf import storage
    from assay.perf.tool import history_result

    with app.open_store() as st:
        storage.prepare(st)
        full = _resolve_name(st, str(app.root), name)
        stored = storage.samples_history(st, str(app.root), full, machine_id=machine.current().id)
    points = [
        {
            "commit": s.commit,
            "dirty": s.dirty,
            "run_id": s.run_id,
            "finished_at": s.finished_at,
            "samples": s.bench.samples,
        }
        for s in stored
        if s.bench.ok
    ]
    if not points:
        raise InputError(f"{full}: no successful stored runs on this machine")
    write_result(history_result(full, points, _section(app).history_flat), fmt, output)


@perf.command()
@click.option("--good", required=True, help="A commit where the benchmark was fast.")
@click.option("--bad", required=True, help="A later commit where it is slow.")
@click.option("--benchmark", "name", required=True, help="Benchmark name (pytest node id or test name).")
@click.option(
    "--rounds",
    type=click.IntRange(1, 200),
    default=3,
    show_default=True,
    help="Runs of the benchmark per commit measured.",
)
@click.option("--regression-threshold", type=float, help="Minimum slowdown that counts (0.15 = 15%).")
@_max_time_option
@output_options()
@pass_app
def bisect(
    app: AppContext,
    good: str,
    bad: str,
    name: str,
    rounds: int,
    regression_threshold: float | None,
    max_time: float | None,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Find the first commit that made a benchmark slower (stored results first, worktrees for the rest)."""
    from assay.perf import storage
    from assay.perf.runner import pooled, run_rounds, worktree
    from assay.perf.samples import BenchmarkSamples
    from assay.perf.tool import ROLLBACK_DOC, bisect_result, measurement_result
    from assay.perf.tool import bisect as run_bisect
    from assay.vcs import resolve_ref, run_git

    repo = app.repo
    if not repo.is_git:
        raise InputError(f"{repo.root}: not a git repository")
    rule = _rule(app, regression_threshold)
    good_sha, bad_sha = resolve_ref(repo.root, good), resolve_ref(repo.root, bad)
    commits = run_git(
        ["rev-list", "--reverse", "--ancestry-path", f"{good_sha}..{bad_sha}"], repo.root
    ).split()
    if not commits:
        raise InputError(f"{bad} is not a descendant of {good}; give --good an older commit")
    host = machine.current()
    base_options = _suite(app, None, (), max_time)

    def measure(st: Store, sha: str) -> tuple[BenchmarkSamples, str]:
        stored = [
            s
            for s in storage.samples_history(st, str(repo.root), full, commit=sha, machine_id=host.id)
            if s.bench.ok and not s.dirty
        ]
        if stored:
            return stored[-1].bench, "stored"
        _say(app, f"assay perf bisect: measuring {sha[:12]}")
        options = dataclasses.replace(base_options, benchmarks=full)
        with worktree(repo.root, sha) as (path, _), tempfile.TemporaryDirectory(prefix="assay-perf-") as work:
            runs, problem = run_rounds(path, options, rounds, Path(work))
        samples = pooled(runs)
        bench = samples.get(full, BenchmarkSamples(full, error=problem or "not collected"))
        if samples:
            at = RepoInfo(root=repo.root, commit=sha, branch="HEAD", dirty=False, is_git=True)
            _save_measured(
                st,
                measurement_result(
                    samples, kind="run", source={"suite": full, "rounds": rounds, "bisect": True}
                ),
                at,
                samples,
            )
        return bench, "measured"

    # One store session for the whole search: stored samples are looked up, new ones recorded, per commit.
    with app.open_store() as st:
        storage.prepare(st)
        try:
            full = _resolve_name(st, str(repo.root), name)
        except InputError:
            full = name  # not stored yet: pytest resolves it as a node id
        good_samples, _ = measure(st, good_sha)
        if not good_samples.ok:
            raise InputError(
                f"{full} cannot be measured at --good {good}: {good_samples.error or 'no samples'}"
            )
        first_bad, steps = run_bisect(commits, good_samples, functools.partial(measure, st), rule)
    subject = ""
    if first_bad:
        subject = run_git(["log", "-1", "--format=%s", first_bad], repo.root).strip()
    result = bisect_result(full, good_sha, bad_sha, first_bad, subject, steps)
    write_result(result, fmt, output)
    if first_bad:
        click.echo(f"first slow commit: {first_bad} {printable(subject)}", err=True)
        click.echo(f"rollback: git revert --no-edit {first_bad}  (see {ROLLBACK_DOC})", err=True)
