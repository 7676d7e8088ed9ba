"""Direct notifications for teams without Alertmanager: route events by type, severity and role to
apprise channels (Slack, Teams, email, PagerDuty, SMS, JSON webhooks), with a cooldown, retries with
backoff, and escalation to the next contact level while an alert stays unacknowledged."""

from __future__ import annotations

import fnmatch
import logging
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator

from assay.config import Config, SectionModel, resolve_path
from assay.errors import AssayError, ConfigError, InputError
from assay.results import Event, Outcome, Result, Severity, Status
from assay.store import Store

log = logging.getLogger(__name__)

SCHEMA = "assay.notify/1"
Kind = Literal["chat", "email", "pager", "sms", "webhook", "other"]

# apprise URL scheme -> the kind of contact it reaches; routes can select channels by kind.
_KINDS: dict[str, Kind] = {
    **dict.fromkeys(
        ("slack", "msteams", "workflow", "workflows", "discord", "matrix", "matrixs", "mmost", "mmosts",
         "rocket", "rockets", "tgram", "zulip", "gchat", "ntfy", "ntfys", "lark", "feishu", "wxteams"),
        "chat",
    ),
    **dict.fromkeys(("mailto", "mailtos", "email", "emails"), "email"),
    **dict.fromkeys(("pagerduty", "opsgenie", "pagertree", "splunk", "victorops", "signl4"), "pager"),
    **dict.fromkeys(
        ("twilio", "sns", "clicksend", "msg91", "d7sms", "vonage", "nexmo", "bulksms", "sinch", "smseagle",
         "plivo", "seven", "kavenegar", "bulkvs", "signal", "signals"),
        "sms",
    ),
    **dict.fromkeys(("json", "jsons", "form", "forms", "xml", "xmls"), "webhook"),
}  # fmt: skip


# --- configuration: [tool.assay.notify] ------------------------------------------------------------


def _severity(value: Any) -> Severity:
    if isinstance(value, Severity):
        return value
    return Severity.parse(str(value))


class ChannelConfig(SectionModel):
    """Configuration of one notification channel (an apprise URL)."""

    url: SecretStr | None = Field(None, description="apprise URL; use ${VAR} to keep it out of the file")
    url_file: str | None = Field(None, description="file holding the apprise URL (e.g. a mounted secret)")
    kind: Kind | None = Field(None, description="chat, email, pager, sms, webhook (default: from the scheme)")


class RouteConfig(SectionModel):
    """Which events, at which severity, go to which channels for one role."""

    role: str = Field(description="who this route is for (ops, dev, ...); shown in the message")
    events: list[str] = Field(default_factory=lambda: ["*"], description="event type patterns (fnmatch)")
    min_severity: Severity = Severity.INFO
    channels: list[str] = Field(
        default_factory=lambda: ["*"], description="channel names, '*' for all, or 'kind:chat'"
    )

    _parse_severity = field_validator("min_severity", mode="before")(_severity)


class EscalationConfig(SectionModel):
    """When unacknowledged alerts escalate and to which contact levels."""

    after_minutes: float = Field(15.0, gt=0, description="unacknowledged this long -> next contact level")
    min_severity: Severity = Field(Severity.HIGH, description="events at or above this can escalate")
    levels: list[list[str]] = Field(
        default_factory=list, description="contact levels, each a list of channel names, in order"
    )

    _parse_severity = field_validator("min_severity", mode="before")(_severity)


def _default_routes() -> list[RouteConfig]:
    return [
        # ops: failures and rollbacks, and anything critical, on every channel
        RouteConfig(role="ops", events=["*.failed", "*.rollback", "rollback"], channels=["*"]),
        RouteConfig(role="ops", events=["*"], min_severity=Severity.CRITICAL, channels=["*"]),
        # dev: everything, on chat
        RouteConfig(role="dev", events=["*"], channels=["kind:chat"]),
    ]


class NotifySection(SectionModel):
    """`[tool.assay.notify]`: channels, routes, cooldown, retries and escalation."""

    enabled: bool = True
    cooldown_minutes: float = Field(30.0, ge=0, description="the same alert is not repeated within this")
    retries: int = Field(3, ge=0, le=10, description="extra attempts per channel after a failure")
    backoff_seconds: float = Field(2.0, ge=0, description="wait before the first retry; doubles each time")
    channels: dict[str, ChannelConfig] = Field(default_factory=dict)
    routes: list[RouteConfig] = Field(default_factory=_default_routes)
    escalation: EscalationConfig = Field(default_factory=lambda: EscalationConfig.model_validate({}))


# --- events and deliveries ---------------------------------------------------------------------------


SENT, COOLDOWN, FAILED, DISABLED = "sent", "cooldown", "failed", "disabled"


@dataclass(frozen=True)
class Delivery:
    """What happened on one channel. `error` never contains the channel's URL or credentials."""

    channel: str
    status: str
    attempts: int = 0
    roles: tuple[str, ...] = ()
    error: str = ""
    level: int = 0  # 0: normal routing; n: the n-th escalation level


@dataclass
class Channel:
    """A configured notification channel ready to send to."""

    name: str
    kind: Kind
    url: str = field(repr=False)


MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE notify_alerts (
        key TEXT PRIMARY KEY,
        event_type TEXT NOT NULL,
        severity TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '',
        runbook TEXT NOT NULL DEFAULT '',
        first_sent_at REAL NOT NULL,
        last_sent_at REAL NOT NULL,
        escalates INTEGER NOT NULL DEFAULT 0,
        level INTEGER NOT NULL DEFAULT 0,
        escalated_at REAL,
        acked_at REAL,
        acked_by TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE notify_deliveries (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        channel TEXT NOT NULL,
        level INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        sent_at REAL NOT NULL
    );
    CREATE INDEX notify_deliveries_lookup ON notify_deliveries (key, channel, sent_at);
    """,
)


# --- the notifier ------------------------------------------------------------------------------------


class Notifier:
    """Routes events to channels. State (cooldown, escalation, acknowledgements) lives in the store."""

    def __init__(
        self,
        section: NotifySection,
        store: Store | None = None,
        *,
        root: Path | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.section = section
        self.store = store
        self.clock = clock
        self.sleep = sleep
        self.channels = _load_channels(section, root or Path.cwd())
        _check_references(section, self.channels)
        if store is not None:
            store.ensure_component("notify", MIGRATIONS)

    @classmethod
    def from_config(cls, config: Config, store: Store | None = None, **kwargs: Any) -> Notifier:
        """A notifier for the `[tool.assay.notify]` section of this configuration."""
        return cls(config.section("notify", NotifySection), store, root=config.root, **kwargs)

    # -- routing --------------------------------------------------------------------------------------

    def route(self, event: Event) -> dict[str, tuple[str, ...]]:
        """Channel name -> roles that want this event there (in configuration order)."""
        out: dict[str, list[str]] = {}
        for route in self.section.routes:
            if event.severity < route.min_severity:
                continue
            if not any(fnmatch.fnmatchcase(event.type, pattern) for pattern in route.events):
                continue
            for name in self._select(route.channels):
                roles = out.setdefault(name, [])
                if route.role not in roles:
                    roles.append(route.role)
        return {name: tuple(roles) for name, roles in out.items()}

    def _select(self, selectors: Sequence[str]) -> list[str]:
        names: list[str] = []
        for selector in selectors:
            if selector == "*":
                found = list(self.channels)
            elif selector.startswith("kind:"):
                found = [c.name for c in self.channels.values() if c.kind == selector[5:]]
            else:
                found = [selector]
            names.extend(n for n in found if n not in names)
        return names

    # -- sending --------------------------------------------------------------------------------------

    def notify(self, event: Event) -> list[Delivery]:
        """Send an event along its routes, skipping channels still in cooldown for this alert."""
        if not self.section.enabled:
            return [Delivery(name, DISABLED, roles=roles) for name, roles in self.route(event).items()]
        now = self.clock()
        key = event.alert_key
        deliveries = []
        for name, roles in self.route(event).items():
            if self._in_cooldown(key, name, now):
                deliveries.append(Delivery(name, COOLDOWN, roles=roles))
                continue
            deliveries.append(self._deliver(self.channels[name], event, roles))
        self._remember(event, deliveries, now)
        return deliveries

    def test(self, names: Sequence[str] = ()) -> list[Delivery]:
        """Send a test alert to the named channels (default: all), ignoring routes and cooldown."""
        if not self.channels:
            raise ConfigError(
                "notify: no channels configured; add [tool.assay.notify.channels.NAME] with url = ..."
            )
        unknown = [n for n in names if n not in self.channels]
        if unknown:
            raise InputError(
                f"unknown notification channel {unknown[0]!r} (configured: {', '.join(self.channels)})"
            )
        event = Event(
            type="notify.test",
            severity=Severity.INFO,
            title="assay test notification",
            body="If you can read this, assay can reach this channel.",
        )
        return [self._deliver(self.channels[n], event, ("test",)) for n in (names or list(self.channels))]

    def _deliver(self, channel: Channel, event: Event, roles: Sequence[str], level: int = 0) -> Delivery:
        attempts = 1 + self.section.retries
        delay = self.section.backoff_seconds
        error = ""
        for attempt in range(1, attempts + 1):
            ok, error = _send(channel, event, roles, level)
            if ok:
                log.info("notified channel %s about %s (attempt %d)", channel.name, event.type, attempt)
                return Delivery(channel.name, SENT, attempt, tuple(roles), level=level)
            log.warning("channel %s: attempt %d of %d failed", channel.name, attempt, attempts)
            if attempt < attempts:
                self.sleep(delay)
                delay *= 2
        message = f"not delivered after {attempts} attempt{'s' if attempts > 1 else ''}"
        return Delivery(channel.name, FAILED, attempts, tuple(roles), f"{message}: {error}", level)

    # -- state: cooldown, escalation, acknowledgement -----------------------------------------------

    def _in_cooldown(self, key: str, channel: str, now: float) -> bool:
        if self.store is None or self.section.cooldown_minutes <= 0:
            return False
        row = self.store.connection.execute(
            "SELECT 1 FROM notify_deliveries WHERE key = ? AND channel = ? AND status = ? AND sent_at > ?",
            (key, channel, SENT, now - self.section.cooldown_minutes * 60),
        ).fetchone()
        return row is not None

    def _remember(self, event: Event, deliveries: Sequence[Delivery], now: float) -> None:
        if self.store is None:
            return
        escalation = self.section.escalation
        escalates = int(bool(escalation.levels) and event.severity >= escalation.min_severity)
        sent_any = any(d.status == SENT for d in deliveries)
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT acked_at FROM notify_alerts WHERE key = ?", (event.alert_key,)
            ).fetchone()
            if row is None or (row["acked_at"] is not None and sent_any):
                # New, or firing again after someone acknowledged it: (re)open at level 0.
                conn.execute(
                    "INSERT INTO notify_alerts (key, event_type, severity, title, body, source, runbook, "
                    "first_sent_at, last_sent_at, escalates) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET severity = excluded.severity, title = excluded.title, "
                    "body = excluded.body, first_sent_at = excluded.first_sent_at, "
                    "last_sent_at = excluded.last_sent_at, escalates = excluded.escalates, level = 0, "
                    "escalated_at = NULL, acked_at = NULL, acked_by = ''",
                    (event.alert_key, event.type, event.severity.value, event.title, event.body,
                     event.source, event.runbook, now, now, escalates),
                )  # fmt: skip
            elif sent_any:
                conn.execute(
                    "UPDATE notify_alerts SET last_sent_at = ? WHERE key = ?", (now, event.alert_key)
                )
            _record_deliveries(conn, event.alert_key, deliveries, now)

    def escalate_due(self) -> list[tuple[str, list[Delivery]]]:
        """Send every unacknowledged alert that waited `after_minutes` to its next contact level."""
        store = self._require_store()
        escalation = self.section.escalation
        now = self.clock()
        rows = store.connection.execute(
            "SELECT * FROM notify_alerts WHERE escalates = 1 AND acked_at IS NULL AND level < ? "
            "AND COALESCE(escalated_at, first_sent_at) <= ? ORDER BY first_sent_at",
            (len(escalation.levels), now - escalation.after_minutes * 60),
        ).fetchall()
        out = []
        for row in rows:
            level = int(row["level"]) + 1
            event = Event(
                type=row["event_type"],
                severity=Severity(row["severity"]),
                title=row["title"],
                body=row["body"],
                source=row["source"],
                key=row["key"],
                runbook=row["runbook"],
            )
            deliveries = [
                self._deliver(self.channels[name], event, ("escalation",), level)
                for name in escalation.levels[level - 1]
            ]
            with store.transaction() as conn:
                conn.execute(
                    "UPDATE notify_alerts SET level = ?, escalated_at = ? WHERE key = ?",
                    (level, now, row["key"]),
                )
                _record_deliveries(conn, row["key"], deliveries, now)
            out.append((str(row["key"]), deliveries))
        return out

    def acknowledge(self, key: str, by: str = "") -> None:
        """Stop escalating an alert. Unknown keys are an input error (a typo must not look handled)."""
        store = self._require_store()
        with store.transaction() as conn:
            cur = conn.execute(
                "UPDATE notify_alerts SET acked_at = ?, acked_by = ? WHERE key = ? AND acked_at IS NULL",
                (self.clock(), by, key),
            )
            if cur.rowcount == 0:
                known = conn.execute("SELECT 1 FROM notify_alerts WHERE key = ?", (key,)).fetchone()
                if known is None:
                    raise InputError(f"no notified alert with key {key!r} (see `assay notify status`)")

    def open_alerts(self) -> list[dict[str, Any]]:
        """The alerts on record, most recently sent first."""
        store = self._require_store()
        rows = store.connection.execute(
            "SELECT key, event_type, severity, title, first_sent_at, last_sent_at, level, acked_at, acked_by "
            "FROM notify_alerts ORDER BY last_sent_at DESC"
        ).fetchall()
        return [dict(row) for row in rows]

    def _require_store(self) -> Store:
        if self.store is None:
            raise InputError("notification state needs a store")
        return self.store


def send_event(config: Config, store_path: Path, event: Event) -> list[Delivery]:
    """For the daemon, `assay gate` and `assay report`: route `event` if channels are configured.

    Returns no deliveries when nothing is configured or notifications are disabled. Undelivered
    channels are returned (and logged by name), never raised: a notification must not fail a gate.
    """
    section = config.section("notify", NotifySection)
    if not section.channels or not section.enabled:
        return []
    with Store(store_path) as store:
        deliveries = Notifier(section, store, root=config.root).notify(event)
    for delivery in deliveries:
        if delivery.status == FAILED:
            log.error("notification to channel %s failed: %s", delivery.channel, delivery.error)
    return deliveries


class NotifySink:
    """The EventSink that routes events through the configured channels (what the monitor, gate,
    release and deploy tools publish to). Never raises: a notification problem is logged by channel name."""

    def __init__(self, config: Config, store_path: Path) -> None:
        self.config = config
        self.store_path = store_path.absolute()

    def publish(self, event: Event) -> None:
        """Route one event; failures are logged, never raised."""
        try:
            send_event(self.config, self.store_path, event)
        except AssayError as exc:
            log.error("notification skipped: %s", exc)
        except Exception as exc:  # a publisher's thread must survive any notification bug
            log.error("notification failed: %s", type(exc).__name__)


# The security monitor's hook (`notifier=` in assay.security.monitor.daemon) is called with the
# monitor's event and its playbook priority only; bind() tells it which config and store to use.
_bound: dict[str, Any] = {}
try:
    _START_DIR: Path | None = Path.cwd()  # the daemon chdirs to / when it detaches
except OSError:
    _START_DIR = None


def bind(config: Config, store_path: Path) -> None:
    """Use this configuration and store for notify_event (call once when the daemon starts)."""
    _bound["config"] = config
    _bound["store"] = store_path.absolute()


def _binding() -> tuple[Config, Path]:
    if "config" not in _bound:
        from assay.config import StoreSection, load_config

        if _START_DIR is None:
            raise InputError("notify: no configuration bound and no start directory")
        config = load_config(_START_DIR)
        bind(config, resolve_path(config.root, config.section("store", StoreSection).path))
    return _bound["config"], _bound["store"]


def notify_event(event: Any, priority: str) -> None:
    """Notify about a security monitor event of medium severity or above (its alerts). Never raises:
    a notification problem must not stop the monitor; it is logged (channel names only)."""
    try:
        severity = Severity(str(event.severity))
        if severity < Severity.MEDIUM:
            return
        config, store_path = _binding()
        fields = getattr(event, "fields", {}) or {}
        subject = [
            f"{k}: {fields[k]}" for k in ("file.path", "source.ip", "process.executable") if fields.get(k)
        ]
        key = event.key() if callable(getattr(event, "key", None)) else ""
        send_event(
            config,
            store_path,
            Event(
                type=f"security.{event.type}.{event.action}",
                severity=severity,
                title=str(event.message),
                body="\n".join([f"priority: {priority}", *subject]),
                source=socket.gethostname(),
                key=f"security|{key}" if key else "",
                runbook="security/incident-response-procedures.md",
            ),
        )
    except AssayError as exc:
        log.error("notification skipped: %s", exc)
    except Exception as exc:  # the monitor's thread must survive any notification bug
        log.error("notification failed: %s", type(exc).__name__)


# --- results for the CLI --------------------------------------------------------------------------


def deliveries_result(deliveries: Sequence[Delivery], *, event: Event | None, title: str) -> Result:
    """Deliveries as a Result: one outcome per channel (names only, never URLs)."""
    status = {SENT: Status.PASS, FAILED: Status.FAIL, COOLDOWN: Status.SKIP, DISABLED: Status.SKIP}
    outcomes = tuple(
        Outcome(
            d.channel,
            status[d.status],
            d.error or d.status + (f" (escalation level {d.level})" if d.level else ""),
            {"roles": list(d.roles), "attempts": d.attempts, "level": d.level},
        )
        for d in deliveries
    )
    sent = sum(d.status == SENT for d in deliveries)
    failed = [d.channel for d in deliveries if d.status == FAILED]
    summary = f"{sent} of {len(deliveries)} channel(s) notified"
    if failed:
        summary += f"; failed: {', '.join(failed)}"
    data: dict[str, Any] = {
        "deliveries": [
            {"channel": d.channel, "status": d.status, "attempts": d.attempts, "roles": list(d.roles),
             "level": d.level, "error": d.error}
            for d in deliveries
        ],
    }  # fmt: skip
    if event is not None:
        data["event"] = {
            "type": event.type,
            "severity": event.severity.value,
            "title": event.title,
            "key": event.alert_key,
        }
    return Result(tool="notify", outcomes=outcomes, schema=SCHEMA, data=data, title=title, summary=summary)


# --- internals ------------------------------------------------------------------------------------


def _record_deliveries(
    conn: sqlite3.Connection, key: str, deliveries: Sequence[Delivery], now: float
) -> None:
    conn.executemany(
        "INSERT INTO notify_deliveries (key, channel, level, status, attempts, sent_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(key, d.channel, d.level, d.status, d.attempts, now) for d in deliveries],
    )


def _load_channels(section: NotifySection, root: Path) -> dict[str, Channel]:
    import apprise

    channels: dict[str, Channel] = {}
    for name, cfg in section.channels.items():
        where = f"notify.channels.{name}"
        if cfg.url is not None and cfg.url_file:
            raise ConfigError(f"{where}: set url or url_file, not both")
        if cfg.url is not None:
            url = cfg.url.get_secret_value().strip()
        elif cfg.url_file:
            path = resolve_path(root, cfg.url_file)
            try:
                url = path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"{where}.url_file: cannot read {path}: {exc.strerror or exc}") from None
        else:
            raise ConfigError(f"{where}: url or url_file is required")
        if not url:
            raise ConfigError(f"{where}: the notification URL is empty")
        with _quiet_apprise():
            understood = apprise.Apprise().add(url)
        if not understood:
            # Never echo the URL: it usually carries a token or password.
            raise ConfigError(f"{where}: not a notification URL apprise understands (value hidden)")
        scheme = url.split("://", 1)[0].lower()
        channels[name] = Channel(name, cfg.kind or _KINDS.get(scheme, "other"), url)
    return channels


def _check_references(section: NotifySection, channels: Mapping[str, Channel]) -> None:
    for i, route in enumerate(section.routes):
        for selector in route.channels:
            if selector != "*" and not selector.startswith("kind:") and selector not in channels:
                raise ConfigError(f"notify.routes[{i}].channels: unknown channel {selector!r}")
    for i, level in enumerate(section.escalation.levels):
        if not level:
            raise ConfigError(f"notify.escalation.levels[{i}]: a contact level needs at least one channel")
        for name in level:
            if name not in channels:
                raise ConfigError(f"notify.escalation.levels[{i}]: unknown channel {name!r}")


def _send(channel: Channel, event: Event, roles: Sequence[str], level: int) -> tuple[bool, str]:
    """One attempt. Returns (delivered, a secret-free reason when not)."""
    import apprise

    title = f"[assay] [{event.severity.value.upper()}] {event.title}"
    if level:
        title = f"[assay] [ESCALATED {level}] [{event.severity.value.upper()}] {event.title}"
    lines = [event.body] if event.body else []
    lines.append(f"event: {event.type}" + (f" | source: {event.source}" if event.source else ""))
    if event.runbook:
        lines.append(f"runbook: {event.runbook}")
    lines.append(f"for: {', '.join(roles)} | ack: assay notify ack '{event.alert_key}'")
    notify_type = {
        Severity.CRITICAL: apprise.NotifyType.FAILURE,
        Severity.HIGH: apprise.NotifyType.FAILURE,
        Severity.MEDIUM: apprise.NotifyType.WARNING,
    }.get(event.severity, apprise.NotifyType.INFO)
    sender = apprise.Apprise()
    with _quiet_apprise() as captured:
        sender.add(channel.url)
        try:
            ok = bool(sender.notify(body="\n".join(lines), title=title, notify_type=notify_type))
        except Exception as exc:  # apprise plugins raise assorted errors; treat all as a failed attempt
            ok = False
            captured.append(type(exc).__name__)
    reason = _scrub(captured[-1] if captured else "the service refused the notification", channel.url)
    return ok, reason


class _Capture(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


# apprise and the HTTP stack under it log URLs, and URLs carry tokens (Slack, Teams) or passwords.
_CHATTY_LOGGERS = ("apprise", "urllib3", "requests")
_LOGGERS_LOCK = threading.RLock()  # the daemon may notify from several threads


@contextmanager
def _quiet_apprise() -> Iterator[list[str]]:
    """Keep the log lines of apprise and urllib3 away from every handler while a notification is
    sent; hand back their warnings so that a scrubbed reason can be reported instead."""
    captured: list[str] = []
    saved: list[tuple[logging.Logger, int, bool, list[logging.Handler]]] = []
    with _LOGGERS_LOCK:
        try:
            for name in _CHATTY_LOGGERS:
                logger = logging.getLogger(name)
                saved.append((logger, logger.level, logger.propagate, list(logger.handlers)))
                logger.handlers = [_Capture(captured)]
                logger.propagate = False
                logger.setLevel(logging.WARNING)
            yield captured
        finally:
            for logger, level, propagate, handlers in saved:
                logger.setLevel(level)
                logger.propagate = propagate
                logger.handlers = handlers


_URL_PARTS = re.compile(r"[:/@?&=#+%,;\s]+")


def _scrub(text: str, url: str) -> str:
    """Remove every piece of the channel URL except its scheme and host from a message."""
    scheme, _, rest = url.partition("://")
    hostport = rest.split("/", 1)[0].rsplit("@", 1)[-1].split("?", 1)[0]
    keep = {scheme.lower(), *hostport.split(":")}
    secrets = {part for part in _URL_PARTS.split(rest) if len(part) >= 3 and part not in keep}
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text[:200]
