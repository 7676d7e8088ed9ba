"""`assay init`: templates copied, configuration added, nothing overwritten without --force."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assay.config import load_config
from assay.gates import policy_from_config
from conftest import CliResult, GitRepo

Cli = Callable[..., CliResult]


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text()
        for p in root.rglob("*")
        if p.is_file() and ".git/" not in str(p)
    }


def test_init_copies_every_template_and_adds_the_gate_policy(git_repo: GitRepo, assay_cli: Cli) -> None:
    git_repo.write("pyproject.toml", '[project]\nname = "demo"\nversion = "1.0"\n')
    git_repo.commit("init")
    res = assay_cli("--repo", git_repo.path, "init")
    assert res.exit_code == 0, res.stderr
    workflows = sorted(p.name for p in (git_repo.path / ".github" / "workflows").iterdir())
    assert workflows == [
        "assay-ci.yml",
        "assay-dependencies.yml",
        "assay-maturity-report.yml",
        "assay-performance-regression.yml",
        "assay-security.yml",
    ]
    ci = (git_repo.path / ".github" / "workflows" / "assay-ci.yml").read_text()
    assert "branches: [main]" in ci and "$default-branch" not in ci
    pyproject = (git_repo.path / "pyproject.toml").read_text()
    assert pyproject.startswith('[project]\nname = "demo"')
    policy = policy_from_config(load_config(git_repo.path))
    assert policy.profile("pr").conditions[0].metric == "test_coverage_diff_percent"


def test_init_is_idempotent_and_never_overwrites_without_force(git_repo: GitRepo, assay_cli: Cli) -> None:
    assert assay_cli("--repo", git_repo.path, "init", "-t", "assay-ci", "-t", "assay-security").exit_code == 0
    ci = git_repo.path / ".github" / "workflows" / "assay-ci.yml"
    rendered = ci.read_text()
    again = assay_cli("--repo", git_repo.path, "init", "-t", "assay-ci", "-t", "assay-security")
    assert again.exit_code == 0
    assert "unchanged .github/workflows/assay-ci.yml" in again.stdout
    ci.write_text("# my own CI\n")
    before = snapshot(git_repo.path)
    refused = assay_cli("--repo", git_repo.path, "init")
    assert refused.exit_code == 2
    assert "assay-ci.yml: already exists and differs; nothing was written (use --force" in refused.stderr
    assert snapshot(git_repo.path) == before  # not even the templates that did not exist yet
    forced = assay_cli("--repo", git_repo.path, "init", "--force")
    assert forced.exit_code == 0
    assert "overwrite .github/workflows/assay-ci.yml" in forced.stdout
    assert ci.read_text() == rendered  # the template again, not merely something else


def test_existing_assay_configuration_is_left_alone(git_repo: GitRepo, assay_cli: Cli) -> None:
    own = '[tool.assay.gates.profiles.pr]\nconditions = ["performance_regressions == 0"]\n'
    git_repo.write("pyproject.toml", own)
    res = assay_cli("--repo", git_repo.path, "init", "--force", "-t", "assay-ci")
    assert res.exit_code == 0
    assert "keep      pyproject.toml (already has [tool.assay.gates]" in res.stdout
    assert (git_repo.path / "pyproject.toml").read_text() == own


def test_other_assay_sections_do_not_stop_init_adding_the_gates(git_repo: GitRepo, assay_cli: Cli) -> None:
    git_repo.write("pyproject.toml", '[tool.assay.store]\npath = "x.db"\n')
    assert assay_cli("--repo", git_repo.path, "init", "-t", "assay-ci").exit_code == 0
    config = load_config(git_repo.path)
    assert config.get("store.path") == "x.db"
    assert policy_from_config(config).profile("pr").conditions


def test_malformed_pyproject_is_left_untouched(git_repo: GitRepo, assay_cli: Cli) -> None:
    git_repo.write("pyproject.toml", "[project\n")
    res = assay_cli("--repo", git_repo.path, "init", "-t", "assay-ci")
    assert res.exit_code == 2
    assert "malformed" in res.stderr
    assert (git_repo.path / "pyproject.toml").read_text() == "[project\n"
    assert not (git_repo.path / ".github").exists()


def test_without_pyproject_init_writes_assay_toml(git_repo: GitRepo, assay_cli: Cli) -> None:
    assert assay_cli("--repo", git_repo.path, "init", "-t", "assay-security").exit_code == 0
    assert "[tool.assay.gates.profiles.pr]" in (git_repo.path / "assay.toml").read_text()
    assert policy_from_config(load_config(git_repo.path)).default_profile == "pr"


def test_dry_run_writes_nothing_and_list_names_the_templates(git_repo: GitRepo, assay_cli: Cli) -> None:
    res = assay_cli("--repo", git_repo.path, "init", "--dry-run")
    assert res.exit_code == 0
    assert "would create    .github/workflows/assay-ci.yml" in res.stdout
    assert not (git_repo.path / ".github").exists()
    listed = assay_cli("--repo", git_repo.path, "init", "--list").stdout
    assert listed.startswith("assay-ci: ")
    assert len(listed.splitlines()) == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-t", "assay-nope"], "unknown template 'assay-nope' (templates: assay-ci, "),
        (["--bogus"], "No such option '--bogus'"),
    ],
)
def test_bad_init_input(git_repo: GitRepo, assay_cli: Cli, args: list[str], message: str) -> None:
    res = assay_cli("--repo", git_repo.path, "init", *args)
    assert res.exit_code == 2
    assert message in res.stderr
    assert not (git_repo.path / ".github").exists()
    assert not (git_repo.path / "assay.toml").exists()


def test_specs_and_branch_are_filled_in(git_repo: GitRepo, assay_cli: Cli) -> None:
    res = assay_cli(
        "--repo",
        git_repo.path,
        "init",
        "-t",
        "assay-ci",
        "--no-config",
        "--default-branch",
        "trunk",
        "--assay-spec",
        "assay==0.1.0",
        "--project-spec",
        ".[test]",
    )
    assert res.exit_code == 0
    ci = (git_repo.path / ".github" / "workflows" / "assay-ci.yml").read_text()
    assert 'ASSAY_PIP_SPEC: "assay==0.1.0"' in ci and 'PROJECT_PIP_SPEC: ".[test]"' in ci
    assert "branches: [trunk]" in ci
    assert not (git_repo.path / "assay.toml").exists()


def test_the_policy_init_writes_is_the_builtin_one() -> None:
    # CONFIG_BLOCK spells the built-in `pr` profile and defaults out by hand: they must not drift apart.
    import tomllib

    from assay.gates import GatesSection, build_policy
    from assay.init import CONFIG_BLOCK

    written = tomllib.loads(CONFIG_BLOCK)["tool"]["assay"]["gates"]
    builtin = build_policy(GatesSection()).profile("pr")
    assert build_policy(GatesSection.model_validate(written)).profile("pr") == builtin
    assert GatesSection.model_validate({**written, "profiles": {}}) == GatesSection()
