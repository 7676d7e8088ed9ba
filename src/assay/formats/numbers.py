"""How every writer shows a score and a percentage, so the table, Markdown and HTML agree."""

from __future__ import annotations

from typing import Any


def score_text(value: Any) -> str:
    """A score as a short number, or "-" when there is none."""
    return "-" if value is None else f"{float(value):g}"


def percent_text(value: Any) -> str:
    """A percentage with one decimal, or "n/a" when there is none."""
    return "n/a" if value is None else f"{float(value):.1f}%"
