"""`assay security scan` (bandit and a dependency audit) and `assay security db` (the offline advisories)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from assay.cli.context import AppContext, output_options, pass_app, write_result
from assay.config import resolve_path
from assay.errors import InputError, ThresholdFailed
from assay.results import Severity, Status

_SEVERITIES = [s.value for s in Severity]
_LEVELS = ["low", "medium", "high"]


def _inside(path: Path, root: Path) -> str:
    """A path the user typed (relative to the working directory), as bandit should see it from root."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(resolved)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--requirements",
    "-r",
    "requirements",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="A requirements file to audit (repeatable).",
)
@click.option(
    "--db",
    "db",
    type=click.Path(path_type=Path),
    help="Offline OSV advisory database directory (default: [tool.assay.security.scan] db, "
    "else the snapshot imported with `assay security db update`).",
)
@click.option("--code/--no-code", default=None, help="Run bandit on the source paths (default on).")
@click.option("--deps/--no-deps", default=None, help="Audit dependencies (default on).")
@click.option(
    "--environment/--no-environment",
    default=None,
    help="Audit the distributions installed where assay runs (default on).",
)
@click.option("--safety/--no-safety", "use_safety", default=None, help="Force safety on or off.")
@click.option(
    "--fail-on",
    type=click.Choice(_SEVERITIES, case_sensitive=False),
    help="Exit 1 when a new finding (not in the baseline, not ignored) is at or above this severity.",
)
@click.option("--severity", type=click.Choice(_LEVELS), help="Lowest bandit severity reported.")
@click.option("--confidence", type=click.Choice(_LEVELS), help="Lowest bandit confidence reported.")
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Accepted-findings file (default .security-baseline.json at the repository root).",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Accept every current finding into the baseline (new ones need --reason).",
)
@click.option("--reason", help="Why the findings accepted by --update-baseline are acceptable.")
@output_options()
@pass_app
def scan(
    app: AppContext,
    paths: tuple[Path, ...],
    requirements: tuple[Path, ...],
    db: Path | None,
    code: bool | None,
    deps: bool | None,
    environment: bool | None,
    use_safety: bool | None,
    fail_on: str | None,
    severity: str | None,
    confidence: str | None,
    baseline_path: Path | None,
    update_baseline: bool,
    reason: str | None,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Static security scan: bandit on the code, known vulnerabilities in the dependencies.

    Dependencies are audited offline against an OSV advisory database (--db, or the snapshot
    imported with `assay security db update`), and with safety when it is configured.
    Exit 1 when --fail-on finds a new finding at or above it, or an ignore has expired.
    """
    from assay.security.scan.baseline import load_baseline
    from assay.security.scan.baseline import update_baseline as write_baseline
    from assay.security.scan.config import IgnoreSection, ScanSection
    from assay.security.scan.scanner import ScanOptions
    from assay.security.scan.scanner import scan as run_scan

    started = time.time()
    root = app.root
    section = app.config.section("security.scan", ScanSection)
    ignores = app.config.section("security.ignore", IgnoreSection).entries()
    safety = section.safety
    if use_safety is not None:
        safety = safety.model_copy(update={"enabled": use_safety})
    baseline_file = baseline_path if baseline_path is not None else resolve_path(root, section.baseline)
    baseline = load_baseline(baseline_file)
    db_dir = db if db is not None else (resolve_path(root, section.db) if section.db else None)
    options = ScanOptions(
        root=root,
        paths=[_inside(p, root) for p in paths] if paths else list(section.paths),
        exclude=list(section.exclude),
        requirements=[p.resolve() for p in requirements]
        + [resolve_path(root, r) for r in section.requirements],
        db=db_dir,
        code=section.code if code is None else code,
        deps=section.deps if deps is None else deps,
        environment=section.environment if environment is None else environment,
        pyproject=section.pyproject,
        lockfiles=section.lockfiles,
        severity=severity or section.severity,
        confidence=confidence or section.confidence,
        honour_noqa=section.honour_noqa,
        fail_on=None if update_baseline else (Severity.parse(fail_on) if fail_on else section.fail_on),
        unknown_severity=section.unknown_severity,
        safety=safety,
        ignores=ignores,
        baseline={} if update_baseline else baseline,
        store_path=app.store_path,
    )
    if not options.code and not options.deps:
        raise InputError("nothing to scan: --no-code and --no-deps together leave no work")
    result = run_scan(options)
    if update_baseline:
        added, dropped = write_baseline(baseline_file, result.findings, baseline, reason)
        click.echo(
            f"assay: baseline {baseline_file}: accepted {added} new finding(s), dropped {dropped} fixed",
            err=True,
        )
        return
    app.record(result, started_at=started)
    write_result(result, fmt, output)
    failed = [o for o in result.outcomes if o.status in (Status.FAIL, Status.ERROR)]
    if failed:
        raise ThresholdFailed("; ".join(f"{o.name}: {o.message}" for o in failed))


@click.group()
def db() -> None:
    """The offline advisory database (OSV JSON/YAML files, e.g. the PyPA advisory-database)."""


@db.command("update")
@click.option(
    "--from",
    "origin",
    required=True,
    help="A snapshot: a directory of OSV files, a .zip/.tar.gz archive, or an http(s)/file URL to one.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1, max=3600),
    default=60.0,
    show_default=True,
    help="Seconds allowed for a download.",
)
@pass_app
def update(app: AppContext, origin: str, timeout: float) -> None:
    """Import a newer advisory snapshot into the store; scans without --db use it."""
    from assay.security.scan.database import import_snapshot

    info = import_snapshot(origin, app.store_path, timeout=timeout)
    click.echo(
        f"assay: imported {info.advisories} advisories for {info.packages} packages from {origin}"
        + (f" ({info.skipped} malformed skipped)" if info.skipped else ""),
        err=True,
    )
    click.echo(json.dumps(info.to_json(), indent=2))


@db.command("info")
@pass_app
def info(app: AppContext) -> None:
    """What the store's imported snapshot holds (exit 2 when none was imported)."""
    from assay.security.scan.database import imported_info

    found = imported_info(app.store_path)
    if found is None:
        raise InputError(
            f"{app.store_path}: no advisory snapshot imported yet "
            "(run `assay security db update --from PATH_OR_URL`)"
        )
    click.echo(json.dumps(found.to_json(), indent=2))
