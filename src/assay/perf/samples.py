"""Read pytest-benchmark JSON (``--benchmark-json`` or a saved run) into raw per-round samples."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from assay.errors import InputError

# JSON layouts we understand: pytest-benchmark 3.x to 5.x all write benchmarks[].stats.data.
SUPPORTED_MAJOR = (3, 4, 5)


@dataclass(frozen=True)
class BenchmarkSamples:
    """One benchmark's raw per-round timings (seconds) from one or more runs of the suite."""

    name: str
    samples: tuple[float, ...] = ()
    error: str = ""
    # Index of the suite run (interleaved round) each sample came from.
    groups: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.error and bool(self.samples)


@dataclass(frozen=True)
class SuiteSamples:
    """All benchmarks of one run (or several merged runs) of a suite."""

    benchmarks: dict[str, BenchmarkSamples]
    version: str = ""


def load_file(path: Path) -> SuiteSamples:
    """Parse a pytest-benchmark JSON file; raise InputError naming the file and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a pytest-benchmark JSON file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    return parse(text, str(path))


def parse(text: str, where: str = "<json>") -> SuiteSamples:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        # Cut-off files fail at their very end, or inside a string that never closes.
        at_end = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        reason = "truncated" if at_end else "malformed"
        raise InputError(
            f"{where}: {reason} pytest-benchmark JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        raise InputError(f"{where}: not a pytest-benchmark JSON file (no 'benchmarks' list)")
    version = str(doc.get("version", ""))
    major = _major(version)
    if major is None or major not in SUPPORTED_MAJOR:
        supported = ", ".join(f"{m}.x" for m in SUPPORTED_MAJOR)
        raise InputError(
            f"{where}: written by pytest-benchmark {version or '(no version field)'}; "
            f"assay reads JSON from pytest-benchmark {supported}"
        )
    benchmarks: dict[str, BenchmarkSamples] = {}
    for index, bench in enumerate(doc["benchmarks"]):
        if not isinstance(bench, dict):
            raise InputError(f"{where}: benchmarks[{index}] is not an object")
        name = bench.get("fullname") or bench.get("name")
        if not isinstance(name, str) or not name:
            raise InputError(f"{where}: benchmarks[{index}] has no name")
        stats = bench.get("stats")
        if not isinstance(stats, dict):
            raise InputError(f"{where}: benchmark {name} has no stats")
        data = stats.get("data")
        if data is None:
            raise InputError(
                f"{where}: benchmark {name} has no raw timings (stats.data); write it with "
                "--benchmark-json or save with --benchmark-save-data"
            )
        if not isinstance(data, list) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in data
        ):
            raise InputError(f"{where}: benchmark {name}: stats.data must be a list of numbers")
        values = tuple(float(v) for v in data)
        if any(not math.isfinite(v) or v < 0 for v in values):
            raise InputError(f"{where}: benchmark {name}: stats.data holds a negative or non-finite time")
        benchmarks[name] = BenchmarkSamples(name=name, samples=values, groups=(0,) * len(values))
    return SuiteSamples(benchmarks=benchmarks, version=version)


def _major(version: str) -> int | None:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def merge(
    runs: list[SuiteSamples], errors: list[dict[str, str]] | None = None
) -> dict[str, BenchmarkSamples]:
    """Pool several runs of a suite: samples concatenated, each tagged with its run index.

    A benchmark that errored in any run keeps the first error; its good samples are dropped, because
    a benchmark that fails sometimes is not one whose timings can be trusted.
    """
    pooled: dict[str, list[float]] = {}
    groups: dict[str, list[int]] = {}
    failed: dict[str, str] = {}
    for index, run in enumerate(runs):
        for name, bench in run.benchmarks.items():
            pooled.setdefault(name, []).extend(bench.samples)
            groups.setdefault(name, []).extend([index] * len(bench.samples))
        for name, message in (errors[index] if errors else {}).items():
            failed.setdefault(name, message)
    out: dict[str, BenchmarkSamples] = {}
    for name in sorted(set(pooled) | set(failed)):
        if name in failed:
            out[name] = BenchmarkSamples(name=name, error=failed[name])
        else:
            out[name] = BenchmarkSamples(name=name, samples=tuple(pooled[name]), groups=tuple(groups[name]))
    return out
