"""Reading gate policies: the short and table forms, built-in profiles, and every bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.config import load_config
from assay.errors import ConfigError, InputError
from assay.gates import (
    BUILTIN_PROFILES,
    GatesSection,
    build_policy,
    load_policy_file,
    parse_condition,
    policy_from_config,
)


@pytest.mark.parametrize(
    ("text", "metric", "matchers", "op", "threshold", "offset"),
    [
        ("test_coverage_diff_percent >= 80", "test_coverage_diff_percent", (), ">=", 80.0, 0.0),
        ("test_coverage_diff_percent>=80%", "test_coverage_diff_percent", (), ">=", 80.0, 0.0),
        (
            'security_findings_new{severity="high"} == 0',
            "security_findings_new",
            (("severity", "=", "high"),),
            "==",
            0.0,
            0.0,
        ),
        (
            'security_advisories{ severity =~ "high|critical" } <= 0',
            "security_advisories",
            (("severity", "=~", "high|critical"),),
            "<=",
            0.0,
            0.0,
        ),
        ("repository_maturity_level >= base", "repository_maturity_level", (), ">=", None, 0.0),
        ("test_coverage_overall >= base - 1.5", "test_coverage_overall", (), ">=", None, -1.5),
        ("performance_regressions < 1", "performance_regressions", (), "<", 1.0, 0.0),
        ("performance_regressions != 2", "performance_regressions", (), "!=", 2.0, 0.0),
    ],
)
def test_short_form_is_parsed(
    text: str,
    metric: str,
    matchers: tuple[tuple[str, str, str], ...],
    op: str,
    threshold: float | None,
    offset: float,
) -> None:
    cond = parse_condition(text, where="x")
    assert (cond.metric, cond.matchers, cond.op, cond.threshold, cond.base_offset) == (
        metric,
        matchers,
        op,
        threshold,
        offset,
    )
    assert cond.name == text.strip()


def test_table_form_carries_its_options() -> None:
    cond = parse_condition(
        {
            "name": "no new high findings",
            "metric": "security_findings_new",
            "labels": {"severity": "high"},
            "op": "==",
            "threshold": 0,
            "severity": "warning",
            "new_code_only": True,
            "min_changed_lines": 5,
            "missing": "warn",
        },
        where="x",
    )
    assert cond.name == "no new high findings"
    assert cond.selector == 'security_findings_new{severity="high"}'
    assert (cond.severity, cond.new_code_only, cond.min_changed_lines, cond.missing) == (
        "warning",
        True,
        5,
        "warn",
    )


def test_table_form_accepts_a_condition_string_with_options() -> None:
    cond = parse_condition({"condition": "test_coverage_overall >= 70", "severity": "warning"}, where="x")
    assert (cond.metric, cond.threshold, cond.severity) == ("test_coverage_overall", 70.0, "warning")


def test_small_change_exemption_defaults_to_new_code_coverage_only() -> None:
    assert parse_condition("test_coverage_diff_percent >= 80", where="x").min_changed_lines == 20
    assert (
        parse_condition("test_coverage_diff_percent >= 80", where="x", min_changed_lines=7).min_changed_lines
        == 7
    )
    assert parse_condition("test_coverage_overall >= 80", where="x").min_changed_lines == 0
    assert parse_condition("performance_regressions == 0", where="x").min_changed_lines == 0
    table = {"condition": "test_coverage_overall >= 80", "min_changed_lines": 5}
    assert parse_condition(table, where="x").min_changed_lines == 5


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("coverage.diff.percent >= 80", "unknown metric 'coverage.diff.percent' (the catalogue has: "),
        ("test_coverage_diff_percent => 80", "unknown operator '=>' (expected one of: >= <= > < == !=)"),
        ("test_coverage_diff_percent ~ 80", "unknown operator '~'"),
        ("test_coverage_diff_percent >= eighty", "threshold must be a number or `base`, got 'eighty'"),
        ("test_coverage_diff_percent >=", "cannot read condition"),
        ('security_findings_new{kind="x"} == 0', "has no label 'kind' (its labels: severity)"),
        ("security_findings_new{severity=high} == 0", "cannot read label matcher 'severity=high'"),
        ({"metric": "test_coverage_overall", "op": ">=", "threshold": True}, "threshold must be a number"),
        ({"metric": "test_coverage_overall", "op": ">=", "threshold": [80]}, "threshold must be a number"),
        ({"metric": "test_coverage_overall", "op": ">="}, "missing 'threshold'"),
        ({"metric": "nope", "op": ">=", "threshold": 1}, "unknown metric 'nope'"),
        ({"condition": "test_coverage_overall >= 1", "severity": "fatal"}, "expected 'error' or 'warning'"),
        ({"condition": "test_coverage_overall >= 1", "min_changed_lines": -1}, "expected a whole number"),
        ({"condition": "test_coverage_overall >= 1", "colour": "red"}, "unknown condition key 'colour'"),
        (42, "expected a string `metric op value` or a table"),
    ],
)
def test_bad_conditions_are_one_line_errors_naming_the_place(spec: object, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_condition(spec, where="gates.profiles.pr.conditions[0]")  # type: ignore[arg-type]
    text = str(info.value)
    assert text.startswith("gates.profiles.pr.conditions[0]")
    assert message in text
    assert "\n" not in text


def test_unknown_metric_error_lists_the_catalogue() -> None:
    with pytest.raises(ConfigError) as info:
        parse_condition("coverage.diff.percent >= 80", where="x")
    for name in ("test_coverage_diff_percent", "security_findings_new", "performance_regressions"):
        assert name in str(info.value)


def test_builtin_default_profile_covers_the_five_signals() -> None:
    policy = build_policy(GatesSection())
    pr = policy.profile(None)
    assert pr.name == "pr"
    assert [c.metric for c in pr.conditions] == [
        "test_coverage_diff_percent",
        "security_findings_new",
        "security_advisories",
        "performance_regressions",
        "repository_maturity_level",
    ]
    assert pr.conditions[-1].compares_base
    assert set(policy.profiles) == set(BUILTIN_PROFILES)


def test_user_profile_replaces_the_builtin_one_and_unknown_profile_is_an_input_error() -> None:
    policy = build_policy(
        GatesSection.model_validate({"profiles": {"pr": {"conditions": ["performance_regressions == 0"]}}})
    )
    assert [c.name for c in policy.profile("pr").conditions] == ["performance_regressions == 0"]
    assert "main" in policy.profiles
    with pytest.raises(InputError, match="unknown gate profile 'nightly'"):
        policy.profile("nightly")


def test_policy_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.assay.gates]\nmin_changed_lines = 5\nmissing = "warn"\n'
        "[tool.assay.gates.profiles.pr]\n"
        'conditions = ["test_coverage_diff_percent >= 90", '
        '{ condition = "performance_regressions == 0", severity = "warning" }]\n'
    )
    policy = policy_from_config(load_config(tmp_path))
    cov, perf = policy.profile("pr").conditions
    assert (cov.threshold, cov.min_changed_lines, cov.missing) == (90.0, 5, "warn")
    assert perf.severity == "warning"


def test_bad_policy_in_pyproject_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.assay.gates.profiles.pr]\nconditions = ["coverage.diff >= 80"]\n'
    )
    with pytest.raises(ConfigError) as info:
        policy_from_config(load_config(tmp_path))
    assert str(info.value).startswith(f"{tmp_path / 'pyproject.toml'}: gates.profiles.pr.conditions[0]")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "policy.toml",
            '[profiles.pr]\nconditions = ["performance_regressions == 0"]\n'
            '[profiles.pr]\nconditions = ["performance_regressions == 1"]\n',
        ),
        (
            "policy.json",
            '{"profiles": {"pr": {"conditions": []}, "pr": {"conditions": []}}}',
        ),
        ("policy.yaml", "profiles:\n  pr:\n    conditions: []\n  pr:\n    conditions: []\n"),
        (
            "policy.json",
            json.dumps({"profiles": [{"name": "pr", "conditions": []}, {"name": "pr", "conditions": []}]}),
        ),
    ],
)
def test_two_profiles_with_the_same_name_are_rejected(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_policy_file(path)
    assert "twice" in str(info.value) or "two profiles are named 'pr'" in str(info.value)
    assert str(info.value).startswith(str(path))


def test_policy_file_forms(tmp_path: Path) -> None:
    path = tmp_path / "gates.yaml"
    path.write_text(
        "default_profile: strict\nprofiles:\n  strict:\n    conditions:\n"
        "      - test_coverage_overall >= 95\n"
    )
    policy = load_policy_file(path)
    assert policy.profile(None).name == "strict"
    assert policy.source == str(path)
    listed = tmp_path / "gates.json"
    listed.write_text(
        json.dumps({"profiles": [{"name": "x", "conditions": ["performance_regressions == 0"]}]})
    )
    assert load_policy_file(listed).profile("x").conditions[0].metric == "performance_regressions"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('default_profile = "nope"\n', "gates.default_profile: no profile named 'nope'"),
        ('missing = "explode"\n', "gates.missing"),
        ("profiles = 3\n", "gates.profiles"),
        ("[profiles.pr\n", "malformed TOML"),
    ],
)
def test_bad_policy_file_values(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "gates.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_policy_file(path)


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="policy file not found"):
        load_policy_file(tmp_path / "absent.toml")


def test_docs_list_the_builtin_profiles_as_they_are() -> None:
    from conftest import REPO_ROOT

    text = (REPO_ROOT / "docs" / "gates.md").read_text()
    for name, spec in BUILTIN_PROFILES.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}`"))
        for condition in spec["conditions"]:
            escaped = condition.replace("|", "\\|")  # a pipe inside a Markdown table cell
            assert f"`{escaped}`" in row, (name, condition)
