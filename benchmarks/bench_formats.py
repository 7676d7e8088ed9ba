"""The writers on a large Result: 200 outcomes rendered as JSON, Markdown and a terminal table."""

from __future__ import annotations

from typing import Any

from assay.formats import get_writer
from assay.results import Outcome, Result, Status

RESULT = Result(
    tool="perf",
    summary="200 benchmarks",
    outcomes=tuple(Outcome(f"bench_{i}", Status.PASS, f"median {i} ms") for i in range(200)),
)


def test_render_json(benchmark: Any) -> None:
    assert "bench_199" in benchmark(get_writer("json").render, RESULT)


def test_render_markdown(benchmark: Any) -> None:
    assert "bench_199" in benchmark(get_writer("markdown").render, RESULT)


def test_render_table(benchmark: Any) -> None:
    assert "bench_199" in benchmark(get_writer("table").render, RESULT)
