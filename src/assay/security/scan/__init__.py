"""The static security scan: bandit on the code and a dependency audit against OSV advisories."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.security.scan.scanner import SCHEMA, TOOL, ScanOptions, scan

__all__ = ["SCHEMA", "TOOL", "ScanOptions", "scan"]


def __getattr__(name: str) -> Any:
    """The scanner's names, imported on first use (PEP 562): importing a submodule, such as the
    configuration model or the advisory database, must not load bandit's wrapper, yaml and the rest."""
    if name in __all__:
        from assay.security.scan import scanner

        return getattr(scanner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
