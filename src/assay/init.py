"""`assay init`: copy the workflow templates into .github/workflows/ and add `[tool.assay]` configuration.

Planning is separate from writing: every conflict is found before the first file is written, so a
refused init leaves the repository exactly as it was. Nothing is overwritten without `force`.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from assay.errors import InputError
from assay.formats import write_atomic

TEMPLATE_PACKAGE = "assay.templates.workflows"
WORKFLOWS_DIR = Path(".github") / "workflows"
DEFAULT_BRANCH_PLACEHOLDER = "$default-branch"

CREATE, OVERWRITE, UNCHANGED, CONFLICT, KEEP = "create", "overwrite", "unchanged", "conflict", "keep"

# The configuration `assay init` adds: the built-in `pr` profile written out, so a team sees and edits it.
CONFIG_BLOCK = """
[tool.assay.gates]
# `assay gate` profiles; docs/gates.md explains conditions, `base` comparisons and the options.
default_profile = "pr"
min_changed_lines = 20   # coverage conditions are skipped for smaller changes (Sonar's exemption)
missing = "fail"         # a condition whose measurement is missing fails ("warn" to only warn)

[tool.assay.gates.profiles.pr]
conditions = [
    "test_coverage_diff_percent >= 80",
    'security_findings_new{severity=~"high|critical"} == 0',
    'security_advisories{severity=~"high|critical"} == 0',
    "performance_regressions == 0",
    "repository_maturity_level >= base",
]
"""
_ENV_LINE = re.compile(r"^(?P<indent>\s+)(?P<key>ASSAY_PIP_SPEC|PROJECT_PIP_SPEC): .*$", re.M)


@dataclass(frozen=True)
class Template:
    name: str
    workflow: str
    properties: dict[str, object]

    @property
    def description(self) -> str:
        return str(self.properties.get("description", ""))


@dataclass(frozen=True)
class Action:
    path: Path  # relative to the repository root
    action: str
    content: str
    note: str = ""


def templates() -> dict[str, Template]:
    """The workflow templates shipped with assay (the same files as .github/workflow-templates/)."""
    root = resources.files(TEMPLATE_PACKAGE)
    found: dict[str, Template] = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yml"):
            continue
        name = entry.name.removesuffix(".yml")
        props = root.joinpath(f"{name}.properties.json")
        properties = json.loads(props.read_text(encoding="utf-8")) if props.is_file() else {}
        found[name] = Template(name, entry.read_text(encoding="utf-8"), properties)
    return found


def render(
    template: Template,
    *,
    default_branch: str = "main",
    assay_spec: str | None = None,
    project_spec: str | None = None,
) -> str:
    """The workflow as it goes into .github/workflows/: placeholders filled in."""
    text = template.workflow.replace(DEFAULT_BRANCH_PLACEHOLDER, default_branch)
    specs = {"ASSAY_PIP_SPEC": assay_spec, "PROJECT_PIP_SPEC": project_spec}

    def fill(match: re.Match[str]) -> str:
        value = specs[match.group("key")]
        if value is None:
            return match.group(0)
        return f"{match.group('indent')}{match.group('key')}: {json.dumps(value)}"

    return _ENV_LINE.sub(fill, text)


def plan(
    root: Path,
    names: Sequence[str] | None = None,
    *,
    force: bool = False,
    default_branch: str = "main",
    assay_spec: str | None = None,
    project_spec: str | None = None,
    config: bool = True,
) -> list[Action]:
    """What `init` would do, file by file (`names` None: every template); a conflict is an action,
    not an error (`apply` refuses it)."""
    available = templates()
    if names is None:
        names = list(available)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise InputError(f"unknown template {unknown[0]!r} (templates: {', '.join(available)})")
    actions: list[Action] = []
    for name in names:
        rel = WORKFLOWS_DIR / f"{name}.yml"
        content = render(
            available[name], default_branch=default_branch, assay_spec=assay_spec, project_spec=project_spec
        )
        target = root / rel
        if not target.exists():
            actions.append(Action(rel, CREATE, content))
        elif _read(target) == content:
            actions.append(Action(rel, UNCHANGED, content))
        elif force:
            actions.append(Action(rel, OVERWRITE, content))
        else:
            actions.append(Action(rel, CONFLICT, content, "exists and differs; --force overwrites it"))
    if config:
        actions.append(_config_action(root))
    return actions


def _config_action(root: Path) -> Action:
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        text = _read(pyproject)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{pyproject}: malformed TOML, left untouched: {exc}") from None
        if "gates" in data.get("tool", {}).get("assay", {}):
            # Never rewrite a team's own policy, not even with --force: it is theirs to edit.
            return Action(Path("pyproject.toml"), KEEP, text, "already has [tool.assay.gates]; left as it is")
        joined = text if text.endswith("\n") or not text else text + "\n"
        updated = joined + CONFIG_BLOCK
        try:
            tomllib.loads(updated)
        except tomllib.TOMLDecodeError:
            return Action(
                Path("pyproject.toml"),
                KEEP,
                text,
                "cannot append [tool.assay.gates] safely; see docs/gates.md",
            )
        return Action(Path("pyproject.toml"), OVERWRITE, updated, "adds [tool.assay.gates]")
    assay_toml = root / "assay.toml"
    if assay_toml.exists():
        return Action(Path("assay.toml"), KEEP, _read(assay_toml), "already exists; left as it is")
    return Action(Path("assay.toml"), CREATE, CONFIG_BLOCK.lstrip(), "no pyproject.toml: configuration file")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None


def apply(root: Path, actions: list[Action]) -> list[Action]:
    """Write the planned files; refuse (writing nothing) when any action is a conflict."""
    conflicts = [a for a in actions if a.action == CONFLICT]
    if conflicts:
        listed = ", ".join(str(a.path) for a in conflicts)
        raise InputError(
            f"{listed}: already exists and differs; nothing was written (use --force to overwrite)"
        )
    written = []
    for a in actions:
        if a.action in (CREATE, OVERWRITE):
            write_atomic(root / a.path, a.content)
            written.append(a)
    return written
