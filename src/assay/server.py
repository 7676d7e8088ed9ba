"""A small HTTP server for /metrics, /health and JSON API routes (the exporter and the daemon).

Binds 127.0.0.1 by default. Binding anything else requires a bearer token, checked on every
request with a constant-time comparison.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry

from assay.errors import InputError
from assay.metrics import render

log = logging.getLogger(__name__)

# A route gets the query parameters and returns (status, content type, body).
Route = Callable[[Mapping[str, list[str]]], tuple[int, str, bytes]]


def json_response(payload: Any, status: int = 200) -> tuple[int, str, bytes]:
    """An HTTP route response carrying the payload as indented JSON."""
    return status, "application/json", json.dumps(payload, indent=2, default=str).encode() + b"\n"


def is_loopback(host: str) -> bool:
    """Whether the host is ``localhost`` or a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class HttpService:
    """A small threaded HTTP server for JSON routes and ``/metrics``, with optional bearer-token auth."""

    host: str = "127.0.0.1"
    port: int = 0
    token: str | None = None
    routes: dict[str, Route] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def add_metrics(self, registry: CollectorRegistry) -> None:
        """Serve the registry's metrics at ``/metrics``."""
        self.routes["/metrics"] = lambda _q: (200, CONTENT_TYPE_LATEST, render(registry))

    def start(self) -> int:
        """Bind and serve in a background thread; returns the bound port."""
        if not is_loopback(self.host) and not self.token:
            raise InputError(f"refusing to listen on non-loopback address {self.host} without a token")
        self.routes.setdefault("/health", lambda _q: json_response({"status": "ok"}))
        handler = _make_handler(self.routes, self.token)
        try:
            self._server = ThreadingHTTPServer((self.host, self.port), handler)
        except OSError as exc:
            raise InputError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="assay-http", daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        """Shut the server down and release its socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        """The server's base URL."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def _make_handler(routes: Mapping[str, Route], token: str | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "assay"
        sys_version = ""

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if token is not None and not self._authorised(token):
                self._send(HTTPStatus.UNAUTHORIZED, "text/plain", b"unauthorised\n")
                return
            route = routes.get(parts.path.rstrip("/") or "/")
            if route is None:
                self._send(HTTPStatus.NOT_FOUND, "text/plain", b"not found\n")
                return
            try:
                status, ctype, body = route(parse_qs(parts.query))
            except ValueError as exc:
                self._send(
                    HTTPStatus.BAD_REQUEST, "application/json", json.dumps({"error": str(exc)}).encode()
                )
                return
            except Exception:
                log.exception("HTTP route %s failed", parts.path)
                self._send(HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain", b"internal error\n")
                return
            self._send(status, ctype, body)

        def _authorised(self, expected: str) -> bool:
            header = self.headers.get("Authorization", "")
            given = header.removeprefix("Bearer ").strip()
            return hmac.compare_digest(given.encode(), expected.encode())

        def _send(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("http: " + format, *args)

    return Handler
