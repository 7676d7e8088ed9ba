"""Performance regression baselines: run pytest-benchmark suites, keep raw samples, decide with statistics.

`stats` decides, `samples` reads pytest-benchmark JSON, `runner` runs suites (interleaved, in worktrees),
`storage` keeps samples and baselines in the store, `tool` turns comparisons into Results.
"""

from __future__ import annotations

SCHEMA = "assay.perf/1"
BASELINES_SCHEMA = "assay.perf.baselines/1"
TOOL = "perf"

__all__ = ["BASELINES_SCHEMA", "SCHEMA", "TOOL"]
