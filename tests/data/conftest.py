"""Vendored projects under tests/data are test inputs, not part of assay's own suite."""

collect_ignore = ["semver"]
