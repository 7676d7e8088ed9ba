"""Run every check on the evidence and score: check 0-10, weighted category and overall percentages, level.

Not-applicable, inconclusive, errored and exempt checks never count as zero: they leave the percentage.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence

from assay.errors import ConfigError
from assay.maturity.evidence import Evidence, display
from assay.maturity.model import (
    CATEGORIES,
    MAX_SCORE,
    Action,
    CategoryScore,
    Check,
    CheckResult,
    CheckStatus,
    Scorecard,
    Verdict,
    level_for,
)
from assay.results import Location

log = logging.getLogger(__name__)
TOP_ACTIONS = 5


def effective_weight(check: Check, weights: Mapping[str, float]) -> float:
    """A configured weight for the check id wins; a category entry multiplies the default."""
    if check.id in weights:
        return float(weights[check.id])
    return check.weight * float(weights.get(check.category, 1.0))


def validate_ids(
    checks: Sequence[Check], disabled: Iterable[str], exemptions: Iterable[str], weights: Iterable[str]
) -> None:
    known = {c.id for c in checks}
    for key, ids in (("disabled", disabled), ("exemptions", exemptions)):
        for check_id in ids:
            if check_id not in known:
                raise ConfigError(
                    f"[tool.assay.maturity].{key}: unknown check id {check_id!r} (see `assay score --list`)"
                )
    for key in weights:
        if key not in known and key not in CATEGORIES:
            raise ConfigError(f"[tool.assay.maturity].weights: {key!r} is neither a check id nor a category")


def run_check(check: Check, evidence: Evidence) -> tuple[Verdict | None, str]:
    try:
        return check.evaluate(evidence), ""
    except Exception as exc:  # a crashing check becomes an error outcome; the run continues
        log.debug("check %s crashed", check.id, exc_info=True)
        return None, f"check crashed: {type(exc).__name__}: {exc}"


def score(
    evidence: Evidence,
    checks: Sequence[Check],
    *,
    weights: Mapping[str, float] | None = None,
    disabled: Iterable[str] = (),
    exemptions: Mapping[str, str] | None = None,
    repository: str = "",
    commit: str = "",
    started: float | None = None,
) -> Scorecard:
    weights = dict(weights or {})
    exemptions = dict(exemptions or {})
    disabled_ids = set(disabled)
    validate_ids(checks, disabled_ids, exemptions, weights)
    t0 = started if started is not None else time.perf_counter()
    results: list[CheckResult] = []
    for check in checks:
        if check.id in disabled_ids:
            continue
        weight = effective_weight(check, weights)
        if weight == 0:
            continue
        if check.id in exemptions:
            results.append(
                _result(check, weight, None, CheckStatus.EXEMPT, (), exemption=exemptions[check.id])
            )
            continue
        verdict, error = run_check(check, evidence)
        if verdict is None:
            results.append(_result(check, weight, None, CheckStatus.ERROR, (error,)))
        else:
            results.append(_result(check, weight, verdict.score, verdict.status, verdict.evidence, verdict))
    percent = percentage(results)
    categories = tuple(
        CategoryScore(
            id=cat,
            title=title,
            percent=percentage([r for r in results if r.category == cat], empty=None),
            checks=sum(1 for r in results if r.category == cat),
            counted=sum(1 for r in results if r.category == cat and r.status.counted),
        )
        for cat, title in CATEGORIES.items()
    )
    overall = percent if percent is not None else 0.0
    return Scorecard(
        repository=repository or str(evidence.root),
        commit=commit,
        percent=overall,
        level=level_for(overall),
        categories=categories,
        checks=tuple(results),
        actions=tuple(next_actions(results)),
        problems=tuple(dict.fromkeys(display(p) for p in evidence.problems)),
        files=len(evidence.files),
        duration_s=time.perf_counter() - t0,
        online=evidence.github is not None,
    )


def percentage(results: Sequence[CheckResult], empty: float | None = 0.0) -> float | None:
    """Weighted percentage of the counted checks, rounded to 0.1; `empty` when none counts."""
    counted = [r for r in results if r.status.counted and r.score is not None]
    total = sum(r.weight for r in counted)
    if total <= 0:
        return empty
    return round(100 * sum((r.score or 0) * r.weight for r in counted) / (MAX_SCORE * total), 1)


def next_actions(results: Sequence[CheckResult], limit: int = TOP_ACTIONS) -> list[Action]:
    """The checks whose fix would raise the overall percentage most, with the gain in points."""
    counted = [r for r in results if r.status.counted and r.score is not None]
    total = sum(r.weight for r in counted)
    if total <= 0:
        return []
    gains = [
        Action(
            check=r.id,
            title=r.title,
            gain=round(100 * (MAX_SCORE - (r.score or 0)) * r.weight / (MAX_SCORE * total), 1),
            remediation=r.remediation,
            effort=r.effort,
        )
        for r in counted
        if (r.score or 0) < MAX_SCORE
    ]
    gains.sort(key=lambda a: (-a.gain, a.check))
    return gains[:limit]


def _result(
    check: Check,
    weight: float,
    score_value: float | None,
    status: CheckStatus,
    evidence: Sequence[str],
    verdict: Verdict | None = None,
    *,
    exemption: str = "",
) -> CheckResult:
    return CheckResult(
        id=check.id,
        category=check.category,
        title=check.title,
        score=score_value,
        weight=weight,
        status=status,
        evidence=tuple(display(line) for line in evidence),
        remediation=check.remediation,
        effort=check.effort,
        locations=tuple(Location(display(loc.path), loc.line) for loc in verdict.locations)
        if verdict
        else (),
        exemption=exemption,
    )
