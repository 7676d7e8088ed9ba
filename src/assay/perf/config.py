"""The `[tool.assay.perf]` configuration section."""

from __future__ import annotations

from pydantic import Field

from assay.config import SectionModel


class PerfSection(SectionModel):
    benchmarks: str = Field(
        "benchmarks", description="pytest-benchmark suite to run: paths or node ids, separated by spaces"
    )
    rounds: int = Field(5, ge=1, le=200, description="interleaved base/head runs of the suite in a compare")
    regression_threshold: float = Field(
        0.15, gt=0, lt=10, description="minimum slowdown (0.15 = 15%) that counts as a regression"
    )
    alpha: float = Field(0.01, gt=0, lt=0.5, description="significance level of the Mann-Whitney U test")
    min_samples: int = Field(5, ge=2, description="fewer samples per side than this is inconclusive")
    bootstrap: int = Field(2000, ge=100, le=100000, description="bootstrap resamples for the ratio CI")
    max_time: float = Field(0.1, gt=0, description="--benchmark-max-time per benchmark and run (seconds)")
    min_rounds: int = Field(5, ge=1, description="--benchmark-min-rounds per benchmark and run")
    min_time: float = Field(
        0.0002,
        gt=0,
        description="--benchmark-min-time: fast benchmarks batch iterations into rounds of at least this",
    )
    timeout: float = Field(900, gt=0, description="seconds one pytest run of the suite may take")
    pytest_args: list[str] = Field(default_factory=list, description="extra arguments for pytest")
    plugins: list[str] | None = Field(
        None,
        description="load only these pytest plugins (plus pytest-benchmark) instead of autoloading all",
    )
    history_flat: float = Field(0.05, ge=0, description="history trend is flat within this relative change")
