"""The periodic maturity report: score history from the store, what changed, next actions (Markdown, HTML)."""

from __future__ import annotations

from assay.report.history import Change, Report, Snapshot, build_report

__all__ = ["Change", "Report", "Snapshot", "build_report"]
