"""The one result shape every assay tool returns: measurements, findings and outcomes.

Writers format a Result; the store persists it; the gate, scorer and exporter read it back.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Severity(enum.StrEnum):
    """How serious a finding is, from info to critical; instances compare by rank."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Position in the severity order (info is 0)."""
        return _SEVERITY_ORDER.index(self)

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read a severity name case-insensitively; raise ValueError naming the choices."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {choices})") from None


_SEVERITY_ORDER = list(Severity)


class Status(enum.StrEnum):
    """The one outcome vocabulary: a gate condition, a maturity check, a benchmark verdict, a deployment step.

    Every tool and writer uses these names; a tool that does not apply says NOT_APPLICABLE with its reason.
    """

    PASS = "pass"  # noqa: S105 - an outcome name, not a password
    PARTIAL = "partial"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"
    MISSING = "missing"  # a gate condition whose metric was not measured
    NOT_APPLICABLE = "not_applicable"
    EXEMPT = "exempt"
    ERROR = "error"

    @property
    def counted(self) -> bool:
        """Whether the outcome counts in a percentage: n/a, errors and exemptions never count as zero."""
        return self in (Status.PASS, Status.PARTIAL, Status.FAIL)


@dataclass(frozen=True)
class Event:
    """Something a person should hear about, from any tool: `type` like gate.failed, deploy.rollback,
    security.ioc. Tools publish Events to an EventSink (assay.notify); notify routes them by role."""

    type: str
    severity: Severity
    title: str
    body: str = ""
    source: str = ""
    key: str = ""  # identity for cooldown, escalation and acknowledgement
    runbook: str = ""

    @property
    def alert_key(self) -> str:
        """The alert's identity: ``key``, or type, source and title combined."""
        return self.key or f"{self.type}|{self.source}|{self.title}"


class EventSink(Protocol):
    """Where tools publish Events: notify's router, a webhook, a test's list. Never raises into the tool."""

    def publish(self, event: Event) -> None:
        """Hand one event on."""


@dataclass(frozen=True)
class Measurement:
    """One number a tool measured. `name` must be in the metric catalogue (assay.metrics)."""

    name: str
    value: float
    labels: Mapping[str, str] = field(default_factory=dict)
    unit: str = ""


@dataclass(frozen=True)
class Location:
    """Where a finding is: a path and optionally a line range and column."""

    path: str
    line: int | None = None
    end_line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Finding:
    """One thing a person should look at. `id` is stable per kind of finding (a rule id)."""

    id: str
    severity: Severity
    message: str
    location: Location | None = None
    remediation: str = ""
    tool: str = ""
    # Tool-specific facts that writers may show (cwe, confidence, aliases, ...).
    properties: Mapping[str, Any] = field(default_factory=dict)
    # Stable identity across runs (used by baselines); defaults to id + location.
    fingerprint: str = ""

    def key(self) -> str:
        """The finding's identity for baselines and dedup: its fingerprint, or id, location and message."""
        if self.fingerprint:
            return self.fingerprint
        where = str(self.location) if self.location else ""
        return f"{self.id}|{where}|{self.message}"


@dataclass(frozen=True)
class Outcome:
    """A named pass/fail item, e.g. one gate condition or one maturity check."""

    name: str
    status: Status
    message: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """What a tool returns. `data` is the tool's own JSON payload, published under `schema`."""

    tool: str
    measurements: tuple[Measurement, ...] = ()
    findings: tuple[Finding, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    schema: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""
    summary: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def schema_id(self) -> str:
        """The result's schema id (``assay.<tool>/1`` unless set)."""
        return self.schema or f"assay.{self.tool}/1"

    def failed(self) -> bool:
        """Whether any outcome failed or errored."""
        return any(o.status in (Status.FAIL, Status.ERROR) for o in self.outcomes)
