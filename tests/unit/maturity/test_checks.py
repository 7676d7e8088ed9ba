"""Every built-in check, table-driven: a small tree of files in, the status and score a user sees out."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from assay.maturity.evidence import Commit, StoredMeasurement, collect
from assay.maturity.model import CheckStatus, Verdict
from assay.maturity.registry import all_checks

CHECKS = {c.id: c for c in all_checks()}

GOOD_CI = """\
name: ci
on: [push, pull_request]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@0123456789abcdef0123456789abcdef01234567
      - run: python -m pytest
      - run: ruff check . && bandit -r src
      - run: pytest benchmarks --benchmark-compare --benchmark-compare-fail=median:10%
"""
DANGEROUS = """\
on: pull_request_target
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.issue.title }}"
"""
# Built from parts so this file itself never contains a credential-shaped string.
AWS_KEY = "AKIA" + "Z7Q3" + "K9VX" + "L2MN" + "P4RT"
HIGH_ENTROPY = "q8Zr" + "T1vX" + "m4Nc" + "W7pK" + "s2Lh" + "Y9bD"
PY_SRC = (
    'def public():\n    """Documented."""\n\n\ndef other():\n    return 1\n\n\nclass Thing:\n    """Doc."""\n'
)
MIT = "Permission is hereby granted, free of charge, to any person obtaining a copy"


def verdict(tmp_path: Path, check_id: str, files: dict[str, str], **evidence: object) -> Verdict:
    for rel, text in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    ev = collect(tmp_path, is_git=False)
    for key, value in evidence.items():
        setattr(ev, key, value)
    return CHECKS[check_id].evaluate(ev)


def stored(name: str, value: float, **labels: str) -> dict[str, list[StoredMeasurement]]:
    return {name: [StoredMeasurement(name, value, labels, "tool", "c" * 40, time.time())]}


CASES: list[tuple[str, dict[str, str], dict[str, object], CheckStatus, float | None, str]] = [
    ("ci.workflows-present", {}, {}, CheckStatus.FAIL, 0, "no .github/workflows"),
    ("ci.workflows-present", {".github/workflows/ci.yml": GOOD_CI}, {}, CheckStatus.PASS, 10, "on push"),
    (
        "ci.workflows-present",
        {".github/workflows/ci.yml": "on: push\njobs: {}\n"},
        {},
        CheckStatus.PARTIAL,
        6,
        "",
    ),
    (
        "ci.workflows-present",
        {".github/workflow-templates/ci.yml": GOOD_CI},
        {},
        CheckStatus.PARTIAL,
        2,
        "templates do not run",
    ),
    ("ci.workflows-present", {".gitlab-ci.yml": "test:\n  script: pytest\n"}, {}, CheckStatus.PASS, 10, ""),
    (
        "ci.workflows-present",
        {".github/workflows/ci.yml": GOOD_CI, ".github/workflows/bad.yml": "on: [push\n"},
        {},
        CheckStatus.PARTIAL,
        8,
        "malformed YAML",
    ),
    ("ci.tests-in-ci", {".github/workflows/ci.yml": GOOD_CI}, {}, CheckStatus.PASS, 10, "tests run in"),
    ("ci.tests-in-ci", {".github/workflows/ci.yml": "on: push\njobs: {}\n"}, {}, CheckStatus.FAIL, 0, ""),
    ("ci.dangerous-workflow", {}, {}, CheckStatus.NOT_APPLICABLE, None, "no parseable"),
    ("ci.dangerous-workflow", {".github/workflows/ci.yml": GOOD_CI}, {}, CheckStatus.PASS, 10, ""),
    (
        "ci.dangerous-workflow",
        {".github/workflows/x.yml": DANGEROUS},
        {},
        CheckStatus.FAIL,
        0,
        "pull_request_target checks out",
    ),
    ("ci.token-permissions", {".github/workflows/ci.yml": GOOD_CI}, {}, CheckStatus.PASS, 10, ""),
    (
        "ci.token-permissions",
        {".github/workflows/ci.yml": GOOD_CI, ".github/workflows/x.yml": DANGEROUS},
        {},
        CheckStatus.PARTIAL,
        5,
        "no top-level `permissions:`",
    ),
    (
        "ci.token-permissions",
        {".github/workflows/w.yml": "on: push\npermissions: write-all\njobs: {}\n"},
        {},
        CheckStatus.FAIL,
        0,
        "not read-only",
    ),
    ("ci.actions-pinned", {".github/workflows/ci.yml": GOOD_CI}, {}, CheckStatus.PASS, 10, "1 of 1"),
    (
        "ci.actions-pinned",
        {".github/workflows/x.yml": DANGEROUS},
        {},
        CheckStatus.FAIL,
        0,
        "actions/checkout@v4",
    ),
    ("testing.suite-present", {"pkg/a.py": PY_SRC}, {}, CheckStatus.FAIL, 0, "no test files"),
    (
        "testing.suite-present",
        {"pkg/a.py": PY_SRC, "tests/test_a.py": "def test(): pass\n"},
        {},
        CheckStatus.PARTIAL,
        7,
        "no pytest/tox configuration",
    ),
    (
        "testing.suite-present",
        {"tests/test_a.py": "", "pytest.ini": "[pytest]\n"},
        {},
        CheckStatus.PASS,
        10,
        "",
    ),
    ("testing.suite-present", {"README.md": "# x\n"}, {}, CheckStatus.NOT_APPLICABLE, None, "no Python"),
    (
        "testing.suite-present",
        {"pkg.py": PY_SRC, "test.py": ""},
        {},
        CheckStatus.PARTIAL,
        3,
        "will not find them",
    ),
    (
        "testing.test-ratio",
        {"pkg/a.py": "x" * 1000, "tests/test_a.py": "y" * 250},
        {},
        CheckStatus.PARTIAL,
        5,
        "0.25",
    ),
    (
        "testing.coverage-configured",
        {"a.py": "", ".coveragerc": "[run]\nbranch = True\n"},
        {},
        CheckStatus.PASS,
        10,
        ".coveragerc",
    ),
    ("testing.coverage-configured", {"a.py": ""}, {}, CheckStatus.FAIL, 0, ""),
    ("testing.coverage-level", {}, {}, CheckStatus.NOT_APPLICABLE, None, "inconclusive"),
    (
        "testing.coverage-level",
        {},
        {"measurements": stored("test_coverage_overall", 93.2)},
        CheckStatus.PASS,
        10,
        "93.2%",
    ),
    (
        "testing.coverage-level",
        {},
        {"measurements": stored("test_coverage_overall", 84.0)},
        CheckStatus.PARTIAL,
        8,
        "",
    ),
    (
        "testing.coverage-level",
        {"coverage.json": json.dumps({"totals": {"percent_covered": 61.5}})},
        {},
        CheckStatus.PARTIAL,
        6.2,
        "coverage.json",
    ),
    (
        "testing.coverage-level",
        {"coverage.xml": '<?xml version="1.0" ?>\n<coverage line-rate="0.95">'},
        {},
        CheckStatus.PASS,
        10,
        "coverage.xml",
    ),
    (
        "testing.branch-coverage",
        {"a.py": "", ".coveragerc": "[run]\nbranch = True\n"},
        {},
        CheckStatus.PASS,
        10,
        "",
    ),
    (
        "testing.branch-coverage",
        {"a.py": "", "pyproject.toml": "[tool.coverage.run]\nsource=['a']\n"},
        {},
        CheckStatus.FAIL,
        0,
        "",
    ),
    ("testing.mutation-score", {}, {}, CheckStatus.NOT_APPLICABLE, None, "inconclusive"),
    (
        "testing.mutation-score",
        {},
        {"measurements": stored("mutation_score_percent", 60.0)},
        CheckStatus.PARTIAL,
        7.5,
        "60.0%",
    ),
    ("security.policy", {}, {}, CheckStatus.FAIL, 0, ""),
    (
        "security.policy",
        {"SECURITY.md": "Report to security@example.org\n"},
        {},
        CheckStatus.PASS,
        10,
        "security@example.org",
    ),
    (
        "security.policy",
        {".github/SECURITY.md": "Please be nice.\n"},
        {},
        CheckStatus.PARTIAL,
        5,
        "no e-mail",
    ),
    (
        "security.dependency-update-tool",
        {".github/dependabot.yml": "version: 2\n"},
        {},
        CheckStatus.PASS,
        10,
        "",
    ),
    ("security.dependency-update-tool", {"renovate.json": "{}"}, {}, CheckStatus.PASS, 10, ""),
    ("security.dependency-update-tool", {}, {}, CheckStatus.FAIL, 0, ""),
    ("security.sast", {".github/workflows/ci.yml": GOOD_CI}, {}, CheckStatus.PASS, 10, "bandit"),
    (
        "security.sast",
        {".pre-commit-config.yaml": "repos: [{repo: bandit}]\n"},
        {},
        CheckStatus.PARTIAL,
        5,
        "",
    ),
    ("security.sast", {}, {}, CheckStatus.FAIL, 0, ""),
    ("security.scan-findings", {}, {}, CheckStatus.NOT_APPLICABLE, None, "inconclusive"),
    (
        "security.scan-findings",
        {},
        {"measurements": stored("security_findings_new", 0, severity="high")},
        CheckStatus.PASS,
        10,
        "",
    ),
    (
        "security.scan-findings",
        {},
        {"measurements": stored("security_findings_new", 2, severity="high")},
        CheckStatus.FAIL,
        0,
        "high=2",
    ),
    (
        "security.scan-findings",
        {},
        {"measurements": stored("security_findings_new", 1, severity="medium")},
        CheckStatus.PARTIAL,
        5,
        "",
    ),
    ("security.secrets", {"conf.py": f'KEY = "{AWS_KEY}"\n'}, {}, CheckStatus.FAIL, 0, "conf.py:1: aws"),
    (
        "security.secrets",
        {"s.yml": f'api_token: "{HIGH_ENTROPY}"\n'},
        {},
        CheckStatus.FAIL,
        0,
        "high-entropy",
    ),
    (
        "security.secrets",
        {"s.yml": f'api_token: "{HIGH_ENTROPY}"  # pragma: allowlist secret\n'},
        {},
        CheckStatus.PASS,
        10,
        "",
    ),
    (
        "security.secrets",
        {"s.py": 'password = "AKIAIOSFODNN7EXAMPLE"\nsecret = "changeme-changeme-changeme"\n'},
        {},
        CheckStatus.PASS,
        10,
        "no secrets",
    ),
    (
        "security.binary-artifacts",
        {"lib/native.so": "x", "tool.exe": "x"},
        {},
        CheckStatus.PARTIAL,
        8,
        "2 binary",
    ),
    ("security.binary-artifacts", {"a.py": ""}, {}, CheckStatus.PASS, 10, ""),
    ("security.branch-protection", {}, {}, CheckStatus.NOT_APPLICABLE, None, "offline"),
    ("dependencies.lockfile", {"uv.lock": ""}, {}, CheckStatus.PASS, 10, "uv.lock"),
    ("dependencies.lockfile", {"requirements.txt": "a==1\nb==2 # pinned\n"}, {}, CheckStatus.PASS, 10, ""),
    ("dependencies.lockfile", {"requirements.txt": "a==1\nb>=2\n"}, {}, CheckStatus.PARTIAL, 5, "1 of 2"),
    (
        "dependencies.lockfile",
        {"pyproject.toml": "[project]\ndependencies = ['a>=1', 'b']\n"},
        {},
        CheckStatus.PARTIAL,
        3,
        "1 of 2",
    ),
    ("dependencies.lockfile", {"a.py": ""}, {}, CheckStatus.NOT_APPLICABLE, None, ""),
    (
        "dependencies.python-versions",
        {"a.py": "", "pyproject.toml": "[project]\nrequires-python='>=3.11'\n"},
        {},
        CheckStatus.PASS,
        10,
        "",
    ),
    ("dependencies.python-versions", {"a.py": ""}, {}, CheckStatus.FAIL, 0, ""),
    ("performance.benchmarks-present", {"benchmarks/bench_x.py": ""}, {}, CheckStatus.PASS, 10, ""),
    ("performance.benchmarks-present", {"a.py": ""}, {}, CheckStatus.FAIL, 0, ""),
    ("performance.baselines", {"a.py": ""}, {}, CheckStatus.NOT_APPLICABLE, None, "no benchmarks"),
    ("performance.baselines", {"benchmarks/bench_x.py": ""}, {}, CheckStatus.FAIL, 0, ""),
    (
        "performance.baselines",
        {"benchmarks/bench_x.py": ""},
        {"measurements": stored("performance_test_duration_seconds", 0.1, benchmark="b")},
        CheckStatus.PASS,
        10,
        "",
    ),
    (
        "performance.regression-ci",
        {"benchmarks/bench_x.py": "", ".github/workflows/ci.yml": GOOD_CI},
        {},
        CheckStatus.PASS,
        10,
        "",
    ),
    ("performance.regression-ci", {"benchmarks/bench_x.py": ""}, {}, CheckStatus.FAIL, 0, ""),
    ("documentation.readme", {}, {}, CheckStatus.FAIL, 0, ""),
    ("documentation.readme", {"README.md": "# x\n## Installation\n## Usage\n"}, {}, CheckStatus.PASS, 10, ""),
    (
        "documentation.readme",
        {"README.rst": "X\n===\n\nInstall\n-------\n"},
        {},
        CheckStatus.PARTIAL,
        6,
        "no usage",
    ),
    ("documentation.readme", {"README": "just text"}, {}, CheckStatus.PARTIAL, 3, ""),
    ("documentation.docstrings", {"pkg/a.py": PY_SRC}, {}, CheckStatus.PARTIAL, 8.3, "2 of 3"),
    ("documentation.docstrings", {"pkg/a.py": "def f():\n    pass\n"}, {}, CheckStatus.FAIL, 0, "0 of 1"),
    ("documentation.docstrings", {"pkg/a.py": "def (:\n"}, {}, CheckStatus.NOT_APPLICABLE, None, ""),
    ("documentation.changelog", {"CHANGELOG.md": ""}, {}, CheckStatus.PASS, 10, ""),
    ("documentation.changelog", {}, {}, CheckStatus.FAIL, 0, ""),
    ("documentation.changelog", {"doc/whatsnew/2.16.rst": ""}, {}, CheckStatus.PASS, 10, "doc/whatsnew/"),
    ("documentation.changelog", {"towncrier.toml": ""}, {}, CheckStatus.PARTIAL, 8, "towncrier"),
    ("documentation.changelog", {"pyproject.toml": "[tool.towncrier]\n"}, {}, CheckStatus.PARTIAL, 8, ""),
    ("documentation.contributing", {".github/CONTRIBUTING.md": ""}, {}, CheckStatus.PASS, 10, ""),
    ("documentation.site", {"mkdocs.yml": ""}, {}, CheckStatus.PASS, 10, ""),
    ("documentation.site", {"docs/a.md": ""}, {}, CheckStatus.PARTIAL, 6, ""),
    ("documentation.license", {"LICENSE": MIT}, {}, CheckStatus.PASS, 10, "MIT"),
    ("documentation.license", {"LICENSE": "all mine"}, {}, CheckStatus.PARTIAL, 4, "not recognised"),
    (
        "documentation.license",
        {"COPYING": "Copyright (C) 2008 Someone\n\n   Licensed under the Apache License, Version 2.0 (the"},
        {},
        CheckStatus.PASS,
        10,
        "Apache-2.0",
    ),
    (
        "documentation.license",
        {"pyproject.toml": "[project]\nlicense = {text = 'Apache-2.0'}\n"},
        {},
        CheckStatus.PARTIAL,
        6,
        "Apache-2.0",
    ),
    ("documentation.license", {}, {}, CheckStatus.FAIL, 0, ""),
    ("operations.incident-response", {"docs/incident-response.md": ""}, {}, CheckStatus.PASS, 10, ""),
    ("operations.incident-response", {}, {}, CheckStatus.FAIL, 0, ""),
    ("operations.rollback", {"docs/rollback.md": ""}, {}, CheckStatus.PASS, 10, ""),
    ("operations.rollback", {"docs/deploy.md": "# Deploy\n## Rolling back\n"}, {}, CheckStatus.PASS, 10, ""),
    ("operations.rollback", {"docs/deploy.md": "# Deploy\n"}, {}, CheckStatus.FAIL, 0, ""),
    (
        "operations.monitoring",
        {
            "monitoring/rules.yml": "groups:\n- rules:\n  - alert: X\n    expr: up == 0\n",
            "monitoring/d.json": '{"panels": []}',
        },
        {},
        CheckStatus.PASS,
        10,
        "",
    ),
    (
        "operations.monitoring",
        {"monitoring/rules.yml": "groups:\n- rules:\n  - expr: up\n"},
        {},
        CheckStatus.PARTIAL,
        6,
        "",
    ),
    ("operations.release-process", {}, {"tags": [("v1.0.0", 0)]}, CheckStatus.PARTIAL, 5, "latest v1.0.0"),
    (
        "operations.release-process",
        {".github/workflows/r.yml": "on:\n  push:\n    tags: ['v*']\njobs: {}\n"},
        {"tags": [("v1.0.0", 0)]},
        CheckStatus.PASS,
        10,
        "",
    ),
    ("operations.release-process", {}, {"tags": []}, CheckStatus.FAIL, 0, ""),
    ("maintenance.recent-activity", {}, {}, CheckStatus.NOT_APPLICABLE, None, "not a git repository"),
    (
        "maintenance.recent-activity",
        {},
        {"commits": [Commit("a", int(time.time()), "x@y")] * 4},
        CheckStatus.PARTIAL,
        4,
        "4 commit",
    ),
    (
        "maintenance.recent-activity",
        {},
        {"commits": [Commit("a", 1_000_000, "x@y")]},
        CheckStatus.FAIL,
        0,
        "",
    ),
    (
        "maintenance.contributors",
        {},
        {"commits": [Commit("a", 1, "x@y"), Commit("b", 1, "z@y")]},
        CheckStatus.PARTIAL,
        7,
        "2 distinct",
    ),
    ("maintenance.contributors", {}, {"commits": []}, CheckStatus.NOT_APPLICABLE, None, "no commits"),
    (
        "maintenance.type-checking",
        {"a.py": "", "pyproject.toml": "[tool.mypy]\nstrict = true\n"},
        {},
        CheckStatus.PASS,
        10,
        "",
    ),
    (
        "maintenance.type-checking",
        {"a.py": "", "mypy.ini": "[mypy]\nwarn_unused_ignores = True\n"},
        {},
        CheckStatus.PARTIAL,
        8,
        "",
    ),
    (
        "maintenance.linters",
        {"a.py": "", "pyproject.toml": "[tool.ruff]\n", ".github/workflows/ci.yml": GOOD_CI},
        {},
        CheckStatus.PASS,
        10,
        "",
    ),
    (
        "maintenance.linters",
        {"a.py": "", ".flake8": "[flake8]\n"},
        {},
        CheckStatus.PARTIAL,
        7,
        "not enforced",
    ),
    (
        "maintenance.linters",
        {"a.py": "", "tox.ini": "[testenv:lint]\ncommands = black --check .\n"},
        {},
        CheckStatus.PARTIAL,
        7,
        "black (run by tox.ini)",
    ),
    (
        "maintenance.linters",
        {
            "a.py": "",
            ".github/workflows/lint.yml": "on: push\njobs:\n  l:\n    steps:\n      - run: black --check .\n",
        },
        {},
        CheckStatus.PASS,
        10,
        "black (run in CI)",
    ),
    (
        "maintenance.linters",
        {"a.py": "", "Makefile": "blacklist:\n\ttrue\n"},
        {},
        CheckStatus.FAIL,
        0,
        "none",
    ),
    (
        "maintenance.linters",
        {"a.py": "", "tox.ini": "# we do not use black or isort here\n[testenv]\ndeps = pylint\n"},
        {},
        CheckStatus.FAIL,
        0,
        "none",
    ),
    (
        "maintenance.linters",
        {
            "a.py": "",
            ".github/workflows/x.yml": "on: push\njobs:\n  w:\n    steps:\n"
            "      - run: ./check-blacklisted-words.sh pylint-dev/x flake8==6\n"
            "      - run: pip install ruff\n",
        },
        {},
        CheckStatus.FAIL,
        0,
        "none",
    ),
    (
        "maintenance.linters",
        {
            "a.py": "",
            "noxfile.py": 'def lint(session):\n    session.install("ruff")\n'
            '    session.run("ruff", "check")\n',
        },
        {},
        CheckStatus.PARTIAL,
        7,
        "ruff (run by noxfile.py)",
    ),
    ("maintenance.required-reviews", {}, {}, CheckStatus.NOT_APPLICABLE, None, "offline"),
]


@pytest.mark.parametrize(("check_id", "files", "evidence", "status", "score", "says"), CASES)
def test_check(
    tmp_path: Path,
    check_id: str,
    files: dict[str, str],
    evidence: dict[str, object],
    status: CheckStatus,
    score: float | None,
    says: str,
) -> None:
    result = verdict(tmp_path, check_id, files, **evidence)
    assert result.status is status, result.evidence
    assert result.score == score
    assert says in " | ".join(result.evidence)


def test_every_builtin_check_has_a_case() -> None:
    covered = {case[0] for case in CASES}
    assert set(CHECKS) - covered == set()


def test_secret_values_are_never_shown_in_full(tmp_path: Path) -> None:
    result = verdict(tmp_path, "security.secrets", {"conf.py": f'KEY = "{AWS_KEY}"\n'})
    text = " ".join(result.evidence)
    assert AWS_KEY not in text
    assert result.locations[0].path == "conf.py" and result.locations[0].line == 1


def test_dangerous_workflow_points_at_the_line(tmp_path: Path) -> None:
    result = verdict(tmp_path, "ci.dangerous-workflow", {".github/workflows/x.yml": DANGEROUS})
    lines = {loc.line for loc in result.locations}
    assert 9 in lines  # the run: line with ${{ github.event.issue.title }}


def test_coverage_level_from_a_real_coverage_data_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "mod.py").write_text("def f(x):\n    if x:\n        return 1\n    return 2\n\n\nf(True)\n")
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", "--data-file=.coverage", "mod.py"], cwd=tmp_path, check=True
    )
    result = CHECKS["testing.coverage-level"].evaluate(collect(tmp_path, is_git=False))
    assert result.status is CheckStatus.PARTIAL  # 4 of 5 statements: 80%
    assert result.evidence[0].startswith("coverage 80.0% (.coverage)")
