"""The CLI as a user runs it: version, help, overview, config, store and metrics commands,
and every bad input as one line on stderr with exit code 2 and nothing lost."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from assay.results import Measurement, Result
from assay.store import Store
from assay.vcs import repo_info
from conftest import GitRepo


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_version_and_help(assay_proc) -> None:  # type: ignore[no-untyped-def]
    done = assay_proc("--version")
    assert done.exit_code == 0 and done.stdout.startswith("assay, version ")
    helped = assay_proc("--help")
    assert helped.exit_code == 0
    # the command list, not the options: "--config" and "--store" would match a bare substring test
    listed = {line.split()[0] for line in helped.stdout.split("Commands:", 1)[1].splitlines() if line.strip()}
    assert {"config", "metrics", "overview", "store"} <= listed


def test_overview_in_a_git_repo(git_repo: GitRepo, assay_cli) -> None:  # type: ignore[no-untyped-def]
    git_repo.write("a.py", "x = 1\n")
    sha = git_repo.commit("first")
    done = assay_cli("--repo", git_repo.path, "overview", "--format", "json")
    assert done.exit_code == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["commit"] == sha and doc["branch"] == "main" and doc["git"] is True
    assert doc["store_exists"] is False  # looking does not create a store


def test_outside_git_commit_is_unknown_and_runs_are_recorded(tmp_path: Path, assay_cli) -> None:  # type: ignore[no-untyped-def]
    info = repo_info(tmp_path)
    assert info.is_git is False and info.commit == "unknown"
    with Store(tmp_path / ".assay" / "assay.db") as store:
        store.record(Result(tool="coverage", measurements=(Measurement("test_coverage_overall", 50),)), info)
    done = assay_cli("--repo", tmp_path, "overview")
    assert done.exit_code == 0
    assert "not a git repository" in done.stdout and "coverage" in done.stdout


def test_unknown_command_and_option_are_usage_errors(assay_proc) -> None:  # type: ignore[no-untyped-def]
    done = assay_proc("frobnicate")
    assert done.exit_code == 2
    assert one_line_error(done.stderr).startswith("assay: error: No such command 'frobnicate'")
    done = assay_proc("store", "prune")
    assert done.exit_code == 2
    assert "--keep-days" in one_line_error(done.stderr)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("assay.toml", "[metrics\n", "malformed TOML"),
        ("cfg.json", "{,}", "malformed JSON"),
        ("cfg.yaml", "a: [1\n", "malformed YAML"),
        ("assay.toml", "[metrics]\nport = 'x'\n", "metrics.port: input should be a valid integer"),
        (
            "assay.toml",
            "[store]\nretention_days = 0\n",
            "store.retention_days: input should be greater than or equal to 1",
        ),
        ("assay.toml", "[metrics]\njob = '${ASSAY_TEST_UNSET_VAR}'\n", "ASSAY_TEST_UNSET_VAR} is not set"),
    ],
)
def test_bad_config_is_one_line_exit_2(
    tmp_path: Path, assay_proc, name: str, text: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text)
    args = ["config", "validate"] if name == "assay.toml" else ["--config", str(path), "config", "validate"]
    done = assay_proc("--repo", tmp_path, *args)
    assert done.exit_code == 2
    line = one_line_error(done.stderr)
    assert expected in line and str(path) in line


def test_config_show_redacts_secrets(tmp_path: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "assay.toml").write_text("[metrics]\ntoken = '${METRICS_TOKEN}'\n")
    done = assay_proc("--repo", tmp_path, "config", "show", env={"METRICS_TOKEN": "hunter2-very-secret"})
    assert done.exit_code == 0, done.stderr
    assert "hunter2-very-secret" not in done.stdout + done.stderr
    assert json.loads(done.stdout)["config"]["metrics"]["token"] == "***"


def test_unknown_config_key_warns_but_passes(tmp_path: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "assay.toml").write_text("[metrics]\nprot = 1\n")
    done = assay_proc("--repo", tmp_path, "config", "validate")
    assert done.exit_code == 0
    assert "unknown configuration key 'metrics.prot'" in done.stderr


def test_store_that_is_not_sqlite_is_refused_and_kept(tmp_path: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    bogus = tmp_path / "bogus.db"
    bogus.write_text("precious notes\n")
    done = assay_proc("--repo", tmp_path, "--store", bogus, "store", "info")
    assert done.exit_code == 2
    assert "not an SQLite database" in one_line_error(done.stderr)
    assert bogus.read_text() == "precious notes\n"


def test_store_from_newer_schema(tmp_path: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "a.db"
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE schema_versions SET version = 7 WHERE component = 'core'")
    conn.commit()
    conn.close()
    done = assay_proc("--repo", tmp_path, "--store", db, "store", "check")
    assert done.exit_code == 2
    assert "newer than this assay understands" in one_line_error(done.stderr)


def test_store_in_unwritable_place(tmp_path: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    done = assay_proc(
        "--repo", tmp_path, "--store", "/proc/assay-nope/a.db", "store", "backup", tmp_path / "b.db"
    )
    assert done.exit_code == 2
    assert "cannot create store" in one_line_error(done.stderr)


def test_store_backup_restore_prune_check_round_trip(tmp_path: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "a.db"
    with Store(db) as store:
        store.record(
            Result(tool="coverage", measurements=(Measurement("test_coverage_overall", 1),)),
            repo_info(tmp_path),
        )
    backup = assay_proc("--repo", tmp_path, "--store", db, "store", "backup", tmp_path / "backups")
    assert backup.exit_code == 0, backup.stderr
    backup_file = Path(backup.stdout.strip())
    assert backup_file.parent == tmp_path / "backups" and backup_file.is_file()
    with Store(db) as store:
        store.record(
            Result(tool="coverage", measurements=(Measurement("test_coverage_overall", 2),)),
            repo_info(tmp_path),
        )
    restored = assay_proc("--repo", tmp_path, "--store", db, "store", "restore", backup_file)
    assert restored.exit_code == 0, restored.stderr
    with Store(db, readonly=True) as store:
        assert [m.value for m in store.latest_measurements()["coverage"][1]] == [1.0]
    assert assay_proc("--repo", tmp_path, "--store", db, "store", "check").exit_code == 0
    pruned = assay_proc("--repo", tmp_path, "--store", db, "store", "prune", "--keep-days", "0")
    assert pruned.exit_code == 0 and "pruned 1 run(s)" in pruned.stderr
    info = json.loads(assay_proc("--repo", tmp_path, "--store", db, "store", "info").stdout)
    assert info["tools"] == {}


def test_metrics_write_uses_config_default_path(tmp_path: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "assay.toml").write_text("[metrics]\ntextfile = 'out/x.prom'\n")
    done = assay_proc("--repo", tmp_path, "metrics", "write")
    assert done.exit_code == 0, done.stderr
    assert "assay_build_info" in (tmp_path / "out" / "x.prom").read_text()


def test_serve_refuses_non_loopback_without_token(tmp_path: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    done = assay_proc("--repo", tmp_path, "metrics", "serve", "--host", "0.0.0.0", "--port", "0", timeout=30)
    assert done.exit_code == 2
    assert "without a token" in one_line_error(done.stderr)


def test_internal_error_is_one_line_exit_3(
    tmp_path: Path, assay_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import assay.cli.context as context

    def explode(path: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(context.vcs, "repo_info", explode)
    done = assay_cli("--repo", tmp_path, "overview")
    assert done.exit_code == 3
    line = one_line_error(done.stderr)
    assert line.startswith("assay: internal error: RuntimeError: boom") and "--verbose" in line


def test_log_format_json(tmp_path: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "assay.toml").write_text("[metrics]\nprot = 1\n")
    done = assay_proc("--repo", tmp_path, "--log-format", "json", "config", "validate")
    record = json.loads(done.stderr.splitlines()[0])
    assert record["log.level"] == "warning" and "metrics.prot" in record["message"]


def test_error_line_shows_control_characters_instead_of_sending_them(tmp_path: Path, assay_proc) -> None:  # type: ignore[no-untyped-def]
    """A path from a hostile repository cannot clear the user's screen through an error message."""
    done = assay_proc("--store", tmp_path / "s.db", "score", tmp_path / "no\x1b[2Jpe")
    assert done.exit_code == 2
    assert "\x1b" not in done.stderr and "no\\x1b[2Jpe" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
