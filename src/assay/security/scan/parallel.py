"""Spread CPU-bound Python (bandit's AST walk, advisory parsing) over forked worker processes."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
MAX_WORKERS = 4


def fork_workers(items: int, threshold: int) -> int:
    """How many workers to split `items` over; 0 (stay in this process) when there are fewer than
    `threshold`, one core, or a platform that cannot fork."""
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if workers < 2 or items < threshold or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return workers


def run_forked(fn: Callable[..., T], shares: Sequence[tuple[Any, ...]]) -> list[T] | None:
    """`fn(*share)` for each share, one forked worker per share, results in order; None when there are
    no shares, or a worker cannot start or dies (the caller then does the work in this process)."""
    if not shares:
        return None
    try:
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(len(shares), mp_context=context) as pool:
            futures = [pool.submit(fn, *share) for share in shares]
            return [f.result() for f in futures]
    except (OSError, concurrent.futures.process.BrokenProcessPool):
        return None
