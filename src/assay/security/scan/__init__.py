"""The static security scan: bandit on the code and a dependency audit against OSV advisories."""

from assay.security.scan.scanner import SCHEMA, TOOL, ScanOptions, scan

__all__ = ["SCHEMA", "TOOL", "ScanOptions", "scan"]
