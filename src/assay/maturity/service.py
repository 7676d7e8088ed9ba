"""One scoring run end to end, without the CLI: gather evidence, score it, and shape it as a Result."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assay.maturity import github
from assay.maturity.config import MaturitySection
from assay.maturity.evidence import StoredMeasurement, collect
from assay.maturity.model import CATEGORIES, CheckStatus, Scorecard
from assay.maturity.registry import all_checks
from assay.maturity.scorer import score, validate_ids
from assay.results import Finding, Measurement, Outcome, Result, Severity, Status
from assay.store import Store
from assay.vcs import RepoInfo

TOOL = "maturity"
SCHEMA = "assay.maturity/1"


def stored_measurements(store: Store, repo_root: Path) -> dict[str, list[StoredMeasurement]]:
    """The latest measurements every other tool stored for this repository, by metric name, newest first."""
    latest = store.latest_measurements(repo_root=repo_root)
    out: dict[str, list[StoredMeasurement]] = {}
    for tool, (run, measurements) in sorted(latest.items(), key=lambda kv: -kv[1][0].finished_at):
        if tool == TOOL:
            continue
        for m in measurements:
            out.setdefault(m.name, []).append(
                StoredMeasurement(m.name, m.value, dict(m.labels), tool, run.commit, run.finished_at)
            )
    return out


def online_facts(
    section: MaturitySection, repo: RepoInfo, token: str | None
) -> tuple[dict[str, Any] | None, str]:
    if not token:
        return None, "offline: no GitHub token given (set [tool.assay.maturity] github_token)"
    slug = section.github_repository or (github.slug_from_remote(repo.root) if repo.is_git else None)
    if not slug:
        return None, "no GitHub repository known (set [tool.assay.maturity] github_repository)"
    try:
        return github.fetch(section.github_api_url, slug, token), ""
    except github.GitHubUnavailable as exc:
        return None, str(exc)


def assess(
    repo: RepoInfo,
    section: MaturitySection,
    *,
    measurements: Mapping[str, list[StoredMeasurement]] | None = None,
    now: float | None = None,
) -> Scorecard:
    started = time.perf_counter()
    checks = all_checks()
    # A mistyped check id is a configuration error: say so before walking the tree or calling GitHub.
    validate_ids(checks, section.disabled, section.exemptions, section.weights)
    token = section.github_token.get_secret_value() if section.github_token else None
    facts, reason = online_facts(section, repo, token)
    evidence = collect(
        repo.root,
        is_git=repo.is_git,
        max_file_bytes=section.max_file_bytes,
        exclude=section.exclude,
        measurements=dict(measurements or {}),
        github=facts,
        github_error=reason,
        now=now,
    )
    return score(
        evidence,
        checks,
        weights=section.weights,
        disabled=section.disabled,
        exemptions=section.exemptions,
        repository=str(repo.root),
        commit=repo.commit,
        started=started,
    )


STATUS_OF = {
    CheckStatus.PASS: Status.PASS,
    CheckStatus.PARTIAL: Status.WARN,
    CheckStatus.FAIL: Status.FAIL,
    CheckStatus.NOT_APPLICABLE: Status.SKIP,
    CheckStatus.EXEMPT: Status.SKIP,
    CheckStatus.ERROR: Status.ERROR,
}


def _score(value: float | None) -> str:
    return "error" if value is None else f"{value:g}"


def to_result(card: Scorecard) -> Result:
    """The Result to store: catalogue measurements, a finding per check below 10, the JSON document."""
    measurements = [
        Measurement("repository_maturity_percent", card.percent, unit="percent"),
        Measurement("repository_maturity_level", float(card.level.number)),
    ]
    measurements += [
        Measurement("repository_maturity_category_percent", c.percent, {"category": c.id}, "percent")
        for c in card.categories
        if c.percent is not None
    ]
    measurements += [
        Measurement("repository_maturity_check_score", c.score, {"check": c.id, "category": c.category})
        for c in card.checks
        if c.status.counted and c.score is not None
    ]
    findings = [
        Finding(
            id=c.id,
            severity=Severity.HIGH if c.status in (CheckStatus.FAIL, CheckStatus.ERROR) else Severity.MEDIUM,
            message=f"{c.title}: {_score(c.score)}/10. {'; '.join(c.evidence[:3])}",
            location=c.locations[0] if c.locations else None,
            remediation=c.remediation,
            tool=TOOL,
            properties={"category": CATEGORIES[c.category], "weight": c.weight},
        )
        for c in card.checks
        if c.status in (CheckStatus.FAIL, CheckStatus.PARTIAL, CheckStatus.ERROR)
    ]
    outcomes = [
        Outcome(c.id, STATUS_OF[c.status], "; ".join(c.evidence[:2]) or c.exemption) for c in card.checks
    ]
    return Result(
        tool=TOOL,
        schema=SCHEMA,
        measurements=tuple(measurements),
        findings=tuple(findings),
        outcomes=tuple(outcomes),
        data=card.to_json(),
        title=f"Maturity of {Path(card.repository).name}",
        summary=f"Level {card.level.number} {card.level.name}: {card.percent:.1f}%",
    )
