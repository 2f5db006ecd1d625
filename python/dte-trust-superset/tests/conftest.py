"""A fake trustq serve for unit tests: answers canned JSON and records the requests it gets."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

TOKEN = "s3cret-token-0123456789abcdef"

COLUMNS = [
    {"name": "time", "type": "time"},
    {"name": "dimension", "type": "string"},
    {"name": "metric", "type": "string"},
    {"name": "value", "type": "number"},
    {"name": "threshold", "type": "number"},
    {"name": "status", "type": "string"},
    {"name": "model", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "source", "type": "string"},
    {"name": "sensitive_feature", "type": "string"},
    {"name": "link", "type": "string"},
]

ROWS = [
    ["2025-01-10T08:00:00Z", "fairness", "demographic_parity_difference", 0.12, 0.1, "fail", "credit", "1", "fairlearn", "sex", None],
    ["2025-02-10T08:00:00.123456789Z", "fairness", "demographic_parity_difference", 0.05, 0.1, "pass", "credit", "2", "fairlearn", "sex", None],
    ["2025-03-10T08:00:00Z", "fairness", "equalized_odds_difference", 1, 0.1, "fail", "churn", "1", "fairlearn", "sex", "http://x"],
    [None, "fairness", "accuracy", None, None, None, "churn", "1", "fairlearn", None, None],
]


class FakeServer:
    """The state of the fake server: the answer it gives and the requests it got."""

    def __init__(self) -> None:
        self.status = 200
        self.answer: Any = {"columns": COLUMNS, "rows": ROWS, "notices": []}
        self.health: tuple[int, Any] = (200, {"status": "OK", "message": "fine"})
        self.token: str | None = None
        self.requests: list[dict[str, Any]] = []
        self.url = ""

    @property
    def queries(self) -> list[dict[str, Any]]:
        """The bodies of the POST /api/v1/query requests."""
        return [r["body"] for r in self.requests if r["path"] == "/api/v1/query"]


def _handler(state: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def _send(self, status: int, payload: Any) -> None:
            body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _authorized(self) -> bool:
            if state.token and self.headers.get("Authorization") != f"Bearer {state.token}":
                self._send(401, {"error": "missing bearer token: send Authorization: Bearer <token>", "status": 401})
                return False
            return True

        def do_GET(self) -> None:
            state.requests.append({"path": self.path, "auth": self.headers.get("Authorization")})
            if not self._authorized():
                return
            if self.path == "/api/v1/health":
                self._send(*state.health)
            else:
                self._send(404, {"error": "no such route", "status": 404})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
            if not self._authorized():
                return
            self._send(state.status, state.answer)

    return Handler


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    """A running fake trustq serve on a free loopback port."""
    state = FakeServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
