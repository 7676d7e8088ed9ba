"""Real receivers on 127.0.0.1 for the notification tests: an HTTP webhook and an SMTP server."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from conftest import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    payload: dict[str, Any]


@dataclass
class HttpReceiver:
    """Answers each POST with the next status in `statuses` (then 200) and remembers what came."""

    port: int = 0
    statuses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    attempts: int = 0

    def url(self, scheme: str = "json", path: str = "/hook", auth: str = "") -> str:
        return f"{scheme}://{auth + '@' if auth else ''}127.0.0.1:{self.port}{path}"

    def on(self, path: str) -> list[dict[str, Any]]:
        return [r.payload for r in self.requests if r.path == path]


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    state = HttpReceiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            with lock:
                state.attempts += 1
                status = state.statuses.pop(0) if state.statuses else 200
                if status == 200:
                    if self.headers.get("Content-Type", "").startswith("application/json"):
                        payload = json.loads(body)
                    else:
                        payload = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
                    state.requests.append(Received(self.path, dict(self.headers), payload))
            self.send_response(status)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class SmtpServer:
    port: int
    user: str
    password: str
    messages: list[str] = field(default_factory=list)

    def url(self, password: str | None = None) -> str:
        secret = urllib.parse.quote(self.password if password is None else password, safe="")
        return (
            f"mailto://{self.user}:{secret}@127.0.0.1:{self.port}"
            "?from=assay@example.com&to=oncall@example.com"
        )


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) that requires AUTH LOGIN/PLAIN with one user."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    port = free_port()
    state = SmtpServer(port=port, user="alerts", password="Sm7p-Pa55-w0rd-xyz")

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == state.user
            and data.password.decode() == state.password
        )
        return AuthResult(success=ok, handled=False)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            state.messages.append(envelope.content.decode("utf-8", "replace"))
            return "250 OK"

    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield state
    finally:
        controller.stop()
