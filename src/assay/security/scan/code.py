"""Static analysis of the source with bandit's own manager (its Python API, not its text output).

The project's bandit configuration is honoured the way bandit's CLI does: `[tool.bandit]` in
pyproject.toml (exclude_dirs, tests, skips) and a `.bandit` INI file (exclude, skips, tests, level,
confidence). Files bandit cannot parse become findings of their own; the scan continues.
"""

from __future__ import annotations

import ast
import configparser
import contextlib
import hashlib
import logging
import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assay.errors import ConfigError, InputError
from assay.results import Finding, Location, Severity
from assay.security.scan.parallel import fork_workers, run_forked

TOOL = "bandit"
UNSCANNED = "security-scan/unscanned-file"
_LEVELS = {"low": Severity.LOW, "medium": Severity.MEDIUM, "high": Severity.HIGH}
_RANK = ("low", "medium", "high")
# ruff's and flake8-bandit's S<nnn> are bandit's B<nnn>: one reviewed noqa comment suppresses both.
_NOQA = re.compile(r"#\s*noqa:\s*([A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)")


@dataclass(frozen=True)
class BanditSettings:
    """What the project's own bandit configuration adds to assay's."""

    config_file: Path | None = None  # pyproject.toml when it has [tool.bandit]
    exclude: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    skips: tuple[str, ...] = ()
    severity: str | None = None
    confidence: str | None = None


@dataclass
class CodeScan:
    """The outcome of the bandit code scan: findings, files scanned, skipped files and suppressions."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    suppressed: list[dict[str, Any]] = field(default_factory=list)  # findings a reviewed noqa S<nnn> covers
    settings: BanditSettings = field(default_factory=BanditSettings)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (value or "").split(",") if p.strip())


def _ini_level(value: str | None) -> str | None:
    """`.bandit` writes levels as bandit's CLI counts them (`level = LL`) or by name."""
    if not value:
        return None
    text = value.strip().lower()
    if text in _RANK:
        return text
    if set(text) == {"l"} and len(text) <= 3:
        return _RANK[len(text) - 1]
    return None


def read_settings(root: Path) -> BanditSettings:
    """Bandit settings from pyproject.toml or a bandit config file; raises ConfigError if unreadable."""
    config_file: Path | None = None
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            doc = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{pyproject}: cannot read: {exc}") from None
        if isinstance(doc.get("tool", {}).get("bandit"), dict):
            config_file = pyproject
    ini = root / ".bandit"
    if not ini.is_file():
        return BanditSettings(config_file)
    parser = configparser.ConfigParser()
    try:
        parser.read(ini, encoding="utf-8")
        options = dict(parser.items("bandit"))
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ConfigError(f"{ini}: not a bandit INI file with a [bandit] section: {exc}") from None
    return BanditSettings(
        config_file,
        exclude=_split(options.get("exclude")),
        tests=_split(options.get("tests")),
        skips=_split(options.get("skips")),
        severity=_ini_level(options.get("level")),
        confidence=_ini_level(options.get("confidence")),
    )


@contextlib.contextmanager
def _quiet_bandit() -> Iterator[None]:
    # bandit logs its per-file errors itself; they come back to us as skipped files instead.
    logger = logging.getLogger("bandit")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _line_text(cache: dict[str, list[str]], path: Path, line: int) -> str:
    key = str(path)
    if key not in cache:
        try:
            cache[key] = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            cache[key] = []
    lines = cache[key]
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def noqa_reason(lines: Sequence[str], test_id: str) -> str | None:
    """The noqa comment naming S<nnn> (with its reason) that covers bandit test B<nnn>, if any."""
    wanted = "S" + test_id[1:]
    for text in lines:
        match = _NOQA.search(text)
        if match and wanted in re.split(r"[\s,]+", match.group(1)):
            return text[match.start() :].strip()
    return None


def _syntax_line(path: Path) -> int | None:
    try:
        ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as exc:
        return exc.lineno
    except (OSError, ValueError):
        return None
    return None


def _issue_finding(issue: Any, root: Path, cache: dict[str, list[str]]) -> Finding:
    from bandit.core import docs_utils

    rel = Path(issue.fname).as_posix().removeprefix("./")
    severity = _LEVELS.get(str(issue.severity).lower(), Severity.MEDIUM)
    code_line = _line_text(cache, root / rel, int(issue.lineno))
    digest = hashlib.sha256(code_line.encode()).hexdigest()[:16]
    cwe_id = getattr(getattr(issue, "cwe", None), "id", 0) or 0
    properties: dict[str, Any] = {
        "confidence": str(issue.confidence).lower(),
        "rule_name": issue.test,
        "rule_description": f"bandit {issue.test_id}: {issue.test}",
        "help_uri": docs_utils.get_url(issue.test_id),
        "tags": ["security", "bandit"],
        "scanner": TOOL,
    }
    if cwe_id:
        properties["cwe"] = f"CWE-{cwe_id}"
    lines = list(getattr(issue, "linerange", []) or [])
    return Finding(
        id=str(issue.test_id),
        severity=severity,
        message=str(issue.text),
        location=Location(
            rel,
            int(issue.lineno),
            end_line=max(lines) if lines else None,
            column=int(issue.col_offset) + 1 if getattr(issue, "col_offset", None) is not None else None,
        ),
        remediation=f"See {properties['help_uri']}; fix the code or accept it in the baseline with a reason.",
        tool=TOOL,
        properties=properties,
        fingerprint=f"bandit|{issue.test_id}|{rel}|{digest}",
    )


_PARALLEL_FROM = 40  # files; below this a second process costs more than it saves
# Scanning a whole checkout (no src/ layout) must not wander into environments and build output.
ROOT_EXCLUDES = (".venv", "venv", ".tox", ".nox", ".git", "node_modules", "build", "dist", ".eggs")


def default_paths(root: Path) -> list[str]:
    """The paths scanned by default: ``src`` if it exists, else the whole repository."""
    return ["src"] if (root / "src").is_dir() else ["."]


def _scan_files(
    root: Path,
    config_name: str | None,
    profile: dict[str, set[str]],
    files: Sequence[str],
    levels: tuple[str, str],
    honour_noqa: bool,
) -> CodeScan:
    """bandit's manager over an already discovered list of files (one worker's share)."""
    from bandit.core import config as b_config
    from bandit.core import constants as b_constants
    from bandit.core import manager as b_manager

    ranking = {"low": b_constants.LOW, "medium": b_constants.MEDIUM, "high": b_constants.HIGH}
    with contextlib.chdir(root), _quiet_bandit():
        mgr = b_manager.BanditManager(b_config.BanditConfig(config_name), "file", quiet=True, profile=profile)
        mgr.files_list = list(files)
        mgr.run_tests()
        issues = mgr.get_issue_list(sev_level=ranking[levels[0]], conf_level=ranking[levels[1]])
        skipped = [(str(f), str(r)) for f, r in mgr.get_skipped()]
        scanned = len(mgr.files_list)
    result = CodeScan(files=scanned, skipped=skipped)
    cache: dict[str, list[str]] = {}
    for issue in issues:
        finding = _issue_finding(issue, root, cache)
        if honour_noqa and finding.location is not None:
            span = list(getattr(issue, "linerange", []) or [int(issue.lineno)])
            lines = [_line_text(cache, root / finding.location.path, n) for n in span]
            comment = noqa_reason(lines, finding.id)
            if comment is not None:
                result.suppressed.append(
                    {"id": finding.id, "location": str(finding.location), "comment": comment}
                )
                continue
        result.findings.append(finding)
    return result


def _scan_parallel(
    root: Path,
    config_name: str | None,
    profile: dict[str, set[str]],
    files: list[str],
    levels: tuple[str, str],
    honour_noqa: bool,
) -> CodeScan:
    """Split the files over the cores (bandit's AST walk is CPU-bound Python); one process when the
    tree is small, the platform cannot fork, or a worker fails."""
    workers = fork_workers(len(files), _PARALLEL_FROM)
    shares = [(root, config_name, profile, files[i::workers], levels, honour_noqa) for i in range(workers)]
    parts = run_forked(_scan_files, shares)
    if parts is None:
        return _scan_files(root, config_name, profile, files, levels, honour_noqa)
    merged = CodeScan()
    for part in parts:
        merged.findings.extend(part.findings)
        merged.suppressed.extend(part.suppressed)
        merged.skipped.extend(part.skipped)
        merged.files += part.files
    return merged


def scan_code(
    root: Path,
    paths: Sequence[str],
    *,
    exclude: Sequence[str] = (),
    severity: str = "low",
    confidence: str = "low",
    honour_noqa: bool = True,
) -> CodeScan:
    """Run bandit over `paths` (relative to `root`) and return assay findings."""
    from bandit.core import config as b_config
    from bandit.core import manager as b_manager
    from bandit.core import utils as b_utils

    settings = read_settings(root)
    paths = list(paths) or default_paths(root)
    if "." in paths:
        exclude = [*exclude, *(f"./{d}" for d in ROOT_EXCLUDES if (root / d).is_dir())]
    targets = [p for p in paths if (root / p).exists()]
    missing = [p for p in paths if not (root / p).exists()]
    if missing and not targets:
        raise InputError(f"{root}: source path(s) not found: {', '.join(missing)}")
    sev = (
        settings.severity
        if settings.severity and _RANK.index(settings.severity) > _RANK.index(severity)
        else severity
    )
    conf = (
        settings.confidence
        if settings.confidence and _RANK.index(settings.confidence) > _RANK.index(confidence)
        else confidence
    )
    config_name = settings.config_file.name if settings.config_file else None
    # bandit's path matching is relative to where it runs, as with its CLI: run from the root.
    with contextlib.chdir(root), _quiet_bandit():
        try:
            conf_obj = b_config.BanditConfig(config_name)
        except b_utils.ConfigError as exc:
            raise ConfigError(f"{settings.config_file}: [tool.bandit]: {exc}") from None
        profile = {
            "include": set(conf_obj.get_option("tests") or []) | set(settings.tests),
            "exclude": set(conf_obj.get_option("skips") or []) | set(settings.skips),
        }
        if profile["include"] & profile["exclude"]:
            both = ", ".join(sorted(profile["include"] & profile["exclude"]))
            raise ConfigError(f"{root}: bandit tests both included and skipped: {both}")
        mgr = b_manager.BanditManager(conf_obj, "file", quiet=True, profile=profile)
        excluded = [*exclude, *settings.exclude]
        mgr.discover_files(targets, recursive=True, excluded_paths=",".join(excluded))
        files = list(mgr.files_list)
    result = _scan_parallel(root, config_name, profile, files, (sev, conf), honour_noqa)
    result.settings = settings
    result.findings.sort(key=lambda f: (str(f.location.path if f.location else ""), str(f.location), f.id))
    result.skipped.sort()
    for fname, reason in result.skipped:
        rel = Path(fname).as_posix().removeprefix("./")
        line = _syntax_line(root / rel) if "syntax" in reason else None
        result.findings.append(
            Finding(
                id=UNSCANNED,
                severity=Severity.MEDIUM,
                message=f"bandit could not scan this file ({reason}); it may hide issues",
                location=Location(rel, line),
                remediation="Make the file parse with this Python version, or exclude it from the scan.",
                tool=TOOL,
                properties={"rule_description": "A source file bandit could not analyse", "scanner": TOOL},
                fingerprint=f"{UNSCANNED}|{rel}",
            )
        )
    return result
