"""`assay coverage`: ranked coverage gaps, diff gaps, runnable test templates, diff-scoped mutation."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from assay.cli.context import AppContext, output_options, pass_app, write_result
from assay.config import resolve_path
from assay.errors import InputError, ThresholdFailed
from assay.results import Outcome, Result, Status

if TYPE_CHECKING:
    from assay.coverage.config import CoverageSection

F = TypeVar("F", bound=Callable[..., Any])


def _section(app: AppContext) -> CoverageSection:
    from assay.coverage.config import CoverageSection

    return app.config.section("coverage", CoverageSection)


@click.group()
def coverage() -> None:
    """Coverage gaps ranked by risk, diff coverage, test templates and mutation testing."""


def _data_path(app: AppContext, given: Path | None) -> Path:
    return given if given is not None else resolve_path(app.root, _section(app).data)


_DATA_HELP = "Coverage data: .coverage, `coverage json` output or Cobertura XML (default ./.coverage)."


def _data_option(help: str = _DATA_HELP) -> Callable[[F], F]:
    return click.option("--data", "data_path", type=click.Path(path_type=Path), default=None, help=help)


_no_untracked = click.option(
    "--no-untracked", is_flag=True, help="Leave untracked files out of the diff (diff-cover's default)."
)


@dataclass(frozen=True)
class _AnalysisOptions:
    """The options `analyze` and `run` share (see `analysis_options`)."""

    base: str | None
    top: int | None
    fail_under: float | None
    write_report: bool
    export_metrics: bool
    report_dir: Path | None
    no_untracked: bool


def _analyse_and_report(
    app: AppContext,
    data_path: Path,
    options: _AnalysisOptions,
    *,
    fmt: str | None,
    output: Path | None,
    started: float,
    extra_outcomes: tuple[Outcome, ...] = (),
) -> Result:
    from dataclasses import replace

    from assay.coverage.analysis import run_analysis, to_result
    from assay.coverage.diff import default_base
    from assay.coverage.loader import load

    section = _section(app)
    root = app.root
    base = default_base(root) if options.base == "" else options.base
    data = load(data_path, root)
    if not data.files and not data.skipped:
        raise InputError(f"{data_path}: the coverage data measured no files (did any test run?)")
    analysis = run_analysis(
        data, root, base=base, churn_days=section.churn_days, include_untracked=not options.no_untracked
    )
    result = to_result(
        analysis,
        top=options.top or section.top,
        fail_under=options.fail_under if options.fail_under is not None else section.fail_under,
        started=started,
    )
    if extra_outcomes:
        result = replace(result, outcomes=extra_outcomes + result.outcomes)
    _record(app, result, started)
    directory = options.report_dir or _report_dir(app)
    if options.write_report:
        from assay.formats import get_writer, write_atomic

        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        target = directory / f"coverage-report-{stamp}.md"
        write_atomic(target, get_writer("markdown").render(result))
        if not app.quiet:
            click.echo(f"assay: wrote {target}", err=True)
    if options.export_metrics:
        from assay.metrics import registry_for, write_textfile

        target = directory / "coverage-metrics.prom"
        measurements = list(result.measurements)
        write_textfile(target, registry_for([lambda: measurements]))
        if not app.quiet:
            click.echo(f"assay: wrote {target}", err=True)
    write_result(result, fmt, output)
    return result


def _report_dir(app: AppContext) -> Path:
    return resolve_path(app.root, _section(app).output_dir)


def _record(app: AppContext, result: Result, started: float) -> None:
    """Store `result` with the wall-clock time the command started (`started` is monotonic)."""
    app.record(result, started_at=time.time() - (time.monotonic() - started))


def _finish(result: Result) -> None:
    if result.failed():
        failed = [o.message for o in result.outcomes if o.status in (Status.FAIL, Status.ERROR)]
        raise ThresholdFailed("; ".join(failed))


_common: list[Callable[[Any], Any]] = [
    click.option(
        "--base",
        default=None,
        is_flag=False,
        flag_value="",
        help="Diff gaps against this git ref (--base alone: the merge base with the default branch).",
    ),
    click.option("--top", type=click.IntRange(min=1), default=None, help="How many ranked gaps to show."),
    click.option(
        "--fail-under",
        type=click.FloatRange(0, 100),
        default=None,
        help="Exit 1 when total coverage (percent) is below this.",
    ),
    click.option("--write-report", is_flag=True, help="Also write coverage-report-<timestamp>.md."),
    click.option("--export-metrics", is_flag=True, help="Also write coverage-metrics.prom (node_exporter)."),
    click.option(
        "--report-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Where --write-report/--export-metrics write (default coverage-analysis/).",
    ),
    _no_untracked,
]


def analysis_options(func: F) -> F:
    """Add the shared analysis options; the command receives them as one `options` argument."""

    @functools.wraps(func)
    def command(
        *args: Any,
        base: str | None,
        top: int | None,
        fail_under: float | None,
        write_report: bool,
        export_metrics: bool,
        report_dir: Path | None,
        no_untracked: bool,
        **kwargs: Any,
    ) -> Any:
        options = _AnalysisOptions(
            base, top, fail_under, write_report, export_metrics, report_dir, no_untracked
        )
        return func(*args, options=options, **kwargs)

    wrapped: Callable[..., Any] = command
    for option in reversed(_common):
        wrapped = option(wrapped)
    return cast(F, wrapped)


@coverage.command()
@_data_option()
@analysis_options
@output_options()
@pass_app
def analyze(
    app: AppContext,
    data_path: Path | None,
    options: _AnalysisOptions,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Rank the gaps in existing coverage data; with --base, the coverage of changed code."""
    started = time.monotonic()
    result = _analyse_and_report(
        app, _data_path(app, data_path), options, fmt=fmt, output=output, started=started
    )
    _finish(result)


@coverage.command(context_settings={"ignore_unknown_options": True})
@_data_option("Where to write the coverage data (default ./.coverage).")
@click.option(
    "--python",
    "python",
    default=None,
    help="The project's Python (e.g. .venv/bin/python) with pytest and coverage (default: assay's own).",
)
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@analysis_options
@output_options()
@pass_app
def run(
    app: AppContext,
    data_path: Path | None,
    python: str | None,
    pytest_args: tuple[str, ...],
    options: _AnalysisOptions,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Run the test suite under coverage (branches, test_function contexts), then analyse.

    Arguments after `--` go to pytest: `assay coverage run -- tests/unit -x`.
    """
    from assay.coverage.runner import run_tests

    started = time.monotonic()
    target = _data_path(app, data_path)
    code = run_tests(app.root, target, list(pytest_args), quiet=app.quiet, python=python)
    outcomes: tuple[Outcome, ...] = ()
    if code != 0:
        outcomes = (
            Outcome(
                "coverage.tests",
                Status.WARN,
                f"pytest exited {code}: some tests failed; coverage shows what the passing run reached",
            ),
        )
    result = _analyse_and_report(
        app, target, options, fmt=fmt, output=output, started=started, extra_outcomes=outcomes
    )
    _finish(result)


@coverage.command()
@_data_option("Coverage data (default ./.coverage); dynamic contexts let templates reuse fixtures.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Directory for the generated test files (default tests/generated/).",
)
@click.option("--force", is_flag=True, help="Overwrite generated files that already exist.")
@output_options()
@pass_app
def templates(
    app: AppContext,
    data_path: Path | None,
    out_dir: Path | None,
    force: bool,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Write one pytest file per module with gaps: a skipped test per uncovered function."""
    from assay.coverage.gaps import analyse
    from assay.coverage.loader import load
    from assay.coverage.templates import TemplateFile, build, module_name, write
    from assay.results import Finding, Location, Severity

    root = app.root
    data = load(_data_path(app, data_path), root)
    if out_dir is None:
        out_dir = resolve_path(app.root, _section(app).templates_dir)
    reports = analyse(data, root)
    files = build(data, reports, root, out_dir)
    # Files coverage.py itself could not analyse (gone, or a syntax error) get no template either.
    files += [
        TemplateFile(module_name(path, root), path, out_dir, skipped=f"no template: {reason}")
        for path, reason in data.skipped
        if path.endswith(".py")
    ]
    written, kept = write(files, force=force)
    findings = [
        Finding(
            id="coverage.template-skipped",
            severity=Severity.LOW,
            message=f.skipped,
            location=Location(f.source_path),
            tool="coverage",
        )
        for f in files
        if f.skipped
    ]
    findings += [
        Finding(
            id="coverage.template-exists",
            severity=Severity.INFO,
            message=f"{f.target} exists; not overwritten (use --force to regenerate)",
            location=Location(f.source_path),
            tool="coverage",
        )
        for f in kept
    ]
    tests = sum(f.tests for f in written)
    result = Result(
        tool="coverage",
        findings=tuple(findings),
        schema="assay.coverage.templates/1",
        data={
            "schema": "assay.coverage.templates/1",
            "out": str(out_dir),
            "written": [
                {"path": str(f.target), "module": f.module, "source": f.source_path, "tests": f.tests}
                for f in written
            ],
            "kept": [str(f.target) for f in kept],
            "skipped": [{"source": f.source_path, "reason": f.skipped} for f in files if f.skipped],
        },
        title="Coverage test templates",
        summary=f"wrote {len(written)} file(s) with {tests} test template(s) to {out_dir}; "
        f"{len(kept)} kept, {sum(1 for f in files if f.skipped)} skipped",
    )
    write_result(result, fmt, output)


@coverage.command()
@click.option(
    "--base",
    default=None,
    is_flag=False,
    flag_value="",
    help="Mutate only functions changed since this ref (--base alone: merge base with the default branch).",
)
@click.option("--budget", type=click.FloatRange(min=1), default=None, help="Stop mutmut after SECONDS.")
@click.option(
    "--min-score",
    type=click.FloatRange(0, 100),
    default=None,
    help="Exit 1 when the mutation score is below.",
)
@output_options()
@pass_app
def mutate(
    app: AppContext,
    base: str | None,
    budget: float | None,
    min_score: float | None,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Mutation testing with mutmut 3 ([tool.mutmut] config), scoped to changed functions."""
    from assay.coverage.analysis import threshold_outcome
    from assay.coverage.diff import default_base
    from assay.coverage.mutation import changed_functions, mutant_globs, run_mutmut
    from assay.results import Finding, Location, Measurement, Severity

    started = time.monotonic()
    section = _section(app)
    root = app.root
    budget = budget if budget is not None else section.mutation_budget
    min_score = min_score if min_score is not None else section.mutation_min_score
    globs: list[str] | None = None
    scope = "all functions"
    if base is not None:
        base = base or default_base(root)
        functions = changed_functions(root, base)
        globs = [g for module, names in functions.items() for g in mutant_globs(module, names)]
        scope = f"{sum(len(v) for v in functions.values())} function(s) changed since {base}"
    report = run_mutmut(root, globs, budget=budget)
    measurements: list[Measurement] = []
    outcomes: list[Outcome] = []
    findings: list[Finding] = []
    if not report.available:
        outcomes.append(Outcome("coverage.mutation", Status.SKIP, report.reason))
    else:
        for status, count in sorted(report.counts.items()):
            measurements.append(Measurement("mutation_mutants", count, {"status": status}))
        if report.score is not None:
            measurements.append(Measurement("mutation_score_percent", round(report.score, 4), unit="percent"))
        for s in report.survivors:
            findings.append(
                Finding(
                    id="coverage.mutant-survived",
                    severity=Severity.MEDIUM,
                    message=f"mutant {s.mutant} survived: no test fails when {s.function} is changed",
                    location=Location(s.path, s.line) if s.path else None,
                    remediation="add an assertion that distinguishes the mutant (see the diff)",
                    tool="coverage",
                    properties={"diff": s.diff},
                )
            )
        if report.budget_exhausted:
            outcomes.append(Outcome("coverage.mutation-budget", Status.WARN, report.reason))
        if min_score is not None:
            if report.score is None:
                outcomes.append(Outcome("coverage.mutation-score", Status.SKIP, "no mutant was decided"))
            else:
                outcomes.append(
                    threshold_outcome(
                        "coverage.mutation-score", "mutation score", report.score, min_score, digits=1
                    )
                )
    counts = report.counts
    if not report.available:
        summary = report.reason
    else:
        score = "n/a" if report.score is None else f"{report.score:.1f}%"
        summary = (
            f"mutation score {score} over {scope}: {counts['killed']} killed, {counts['survived']} survived, "
            f"{counts['timeout']} timeout, {counts['no tests']} no tests"
            + (f" ({report.reason})" if report.reason else "")
        )
    result = Result(
        tool="coverage",
        measurements=tuple(measurements),
        findings=tuple(findings),
        outcomes=tuple(outcomes),
        schema="assay.coverage.mutation/1",
        data={"schema": "assay.coverage.mutation/1", "scope": scope, **report.as_dict()},
        title="Mutation testing",
        summary=summary,
        meta={"duration_seconds": round(time.monotonic() - started, 3)},
    )
    if measurements:
        _record(app, result, started)
    write_result(result, fmt, output)
    _finish(result)


@coverage.command()
@_data_option()
@click.option(
    "--base", default="", help="Git ref to compare with (default: merge base with the default branch)."
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    help="Exit 1 when diff coverage is below this.",
)
@_no_untracked
@output_options()
@pass_app
def diff(
    app: AppContext,
    data_path: Path | None,
    base: str,
    fail_under: float | None,
    no_untracked: bool,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Coverage of the lines, branches and functions changed since a ref; reads only changed files.

    A check on a diff, like diff-cover: its result is not stored (`analyze --base` stores both).
    """
    from assay.coverage.analysis import diff_only, diff_result
    from assay.coverage.diff import default_base

    started = time.monotonic()
    root = app.root
    ref = base or default_base(root)
    data_file = _data_path(app, data_path)
    if not data_file.exists():
        raise InputError(
            f"{data_file}: no coverage data (run `assay coverage run` or `coverage run -m pytest` first)"
        )
    _, report = diff_only(data_file, root, ref, include_untracked=not no_untracked)
    result = diff_result(report, fail_under=fail_under, started=started)
    write_result(result, fmt, output)
    _finish(result)
