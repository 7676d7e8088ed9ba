"""`assay gate`: decide whether a change may merge from the measurements already in the store.

Exit 0 when the profile passes, 1 when a condition fails, 2 for a bad policy, ref or an empty store.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from assay.cli.context import AppContext, output_options, pass_app, write_result
from assay.errors import InputError, ThresholdFailed, ToolError
from assay.results import Result

if TYPE_CHECKING:
    from assay.gates import Inputs, Profile


GATE_FORMATS = ["table", "json", "junit", "markdown", "github"]


@click.command()
@click.option("--profile", "-p", "profile_name", help="Gate profile (default: gates.default_profile, `pr`).")
@click.option(
    "--base",
    "base_ref",
    metavar="REF",
    help="Base commit or branch to compare with (default: the default branch, when HEAD is not on it).",
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read the policy from this file instead of [tool.assay.gates].",
)
@click.option(
    "--run", "run_missing", is_flag=True, help="Run the tools whose measurements are missing first."
)
@click.option(
    "--missing",
    type=click.Choice(["fail", "warn"]),
    help="Override what a missing measurement does for every condition.",
)
@click.option("--no-record", is_flag=True, help="Do not store the gate's own result.")
@click.option("--list-profiles", is_flag=True, help="Print the profiles and their conditions, then exit.")
@output_options(GATE_FORMATS)
@pass_app
def gate(
    app: AppContext,
    profile_name: str | None,
    base_ref: str | None,
    policy_file: Path | None,
    run_missing: bool,
    missing: str | None,
    no_record: bool,
    list_profiles: bool,
    fmt: str | None,
    output: Path | None,
) -> None:
    """Evaluate a gate profile over the latest measurements of HEAD (and of the base commit).

    Each condition reads `metric{labels} op threshold` over the metric catalogue (`assay metrics
    list`); a threshold of `base` compares with the base commit. Every failing condition names the
    command that fixes it; docs/gates.md explains the policy and docs/rollback.md what to do when
    main itself is failing.
    """
    from dataclasses import replace

    from assay import gates, vcs

    policy = gates.load_policy_file(policy_file) if policy_file else gates.policy_from_config(app.config)
    if list_profiles:
        for profile in policy.profiles.values():
            marker = " (default)" if profile.name == policy.default_profile else ""
            click.echo(f"{profile.name}{marker}: {profile.description}")
            for cond in profile.conditions:
                click.echo(f"  - {cond.name}")
        return
    profile = policy.profile(profile_name)
    if missing is not None:
        how: Literal["fail", "warn"] = "warn" if missing == "warn" else "fail"
        conditions = tuple(replace(c, missing=how) for c in profile.conditions)
        profile = replace(profile, conditions=conditions)
    repo = app.repo
    if base_ref is not None:
        vcs.resolve_ref(repo.root, base_ref)  # a ref that does not exist is exit 2 before anything else
    gates.require_commit(repo)

    store_path = app.store_path
    inputs = None
    if store_path.exists():
        with app.open_store(readonly=True) as store:
            if gates.has_runs(store, repo.root):
                inputs = gates.collect(store, repo, base_ref)
    if inputs is None and not run_missing:
        raise InputError(
            f"{store_path}: no measurements for {repo.root} yet; run the tools first "
            "(`assay coverage run`, `assay security scan`, `assay perf check`, `assay score`) "
            "or `assay gate --run`"
        )
    if run_missing:
        # collect() has already fallen back to the default branch; without inputs, do that here.
        base_for_tools = inputs.base_ref if inputs is not None else base_ref
        if base_for_tools is None and inputs is None:
            found = vcs.default_branch(repo.root)
            if found is not None and vcs.resolve_ref(repo.root, found) != repo.commit:
                base_for_tools = found
        todo = _missing_commands(profile, inputs, base_for_tools)
        if todo:
            _run_tools(app, todo)
            with app.open_store(readonly=True) as store:
                inputs = gates.collect(store, repo, base_ref)
    if inputs is None:
        raise InputError(f"{store_path}: still no measurements for {repo.root} after --run")

    decision = gates.evaluate(profile, inputs)
    result = gates.decision_result(decision, inputs, policy_source=policy.source)
    if not no_record:
        app.record(result)
    write_result(result, fmt, output)
    if not decision.passed:
        if not no_record:
            _notify_failure(app, profile.name, result, on_default_branch=inputs.on_default_branch)
        raise ThresholdFailed(result.summary)


def _notify_failure(app: AppContext, profile: str, result: Result, *, on_default_branch: bool) -> None:
    """Tell the people routed for gate.failed (when [tool.assay.notify] has channels); a failure on
    the default branch itself (the gate's own notion, as for its rollback link) is high severity."""
    from assay.notify import send_event
    from assay.results import Event, Severity, Status

    failing = [f"- {o.name}: {o.message}" for o in result.outcomes if o.status in (Status.FAIL, Status.ERROR)]
    summary = "\n".join([result.summary, *failing])

    repo = app.repo
    event = Event(
        type="gate.failed",
        severity=Severity.HIGH if on_default_branch else Severity.MEDIUM,
        title=f"quality gate '{profile}' failed on {repo.branch} at {repo.commit[:12]}",
        body=summary,
        source="assay gate",
        key=f"gate:{profile}:{repo.branch}",
        runbook="docs/rollback.md#failing-quality-gate-on-main" if on_default_branch else "docs/gates.md",
    )
    send_event(app.config, app.store_path, event)


def _missing_commands(profile: Profile, inputs: Inputs | None, base_ref: str | None) -> list[tuple[str, ...]]:
    """The tool commands that would measure what HEAD is missing, each once, in profile order."""
    from assay import gates

    commands: list[tuple[str, ...]] = []
    for cond in profile.conditions:
        if inputs is not None and inputs.head.value(cond) is not None:
            continue
        cmd = gates.measure_command(cond.metric, base_ref)
        if cmd is not None and cmd not in commands:
            commands.append(cmd)
    return commands


def _assay_executable() -> str:
    beside = Path(sys.executable).with_name("assay")
    if beside.is_file():
        return str(beside)
    found = shutil.which("assay")
    if found is None:
        raise ToolError("--run: cannot find the `assay` executable to run the tools with")
    return found


def _run_tools(app: AppContext, commands: list[tuple[str, ...]]) -> None:
    """Run each tool as its own `assay` process: the gate never calls a tool in-process."""
    exe = _assay_executable()
    for cmd in commands:
        argv = [exe, "--repo", str(app.root), "--store", str(app.store_path)]
        for extra in app.config_files:
            argv += ["--config", str(extra)]
        argv += list(cmd[1:])
        if not app.quiet:
            click.echo(f"assay gate --run: {' '.join(cmd)}", err=True)
        try:
            proc = subprocess.run(argv, cwd=app.root, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise ToolError(f"--run: cannot run {' '.join(cmd)}: {exc.strerror or exc}") from None
        if proc.returncode == 2:
            first = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise ToolError(f"--run: `{' '.join(cmd)}` failed: {first}")
        # Exit 1 means the tool measured and its own threshold failed: the measurements are stored.
