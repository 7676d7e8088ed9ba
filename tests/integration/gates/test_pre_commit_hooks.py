"""`.pre-commit-hooks.yaml`: the hooks' entries are real assay commands, and they behave as hooks."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT, CliResult, GitRepo

HOOKS = REPO_ROOT / ".pre-commit-hooks.yaml"
Proc = Callable[..., CliResult]


def hooks() -> dict[str, dict[str, object]]:
    return {h["id"]: h for h in yaml.safe_load(HOOKS.read_text())}


def test_the_two_hooks_are_declared_as_pre_commit_expects() -> None:
    found = hooks()
    assert set(found) == {"assay-gate", "assay-security-scan"}
    for hook in found.values():
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python"  # pre-commit installs this repository (the assay package)
        assert hook["pass_filenames"] is False  # both look at the whole repository
    assert str(found["assay-gate"]["entry"]).startswith("assay gate --profile pre-commit")
    assert str(found["assay-security-scan"]["entry"]).startswith("assay security scan")


@pytest.mark.parametrize("hook_id", ["assay-gate", "assay-security-scan"])
def test_hook_entries_parse_as_assay_commands(hook_id: str, assay_proc: Proc) -> None:
    argv = shlex.split(str(hooks()[hook_id]["entry"]))
    assert argv[0] == "assay"
    # `--help` after the options: click parses and validates every option of the entry first.
    res = assay_proc(*argv[1:], "--help")
    assert res.exit_code == 0, res.stderr


@pytest.mark.slow
def test_hooks_pass_on_a_clean_repository_and_the_scan_blocks_a_high_finding(
    git_repo: GitRepo, assay_proc: Proc, tmp_path: Path
) -> None:
    from conftest import ADVISORY_DB

    git_repo.write(
        "pyproject.toml",
        f'[project]\nname = "demo"\nversion = "0.1"\n\n[tool.assay.security.scan]\ndb = "{ADVISORY_DB}"\n'
        "environment = false\n",
    )
    git_repo.write(".gitignore", ".assay/\n")
    git_repo.write("src/demo.py", "def f() -> int:\n    return 1\n")
    git_repo.commit("clean")
    entries = {k: shlex.split(str(v["entry"]))[1:] for k, v in hooks().items()}
    # The gate hook on a fresh clone: --run measures what the profile needs, then passes.
    gate = assay_proc(*entries["assay-gate"], cwd=git_repo.path)
    assert gate.exit_code == 0, gate.stdout + gate.stderr
    assert "gate pre-commit passed" in gate.stdout
    assert assay_proc(*entries["assay-security-scan"], cwd=git_repo.path).exit_code == 0
    git_repo.write(
        "src/demo.py",
        "import subprocess\n\n\ndef f(cmd: str) -> int:\n    return subprocess.call(cmd, shell=True)\n",
    )
    blocked = assay_proc(*entries["assay-security-scan"], cwd=git_repo.path)
    assert blocked.exit_code == 1
    assert "B602" in blocked.stdout
    gate = assay_proc(*entries["assay-gate"], cwd=git_repo.path)
    assert gate.exit_code == 1
    assert "security_findings_new" in gate.stdout
