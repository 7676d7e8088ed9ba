"""The writer interface: every output format renders any Result."""

from __future__ import annotations

from typing import Protocol

from assay.results import Result


class Writer(Protocol):
    """An output format: renders a result as text."""

    name: str

    def render(self, result: Result) -> str: ...
