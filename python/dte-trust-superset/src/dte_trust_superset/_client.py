"""A small HTTP client of ``trustq serve``'s JSON API whose errors are DB-API errors.

Every error message is one line that starts with ``DTE Trust at <url>:`` and names the cause; the
token never appears in it (the engine spec's ``custom_errors`` match these messages).
"""

from __future__ import annotations

import json
import logging
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from shillelagh.exceptions import (
    DatabaseError,
    Error,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    UnauthenticatedError,
)

_logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:8089"
DEFAULT_TIMEOUT = 60.0


@dataclass
class Answer:
    """The answer of ``POST /api/v1/query``."""

    columns: list[tuple[str, str]]
    rows: list[list[Any]]
    notices: list[tuple[str, str]] = field(default_factory=list)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """trustq serve never redirects; following one would send the token to another address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def display_url(url: str) -> str:
    """The server URL without user info, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


class Client:
    """The API of one ``trustq serve`` at url, with an optional bearer token."""

    def __init__(self, url: str = DEFAULT_URL, token: str | None = None, timeout: float = DEFAULT_TIMEOUT):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InterfaceError(f"DTE Trust: the server URL must be http(s)://host:port, not {display_url(url)!r}")
        self.base = url.rstrip("/")
        self.name = display_url(url)
        self.token = token or None
        self.timeout = float(timeout)
        self._opener = urllib.request.build_opener(_NoRedirect())

    def query(self, model: dict[str, Any], time_from: str, time_to: str) -> Answer:
        """Run a query model over [time_from, time_to]."""
        payload = self._request("POST", "/api/v1/query", {"query": model, "from": time_from, "to": time_to})
        if not isinstance(payload, dict) or not isinstance(payload.get("columns"), list):
            raise self.error(OperationalError, "answered something that is not a query answer")
        columns = [(str(c["name"]), str(c.get("type", "string"))) for c in payload["columns"]]
        rows = payload.get("rows") or []
        notices = [(str(n.get("severity", "")), str(n.get("text", ""))) for n in payload.get("notices") or []]
        return Answer(columns, rows, notices)

    def health(self) -> tuple[bool, str]:
        """The server's health check: whether it is OK, and its message."""
        try:
            payload = self._request("GET", "/api/v1/health", None, ok_statuses=(503,))
        except Error as ex:  # unreachable, refused token (UnauthenticatedError), not trustq serve
            return False, str(ex)
        ok = isinstance(payload, dict) and payload.get("status") == "OK"
        return ok, str(payload.get("message", "")) if isinstance(payload, dict) else ""

    def options(self, kind: str) -> list[dict[str, Any]]:
        """The values the query editors offer for a variable kind (models, versions, ...)."""
        payload = self._request("GET", f"/api/v1/options/{kind}", None)
        return payload if isinstance(payload, list) else []

    def error(self, cls: type[DatabaseError] | type[InterfaceError], text: str) -> Exception:
        message = f"DTE Trust at {self.name}: {text}"
        if self.token:
            message = message.replace(self.token, "***")
        return cls(" ".join(message.split()))

    def _request(
        self, method: str, path: str, body: dict[str, Any] | None, ok_statuses: tuple[int, ...] = ()
    ) -> Any:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        _logger.debug("%s %s%s", method, self.name, path)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as ex:
            raw = ex.read()
            status = ex.code
            if status not in ok_statuses:
                raise self._http_error(status, raw) from None
        except (TimeoutError, socket.timeout):
            raise self.error(OperationalError, f"no answer within {self.timeout:g} s (timeout)") from None
        except urllib.error.URLError as ex:
            reason = ex.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise self.error(OperationalError, f"no answer within {self.timeout:g} s (timeout)") from None
            text = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
            raise self.error(
                OperationalError, f"cannot connect ({text}); is trustq serve running there?"
            ) from None
        except OSError as ex:
            raise self.error(OperationalError, f"cannot connect ({ex.strerror or ex}); is trustq serve running there?") from None
        try:
            return json.loads(raw)
        except ValueError:
            raise self.error(OperationalError, f"answered {status} with something that is not JSON") from None

    def _http_error(self, status: int, raw: bytes) -> Exception:
        try:
            payload = json.loads(raw)
            message = str(payload["error"]) if isinstance(payload, dict) and "error" in payload else ""
        except ValueError:
            message = ""
        if not message:
            message = raw.decode("utf-8", "replace").strip()[:200] or "no message"
        if status == 401:
            return self.error(UnauthenticatedError, f"the token was refused (401): {message}")
        if status == 400:
            return self.error(ProgrammingError, f"the query was rejected (400): {message}")
        if status == 502:
            return self.error(OperationalError, f"the sources failed (502): {message}")
        if status == 504:
            return self.error(OperationalError, f"the query timed out on the server (504): {message}")
        if status == 404:
            return self.error(OperationalError, f"not found (404), is this the URL of trustq serve?: {message}")
        return self.error(OperationalError, f"the server answered {status}: {message}")
