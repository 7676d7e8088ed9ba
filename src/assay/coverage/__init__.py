"""Coverage gap analysis: load coverage data, find and rank gaps, diff gaps, test templates, mutation.

The CLI (`assay coverage`) calls these modules; nothing here formats output or calls another tool.
"""

from __future__ import annotations

from assay.coverage.model import CoverageData, FileCoverage, Gap, RegionStats, Totals

__all__ = ["CoverageData", "FileCoverage", "Gap", "RegionStats", "Totals"]
