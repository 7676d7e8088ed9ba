"""assay: repository maturity and quality gates for Python projects."""

from __future__ import annotations

import functools

__all__ = ["__version__", "version"]


@functools.cache
def version() -> str:
    """The installed distribution's version, read on first use: importing importlib.metadata costs ~30 ms."""
    from importlib import metadata

    try:
        return metadata.version("assay")
    except metadata.PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+unknown"


def __getattr__(name: str) -> str:
    """``assay.__version__``, computed lazily (PEP 562) so that ``import assay`` stays cheap."""
    if name == "__version__":
        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
