"""assay: repository maturity and quality gates for Python projects."""

from importlib import metadata

try:
    __version__ = metadata.version("assay")
except metadata.PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
