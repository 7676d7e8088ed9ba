"""The score trend as inline SVG geometry: numbers only, so nothing from the repository reaches the markup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assay.maturity.model import LEVELS
from assay.report.history import Snapshot

WIDTH = 720
HEIGHT = 240
PAD_LEFT = 44
PAD_RIGHT = 16
PAD_TOP = 16
PAD_BOTTOM = 32
LEVEL_LINES = tuple((level.minimum, f"L{level.number}") for level in LEVELS[1:])  # the model's cut-offs


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    percent: float
    label: str  # shown in a <title> tooltip (escaped by the template)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: tuple[Point, ...]
    polyline: str
    gridlines: tuple[tuple[float, str], ...]  # (y, label)
    levels: tuple[tuple[float, str], ...]
    x_labels: tuple[tuple[float, str, str], ...]  # (x, label, text-anchor)


def _y(percent: float) -> float:
    inner = HEIGHT - PAD_TOP - PAD_BOTTOM
    return round(PAD_TOP + inner * (1 - max(0.0, min(100.0, percent)) / 100), 1)


def trend(history: Sequence[Snapshot]) -> Chart:
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    n = len(history)
    points = []
    for i, snap in enumerate(history):
        x = PAD_LEFT + (inner_w / 2 if n == 1 else inner_w * i / (n - 1))
        points.append(
            Point(
                round(x, 1),
                _y(snap.percent),
                snap.percent,
                f"{snap.when}: {snap.percent:.1f}% (level {snap.level}) at {snap.commit[:12]}",
            )
        )
    ticks = tuple((_y(p), f"{p:.0f}%") for p in (0.0, 25.0, 50.0, 75.0, 100.0))
    levels = tuple((_y(p), name) for p, name in LEVEL_LINES)
    labels: list[tuple[float, str, str]] = []
    if points:
        # Anchor the first label at its start and the last at its end so neither is clipped.
        labels.append((points[0].x, history[0].when[:10], "start" if n > 1 else "middle"))
        if n > 1:
            labels.append((points[-1].x, history[-1].when[:10], "end"))
    return Chart(
        WIDTH,
        HEIGHT,
        tuple(points),
        " ".join(f"{p.x},{p.y}" for p in points),
        ticks,
        levels,
        tuple(labels),
    )
