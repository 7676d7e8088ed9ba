"""The `assay` command line: a lazy click group, global options, and the one error boundary.

Data goes to stdout or --output; logs and summaries go to stderr. Exit codes: 0 pass,
1 a gate or threshold failed, 2 usage/config/input error, 3 internal error (a bug).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import traceback
from pathlib import Path
from typing import Any

import click

import assay
from assay.errors import EXIT_FAILED, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, AssayError

# Command name -> "module:attribute". Modules are imported only when their command runs,
# so `assay --help` stays fast and heavy tools (scipy, bandit) load only when needed.
COMMANDS: dict[str, str] = {
    "overview": "assay.cli.overview:overview",
    "config": "assay.cli.config_cmd:config",
    "store": "assay.cli.store_cmd:store",
    "metrics": "assay.cli.metrics_cmd:metrics",
    "score": "assay.cli.score:score",
    "report": "assay.cli.report:report",
    "gate": "assay.cli.gate:gate",
    "init": "assay.cli.init_cmd:init",
    "perf": "assay.cli.perf:perf",
    "coverage": "assay.cli.coverage:coverage",
    "security": "assay.cli.security:security",
    "incident": "assay.cli.incident:incident",
    "notify": "assay.cli.notify:notify",
}

_state = {"verbose": False}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when the subcommand is used.

    `lazy_commands` maps each subcommand to "module:attribute"; `assay security` reuses this class.
    """

    lazy_commands: dict[str, str] = COMMANDS

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Names of the subcommands whose modules are installed."""
        return sorted(n for n, t in self.lazy_commands.items() if _module_exists(t.split(":")[0]))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return the named subcommand; None if unknown or its module is not installed."""
        target = self.lazy_commands.get(cmd_name)
        if target is None or not _module_exists(target.split(":")[0]):
            return None
        module_name, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    # click.version_option looks the version up when the decorator runs, on every start; this reads the
    # package metadata only when --version is given.
    if value and not ctx.resilient_parsing:
        click.echo(f"assay, version {assay.version()}")
        ctx.exit()


@click.group(
    cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
@click.option(
    "--config",
    "config_files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Extra config file (TOML, JSON or YAML); repeatable, later files override earlier ones.",
)
@click.option(
    "--store", "store_path", type=click.Path(path_type=Path), help="SQLite store (default .assay/assay.db)."
)
@click.option(
    "--repo",
    "repo_path",
    type=click.Path(path_type=Path, file_okay=False),
    default=".",
    show_default=True,
    help="Repository (or plain directory) to work on.",
)
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr; no progress bars.")
@click.option(
    "-v", "--verbose", count=True, help="More logging; -vv for debug. Shows tracebacks of internal errors."
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one JSON object per log line on stderr.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    config_files: tuple[Path, ...],
    store_path: Path | None,
    repo_path: Path,
    quiet: bool,
    verbose: int,
    log_format: str,
) -> None:
    """Repository maturity and quality gates for Python projects.

    Tools (perf, coverage, security) store their results; `assay gate` decides whether a change
    may merge, `assay score` rates the repository 1-4, and `assay metrics` exports everything
    to Prometheus. Exit codes: 0 pass, 1 gate/threshold failed, 2 usage/config/input error,
    3 internal error.
    """
    _state["verbose"] = verbose > 0
    # here, not at module level: the configuration layer (pydantic) is not needed for --help or --version
    from assay.cli.context import AppContext, setup_logging

    setup_logging(quiet=quiet, verbose=verbose, log_format=log_format)
    ctx.obj = AppContext(
        repo_path=repo_path,
        config_files=config_files,
        store_override=store_path,
        quiet=quiet,
        verbose=verbose,
    )


def _one_line(text: str) -> str:
    from assay.formats.interface import printable  # an error may quote a file name from the repository

    return printable(" ".join(part.strip() for part in text.strip().splitlines() if part.strip()))


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn every error into one line and an exit code."""
    code = run(argv)
    sys.exit(code)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI with these arguments (default: sys.argv) and return the exit code."""
    try:
        rv: Any = cli.main(args=argv, prog_name="assay", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("assay: aborted", err=True)
        return 130
    except click.ClickException as exc:
        hint = ""
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            hint = f" (see '{exc.ctx.command_path} --help')"
        click.echo(f"assay: error: {_one_line(exc.format_message())}{hint}", err=True)
        return EXIT_FAILED if exc.exit_code == EXIT_FAILED else EXIT_USAGE
    except AssayError as exc:
        label = "failed" if exc.exit_code == EXIT_FAILED else "error"
        click.echo(f"assay: {label}: {_one_line(str(exc))}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("assay: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if _state["verbose"]:
            traceback.print_exc()
        logging.getLogger("assay").debug("internal error", exc_info=True)
        click.echo(
            f"assay: internal error: {type(exc).__name__}: {_one_line(str(exc))[:300]} "
            "(a bug; rerun with --verbose for the traceback and report it)",
            err=True,
        )
        return EXIT_INTERNAL
    if isinstance(rv, int):
        return rv
    return EXIT_OK
