"""A failing `assay gate` tells the people routed for gate.failed, through a real webhook receiver."""

from __future__ import annotations

from assay.results import Measurement, Result
from assay.store import Store
from assay.vcs import repo_info
from conftest import GitRepo


def _repo_with_low_coverage(git_repo: GitRepo, hook: str) -> None:
    git_repo.write(
        "pyproject.toml",
        "[tool.assay.gates.profiles.strict]\n"
        'conditions = ["test_coverage_overall >= 80"]\n'
        "[tool.assay.notify.channels.chat]\n"
        f'url = "{hook}"\n'
        'kind = "chat"\n',
    )
    git_repo.commit("policy")
    with Store(git_repo.path / ".assay" / "assay.db") as store:
        store.record(
            Result(tool="coverage", measurements=(Measurement("test_coverage_overall", 55.0),)),
            repo_info(git_repo.path),
        )


def test_failing_gate_sends_one_notification(git_repo: GitRepo, receiver, assay_cli) -> None:  # type: ignore[no-untyped-def]
    _repo_with_low_coverage(git_repo, receiver.url("json", "/hook"))
    done = assay_cli("--repo", git_repo.path, "gate", "--profile", "strict", "--format", "json")
    assert done.exit_code == 1, done.stderr
    sent = receiver.on("/hook")
    assert len(sent) == 1
    assert "quality gate 'strict' failed on main" in sent[0]["title"]
    assert "test_coverage_overall" in sent[0]["message"]
    # HEAD is the default branch itself: main is broken, so the runbook is the rollback procedure
    assert "runbook: docs/rollback.md#failing-quality-gate-on-main" in sent[0]["message"]
    # the cooldown keeps a second failure of the same gate from repeating the alert
    again = assay_cli("--repo", git_repo.path, "gate", "--profile", "strict", "--format", "json")
    assert again.exit_code == 1
    assert len(receiver.on("/hook")) == 1


def test_passing_gate_and_no_record_send_nothing(git_repo: GitRepo, receiver, assay_cli) -> None:  # type: ignore[no-untyped-def]
    _repo_with_low_coverage(git_repo, receiver.url("json", "/hook"))
    dry = assay_cli("--repo", git_repo.path, "gate", "--profile", "strict", "--no-record", "--format", "json")
    assert dry.exit_code == 1
    with Store(git_repo.path / ".assay" / "assay.db") as store:
        store.record(
            Result(tool="coverage", measurements=(Measurement("test_coverage_overall", 95.0),)),
            repo_info(git_repo.path),
        )
    passed = assay_cli("--repo", git_repo.path, "gate", "--profile", "strict", "--format", "json")
    assert passed.exit_code == 0, passed.stderr
    assert receiver.requests == []
