"""The maturity scorer: offline checks over one walk of the checkout, levels 1-4, remediation."""

from __future__ import annotations

from assay.maturity.model import (
    CATEGORIES,
    LEVELS,
    Check,
    CheckResult,
    CheckStatus,
    Level,
    Scorecard,
    Verdict,
    level_for,
)

__all__ = [
    "CATEGORIES",
    "LEVELS",
    "Check",
    "CheckResult",
    "CheckStatus",
    "Level",
    "Scorecard",
    "Verdict",
    "level_for",
]
