"""What every command shares: the repository, the merged config, the store, logging, output options."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import click

from assay import vcs
from assay.config import Config, StoreSection, load_config, redact_url, resolve_path
from assay.errors import InputError
from assay.formats import available, emit
from assay.results import Result
from assay.store import Store

F = TypeVar("F", bound=Callable[..., Any])


class _Redact(logging.Filter):
    """Last line of defence: credentials embedded in URLs never reach a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_url(message)
        if redacted != message:
            record.msg = redacted
            record.args = ()
        return True


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "@timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "log.level": record.levelname.lower(),
            "log.logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.levelno >= logging.DEBUG:
            payload["error.stack_trace"] = self.formatException(record.exc_info)
        return json.dumps(payload)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = f"assay: {record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info and logging.getLogger("assay").isEnabledFor(logging.DEBUG):
            text += "\n" + self.formatException(record.exc_info)
        return text


def setup_logging(*, quiet: bool = False, verbose: int = 0, log_format: str = "text") -> None:
    """Send the ``assay`` logger to stderr as text or JSON, with secrets redacted, at the chosen verbosity."""
    logger = logging.getLogger("assay")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter() if log_format == "json" else _TextFormatter())
    handler.addFilter(_Redact())
    logger.addHandler(handler)
    logger.propagate = False
    if quiet:
        logger.setLevel(logging.ERROR)
    elif verbose >= 2:
        logger.setLevel(logging.DEBUG)
    elif verbose == 1:
        logger.setLevel(logging.INFO)
    else:
        logger.setLevel(logging.WARNING)


@dataclass
class AppContext:
    """Global CLI options and the repository, configuration and store derived from them."""

    repo_path: Path = Path(".")
    config_files: Sequence[Path] = ()
    store_override: Path | None = None
    quiet: bool = False
    verbose: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def repo(self) -> vcs.RepoInfo:
        """The repository at the given path; raises InputError if it is not a directory."""
        path = self.repo_path
        if not path.exists():
            raise InputError(f"{path}: no such directory")
        if not path.is_dir():
            raise InputError(f"{path}: not a directory")
        return vcs.repo_info(path)

    @property
    def root(self) -> Path:
        """The repository's root directory."""
        return self.repo.root

    @cached_property
    def config(self) -> Config:
        """The configuration loaded from the repository, the given files and command-line overrides."""
        return load_config(self.root, self.config_files, self.overrides or None)

    @property
    def store_path(self) -> Path:
        """The store file: ``--store``, else the configured path resolved against the root."""
        if self.store_override is not None:
            return self.store_override
        return resolve_path(self.root, self.config.section("store", StoreSection).path)

    def open_store(self, *, readonly: bool = False) -> Store:
        """Open the store this invocation uses."""
        return Store(self.store_path, readonly=readonly)

    def record(self, result: Result, *, started_at: float | None = None) -> int:
        """Store a tool's result for the current checkout; returns the run id."""
        with self.open_store() as store:
            return store.record(result, self.repo, started_at=started_at)

    @property
    def interactive(self) -> bool:
        """Whether progress output may be shown (stderr is a terminal and not ``--quiet``)."""
        return not self.quiet and sys.stderr.isatty()


pass_app = click.make_pass_decorator(AppContext, ensure=True)


def output_options(formats: Sequence[str] | None = None, default: str | None = None) -> Callable[[F], F]:
    """Add --format and --output to a command. Default: table on a terminal, json otherwise."""
    choices = list(formats) if formats is not None else available()

    def decorate(func: F) -> F:
        func = click.option(
            "--output",
            "-o",
            "output",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Write to this file (atomically) instead of stdout.",
        )(func)
        func = click.option(
            "--format",
            "-f",
            "fmt",
            type=click.Choice(choices),
            default=default,
            help="Output format (default: table on a terminal, json otherwise).",
        )(func)
        return func

    return decorate


def write_result(result: Result, fmt: str | None, output: Path | None) -> None:
    """Write the result in the chosen format to the file or stdout, logging where it went."""
    emit(result, fmt, output)
    if output is not None:
        logging.getLogger("assay").info("wrote %s", output)
