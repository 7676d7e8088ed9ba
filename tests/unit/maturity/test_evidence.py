"""Evidence collection on awkward trees: .gitignore, vendored dirs, symlink loops, huge and binary files,
undecodable file names, and repositories with and without history."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assay.maturity.config import MaturitySection
from assay.maturity.evidence import collect, is_test_path
from assay.maturity.model import CheckStatus
from assay.maturity.service import assess
from assay.vcs import repo_info


def test_git_repo_respects_gitignore_and_skips_vendored_dirs(git_repo) -> None:  # type: ignore[no-untyped-def]
    git_repo.write(".gitignore", "secret_build/\n*.log\n")
    git_repo.write("src/pkg/a.py", "x = 1\n")
    git_repo.write("secret_build/out.py", "x = 1\n")
    git_repo.write("debug.log", "x\n")
    git_repo.write("node_modules/lib/index.py", "x = 1\n")
    git_repo.write("vendor/thing/b.py", "x = 1\n")
    git_repo.commit("init")
    git_repo.write("src/pkg/untracked.py", "y = 2\n")
    ev = collect(git_repo.path, is_git=True)
    assert "src/pkg/a.py" in ev.files and "src/pkg/untracked.py" in ev.files
    assert "src/pkg/untracked.py" not in ev.tracked
    assert not [p for p in ev.files if p.startswith(("secret_build/", "node_modules/", "vendor/"))]
    assert "debug.log" not in ev.files
    assert ev.commits is not None and len(ev.commits) == 1


def test_plain_directory_honours_root_gitignore(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("generated/\n*.tmp\n")
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "x.py").write_text("")
    (tmp_path / "keep.py").write_text("")
    (tmp_path / "junk.tmp").write_text("")
    ev = collect(tmp_path, is_git=False)
    assert ev.files == [".gitignore", "keep.py"]
    assert ev.commits is None


def test_configured_exclude_globs_drop_matching_paths(tmp_path: Path) -> None:
    for rel in ("keep.py", "gen/a_pb2.py", "gen/b.py", "docs/x.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    ev = collect(tmp_path, is_git=False, exclude=("gen/*_pb2.py", "docs/*"))
    assert ev.files == ["gen/b.py", "keep.py"]


def test_symlink_loops_are_never_followed(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    os.symlink("..", tmp_path / "a" / "loop")
    os.symlink("self", tmp_path / "self")
    (tmp_path / "a" / "x.py").write_text("")
    ev = collect(tmp_path, is_git=False)
    assert "a/x.py" in ev.files
    assert ev.text("self") is None  # a dangling, self-referencing link is not read
    card = assess(repo_info(tmp_path), MaturitySection())
    assert not [c for c in card.checks if c.status is CheckStatus.ERROR]


def test_huge_files_are_read_only_up_to_the_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.write(b"a" * 16384)
        fh.seek(50 * 1024 * 1024)
        fh.write(b"end")
    ev = collect(tmp_path, is_git=False, max_file_bytes=8192)
    assert ev.size("big.txt") > 50 * 1024 * 1024
    text = ev.text("big.txt")
    assert text is not None and len(text) == 8192


def test_binary_files_are_not_read_as_text(tmp_path: Path) -> None:
    (tmp_path / "blob.dat").write_bytes(b"\x00\x01\x02" * 100)
    ev = collect(tmp_path, is_git=False)
    assert ev.text("blob.dat") is None
    assert ev.is_binary("blob.dat")


def test_invalid_utf8_file_names_are_shown_readably(tmp_path: Path) -> None:
    name = os.fsdecode(b"bad\xff\xfename.py")
    (tmp_path / name).write_text("def f():\n    pass\n")
    card = assess(repo_info(tmp_path), MaturitySection())
    doc = card.to_json()
    import json

    text = json.dumps(doc, ensure_ascii=False)  # would raise on a lone surrogate
    assert "\udcff" not in text
    assert not [c for c in card.checks if c.status is CheckStatus.ERROR]


def test_empty_directory_scores_without_errors(tmp_path: Path) -> None:
    card = assess(repo_info(tmp_path), MaturitySection())
    statuses = {c.id: c.status for c in card.checks}
    assert CheckStatus.ERROR not in statuses.values()
    assert statuses["maintenance.recent-activity"] is CheckStatus.NOT_APPLICABLE
    assert card.level.number == 1
    assert card.files == 0


def test_repository_without_commits(git_repo) -> None:  # type: ignore[no-untyped-def]
    git_repo.write("a.py", "")
    card = assess(repo_info(git_repo.path), MaturitySection())
    statuses = {c.id: c.status for c in card.checks}
    assert statuses["maintenance.recent-activity"] is CheckStatus.NOT_APPLICABLE
    assert CheckStatus.ERROR not in statuses.values()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop privileges")
def test_unreadable_files_and_directories_are_reported_not_fatal(tmp_path: Path) -> None:
    import subprocess
    import sys
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="assay-unreadable-"))
    try:
        root.chmod(0o755)
        (root / "README.md").write_text("# x\n## Install\n## Usage\n")
        (root / "locked").mkdir(mode=0o700)
        (root / "locked" / "a.py").write_text("")
        (root / "SECURITY.md").write_text("mail security@example.org")
        (root / "SECURITY.md").chmod(0o600)
        code = (
            # Import everything first: the interpreter's own files may not be readable by nobody.
            "import os, json, sys; from pathlib import Path;"
            "from assay.maturity.service import assess; from assay.maturity.config import MaturitySection;"
            "from assay.maturity import registry; from assay.vcs import repo_info; registry.all_checks();"
            "import assay.maturity.evidence, ast, configparser, tomllib, yaml;"
            "os.setgid(65534); os.setuid(65534);"
            "card = assess(repo_info(Path(sys.argv[1])), MaturitySection());"
            "print(json.dumps(card.to_json()))"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code, str(root)], capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 0, proc.stderr
        import json

        doc = json.loads(proc.stdout)
        problems = " ".join(doc["problems"])
        assert "locked: unreadable directory" in problems
        assert "SECURITY.md: unreadable" in problems
        checks = {c["id"]: c for c in doc["checks"]}
        assert checks["documentation.readme"]["status"] == "pass"
        assert checks["security.policy"]["status"] == "partial"  # exists, but its contact could not be read
    finally:
        subprocess.run(["rm", "-rf", str(root)], check=False)


@pytest.mark.parametrize(
    ("rel", "is_test"),
    [
        ("tests/test_a.py", True),
        ("pkg/test_a.py", True),
        ("pkg/a_test.py", True),
        ("conftest.py", True),
        ("test.py", True),  # a root-level test module (pygtrie)
        ("app/tests.py", True),  # Django's per-app tests
        ("pkg/test.py", False),  # a package module that happens to be named test
        ("pkg/testing_utils.py", False),
        ("pkg/contest.py", False),
    ],
)
def test_is_test_path(rel: str, is_test: bool) -> None:
    assert is_test_path(rel) is is_test


@pytest.mark.parametrize(("nul_at", "binary"), [(0, True), (8191, True), (8192, False), (20000, False)])
def test_binary_is_a_nul_in_the_first_8_kib(tmp_path: Path, nul_at: int, binary: bool) -> None:
    data = bytearray(b"a" * 30000)
    data[nul_at] = 0
    (tmp_path / "blob.dat").write_bytes(bytes(data))
    ev = collect(tmp_path, is_git=False)
    text = ev.text("blob.dat")
    assert (text is None) is binary
    if not binary:
        assert text is not None and len(text) == 30000  # read whole once the sniff passed
    assert ev.text("blob.dat", 100) == (None if binary and nul_at < 100 else "a" * 100)
