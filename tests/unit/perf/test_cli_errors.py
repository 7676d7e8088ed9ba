"""Bad flags and configuration for `assay perf`: one line, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path


def test_bad_regression_threshold_is_exit_2(assay_cli, git_repo, tmp_path: Path) -> None:
    git_repo.commit("empty")
    store = tmp_path / "s.db"

    res = assay_cli(
        "--repo",
        git_repo.path,
        "--store",
        store,
        "perf",
        "compare",
        "--base",
        "HEAD",
        "--regression-threshold",
        "-1",
    )

    assert res.exit_code == 2
    assert "--regression-threshold must be between 0 and 10" in res.stderr
    assert not store.exists()


def test_bad_perf_config_names_the_key(assay_cli, git_repo, tmp_path: Path) -> None:
    git_repo.write("pyproject.toml", "[tool.assay.perf]\nrounds = 0\n")
    git_repo.commit("config")

    res = assay_cli(
        "--repo", git_repo.path, "--store", tmp_path / "s.db", "perf", "compare", "--base", "HEAD"
    )

    assert res.exit_code == 2
    assert "perf.rounds" in res.stderr and "pyproject.toml" in res.stderr


def test_compare_outside_git_is_exit_2(assay_cli, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()

    res = assay_cli("--repo", plain, "--store", tmp_path / "s.db", "perf", "compare", "--base", "HEAD")

    assert res.exit_code == 2
    assert "not a git repository" in res.stderr


def test_import_of_a_directory_or_missing_file_is_exit_2(assay_cli, git_repo, tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    for target, message in ((tmp_path, "is a directory"), (tmp_path / "nope.json", "no such file")):
        res = assay_cli("--repo", git_repo.path, "--store", store, "perf", "import", target)
        assert res.exit_code == 2
        assert message in res.stderr
    assert not store.exists()
