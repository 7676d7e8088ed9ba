"""The `[tool.assay.coverage]` configuration section."""

from __future__ import annotations

from pydantic import Field

from assay.config import SectionModel


class CoverageSection(SectionModel):
    data: str = Field(".coverage", description="coverage data to analyse: .coverage, coverage JSON or XML")
    top: int = Field(20, ge=1, description="how many ranked gaps `assay coverage analyze` shows")
    churn_days: int = Field(90, ge=1, description="git history window (days) that counts as recent churn")
    output_dir: str = Field("coverage-analysis", description="where reports and the .prom file go")
    templates_dir: str = Field("tests/generated", description="where `assay coverage templates` writes")
    fail_under: float | None = Field(
        None, ge=0, le=100, description="total coverage (percent) below which analyze exits 1"
    )
    mutation_min_score: float | None = Field(
        None, ge=0, le=100, description="mutation score (percent) below which mutate exits 1"
    )
    mutation_budget: float | None = Field(None, gt=0, description="seconds mutmut may run before stopping")
