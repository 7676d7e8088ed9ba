"""`assay notify ...` as a user runs it: configuration in pyproject.toml, a real receiver on 127.0.0.1."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

TOKEN = "XOXB-Secret-Token-98765"


def configure(git_repo: Any, notify: str) -> Path:
    git_repo.write("pyproject.toml", f'[project]\nname = "demo"\n\n[tool.assay.notify]\n{notify}')
    return Path(git_repo.path)


def channels(receiver: Any, **extra: str) -> str:
    lines = ["backoff_seconds = 0.001", "retries = 1"]
    lines += [f"{k} = {v}" for k, v in extra.items()]
    lines += [
        "[tool.assay.notify.channels.chat]",
        f'url = "{receiver.url(path=f"/chat/{TOKEN}")}"',
        'kind = "chat"',
        "[tool.assay.notify.channels.oncall]",
        f'url = "{receiver.url(path="/oncall")}"',
        'kind = "pager"',
    ]
    return "\n".join(lines) + "\n"


def test_notify_test_reaches_every_channel(git_repo: Any, receiver: Any, assay_cli: Any) -> None:
    root = configure(git_repo, channels(receiver))
    result = assay_cli("--repo", root, "notify", "test", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "assay.notify/1"
    assert [(o["name"], o["status"]) for o in doc["outcomes"]] == [("chat", "pass"), ("oncall", "pass")]
    assert len(receiver.on(f"/chat/{TOKEN}")) == 1 and len(receiver.on("/oncall")) == 1
    assert TOKEN not in result.stdout + result.stderr


def test_notify_test_one_channel(git_repo: Any, receiver: Any, assay_cli: Any) -> None:
    root = configure(git_repo, channels(receiver))
    result = assay_cli("--repo", root, "notify", "test", "--channel", "oncall", "--format", "json")
    assert result.exit_code == 0
    assert receiver.on("/oncall") and not receiver.on(f"/chat/{TOKEN}")


def test_an_undelivered_test_exits_2_and_never_prints_the_url(
    git_repo: Any, receiver: Any, assay_cli: Any
) -> None:
    receiver.statuses = [500] * 10
    root = configure(git_repo, channels(receiver))
    result = assay_cli("-vv", "--repo", root, "notify", "test", "--channel", "chat", "--format", "json")
    assert result.exit_code == 2
    assert "assay: error: notification not delivered to: chat" in result.stderr
    assert json.loads(result.stdout)["outcomes"][0]["status"] == "fail"
    assert TOKEN not in result.stdout + result.stderr


def test_config_show_hides_the_channel_urls(git_repo: Any, receiver: Any, assay_cli: Any) -> None:
    root = configure(git_repo, channels(receiver))
    result = assay_cli("--repo", root, "config", "show", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert TOKEN not in result.stdout
    shown = json.loads(result.stdout)["config"]["notify"]["channels"]["chat"]
    assert shown["kind"] == "chat"
    assert "127.0.0.1" not in str(shown["url"])


@pytest.mark.parametrize(
    ("notify", "args", "message"),
    [
        ("enabled = true\n", ["notify", "test"], "notify: no channels configured"),
        (None, ["notify", "test", "--channel", "nope"], "unknown notification channel 'nope'"),
        ("retries = -1\n", ["notify", "test"], "notify.retries: input should be greater than or equal to 0"),
        (
            None,
            ["notify", "send", "--event", "x", "--title", "t", "--severity", "urgent"],
            "--severity: unknown",
        ),
        (None, ["notify", "ack", "nope"], "no notified alert with key 'nope'"),
        (
            '[[tool.assay.notify.routes]]\nrole = "ops"\nchannels = ["sms"]\n',
            ["notify", "test"],
            "notify.routes[0].channels: unknown channel 'sms'",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    git_repo: Any, receiver: Any, assay_cli: Any, notify: str | None, args: list[str], message: str
) -> None:
    root = configure(git_repo, notify if notify is not None else channels(receiver))
    result = assay_cli("--repo", root, *args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert receiver.attempts == 0


def test_send_routes_cools_down_acknowledges_and_escalates(
    git_repo: Any, receiver: Any, assay_cli: Any
) -> None:
    notify = channels(receiver, cooldown_minutes="30") + (
        "[tool.assay.notify.escalation]\nafter_minutes = 0.001\nlevels = [['oncall']]\n"
    )
    root = configure(git_repo, notify)
    send = ["--repo", root, "notify", "send", "--event", "security.ioc", "--severity", "critical"]
    first = assay_cli(*send, "--title", "IOC matched", "--key", "ioc-1", "--format", "json")
    assert first.exit_code == 0, first.stderr
    assert {o["name"]: o["status"] for o in json.loads(first.stdout)["outcomes"]} == {
        "chat": "pass",
        "oncall": "pass",
    }
    again = assay_cli(*send, "--title", "IOC matched", "--key", "ioc-1", "--format", "json")
    assert {o["status"] for o in json.loads(again.stdout)["outcomes"]} == {"skip"}  # cooldown
    assert len(receiver.on("/oncall")) == 1

    time.sleep(0.1)  # let the (tiny) escalation delay pass
    escalated = assay_cli("--repo", root, "notify", "escalate", "--format", "json")
    assert escalated.exit_code == 0, escalated.stderr
    assert json.loads(escalated.stdout)["alerts"] == ["ioc-1"]
    assert receiver.on("/oncall")[-1]["title"].startswith("[assay] [ESCALATED 1]")

    assert assay_cli("--repo", root, "notify", "ack", "ioc-1", "--by", "alice").exit_code == 0
    status = json.loads(assay_cli("--repo", root, "notify", "status", "--format", "json").stdout)
    [alert] = status["alerts"]
    assert (alert["key"], alert["level"], alert["acked_by"]) == ("ioc-1", 1, "alice")
