"""A real HTTP endpoint standing in for the finance integrated system, and an app that pushes to it."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class FinanceEndpoint:
    """A local HTTP server that keeps what it received; `answer` is the status it replies with.

    stop() closes the socket (the finance system is down: connections are refused); start() opens it
    again on the same port. Every request is kept in `received` (key, body); `accepted` keeps each
    Idempotency-Key once, as the finance system would.
    """

    def __init__(self) -> None:
        self.answer = 200
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.accepted: dict[str, dict[str, Any]] = {}
        self.headers: list[dict[str, str]] = []
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/exchange"

    def start(self) -> None:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key", "")
                endpoint.received.append((key, body))
                endpoint.headers.append(dict(self.headers))
                status = endpoint.answer
                if status == 200:
                    endpoint.accepted.setdefault(key, body)
                answer = json.dumps({"ok": status == 200}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def endpoint() -> Iterator[FinanceEndpoint]:
    found = FinanceEndpoint()
    yield found
    found.stop()


@pytest.fixture
def app(any_app: Any, endpoint: FinanceEndpoint) -> Any:
    """Every exchange test on SQLite and on PostgreSQL, pushing to the local endpoint."""
    settings = any_app.config["ZLW"]
    any_app.config["ZLW"] = dataclasses.replace(
        settings, finance_push_url=endpoint.url, finance_push_token="s3cret-token", finance_push_timeout=2.0
    )
    yield any_app
    any_app.config["ZLW"] = settings
