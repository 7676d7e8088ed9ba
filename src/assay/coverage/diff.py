"""Diff gaps: coverage of the lines, statements, branches and functions changed since a base ref.

Changed lines come from one `git diff -U0 <merge-base>` (committed, staged and unstaged work in one
pass) plus untracked files, and are counted the way diff-cover counts them: changed lines that are
statements in the coverage data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from assay import vcs
from assay.coverage.gaps import FileReport
from assay.coverage.model import CoverageData, FileCoverage
from assay.errors import InputError

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class FileDiff:
    """Coverage of the lines one file's change touches."""

    path: str
    changed: tuple[int, ...]  # changed executable lines (first lines of statements), as diff-cover counts
    covered: tuple[int, ...]
    uncovered: tuple[int, ...]
    statements_changed: tuple[int, ...]  # statements touched on any of their lines (multi-line aware)
    statements_uncovered: tuple[int, ...]
    missing_branches: tuple[tuple[int, int], ...]
    functions: tuple[dict[str, object], ...]
    untracked: bool = False


@dataclass(frozen=True)
class DiffReport:
    """Coverage of a change against a base, per changed file."""

    base: str
    base_commit: str
    files: tuple[FileDiff, ...]
    unmeasured: tuple[str, ...] = ()  # changed Python files the coverage data does not know
    changed_lines_by_file: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    @property
    def changed_lines(self) -> int:
        """Changed executable lines across all files."""
        return sum(len(f.changed) for f in self.files)

    @property
    def covered_lines(self) -> int:
        """Changed executable lines that ran."""
        return sum(len(f.covered) for f in self.files)

    @property
    def percent(self) -> float:
        """Percentage of changed executable lines covered (100 when nothing executable changed)."""
        return 100.0 if self.changed_lines == 0 else 100.0 * self.covered_lines / self.changed_lines

    def as_dict(self) -> dict[str, object]:
        """The report as a JSON-ready dict."""
        statements = sum(len(f.statements_changed) for f in self.files)
        statements_uncovered = sum(len(f.statements_uncovered) for f in self.files)
        return {
            "base": self.base,
            "base_commit": self.base_commit,
            "changed_lines": self.changed_lines,
            "covered_lines": self.covered_lines,
            "percent": round(self.percent, 6),
            "changed_statements": statements,
            "uncovered_statements": statements_uncovered,
            "missing_branches": sum(len(f.missing_branches) for f in self.files),
            "unmeasured_files": list(self.unmeasured),
            "files": [
                {
                    "path": f.path,
                    "changed_lines": list(f.changed),
                    "covered_lines": list(f.covered),
                    "uncovered_lines": list(f.uncovered),
                    "changed_statements": list(f.statements_changed),
                    "uncovered_statements": list(f.statements_uncovered),
                    "missing_branches": [list(b) for b in f.missing_branches],
                    "functions": list(f.functions),
                    "untracked": f.untracked,
                }
                for f in self.files
            ],
        }


def default_base(root: Path) -> str:
    """The merge base with the default branch: what a pull request would be compared against."""
    branch = vcs.default_branch(root)
    if branch is None:
        raise InputError(f"{root}: no default branch (main/master) to compare with; pass --base REF")
    return branch


def changed_lines(
    root: Path, base: str, *, include_untracked: bool = True
) -> tuple[str, dict[str, set[int]], set[str]]:
    """(merge-base sha, {path: added line numbers}, untracked paths) for the work since `base`;
    untracked files count as wholly changed."""
    if base.startswith("-"):
        raise InputError(f"not a git ref: {base!r}")
    try:
        merge_base = vcs.merge_base(root, base, "HEAD")
    except vcs.GitError:
        vcs.resolve_ref(root, base)  # the clear error for a ref that does not exist
        raise
    out = vcs.run_git(
        [
            "-c",
            "diff.mnemonicprefix=no",
            "-c",
            "diff.noprefix=no",
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-renames",
            "-U0",
            merge_base,
            "--",
        ],
        root,
        timeout=300,
    )
    changes = parse_unified_diff(out)
    untracked = untracked_files(root) if include_untracked else set()
    for name in sorted(untracked):
        try:
            with open(root / name, encoding="utf-8") as fh:
                count = sum(1 for _ in fh)
        except (OSError, UnicodeDecodeError):
            continue
        changes[name] = set(range(1, count + 1))
    return merge_base, changes, untracked


def parse_unified_diff(text: str) -> dict[str, set[int]]:
    """{new path: added/modified line numbers} from `git diff -U0` output."""
    result: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in text.splitlines():
        if line.startswith("diff --git "):
            current = None
        elif line.startswith("+++ "):
            target = line[4:].strip()
            if target == "/dev/null":
                current = None
                continue
            if target.startswith('"'):
                target = target[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
                target = target.encode("latin-1").decode("utf-8", "replace")
            current = result.setdefault(target.removeprefix("b/"), set())
        elif line.startswith("@@") and current is not None:
            match = _HUNK.match(line)
            if match is None:
                continue
            start = int(match.group(1))
            count = int(match.group(2)) if match.group(2) is not None else 1
            current.update(range(start, start + count))
    return {path: lines for path, lines in result.items() if lines}


def diff_gaps(
    data: CoverageData,
    reports: list[FileReport],
    changes: dict[str, set[int]],
    base: str,
    base_commit: str,
    untracked: set[str] | None = None,
) -> DiffReport:
    """Measure the coverage of the changed lines of each file against the coverage data."""
    by_path: dict[str, FileCoverage] = {fc.path: fc for fc in data.files}
    report_by_path = {r.path: r for r in reports}
    files: list[FileDiff] = []
    unmeasured: list[str] = []
    for path in sorted(changes, key=str.lower):
        lines = changes[path]
        fc = by_path.get(path)
        if fc is None:
            if path.endswith(".py"):
                unmeasured.append(path)
            continue
        report = report_by_path.get(path)
        changed = sorted(lines & fc.statements)
        covered = [n for n in changed if n not in fc.missing]
        uncovered = [n for n in changed if n in fc.missing]
        statement_of = report.source.statement_of if report is not None and report.source else {}
        statements = sorted({statement_of.get(n, n) for n in lines} & fc.statements)
        stmt_uncovered = [n for n in statements if n in fc.missing]
        stmt_set = set(statements)
        missing_arcs = tuple(sorted((s, d) for s, d in fc.missing_branches if s in stmt_set))
        functions: list[dict[str, object]] = []
        if report is not None:
            for region in report.regions:
                if region.kind != "function":
                    continue
                info = report.region_info.get(region.name)
                span = set(range(region.start, region.end + 1))
                if info is None or not (span & lines):
                    continue
                t = region.totals
                functions.append(
                    {
                        "name": region.name,
                        "start_line": region.start,
                        "end_line": region.end,
                        "statements": t.statements,
                        "missing": t.missing,
                        "missing_branches": t.missing_branches,
                        "percent": round(t.percent, 2),
                    }
                )
        files.append(
            FileDiff(
                path=path,
                changed=tuple(changed),
                covered=tuple(covered),
                uncovered=tuple(uncovered),
                statements_changed=tuple(statements),
                statements_uncovered=tuple(stmt_uncovered),
                missing_branches=missing_arcs,
                functions=tuple(functions),
                untracked=path in (untracked or set()),
            )
        )
    return DiffReport(base, base_commit, tuple(files), tuple(unmeasured))


def untracked_files(root: Path) -> set[str]:
    """Untracked, not ignored files in the work tree (paths relative to the root)."""
    listed = vcs.run_git(["ls-files", "--exclude-standard", "--others", "-z"], root, timeout=120)
    return {name for name in listed.split("\0") if name}
