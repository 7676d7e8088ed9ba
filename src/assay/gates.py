"""Quality gates: a policy of named conditions over catalogue measurements, and its pure evaluation.

A condition reads `metric{label="value"} op threshold`; the threshold is a number or `base` (the same
measurement at the base commit, optionally `base - 1`). `evaluate()` is a pure function of the policy
and the measurements it is given; reading the store and git lives in `collect()`.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from assay.config import Config, SectionModel, read_document, short_repr, validate_section
from assay.errors import ConfigError, InputError
from assay.metrics import CATALOGUE
from assay.results import Measurement, Outcome, Result, Status
from assay.store import Store
from assay.vcs import UNKNOWN, RepoInfo, default_branch, resolve_ref, run_git

SCHEMA = "assay.gate/1"
ROLLBACK_DOC = "docs/rollback.md"
GATES_DOC = "docs/gates.md"
DEFAULT_MIN_CHANGED_LINES = 20

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}

# Outcome names a user sees (JSON, quality_gate_conditions{outcome}); "missing" is its own outcome.
PASS, FAIL, WARN, SKIP, MISSING = "pass", "fail", "warn", "skip", "missing"
OUTCOMES = (PASS, FAIL, WARN, SKIP, MISSING)


# --- configuration -------------------------------------------------------------------------------


class ProfileSection(SectionModel):
    """Configuration of one gate profile: its conditions and how missing measurements are treated."""

    conditions: list[str | dict[str, Any]] = Field(default_factory=list)
    missing: Literal["fail", "warn"] | None = Field(
        None, description="what a condition without a measurement does (default: the gates' `missing`)"
    )
    min_changed_lines: int | None = Field(None, ge=0)
    description: str = ""


class NamedProfileSection(ProfileSection):
    """A profile section that carries its own name (the list form of `[tool.assay.gates]` profiles)."""

    name: str


class GatesSection(SectionModel):
    """`[tool.assay.gates]`: defaults for every profile, and the profiles themselves."""

    default_profile: str = Field("pr", description="profile `assay gate` uses without --profile")
    missing: Literal["fail", "warn"] = Field(
        "fail", description="outcome of a condition whose measurement is missing"
    )
    min_changed_lines: int = Field(
        DEFAULT_MIN_CHANGED_LINES,
        ge=0,
        description="new-code coverage conditions are skipped when a change has fewer changed lines",
    )
    profiles: dict[str, ProfileSection] | list[NamedProfileSection] = Field(default_factory=dict)


@dataclass(frozen=True)
class Condition:
    """One parsed condition. `threshold` is a number, or None when it compares against the base."""

    name: str
    metric: str
    matchers: tuple[tuple[str, str, str], ...]  # (label, "=" or "=~", value)
    op: str
    threshold: float | None
    base_offset: float = 0.0
    severity: Literal["error", "warning"] = "error"
    new_code_only: bool = False
    min_changed_lines: int = 0
    missing: Literal["fail", "warn"] = "fail"

    @property
    def compares_base(self) -> bool:
        """Whether the condition compares against the base commit rather than a fixed threshold."""
        return self.threshold is None

    @property
    def selector(self) -> str:
        """The metric with its label matchers, in PromQL-like ``metric{label="value"}`` form."""
        if not self.matchers:
            return self.metric
        inner = ",".join(f'{label}{op}"{value}"' for label, op, value in self.matchers)
        return f"{self.metric}{{{inner}}}"

    @property
    def threshold_text(self) -> str:
        """The threshold for display: a number, ``base`` or ``base +/- offset``."""
        if self.threshold is not None:
            return _num(self.threshold)
        if self.base_offset:
            sign = "+" if self.base_offset > 0 else "-"
            return f"base {sign} {_num(abs(self.base_offset))}"
        return "base"

    def matches(self, m: Measurement) -> bool:
        """Whether a measurement has this condition's metric name and satisfies its label matchers."""
        if m.name != self.metric:
            return False
        for label, op, value in self.matchers:
            actual = m.labels.get(label)
            if actual is None:
                return False
            if op == "=" and actual != value:
                return False
            if op == "=~" and re.fullmatch(value, actual) is None:
                return False
        return True


@dataclass(frozen=True)
class Profile:
    """A named set of gate conditions evaluated together."""

    name: str
    conditions: tuple[Condition, ...]
    description: str = ""


# Built-in profiles a new user gets without writing anything. A user's profile of the same name
# replaces the built-in one whole (no merging of condition lists: what you read is what runs).
BUILTIN_PROFILES: dict[str, dict[str, Any]] = {
    "pr": {
        "description": "may this pull request merge?",
        "conditions": [
            "test_coverage_diff_percent >= 80",
            'security_findings_new{severity=~"high|critical"} == 0',
            'security_advisories{severity=~"high|critical"} == 0',
            "performance_regressions == 0",
            "repository_maturity_level >= base",
        ],
    },
    "main": {
        "description": "is main still releasable?",
        "conditions": [
            'security_findings_new{severity=~"high|critical"} == 0',
            'security_advisories{severity=~"high|critical"} == 0',
            "performance_regressions == 0",
            "test_coverage_overall >= base - 1",
            "repository_maturity_level >= base",
        ],
    },
    "release": {
        "description": "may this commit be released?",
        "conditions": [
            'security_findings_new{severity=~"medium|high|critical"} == 0',
            'security_advisories{severity=~"high|critical"} == 0',
            "performance_regressions == 0",
            "test_coverage_overall >= 80",
            "repository_maturity_level >= 3",
        ],
    },
    "pre-commit": {
        "description": "fast local check before a commit; missing measurements only warn",
        "missing": "warn",
        "conditions": ['security_findings_new{severity=~"high|critical"} == 0'],
    },
}

_CONDITION = re.compile(
    r"^\s*(?P<metric>[A-Za-z_:][A-Za-z0-9_:.]*)\s*(?:\{(?P<labels>[^}]*)\})?\s*"
    r"(?P<op>>=|<=|==|!=|=>|=<|=|>|<|[^\sA-Za-z0-9_.+\-\"']+)\s*(?P<threshold>.*?)\s*$"
)
_MATCHER = re.compile(r'^\s*(?P<label>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>=~|=)\s*"(?P<value>[^"]*)"\s*$')
_BASE = re.compile(r"^base(?:\s*(?P<sign>[+-])\s*(?P<offset>\d+(?:\.\d+)?))?$")
NEW_CODE_COVERAGE = frozenset(
    {"test_coverage_diff_percent", "test_coverage_diff_covered_lines", "test_coverage_diff_changed_lines"}
)
_TABLE_KEYS = {
    "name",
    "condition",
    "metric",
    "labels",
    "op",
    "threshold",
    "severity",
    "new_code_only",
    "min_changed_lines",
    "missing",
}


def parse_condition(
    spec: str | Mapping[str, Any],
    *,
    where: str,
    min_changed_lines: int = DEFAULT_MIN_CHANGED_LINES,
    missing: Literal["fail", "warn"] = "fail",
) -> Condition:
    """Parse the short form `metric{labels} op threshold` or the table form; ConfigError names `where`."""
    options: Mapping[str, Any] = {}
    if isinstance(spec, str):
        metric, matchers, op, threshold, offset = _parse_text(spec, where)
        name = spec.strip()
    elif isinstance(spec, Mapping):
        options = spec
        unknown = sorted(set(spec) - _TABLE_KEYS)
        if unknown:
            raise ConfigError(
                f"{where}: unknown condition key {unknown[0]!r} (expected: {', '.join(sorted(_TABLE_KEYS))})"
            )
        if "condition" in spec:
            text = spec["condition"]
            if not isinstance(text, str):
                raise ConfigError(f"{where}.condition: expected a string, got {short_repr(text)}")
            metric, matchers, op, threshold, offset = _parse_text(text, f"{where}.condition")
            name = str(spec.get("name") or text.strip())
        else:
            for key in ("metric", "op", "threshold"):
                if key not in spec:
                    raise ConfigError(f'{where}: missing {key!r} (or give `condition = "metric op value"`)')
            metric = _check_metric(spec["metric"], f"{where}.metric")
            labels = spec.get("labels", {})
            if not isinstance(labels, Mapping):
                got = short_repr(labels)
                raise ConfigError(f"{where}.labels: expected a table of label = value, got {got}")
            matchers = tuple(
                (str(k), "=~" if "|" in str(v) else "=", str(v)) for k, v in sorted(labels.items())
            )
            op = _check_op(spec["op"], f"{where}.op")
            threshold, offset = _parse_threshold(spec["threshold"], f"{where}.threshold")
            text = Condition("", metric, matchers, op, threshold, offset).selector
            name = str(spec.get("name") or f"{text} {op} {_threshold_text(threshold, offset)}")
        if "name" in spec and not isinstance(spec["name"], str):
            raise ConfigError(f"{where}.name: expected a string, got {short_repr(spec['name'])}")
    else:
        raise ConfigError(f"{where}: expected a string `metric op value` or a table, got {short_repr(spec)}")
    _check_labels(metric, matchers, where)

    severity = options.get("severity", "error")
    if severity not in ("error", "warning"):
        raise ConfigError(f"{where}.severity: expected 'error' or 'warning', got {short_repr(severity)}")
    new_code_only = options.get("new_code_only", False)
    if not isinstance(new_code_only, bool):
        raise ConfigError(f"{where}.new_code_only: expected true or false, got {short_repr(new_code_only)}")
    # Sonar's small-change exemption applies to coverage of new code unless the condition says otherwise:
    # a handful of changed lines makes a percentage meaningless, an overall figure is not affected.
    default_min = min_changed_lines if metric in NEW_CODE_COVERAGE else 0
    min_lines = options.get("min_changed_lines", default_min)
    if isinstance(min_lines, bool) or not isinstance(min_lines, int) or min_lines < 0:
        got = short_repr(min_lines)
        raise ConfigError(f"{where}.min_changed_lines: expected a whole number >= 0, got {got}")
    cond_missing = options.get("missing", missing)
    if cond_missing not in ("fail", "warn"):
        raise ConfigError(f"{where}.missing: expected 'fail' or 'warn', got {short_repr(cond_missing)}")
    return Condition(
        name=name,
        metric=metric,
        matchers=matchers,
        op=op,
        threshold=threshold,
        base_offset=offset,
        severity=severity,
        new_code_only=new_code_only,
        min_changed_lines=min_lines,
        missing=cond_missing,
    )


def _parse_text(
    text: str, where: str
) -> tuple[str, tuple[tuple[str, str, str], ...], str, float | None, float]:
    match = _CONDITION.match(text)
    if match is None or not match.group("threshold"):
        raise ConfigError(
            f"{where}: cannot read condition {text!r} (expected `metric op value`, "
            f'e.g. "test_coverage_diff_percent >= 80")'
        )
    metric = _check_metric(match.group("metric"), where)
    matchers: list[tuple[str, str, str]] = []
    labels = match.group("labels")
    if labels is not None and labels.strip():
        for part in labels.split(","):
            found = _MATCHER.match(part)
            if found is None:
                raise ConfigError(
                    f'{where}: cannot read label matcher {part.strip()!r} (expected label="value")'
                )
            matchers.append((found.group("label"), found.group("op"), found.group("value")))
    op = _check_op(match.group("op"), where)
    threshold, offset = _parse_threshold(match.group("threshold"), where)
    return metric, tuple(matchers), op, threshold, offset


def _check_metric(value: Any, where: str) -> str:
    if not isinstance(value, str) or value not in CATALOGUE:
        known = ", ".join(CATALOGUE.names())
        raise ConfigError(f"{where}: unknown metric {short_repr(value)} (the catalogue has: {known})")
    return value


def _check_op(value: Any, where: str) -> str:
    if value not in OPERATORS:
        raise ConfigError(
            f"{where}: unknown operator {short_repr(value)} (expected one of: {' '.join(OPERATORS)})"
        )
    return str(value)


def _parse_threshold(value: Any, where: str) -> tuple[float | None, float]:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: threshold must be a number or `base`, got {short_repr(value)}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ConfigError(f"{where}: threshold must be a finite number, got {short_repr(value)}")
        return float(value), 0.0
    if isinstance(value, str):
        text = value.strip()
        found = _BASE.match(text)
        if found is not None:
            offset = float(found.group("offset") or 0)
            return None, -offset if found.group("sign") == "-" else offset
        try:
            number = float(text.removesuffix("%"))
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number, 0.0
    raise ConfigError(f"{where}: threshold must be a number or `base`, got {short_repr(value)}")


def _check_labels(metric: str, matchers: Sequence[tuple[str, str, str]], where: str) -> None:
    spec = CATALOGUE.get(metric)
    for label, op, value in matchers:
        if label not in spec.labels:
            have = ", ".join(spec.labels) or "none"
            raise ConfigError(f"{where}: metric {metric} has no label {label!r} (its labels: {have})")
        if op == "=~":
            try:
                re.compile(value)
            except re.error as exc:
                raise ConfigError(f"{where}: bad pattern {value!r} for label {label}: {exc}") from None


def _threshold_text(threshold: float | None, offset: float) -> str:
    return Condition("", "", (), ">=", threshold, offset).threshold_text


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


# --- the policy -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """The gate profiles available to a repository and which one is used by default."""

    profiles: Mapping[str, Profile]
    default_profile: str = "pr"
    source: str = "built-in"

    def profile(self, name: str | None) -> Profile:
        """The named profile, or the default one; raises InputError for an unknown name."""
        chosen = name or self.default_profile
        try:
            return self.profiles[chosen]
        except KeyError:
            raise InputError(
                f"unknown gate profile {chosen!r} (profiles: {', '.join(sorted(self.profiles))})"
            ) from None


def build_policy(section: GatesSection, *, source: str = "") -> Policy:
    """Turn a validated `[tool.assay.gates]` into a Policy; user profiles replace built-in ones."""
    prefix = f"{source}: " if source else ""
    user: dict[str, ProfileSection] = {}
    if isinstance(section.profiles, list):
        for index, named in enumerate(section.profiles):
            if named.name in user:
                raise ConfigError(
                    f"{prefix}gates.profiles[{index}]: two profiles are named {named.name!r}; "
                    "names must be unique"
                )
            user[named.name] = named
    else:
        user = dict(section.profiles)
    raw: dict[str, ProfileSection] = {
        name: ProfileSection.model_validate(spec) for name, spec in BUILTIN_PROFILES.items()
    }
    raw.update(user)
    profiles = {}
    for name, spec in raw.items():
        if not name.strip():
            raise ConfigError(f"{prefix}gates.profiles: a profile name is empty")
        min_lines = (
            spec.min_changed_lines if spec.min_changed_lines is not None else section.min_changed_lines
        )
        missing = spec.missing or section.missing
        conditions = tuple(
            parse_condition(
                c,
                where=f"{prefix}gates.profiles.{name}.conditions[{i}]",
                min_changed_lines=min_lines,
                missing=missing,
            )
            for i, c in enumerate(spec.conditions)
        )
        seen: set[str] = set()
        for i, cond in enumerate(conditions):
            if cond.name in seen:
                raise ConfigError(
                    f"{prefix}gates.profiles.{name}.conditions[{i}]: condition {cond.name!r} appears twice"
                )
            seen.add(cond.name)
        description = spec.description or str(BUILTIN_PROFILES.get(name, {}).get("description", ""))
        profiles[name] = Profile(name, conditions, description)
    if section.default_profile not in profiles:
        raise ConfigError(
            f"{prefix}gates.default_profile: no profile named {section.default_profile!r} "
            f"(profiles: {', '.join(sorted(profiles))})"
        )
    return Policy(profiles, section.default_profile, source or "built-in")


def policy_from_config(config: Config) -> Policy:
    """Build the gate policy from the `[tool.assay.gates]` section of the configuration."""
    section: GatesSection = config.section("gates", GatesSection)
    origin = config.origins.get("gates")
    return build_policy(section, source=str(origin) if origin else "")


def load_policy_file(path: Path) -> Policy:
    """Read `--policy FILE` (TOML, JSON or YAML): the gates table, or a file with [tool.assay.gates].

    A profile or key named twice is an error, not a silent override that would loosen the gate.
    """
    data = read_document(path, "policy")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a table at the top level, got {type(data).__name__}")
    if isinstance(data.get("tool"), dict):
        data = data["tool"].get("assay", {}).get("gates", {})
    elif isinstance(data.get("gates"), dict):
        data = data["gates"]
    section = validate_section(GatesSection, data, "gates", {"gates": path})
    return build_policy(section, source=str(path))


# --- what the gate reads ----------------------------------------------------------------------------------


# A labelled count with no series is 0 only when the part of the tool that counts it ran. A scan can run
# bandit without the dependency audit: its advisories are then "not measured", not zero.
ZERO_EVIDENCE: dict[str, tuple[str, ...]] = {
    "security_advisories": ("security_vulnerable_packages",),
}


@dataclass(frozen=True)
class Snapshot:
    """The measurements of one commit: per metric name, the series of the newest run that has it."""

    commit: str
    series: Mapping[str, tuple[Measurement, ...]] = field(default_factory=dict)
    tools_run: frozenset[str] = frozenset()  # catalogue tool names with a run at this commit

    def value(self, cond: Condition) -> float | None:
        """Sum of the matching series; None when not measured. A labelled count whose tool ran but
        reported no matching series is 0 (scanners do not emit a zero per severity)."""
        found = [m for m in self.series.get(cond.metric, ()) if cond.matches(m)]
        if found:
            return float(sum(m.value for m in found))
        spec = CATALOGUE.get(cond.metric)
        if not spec.labels:
            return None
        if cond.metric in self.series:
            return 0.0
        evidence = ZERO_EVIDENCE.get(cond.metric)
        if evidence is not None:
            return 0.0 if any(name in self.series for name in evidence) else None
        return 0.0 if spec.tool in self.tools_run else None


@dataclass(frozen=True)
class Inputs:
    """What a gate is evaluated against: the head measurements and, optionally, the base's."""

    head: Snapshot
    base: Snapshot | None = None
    changed_lines: int | None = None  # lines the change adds (None: unknown, no exemption)
    base_ref: str | None = None
    on_default_branch: bool = False  # HEAD is main itself: a failure means main is already broken


@dataclass(frozen=True)
class ConditionResult:
    """The outcome of evaluating one condition, with the values compared and fix/rollback hints."""

    condition: Condition
    outcome: str
    actual: float | None
    expected: float | None  # the threshold actually compared against (base resolved)
    base_value: float | None
    message: str
    fix: str
    rollback: str

    @property
    def status(self) -> Status:
        """The result status; a missing measurement fails or warns per the condition's ``missing``."""
        if self.outcome == MISSING:
            return Status.FAIL if self.condition.missing == "fail" else Status.WARN
        return Status(self.outcome)

    def to_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready dict."""
        c = self.condition
        return {
            "name": c.name,
            "metric": c.metric,
            "selector": c.selector,
            "op": c.op,
            "threshold": c.threshold if c.threshold is not None else c.threshold_text,
            "compared_to": self.expected,
            "actual": self.actual,
            "base_value": self.base_value,
            "outcome": self.outcome,
            "status": self.status.value,
            "severity": c.severity,
            "message": self.message,
            "fix": self.fix,
            "rollback": self.rollback,
        }


@dataclass(frozen=True)
class GateDecision:
    """The results of all conditions of a profile for one gate run."""

    profile: str
    results: tuple[ConditionResult, ...]

    @property
    def passed(self) -> bool:
        """Whether no condition failed or errored."""
        return all(r.status not in (Status.FAIL, Status.ERROR) for r in self.results)

    def counts(self) -> dict[str, int]:
        """How many conditions had each outcome."""
        out = dict.fromkeys(OUTCOMES, 0)
        for r in self.results:
            out[r.outcome] += 1
        return out


# What to run when a metric is missing, and what to do when its condition fails. `{base}` is filled in.
MEASURE_COMMAND: dict[str, tuple[str, ...]] = {
    "coverage": ("assay", "coverage", "run"),
    "perf": ("assay", "perf", "check"),
    "security-scan": ("assay", "security", "scan"),
    "maturity": ("assay", "score"),
}
FIX_HINT: dict[str, str] = {
    "test_coverage_diff_percent": "add tests for the changed lines; "
    "`assay coverage analyze --base {base}` lists the uncovered changed lines",
    "test_coverage_overall": "add tests; `assay coverage analyze` ranks the biggest coverage gaps",
    "test_coverage_line_percent": "add tests; `assay coverage analyze` ranks the biggest coverage gaps",
    "test_coverage_branch_percent": "add tests for untaken branches; `assay coverage analyze` lists them",
    "mutation_score_percent": "strengthen assertions where mutants survive (`assay coverage analyze`)",
    "security_findings_new": "fix the new findings `assay security scan --format table` lists, "
    "or baseline/ignore them with a justification",
    "security_findings": "fix the findings `assay security scan --format table` lists",
    "security_advisories": "upgrade the affected dependencies to a fixed version "
    "(`assay security scan --format table` names them)",
    "security_vulnerable_packages": "upgrade the vulnerable dependencies "
    "(`assay security scan --format table` names them)",
    "performance_regressions": "`assay perf compare --base {base}` shows which benchmark regressed; "
    "fix it, or accept a new baseline deliberately",
    "performance_test_regression_detected": "`assay perf compare --base {base}` shows the regression",
    "repository_maturity_level": "`assay score` lists each failing check with its remediation",
    "repository_maturity_percent": "`assay score` lists each failing check with its remediation",
}
# The docs/rollback.md section to follow when the same condition fails on main.
ROLLBACK_ANCHOR: dict[str, str] = {
    "perf": "performance-baselines",
    "security-scan": "a-bad-merge-detected-after-the-fact",
    "coverage": "a-bad-merge-detected-after-the-fact",
    "maturity": "a-bad-merge-detected-after-the-fact",
    "gate": "gates",
}


# Metrics measured against a base commit: their command takes `--base` (perf compares in a worktree).
BASE_COMMAND: dict[str, tuple[str, ...]] = {
    "test_coverage_diff_percent": ("assay", "coverage", "run", "--base"),
    "test_coverage_diff_changed_lines": ("assay", "coverage", "run", "--base"),
    "test_coverage_diff_covered_lines": ("assay", "coverage", "run", "--base"),
    "performance_regressions": ("assay", "perf", "compare", "--base"),
    "performance_improvements": ("assay", "perf", "compare", "--base"),
    "performance_inconclusive": ("assay", "perf", "compare", "--base"),
}


def measure_command(metric: str, base: str | None = None) -> tuple[str, ...] | None:
    """The assay command that measures `metric` (with `--base BASE` when it is measured against one)."""
    if metric in BASE_COMMAND:
        cmd = BASE_COMMAND[metric]
        if base is not None:
            return (*cmd, base)
    return MEASURE_COMMAND.get(CATALOGUE.get(metric).tool)


def fix_hint(metric: str, base: str | None) -> str:
    """A hint on how to fix a failing condition on this metric."""
    hint = FIX_HINT.get(metric)
    if hint is None:
        cmd = measure_command(metric, base)
        hint = f"re-run `{' '.join(cmd)}` and fix what it reports" if cmd else f"see {GATES_DOC}"
    return hint.replace("{base}", base or "<base>")


def rollback_link(metric: str) -> str:
    """Link to the rollback documentation section for the tool that produces this metric."""
    anchor = ROLLBACK_ANCHOR.get(CATALOGUE.get(metric).tool, "a-bad-merge-detected-after-the-fact")
    return f"{ROLLBACK_DOC}#{anchor}"


def evaluate(profile: Profile, inputs: Inputs) -> GateDecision:
    """The gate's decision: a pure function of the profile and the measurements."""
    return GateDecision(profile.name, tuple(_evaluate_one(c, inputs) for c in profile.conditions))


def _evaluate_one(cond: Condition, inputs: Inputs) -> ConditionResult:
    base_ref = inputs.base_ref
    fix = fix_hint(cond.metric, base_ref)
    rollback = rollback_link(cond.metric)

    def result(
        outcome: str,
        message: str,
        actual: float | None = None,
        expected: float | None = None,
        base_value: float | None = None,
    ) -> ConditionResult:
        return ConditionResult(cond, outcome, actual, expected, base_value, message, fix, rollback)

    changed = inputs.changed_lines
    if cond.new_code_only and changed == 0:
        return result(SKIP, "skipped: the change adds no lines")
    if cond.min_changed_lines and changed is not None and changed < cond.min_changed_lines:
        return result(
            SKIP, f"skipped: {changed} changed line(s) < {cond.min_changed_lines} (small-change exemption)"
        )
    actual = inputs.head.value(cond)
    cmd = measure_command(cond.metric, base_ref)
    run_hint = f"run `{' '.join(cmd)}`" if cmd else f"no assay tool measures {cond.metric} yet"
    if actual is None:
        if inputs.base is None and cond.metric in BASE_COMMAND:
            # Diff coverage and benchmark comparisons only exist against a base: on the default
            # branch itself there is no change to measure.
            return result(SKIP, "skipped: measured against a base commit and there is none (pass --base REF)")
        return result(MISSING, f"not measured at HEAD: {run_hint}")
    base_value: float | None = None
    if cond.compares_base:
        if inputs.base is None:
            # On the default branch itself there is nothing to compare with; a PR passes --base.
            return result(SKIP, "skipped: no base commit to compare with (pass --base REF)", actual)
        base_value = inputs.base.value(cond)
        if base_value is None:
            short = inputs.base.commit[:12]
            return result(
                MISSING,
                f"not measured at base {base_ref or short}: check out {short} and {run_hint} there",
                actual,
            )
        expected = base_value + cond.base_offset
    else:
        assert cond.threshold is not None
        expected = cond.threshold
    ok = OPERATORS[cond.op](actual, expected)
    shown = f"{_num(actual)} {cond.op} {_num(expected)}"
    if cond.compares_base:
        shown += f" ({cond.threshold_text}, base = {_num(base_value or 0.0)})"
    if ok:
        return result(PASS, shown, actual, expected, base_value)
    outcome = FAIL if cond.severity == "error" else WARN
    message = f"{_num(actual)} is not {cond.op} {_num(expected)} — fix: {fix}"
    if inputs.on_default_branch and outcome == FAIL:
        message += f"; main is already broken: follow {rollback}"
    return result(outcome, message, actual, expected, base_value)


def decision_result(decision: GateDecision, inputs: Inputs, *, policy_source: str = "") -> Result:
    """The gate's Result: one outcome per condition, its own metrics, and the assay.gate/1 payload."""
    counts = decision.counts()
    profile = decision.profile
    measurements = [Measurement("quality_gate_passed", 1.0 if decision.passed else 0.0, {"profile": profile})]
    measurements += [
        Measurement("quality_gate_conditions", float(n), {"profile": profile, "outcome": outcome})
        for outcome, n in counts.items()
    ]
    outcomes = []
    for r in decision.results:
        detail = r.message
        if r.outcome == MISSING and r.status == Status.FAIL:
            detail = f"{r.message} (or `assay gate --run`)"
        outcomes.append(Outcome(r.condition.name, r.status, detail, r.to_dict()))
    failing = [r for r in decision.results if r.status == Status.FAIL]
    verdict = "passed" if decision.passed else "FAILED"
    summary = (
        f"gate {profile} {verdict}: {counts[PASS]} passed, {counts[FAIL]} failed, {counts[WARN]} warned, "
        f"{counts[MISSING]} not measured, {counts[SKIP]} skipped"
    )
    if failing and inputs.on_default_branch:
        summary += f". main itself is failing: follow {ROLLBACK_DOC}#a-bad-merge-detected-after-the-fact"
    elif failing:
        summary += (
            f". If this commit is already on main, follow {ROLLBACK_DOC}#a-bad-merge-detected-after-the-fact"
        )
    data = {
        "profile": profile,
        "passed": decision.passed,
        "head": inputs.head.commit,
        "base": inputs.base.commit if inputs.base else None,
        "base_ref": inputs.base_ref,
        "changed_lines": inputs.changed_lines,
        "policy": policy_source or "built-in",
        "counts": counts,
        "conditions": [r.to_dict() for r in decision.results],
        "rollback": f"{ROLLBACK_DOC}#a-bad-merge-detected-after-the-fact",
    }
    return Result(
        tool="gate",
        measurements=tuple(measurements),
        outcomes=tuple(outcomes),
        schema=SCHEMA,
        data=data,
        title=f"assay gate — profile {profile}",
        summary=summary,
    )


# --- reading the store and git ----------------------------------------------------------------------

# Run tool names that stand for a catalogue tool (a run records its tool under its CLI name).
_TOOL_ALIASES = {"security": "security-scan", "scan": "security-scan", "score": "maturity"}


def read_snapshot(store: Store, repo_root: Path | str, commit: str) -> Snapshot:
    """The newest measurements of every metric recorded for `commit` of this repository."""
    rows = store.connection.execute(
        "SELECT r.id AS run_id, r.tool AS tool, m.name AS name, m.value AS value, m.labels AS labels, "
        "m.unit AS unit FROM runs r LEFT JOIN measurements m ON m.run_id = r.id "
        "WHERE r.repo_root = ? AND r.commit_sha = ? AND r.tool != 'gate' "
        "ORDER BY r.finished_at DESC, r.id DESC, m.id",
        (str(repo_root), commit),
    ).fetchall()
    newest_run: dict[str, int] = {}
    series: dict[str, list[Measurement]] = {}
    tools: set[str] = set()
    for row in rows:
        tool = str(row["tool"])
        tools.add(_TOOL_ALIASES.get(tool, tool))
        name = row["name"]
        if name is None or name not in CATALOGUE:
            continue
        tools.add(CATALOGUE.get(name).tool)
        # Rows come newest run first: a metric's series is the one of the first run that has it.
        run_id = int(row["run_id"])
        if newest_run.setdefault(name, run_id) == run_id:
            m = Measurement(name, float(row["value"]), json.loads(row["labels"]), row["unit"])
            series.setdefault(name, []).append(m)
    return Snapshot(commit, {k: tuple(v) for k, v in series.items()}, frozenset(tools))


def has_runs(store: Store, repo_root: Path | str) -> bool:
    """Whether the store holds any non-gate run for this repository."""
    row = store.connection.execute(
        "SELECT 1 FROM runs WHERE repo_root = ? AND tool != 'gate' LIMIT 1", (str(repo_root),)
    ).fetchone()
    return row is not None


def changed_lines(root: Path, base: str, head: str) -> int:
    """Lines the change adds to Python files between the merge base of `base` and `head` (git numstat)."""
    out = run_git(["diff", "--numstat", "--no-renames", f"{base}...{head}", "--", "*.py"], root)
    total = 0
    for line in out.splitlines():
        added = line.split("\t", 1)[0]
        if added.isdigit():  # "-" for binary files
            total += int(added)
    return total


def require_commit(repo: RepoInfo) -> None:
    """Raise InputError unless `repo` is a git repository with at least one commit."""
    if not repo.is_git or repo.commit == UNKNOWN:
        raise InputError(f"{repo.root}: the gate needs a git repository with at least one commit")


def collect(store: Store, repo: RepoInfo, base_ref: str | None) -> Inputs:
    """Read what a profile needs: HEAD's measurements, the base commit's, and the change's size."""
    require_commit(repo)
    head = read_snapshot(store, repo.root, repo.commit)
    base_sha: str | None = None
    default = default_branch(repo.root)
    default_sha = resolve_ref(repo.root, default) if default is not None else None
    on_default = default is not None and (
        default_sha == repo.commit or repo.branch == default.rsplit("/", 1)[-1]
    )
    if base_ref is not None:
        base_sha = resolve_ref(repo.root, base_ref)
    elif default is not None and default_sha != repo.commit:
        base_ref, base_sha = default, default_sha
    base: Snapshot | None = None
    lines: int | None = None
    if base_sha is not None and base_ref is not None:
        merge = run_git(["merge-base", base_sha, repo.commit], repo.root, check=False).strip() or base_sha
        # Compare against the commit the change branched from: what main looked like before it.
        base = read_snapshot(store, repo.root, merge)
        if not base.series and merge != base_sha:
            base = read_snapshot(store, repo.root, base_sha)
        lines = _changed_lines_measured(head)
        if lines is None:
            lines = changed_lines(repo.root, base_sha, repo.commit)
    return Inputs(head=head, base=base, changed_lines=lines, base_ref=base_ref, on_default_branch=on_default)


def _changed_lines_measured(head: Snapshot) -> int | None:
    # The coverage tool's count of changed executable lines is closer to Sonar's "new lines to cover"
    # than git's count of added lines (which includes comments and blank lines).
    found = head.series.get("test_coverage_diff_changed_lines")
    if not found:
        return None
    return int(sum(m.value for m in found))
