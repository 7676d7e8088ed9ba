"""Configuration of the static scan: `[tool.assay.security.scan]` and the ignore list
`[tool.assay.security.ignore]` (advisory or rule id -> reason and expiry date)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from assay.config import SectionModel
from assay.results import Severity

_LEVELS = ("low", "medium", "high")


class SafetySection(SectionModel):
    """safety runs only when configured: an API key (here or $SAFETY_API_KEY) or a database mirror."""

    enabled: bool | None = Field(
        None, description="force safety on/off; default: on when a key or a mirror is configured"
    )
    api_key: SecretStr | None = Field(None, description="safety API key (prefer the SAFETY_API_KEY variable)")
    db: str | None = Field(None, description="a safety database mirror (directory or URL)")
    timeout: float = Field(60.0, gt=0, le=600, description="seconds before safety is given up on")
    executable: str = Field("safety", description="the safety command")


class ScanSection(SectionModel):
    """`[tool.assay.security.scan]`: what the static scan covers and where its advisory database is."""

    paths: list[str] = Field(
        default_factory=list,
        description="source paths bandit scans, relative to the repo root (default: src/, else the root)",
    )
    exclude: list[str] = Field(default_factory=list, description="paths or globs bandit skips")
    requirements: list[str] = Field(default_factory=list, description="requirements files to audit")
    db: str | None = Field(None, description="offline OSV advisory database directory")
    code: bool = Field(True, description="run bandit on the source paths")
    deps: bool = Field(True, description="audit dependencies")
    environment: bool = Field(True, description="audit the distributions installed where assay runs")
    pyproject: bool = Field(True, description="audit pinned (==) dependencies of pyproject.toml")
    lockfiles: bool = Field(True, description="audit uv.lock, poetry.lock, Pipfile.lock, pylock.toml")
    honour_noqa: bool = Field(
        True, description="treat a ruff/flake8-bandit `# noqa: S<nnn>` comment as bandit's nosec for B<nnn>"
    )
    severity: str = Field("low", description="lowest bandit severity reported (low, medium, high)")
    confidence: str = Field("low", description="lowest bandit confidence reported (low, medium, high)")
    fail_on: Severity | None = Field(None, description="exit 1 when a new finding is at or above this")
    baseline: str = Field(".security-baseline.json", description="accepted findings with reasons (commit it)")
    unknown_severity: Severity = Field(
        Severity.HIGH, description="severity of an advisory that carries no CVSS score"
    )
    safety: SafetySection = Field(default_factory=lambda: SafetySection.model_validate({}))

    @field_validator("severity", "confidence")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().lower()
        if level not in _LEVELS:
            raise ValueError(f"expected one of {', '.join(_LEVELS)}")
        return level

    @field_validator("fail_on", "unknown_severity", mode="before")
    @classmethod
    def _severity(cls, value: object) -> object:
        return Severity.parse(value) if isinstance(value, str) else value


class IgnoreEntry(BaseModel):
    """An accepted finding: why, until when, and optionally for which package."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str = Field(min_length=1, description="why this finding is accepted")
    expires: dt.date | None = Field(None, description="after this date the ignore fails the scan")
    package: str | None = Field(None, description="only for this package (dependency advisories)")


class IgnoreSection(SectionModel):
    """`[tool.assay.security.ignore]`: `"PYSEC-2018-28" = { reason = "...", expires = 2026-12-31 }`.

    Keys are advisory ids, their aliases (CVE, GHSA) or bandit test ids.
    """

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, IgnoreEntry]  # every extra key is one ignore entry, validated

    def entries(self) -> dict[str, IgnoreEntry]:
        """The ignore entries by finding id or fingerprint."""
        return dict(self.__pydantic_extra__ or {})
