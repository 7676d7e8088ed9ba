"""Notifications against real receivers on 127.0.0.1: routing by event type, severity and role,
cooldown, retries with backoff, escalation with acknowledgement, email over a real SMTP server,
and secrets that never leak into logs, errors or the store."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from assay.errors import ConfigError, InputError
from assay.notify import COOLDOWN, FAILED, SENT, Notifier, NotifySection, deliveries_result
from assay.results import Event, Severity, Status
from assay.store import Store

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


def section(**values: Any) -> NotifySection:
    return NotifySection.model_validate({"backoff_seconds": 0.001, **values})


def notifier(values: dict[str, Any], store: Store | None = None, clock: Clock | None = None) -> Notifier:
    sleeps: list[float] = []
    made = Notifier(section(**values), store, clock=clock or Clock(), sleep=sleeps.append)
    made.sleeps = sleeps  # type: ignore[attr-defined]  # test hook: the backoff waits requested
    return made


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with Store(tmp_path / "assay.db") as opened:
        yield opened


def three_channels(receiver: Any) -> dict[str, Any]:
    return {
        "chat": {"url": receiver.url(path="/chat"), "kind": "chat"},
        "email": {"url": receiver.url(path="/email"), "kind": "email"},
        "pager": {"url": receiver.url(path="/pager"), "kind": "pager"},
    }


# --- routing ---------------------------------------------------------------------------------------


def test_default_roles_ops_gets_failures_everywhere_dev_gets_everything_on_chat(receiver: Any) -> None:
    n = notifier({"channels": three_channels(receiver)})
    assert n.route(Event("gate.failed", Severity.HIGH, "gate failed")) == {
        "chat": ("ops", "dev"),
        "email": ("ops",),
        "pager": ("ops",),
    }
    assert n.route(Event("deploy.rollback", Severity.MEDIUM, "rolled back")).keys() == {
        "chat",
        "email",
        "pager",
    }
    assert n.route(Event("perf.regression", Severity.MEDIUM, "slower")) == {"chat": ("dev",)}
    assert n.route(Event("security.ioc", Severity.CRITICAL, "ioc")).keys() == {"chat", "email", "pager"}


def test_configured_routes_filter_by_event_pattern_and_minimum_severity(receiver: Any) -> None:
    routes = [
        {"role": "secops", "events": ["security.*"], "min_severity": "HIGH", "channels": ["pager"]},
        {"role": "dev", "events": ["gate.*", "perf.*"], "channels": ["kind:chat"]},
    ]
    n = notifier({"channels": three_channels(receiver), "routes": routes})
    assert n.route(Event("security.ioc", Severity.CRITICAL, "x")) == {"pager": ("secops",)}
    assert n.route(Event("security.scan", Severity.MEDIUM, "x")) == {}
    assert n.route(Event("perf.regression", Severity.LOW, "x")) == {"chat": ("dev",)}
    assert n.route(Event("report.ready", Severity.INFO, "x")) == {}


def test_a_route_naming_an_unknown_channel_is_a_config_error(receiver: Any) -> None:
    with pytest.raises(ConfigError, match=r"notify.routes\[0\].channels: unknown channel 'sms'"):
        notifier({"channels": three_channels(receiver), "routes": [{"role": "ops", "channels": ["sms"]}]})
    with pytest.raises(ConfigError, match=r"notify.escalation.levels\[1\]: unknown channel 'boss'"):
        notifier({"channels": three_channels(receiver), "escalation": {"levels": [["email"], ["boss"]]}})


# --- delivery -------------------------------------------------------------------------------------------


def test_an_event_reaches_a_real_json_webhook_with_its_context(receiver: Any, store: Store) -> None:
    n = notifier(
        {"channels": {"hook": {"url": receiver.url(path="/hook")}}, "routes": [{"role": "ops"}]}, store
    )
    event = Event(
        "gate.failed",
        Severity.HIGH,
        "quality gate failed on main",
        body="coverage 71 % < 80 %",
        source="web",
        runbook="docs/rollback.md#failing-quality-gate-on-main",
    )
    [delivery] = n.notify(event)
    assert (delivery.status, delivery.attempts, delivery.roles) == (SENT, 1, ("ops",))
    [payload] = receiver.on("/hook")
    assert payload["title"] == "[assay] [HIGH] quality gate failed on main"
    assert payload["type"] == "failure"
    assert "coverage 71 % < 80 %" in payload["message"]
    assert "runbook: docs/rollback.md#failing-quality-gate-on-main" in payload["message"]
    assert "assay notify ack 'gate.failed|web|quality gate failed on main'" in payload["message"]


def test_form_webhooks_work_too(receiver: Any) -> None:
    n = notifier({"channels": {"form": {"url": receiver.url("form", "/form")}}})
    [delivery] = n.test()
    assert delivery.status == SENT
    assert receiver.on("/form")[0]["title"] == "[assay] [INFO] assay test notification"


def test_cooldown_holds_back_the_same_alert_and_survives_a_restart(receiver: Any, store: Store) -> None:
    clock = Clock()
    config = {"channels": {"hook": {"url": receiver.url()}}, "cooldown_minutes": 30}
    event = Event("gate.failed", Severity.HIGH, "gate failed", source="web")
    assert [d.status for d in notifier(config, store, clock).notify(event)] == [SENT]
    clock.advance(10)
    # A new Notifier (as the next CLI run would be) still sees the cooldown in the store.
    assert [d.status for d in notifier(config, store, clock).notify(event)] == [COOLDOWN]
    other = Event("gate.failed", Severity.HIGH, "gate failed", source="api")
    assert [d.status for d in notifier(config, store, clock).notify(other)] == [SENT]
    clock.advance(21)
    assert [d.status for d in notifier(config, store, clock).notify(event)] == [SENT]
    assert len(receiver.on("/hook")) == 3


def test_failed_attempts_are_retried_with_doubling_backoff(receiver: Any) -> None:
    receiver.statuses = [500, 503]
    n = notifier({"channels": {"hook": {"url": receiver.url()}}, "retries": 3, "backoff_seconds": 0.5})
    [delivery] = n.test()
    assert (delivery.status, delivery.attempts) == (SENT, 3)
    assert n.sleeps == [0.5, 1.0]  # type: ignore[attr-defined]
    assert receiver.attempts == 3


def test_a_channel_that_keeps_failing_is_reported_after_every_retry(receiver: Any) -> None:
    receiver.statuses = [500] * 10
    n = notifier({"channels": {"hook": {"url": receiver.url()}}, "retries": 2})
    [delivery] = n.test()
    assert (delivery.status, delivery.attempts) == (FAILED, 3)
    assert delivery.error.startswith("not delivered after 3 attempts")
    assert receiver.attempts == 3
    result = deliveries_result([delivery], event=None, title="t")
    assert result.outcomes[0].status == Status.FAIL


def test_disabled_notifications_send_nothing(receiver: Any) -> None:
    n = notifier({"channels": {"hook": {"url": receiver.url()}}, "enabled": False})
    assert [d.status for d in n.notify(Event("gate.failed", Severity.HIGH, "x"))] == ["disabled"]
    assert receiver.attempts == 0


# --- escalation -------------------------------------------------------------------------------------------


def escalating(receiver: Any) -> dict[str, Any]:
    return {
        "channels": three_channels(receiver),
        "routes": [{"role": "dev", "channels": ["chat"]}],
        "escalation": {"after_minutes": 15, "min_severity": "high", "levels": [["email"], ["pager"]]},
    }


def test_unacknowledged_alerts_escalate_level_by_level(receiver: Any, store: Store) -> None:
    clock = Clock()
    n = notifier(escalating(receiver), store, clock)
    n.notify(Event("security.ioc", Severity.CRITICAL, "IOC matched", key="ioc-1"))
    n.notify(Event("perf.regression", Severity.MEDIUM, "slower", key="perf-1"))  # below min_severity
    clock.advance(10)
    assert n.escalate_due() == []
    clock.advance(6)
    [(key, [delivery])] = n.escalate_due()
    assert (key, delivery.channel, delivery.level) == ("ioc-1", "email", 1)
    assert receiver.on("/email")[0]["title"] == "[assay] [ESCALATED 1] [CRITICAL] IOC matched"
    clock.advance(5)
    assert n.escalate_due() == []  # the next level waits another 15 minutes
    clock.advance(11)
    [(_, [delivery])] = n.escalate_due()
    assert (delivery.channel, delivery.level) == ("pager", 2)
    clock.advance(60)
    assert n.escalate_due() == []  # no level left
    assert [p["title"] for p in receiver.on("/chat")] == [
        "[assay] [CRITICAL] IOC matched",
        "[assay] [MEDIUM] slower",
    ]


def test_acknowledging_stops_escalation_and_a_new_firing_reopens_it(receiver: Any, store: Store) -> None:
    clock = Clock()
    n = notifier({**escalating(receiver), "cooldown_minutes": 5}, store, clock)
    event = Event("security.ioc", Severity.CRITICAL, "IOC matched", key="ioc-1")
    n.notify(event)
    n.acknowledge("ioc-1", by="alice")
    clock.advance(20)
    assert n.escalate_due() == []
    [alert] = n.open_alerts()
    assert alert["acked_by"] == "alice"
    # It fires again after the cooldown: a fresh, unacknowledged alert that escalates again.
    assert [d.status for d in n.notify(event)] == [SENT]
    assert n.open_alerts()[0]["acked_at"] is None
    clock.advance(16)
    assert [key for key, _ in n.escalate_due()] == ["ioc-1"]


def test_acknowledging_an_unknown_alert_is_an_input_error(receiver: Any, store: Store) -> None:
    with pytest.raises(InputError, match="no notified alert with key 'nope'"):
        notifier(escalating(receiver), store).acknowledge("nope")


# --- email over real SMTP -----------------------------------------------------------------------


def test_email_is_delivered_through_a_real_smtp_server(smtp_server: Any) -> None:
    n = notifier({"channels": {"mail": {"url": smtp_server.url()}}, "routes": [{"role": "ops"}]})
    [delivery] = n.notify(Event("deploy.rollback", Severity.HIGH, "web rolled back to v1.4.2"))
    assert delivery.status == SENT
    [message] = smtp_server.messages
    assert "web rolled back to v1.4.2" in message
    assert "oncall@example.com" in message


def test_a_rejected_smtp_login_fails_without_revealing_the_password(
    smtp_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "Wr0ng-Secret-Passw0rd"
    caplog.set_level(logging.DEBUG)
    n = notifier({"channels": {"mail": {"url": smtp_server.url(password=wrong)}}, "retries": 1})
    [delivery] = n.test()
    assert delivery.status == FAILED
    assert smtp_server.messages == []
    assert wrong not in delivery.error
    assert wrong not in caplog.text
    assert smtp_server.password not in caplog.text


# --- secrets ---------------------------------------------------------------------------------------------


def test_webhook_credentials_and_tokens_never_reach_logs_errors_or_the_store(
    receiver: Any, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    password, token = "hunter2-Very-Secret", "T0KEN-abcdef123456"
    url = receiver.url(path=f"/services/{token}", auth=f"bot:{password}")
    receiver.statuses = [500] * 10
    caplog.set_level(logging.DEBUG)
    n = notifier({"channels": {"hook": {"url": url}}, "retries": 1}, store)
    deliveries = n.notify(Event("gate.failed", Severity.HIGH, "x"))
    assert [d.status for d in deliveries] == [FAILED]
    text = (
        caplog.text
        + repr(deliveries)
        + repr(n.channels)
        + repr(deliveries_result(deliveries, event=None, title=""))
    )
    assert password not in text and token not in text
    store.connection.execute("PRAGMA wal_checkpoint(FULL)")
    raw = Path(store.path).read_bytes()
    assert password.encode() not in raw and token.encode() not in raw


def test_an_unusable_url_is_a_config_error_that_hides_the_value() -> None:
    with pytest.raises(ConfigError) as raised:
        notifier({"channels": {"hook": {"url": "nosuchscheme://user:Pa55word-x@host/tok"}}})
    assert (
        str(raised.value) == "notify.channels.hook: not a notification URL apprise understands (value hidden)"
    )


def test_the_url_can_come_from_a_file(receiver: Any, tmp_path: Path) -> None:
    secret = tmp_path / "hook-url"
    secret.write_text(receiver.url(path="/from-file") + "\n")
    [delivery] = notifier({"channels": {"hook": {"url_file": str(secret)}}}).test()
    assert delivery.status == SENT
    assert len(receiver.on("/from-file")) == 1
    with pytest.raises(ConfigError, match=r"notify.channels.hook.url_file: cannot read"):
        notifier({"channels": {"hook": {"url_file": str(tmp_path / "missing")}}})


def test_send_event_is_quiet_without_channels_and_routes_with_them(
    git_repo: Any, receiver: Any, tmp_path: Path
) -> None:
    from assay.config import load_config
    from assay.notify import send_event

    event = Event("gate.failed", Severity.HIGH, "gate failed on main")
    git_repo.write("pyproject.toml", '[project]\nname = "demo"\n')
    assert send_event(load_config(git_repo.path, ()), tmp_path / "a.db", event) == []
    assert not (tmp_path / "a.db").exists()
    git_repo.write(
        "pyproject.toml",
        '[project]\nname = "demo"\n[tool.assay.notify]\nbackoff_seconds = 0.001\n'
        f'[tool.assay.notify.channels.chat]\nurl = "{receiver.url()}"\nkind = "chat"\n',
    )
    [delivery] = send_event(load_config(git_repo.path, ()), tmp_path / "a.db", event)
    assert (delivery.channel, delivery.status, delivery.roles) == ("chat", SENT, ("ops", "dev"))
    receiver.statuses = [500] * 10
    later = Event("gate.failed", Severity.HIGH, "gate failed again")
    config = load_config(git_repo.path, ())
    assert [d.status for d in send_event(config, tmp_path / "a.db", later)] == [FAILED]


def test_the_security_monitor_hook_sends_its_alerts_and_never_raises(
    git_repo: Any,
    receiver: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import assay.notify
    from assay.config import load_config
    from assay.notify import bind, notify_event
    from assay.security.monitor.events import Event as MonitorEvent

    monkeypatch.setattr(assay.notify, "_bound", {})  # bind() is process-wide; undo it after the test

    git_repo.write(
        "pyproject.toml",
        '[project]\nname = "demo"\n[tool.assay.notify]\nbackoff_seconds = 0.001\n'
        f'[tool.assay.notify.channels.chat]\nurl = "{receiver.url()}"\nkind = "chat"\n',
    )
    bind(load_config(git_repo.path, ()), tmp_path / "monitor.db")
    changed = MonitorEvent(
        "file", "changed", Severity.HIGH, "/etc/passwd changed", {"file.path": "/etc/passwd"}
    )
    notify_event(changed, "P1")
    notify_event(MonitorEvent("file", "added", Severity.LOW, "new file in /tmp"), "P4")  # not an alert
    [payload] = receiver.on("/hook")
    assert payload["title"] == "[assay] [HIGH] /etc/passwd changed"
    assert "priority: P1" in payload["message"] and "file.path: /etc/passwd" in payload["message"]
    notify_event(changed, "P1")  # the same subject again: cooldown
    assert len(receiver.on("/hook")) == 1

    git_repo.write(
        "pyproject.toml", '[project]\nname = "demo"\n[tool.assay.notify.channels.chat]\nurl_file = "gone"\n'
    )
    bind(load_config(git_repo.path, ()), tmp_path / "monitor.db")
    notify_event(changed, "P1")  # a channel that cannot be set up is logged, not raised into the monitor
    assert "notification skipped: notify.channels.chat.url_file: cannot read" in caplog.text
