"""Helpers for the monitoring/ tests: where the shipped files are, and the metric names a PromQL
expression reads (so rules and dashboards can be checked against the metric catalogue)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

MONITORING = Path(__file__).resolve().parents[3] / "monitoring"

# PromQL words that look like identifiers but are not metric names.
_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool",
    "and", "or", "unless", "atan2", "inf", "nan", "start", "end",
}  # fmt: skip
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENT = re.compile(r"(?<![\w:.])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?")


def metric_names(expr: str) -> set[str]:
    """Metric names an expression selects: identifiers that are not functions, keywords,
    label names inside {...}, grouping labels, durations or Grafana template variables."""
    text = _STRING.sub('""', expr)
    text = re.sub(r"label_values\(([^,()]*(?:\{[^}]*\})?)\s*,\s*\w+\s*\)", r"(\1)", text)  # Grafana variable
    text = re.sub(r"\$\{[^}]*\}|\$\w+", "1", text)  # Grafana variables ($__rate_interval, ${job})
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges and subqueries
    text = _GROUPING.sub("", text)
    names = set()
    for match in _IDENT.finditer(text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in _KEYWORDS:
            continue
        names.add(name)
    return names


@pytest.fixture
def promql_names() -> Callable[[str], set[str]]:
    return metric_names


@pytest.fixture
def known_series() -> set[str]:
    """Every series name Prometheus can see from assay: the catalogue's exposed names."""
    from assay.metrics import CATALOGUE

    return {exposed for name in CATALOGUE.names() for exposed in CATALOGUE.exposed_names(name)}
