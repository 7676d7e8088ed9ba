"""The values the store hands back, the same for every backend."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Run:
    """One recorded tool run: where and when it ran and its summary."""

    id: int
    repo_root: str
    commit: str
    branch: str
    dirty: bool
    tool: str
    started_at: float
    finished_at: float
    machine_id: str
    summary: str
    data: Mapping[str, Any]
