"""The gate's decision as a pure function: tables of conditions and measurements -> outcomes."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from assay.gates import (
    FAIL,
    MISSING,
    PASS,
    SKIP,
    WARN,
    Inputs,
    Profile,
    Snapshot,
    decision_result,
    evaluate,
    parse_condition,
)
from assay.results import Measurement, Status


def snap(
    values: Mapping[str, float | list[tuple[dict[str, str], float]]],
    tools: tuple[str, ...] = (),
    commit: str = "head",
) -> Snapshot:
    series: dict[str, tuple[Measurement, ...]] = {}
    for name, value in values.items():
        if isinstance(value, list):
            series[name] = tuple(Measurement(name, v, labels) for labels, v in value)
        else:
            series[name] = (Measurement(name, float(value)),)
    return Snapshot(commit, series, frozenset(tools))


def outcome(
    condition: str | dict[str, object],
    head: Snapshot,
    base: Snapshot | None = None,
    changed: int | None = None,
) -> tuple[str, str]:
    cond = parse_condition(condition, where="t")  # type: ignore[arg-type]
    decision = evaluate(Profile("t", (cond,)), Inputs(head, base, changed, "main" if base else None))
    (only,) = decision.results
    return only.outcome, only.message


HIGH = [({"severity": "high"}, 1.0)]
CASES = [
    # (condition, head values, base values, changed lines, expected outcome)
    ("test_coverage_diff_percent >= 80", {"test_coverage_diff_percent": 80}, None, None, PASS),
    ("test_coverage_diff_percent >= 80", {"test_coverage_diff_percent": 79.99}, None, None, FAIL),
    ("test_coverage_diff_percent >= 80", {"test_coverage_diff_percent": 10}, {}, 19, SKIP),
    ("test_coverage_diff_percent >= 80", {"test_coverage_diff_percent": 10}, {}, 20, FAIL),
    ("test_coverage_diff_percent >= 80", {}, {}, None, MISSING),
    # On the default branch there is no base: diff coverage cannot exist, so it is skipped.
    ("test_coverage_diff_percent >= 80", {}, None, None, SKIP),
    ("test_coverage_overall >= 80", {}, None, None, MISSING),
    ("performance_regressions == 0", {"performance_regressions": 0}, None, 0, PASS),
    ("performance_regressions == 0", {"performance_regressions": 2}, None, 0, FAIL),
    ("performance_regressions < 1", {"performance_regressions": 0}, None, None, PASS),
    ("performance_regressions > 0", {"performance_regressions": 0}, None, None, FAIL),
    ("performance_regressions <= 0", {"performance_regressions": 1}, None, None, FAIL),
    ("performance_regressions != 0", {"performance_regressions": 1}, None, None, PASS),
    ('security_findings_new{severity="high"} == 0', {"security_findings_new": HIGH}, None, None, FAIL),
    ('security_findings_new{severity="critical"} == 0', {"security_findings_new": HIGH}, None, None, PASS),
    (
        'security_findings_new{severity=~"high|critical"} <= 2',
        {"security_findings_new": [({"severity": "high"}, 2), ({"severity": "critical"}, 1)]},
        None,
        None,
        FAIL,
    ),
    # The scan ran and reported no series: zero findings, not "not measured".
    ('security_findings_new{severity="high"} == 0', {"security_findings": []}, None, None, PASS),
    ('security_findings_new{severity="high"} == 0', {}, None, None, MISSING),
    # Advisories count as zero only when the dependency audit itself ran.
    ('security_advisories{severity="high"} == 0', {"security_vulnerable_packages": 0}, None, None, PASS),
    ('security_advisories{severity="high"} == 0', {"security_findings_new": HIGH}, None, None, MISSING),
    (
        "repository_maturity_level >= base",
        {"repository_maturity_level": 3},
        {"repository_maturity_level": 3},
        5,
        PASS,
    ),
    (
        "repository_maturity_level >= base",
        {"repository_maturity_level": 2},
        {"repository_maturity_level": 3},
        5,
        FAIL,
    ),
    ("repository_maturity_level >= base", {"repository_maturity_level": 2}, {}, 5, MISSING),
    ("repository_maturity_level >= base", {"repository_maturity_level": 2}, None, None, SKIP),
    (
        "test_coverage_overall >= base - 1",
        {"test_coverage_overall": 79.5},
        {"test_coverage_overall": 80},
        50,
        PASS,
    ),
    (
        "test_coverage_overall >= base - 1",
        {"test_coverage_overall": 78.9},
        {"test_coverage_overall": 80},
        50,
        FAIL,
    ),
    (
        {"condition": "performance_regressions == 0", "severity": "warning"},
        {"performance_regressions": 1},
        None,
        None,
        WARN,
    ),
    (
        {"condition": "performance_regressions == 0", "new_code_only": True},
        {"performance_regressions": 1},
        {},
        0,
        SKIP,
    ),
    (
        {"condition": "performance_regressions == 0", "new_code_only": True},
        {"performance_regressions": 1},
        {},
        3,
        FAIL,
    ),
    (
        {"condition": "performance_regressions == 0", "min_changed_lines": 10},
        {"performance_regressions": 1},
        {},
        9,
        SKIP,
    ),
]


@pytest.mark.parametrize(("condition", "head", "base", "changed", "expected"), CASES)
def test_decision_table(
    condition: str, head: dict[str, float], base: dict[str, float] | None, changed: int | None, expected: str
) -> None:
    tools = ("security-scan",) if "security_findings" in head else ()
    got, message = outcome(
        condition, snap(head, tools), None if base is None else snap(base, commit="base"), changed
    )
    assert got == expected, message


def test_failure_message_carries_actual_threshold_and_fix() -> None:
    got, message = outcome("test_coverage_diff_percent >= 80", snap({"test_coverage_diff_percent": 62.5}))
    assert got == FAIL
    assert "62.5 is not >= 80" in message
    assert "assay coverage analyze" in message


def test_missing_outcome_names_the_command_and_follows_the_missing_setting() -> None:
    cond = parse_condition("test_coverage_overall >= 80", where="t", missing="warn")
    decision = evaluate(Profile("t", (cond,)), Inputs(snap({})))
    (only,) = decision.results
    assert only.outcome == MISSING
    assert "run `assay coverage run`" in only.message
    assert only.status == Status.WARN
    assert decision.passed
    strict = evaluate(
        Profile("t", (parse_condition("test_coverage_overall >= 80", where="t"),)), Inputs(snap({}))
    )
    assert not strict.passed


def test_missing_base_measurement_names_the_command_with_the_base() -> None:
    cond = parse_condition("performance_regressions == 0", where="t")
    (only,) = evaluate(
        Profile("t", (cond,)), Inputs(snap({}), snap({}, commit="b"), 30, "origin/main")
    ).results
    assert only.outcome == MISSING
    assert "run `assay perf compare --base origin/main`" in only.message


def test_decision_result_is_the_gate_contract() -> None:
    profile = Profile(
        "pr",
        (
            parse_condition("test_coverage_diff_percent >= 80", where="t"),
            parse_condition("performance_regressions == 0", where="t"),
            parse_condition("repository_maturity_level >= base", where="t"),
        ),
    )
    inputs = Inputs(snap({"test_coverage_diff_percent": 50, "performance_regressions": 0}), None, None, None)
    decision = evaluate(profile, inputs)
    result = decision_result(decision, inputs)
    assert not decision.passed
    assert result.schema_id == "assay.gate/1"
    doc = result.data
    assert doc["passed"] is False
    assert [c["outcome"] for c in doc["conditions"]] == [FAIL, PASS, MISSING]
    first = doc["conditions"][0]
    assert (first["actual"], first["threshold"], first["metric"]) == (
        50.0,
        80.0,
        "test_coverage_diff_percent",
    )
    assert first["fix"] and first["rollback"].startswith("docs/rollback.md#")
    values = {(m.name, tuple(sorted(m.labels.items()))): m.value for m in result.measurements}
    assert values[("quality_gate_passed", (("profile", "pr"),))] == 0.0
    assert values[("quality_gate_conditions", (("outcome", "fail"), ("profile", "pr")))] == 1.0
    assert values[("quality_gate_conditions", (("outcome", "missing"), ("profile", "pr")))] == 1.0
    assert "docs/rollback.md#a-bad-merge-detected-after-the-fact" in result.summary
    assert [o.status for o in result.outcomes] == [Status.FAIL, Status.PASS, Status.FAIL]


def test_empty_profile_passes() -> None:
    assert evaluate(Profile("empty", ()), Inputs(snap({}))).passed
