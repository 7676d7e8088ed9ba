"""Machine-readable incident playbooks (security/playbooks/*.yaml): which events they cover, the
severity they set, the automated actions they allow (off unless `automated: true`), and the human steps."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assay.errors import ConfigError
from assay.results import Severity
from assay.security.monitor.events import PRIORITY, Event, iso


class Playbook(BaseModel):
    """A response playbook: which events it covers and the severity and steps it prescribes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    description: str = ""
    event_types: list[str] = Field(description="event types (file, process, ...) this playbook covers")
    actions_matched: list[str] = Field(
        default_factory=lambda: ["*"], alias="event_actions", description="event.action globs"
    )
    severity: Literal["info", "low", "medium", "high", "critical"] | None = None
    automated: bool = False
    actions: list[Literal["quarantine", "kill"]] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)
    escalation: list[str] = Field(default_factory=list)

    def matches(self, event: Event) -> bool:
        """Whether the event's type and action are covered by this playbook."""
        return event.type in self.event_types and any(
            fnmatch.fnmatchcase(event.action, glob) for glob in self.actions_matched
        )

    def severity_for(self, event: Event) -> Severity:
        """The playbook's severity, or the event's own when the playbook sets none."""
        return Severity(self.severity) if self.severity else event.severity


@dataclass(frozen=True)
class Decision:
    """The playbook chosen for an event (None if none matches) and the resulting severity."""

    playbook: Playbook | None
    severity: Severity

    @property
    def priority(self) -> str:
        """The incident priority for the severity."""
        return PRIORITY[self.severity]


def load_playbooks(directory: Path) -> list[Playbook]:
    """Every *.yaml in the directory, sorted by name; a bad file is a ConfigError naming it."""
    if not directory.is_dir():
        return []
    out: list[Playbook] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot read playbook: {exc}") from None
        try:
            out.append(Playbook.model_validate(data))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
            raise ConfigError(f"{path}: {loc}: {err['msg']}") from None
    return out


def decide(playbooks: Sequence[Playbook], event: Event) -> Decision:
    """The first playbook that matches the event, with its severity."""
    for playbook in playbooks:
        if playbook.matches(event):
            return Decision(playbook, playbook.severity_for(event))
    return Decision(None, event.severity)


def render(playbook: Playbook | None, event: Event, priority: str) -> str:
    """The Markdown body of an incident opened for an event."""
    lines = [
        f"# {priority}: {event.message}",
        "",
        f"- Detected: {iso(event.timestamp)}",
        f"- Event: `{event.type}.{event.action}` (id `{event.id}`)",
    ]
    for key in ("file.path", "process.pid", "process.executable", "source.ip", "destination.ip"):
        if key in event.fields:
            lines.append(f"- {key}: `{event.fields[key]}`")
    if playbook is None:
        lines += ["", "No playbook matches this event; follow security/incident-response-procedures.md."]
        return "\n".join(lines) + "\n"
    lines += ["", f"## Playbook: {playbook.title} (`{playbook.id}`)", ""]
    if playbook.description:
        lines += [playbook.description, ""]
    if playbook.automated and playbook.actions:
        lines += [f"Automated actions: {', '.join(playbook.actions)}", ""]
    lines += [f"{n}. [ ] {step}" for n, step in enumerate(playbook.steps, 1)]
    if playbook.escalation:
        lines += ["", "## Escalation", ""] + [f"- {e}" for e in playbook.escalation]
    return "\n".join(lines) + "\n"
