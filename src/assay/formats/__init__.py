"""Output writers, one module per format, registered through the `assay.formats` entry-point group."""

from __future__ import annotations

import os
import sys
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from assay.errors import InputError
from assay.formats.interface import Writer
from assay.results import Result

__all__ = ["Writer", "available", "emit", "get_writer", "write_atomic", "write_text"]

_BUILTIN = {
    "table": "assay.formats.table:TableWriter",
    "json": "assay.formats.json:JsonWriter",
    "markdown": "assay.formats.markdown:MarkdownWriter",
    "sarif": "assay.formats.sarif:SarifWriter",
    "junit": "assay.formats.junit:JunitWriter",
    "github": "assay.formats.github:GithubWriter",
}


@lru_cache(maxsize=1)  # entry points do not change within a process; --help lists them often
def _registry() -> dict[str, str]:
    found = dict(_BUILTIN)
    for ep in metadata.entry_points(group="assay.formats"):
        found.setdefault(ep.name, ep.value)
    return found


def available() -> list[str]:
    """Names of the output formats, sorted."""
    return sorted(_registry())


def get_writer(name: str) -> Writer:
    """The writer for a format name; raises InputError for an unknown one."""
    target = _registry().get(name)
    if target is None:
        raise InputError(f"unknown format {name!r} (choose from: {', '.join(available())})")
    module_name, _, attr = target.partition(":")
    module = __import__(module_name, fromlist=[attr])
    writer: Writer = getattr(module, attr)()
    return writer


def write_atomic(path: Path, text: str) -> None:
    """Write to a temp file beside `path` and move it into place: no partial report on failure."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(f"{path}: cannot write output: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write output: {exc.strerror or exc}") from None


def emit(result: Result, fmt: str | None, output: Path | None) -> None:
    """Render `result` in `fmt` to `output` (atomically) or stdout."""
    name = fmt or ("table" if output is None and sys.stdout.isatty() else "json")
    writer = get_writer(name)
    if name == "table" and output is None:
        from assay.formats.table import print_table

        print_table(result)
        return
    text = writer.render(result)
    if name == "github":
        from assay.formats.github import write_step_summary

        write_step_summary(result)
    write_text(text, output)


def write_text(text: str, output: Path | None) -> None:
    """Rendered text to `output` (atomically) or to stdout, where it always ends with a newline."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        sys.stdout.flush()
    else:
        write_atomic(output, text)
