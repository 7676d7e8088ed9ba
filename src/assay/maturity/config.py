"""`[tool.assay.maturity]`: weights, disabled checks, exemptions (each with a reason), limits, GitHub."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from assay.config import SectionModel


class MaturitySection(SectionModel):
    weights: dict[str, float] = Field(
        default_factory=dict,
        description="weight per check id, or a multiplier per category id (e.g. security = 2)",
    )
    disabled: list[str] = Field(default_factory=list, description="check ids not to run at all")
    exemptions: dict[str, str] = Field(
        default_factory=dict,
        description="check id -> reason; exempt checks are listed as exempt (not passed) in every output",
    )
    exclude: list[str] = Field(default_factory=list, description="globs of paths the scorer ignores")
    max_file_bytes: int = Field(1_048_576, ge=1024, description="never read more of any file than this")
    fail_under: float | None = Field(None, ge=0, le=100, description="default for --fail-under")
    level_at_least: int | None = Field(None, ge=1, le=4, description="default for --level-at-least")
    github_token: SecretStr | None = Field(
        None, description="enables the online checks; use ${GITHUB_TOKEN}, never a literal"
    )
    github_api_url: str = Field("https://api.github.com", description="GitHub (or GHES) API base URL")
    github_repository: str | None = Field(
        None, description="owner/name; default: read from the origin remote"
    )

    @field_validator("weights")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        for key, weight in value.items():
            if weight < 0:
                raise ValueError(f"weight of {key!r} must be >= 0 (0 disables it)")
        return value

    @field_validator("exemptions")
    @classmethod
    def _reasons(cls, value: dict[str, str]) -> dict[str, str]:
        for key, reason in value.items():
            if not reason.strip():
                raise ValueError(f"exemption of {key!r} needs a reason")
        return value
