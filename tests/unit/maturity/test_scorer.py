"""Scoring in one place: weights, n/a and exemptions that never count as zero, crashing checks, actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.errors import ConfigError
from assay.maturity.evidence import Evidence, collect
from assay.maturity.model import Check, CheckStatus, Verdict
from assay.maturity.registry import all_checks
from assay.maturity.scorer import score


def fixed(check_id: str, value: float | None, weight: float = 1, category: str = "testing") -> Check:
    def evaluate(ev: Evidence) -> Verdict:
        return Verdict.na("nothing to see") if value is None else Verdict.scored(value, f"scored {value}")

    return Check(check_id, category, check_id, weight, evaluate, remediation=f"fix {check_id}")


def crashing(ev: Evidence) -> Verdict:
    raise RuntimeError("boom")


@pytest.fixture
def evidence(tmp_path: Path) -> Evidence:
    return collect(tmp_path, is_git=False)


def test_weighted_percentage(evidence: Evidence) -> None:
    card = score(evidence, [fixed("a", 10, weight=3), fixed("b", 0, weight=1)])
    assert card.percent == 75.0
    assert card.level.number == 3


def test_not_applicable_does_not_count_as_zero(evidence: Evidence) -> None:
    card = score(evidence, [fixed("a", 10), fixed("b", None, weight=5)])
    assert card.percent == 100.0
    assert [c.status for c in card.checks] == [CheckStatus.PASS, CheckStatus.NOT_APPLICABLE]


def test_crashing_check_becomes_error_and_the_run_continues(evidence: Evidence) -> None:
    broken = Check("boom", "ci", "boom", 5, crashing, remediation="")
    card = score(evidence, [broken, fixed("a", 8)])
    status = {c.id: c for c in card.checks}
    assert status["boom"].status is CheckStatus.ERROR
    assert "RuntimeError: boom" in status["boom"].evidence[0]
    assert card.percent == 80.0


def test_exemption_is_listed_as_exempt_not_passed(evidence: Evidence) -> None:
    card = score(
        evidence, [fixed("a", 0), fixed("b", 10)], exemptions={"a": "vendored fork, tracked upstream"}
    )
    exempt = card.checks[0]
    assert exempt.status is CheckStatus.EXEMPT
    assert exempt.score is None
    assert card.to_json()["exemptions"] == [{"check": "a", "reason": "vendored fork, tracked upstream"}]
    assert card.percent == 100.0


def test_disabled_and_zero_weight_checks_are_not_run(evidence: Evidence) -> None:
    card = score(evidence, [fixed("a", 0), fixed("b", 10), fixed("c", 0)], disabled=["a"], weights={"c": 0})
    assert [c.id for c in card.checks] == ["b"]


def test_category_weight_multiplies(evidence: Evidence) -> None:
    checks = [fixed("a", 10, category="security"), fixed("b", 0, category="testing")]
    card = score(evidence, checks, weights={"security": 3})
    assert card.percent == 75.0


def test_unknown_ids_in_config_are_errors(evidence: Evidence) -> None:
    with pytest.raises(ConfigError, match=r"disabled: unknown check id 'nope'"):
        score(evidence, [fixed("a", 1)], disabled=["nope"])
    with pytest.raises(ConfigError, match=r"exemptions: unknown check id"):
        score(evidence, [fixed("a", 1)], exemptions={"nope": "why"})
    with pytest.raises(ConfigError, match=r"neither a check id nor a category"):
        score(evidence, [fixed("a", 1)], weights={"nope": 2})


def test_actions_rank_by_gain_in_points(evidence: Evidence) -> None:
    card = score(
        evidence, [fixed("big", 0, weight=4), fixed("small", 5, weight=1), fixed("done", 10, weight=5)]
    )
    assert [(a.check, a.gain) for a in card.actions] == [("big", 40.0), ("small", 5.0)]
    assert card.percent == 55.0  # fixing both actions adds exactly the 45 missing points


def test_category_with_nothing_applicable_has_no_percent(evidence: Evidence) -> None:
    card = score(evidence, [fixed("a", None, category="performance"), fixed("b", 10)])
    perf = next(c for c in card.categories if c.id == "performance")
    assert perf.percent is None


def test_registry_ids_are_unique_and_the_docs_agree() -> None:
    from assay.maturity.docs import BEGIN, END, checks_markdown

    checks = all_checks()
    ids = [c.id for c in checks]
    assert len(ids) == len(set(ids)) >= 35
    assert all(c.remediation for c in checks)
    docs = (Path(__file__).resolve().parents[3] / "docs" / "maturity.md").read_text()
    block = docs[docs.index(BEGIN) + len(BEGIN) : docs.index(END)].strip()
    assert block == checks_markdown().strip(), "run: python -m assay.maturity.docs docs/maturity.md"
