"""The SQLAlchemy dialect ``dtetrust://``: shillelagh's APSW dialect with only the ``dtetrustapi`` adapter.

``dtetrust://:<token>@<host>:<port>/?protocol=https&timeout=60`` connects to the ``trustq serve`` at
``https://<host>:<port>`` (default ``http://127.0.0.1:8089``) with the token as bearer token.
"""

from __future__ import annotations

import logging

from typing import Any

from shillelagh.backends.apsw.dialects.base import APSWDialect
from shillelagh.exceptions import OperationalError, ProgrammingError
from sqlalchemy.engine.url import URL

from . import _secrets
from ._client import DEFAULT_TIMEOUT, Client
from ._query import EVIDENCE_TYPES, SCHEME

ADAPTER = "dtetrustapi"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8089

#: The tables get_table_names lists: one per evidence query type, in the default (table) format.
TABLES = [f"{SCHEME}://{query_type}" for query_type in EVIDENCE_TYPES]

_URL_OPTIONS = {"protocol", "timeout", "notices"}

_logger = logging.getLogger(__name__)


def adapter_kwargs(url: URL) -> dict[str, Any]:
    """The dtetrustapi adapter's kwargs for a ``dtetrust://`` URL, the token behind a reference."""
    query = {k: (v if isinstance(v, str) else v[-1]) for k, v in url.query.items()}
    unknown = sorted(set(query) - _URL_OPTIONS)
    if unknown:
        raise ProgrammingError(
            f"DTE Trust: unknown option {unknown[0]!r} in the connection URL: use {', '.join(sorted(_URL_OPTIONS))}"
        )
    protocol = query.get("protocol", "http").lower()
    if protocol not in ("http", "https"):
        raise ProgrammingError(f"DTE Trust: protocol must be http or https, not {protocol!r}")
    host = url.host or DEFAULT_HOST
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    kwargs: dict[str, Any] = {"url": f"{protocol}://{host}:{url.port or DEFAULT_PORT}"}
    try:
        kwargs["timeout"] = float(query.get("timeout", DEFAULT_TIMEOUT))
    except ValueError:
        raise ProgrammingError(f"DTE Trust: timeout takes seconds, not {query['timeout']!r}") from None
    if "notices" in query:
        kwargs["notices"] = query["notices"]
    if url.password:
        kwargs["token_ref"] = _secrets.remember(str(url.password))
    return kwargs


def _shillelagh_connection(connection: Any) -> Any:
    """The shillelagh DB-API connection inside whatever SQLAlchemy hands a dialect method."""
    for _ in range(5):
        if hasattr(connection, "_adapter_kwargs"):
            return connection
        connection = getattr(connection, "dbapi_connection", None) or getattr(connection, "connection", None)
    raise ProgrammingError("DTE Trust: no shillelagh connection found")


def client_of(connection: Any) -> Client:
    """A client of the server a connection queries."""
    kwargs = dict(_shillelagh_connection(connection)._adapter_kwargs.get(ADAPTER, {}))
    token = kwargs.get("token") or (_secrets.recall(kwargs["token_ref"]) if kwargs.get("token_ref") else None)
    return Client(kwargs.get("url", "http://127.0.0.1:8089"), token, kwargs.get("timeout", DEFAULT_TIMEOUT))


class DTETrustDialect(APSWDialect):
    """SQLAlchemy dialect of DTE Trust: SQLite over the virtual tables of ``dtetrust://`` URIs."""

    name = SCHEME
    supports_statement_cache = True

    def create_connect_args(self, url: URL) -> tuple[tuple[()], dict[str, Any]]:
        return (), {
            "path": ":memory:",
            "adapters": [ADAPTER],
            "adapter_kwargs": {ADAPTER: adapter_kwargs(url)},
            "safe": True,
            "isolation_level": self.isolation_level,
        }

    def do_ping(self, dbapi_connection: Any) -> bool:
        """Ask ``GET /api/v1/health``. A server that cannot be reached or refuses the token raises a
        DB-API error saying so; a server that answers but finds a source unhealthy (503: MLflow
        down, no evidence files yet) passes, with a warning logged, as Grafana saves a data source
        whose test failed: Superset would otherwise refuse to save the connection until every
        source is up, and the queries name the failing source themselves."""
        client = client_of(dbapi_connection)
        ok, message = client.health()
        if ok:
            return True
        if message.startswith("DTE Trust at "):  # the client's own error: unreachable, 401, ...
            raise OperationalError(message)
        _logger.warning("DTE Trust at %s answers, but its health check failed: %s", client.name, message)
        return True

    def get_table_names(  # pylint: disable=unused-argument
        self, connection: Any, schema: str | None = None, sqlite_include_internal: bool = False, **kwargs: Any
    ) -> list[str]:
        return list(TABLES)

    def get_view_names(  # pylint: disable=unused-argument
        self, connection: Any, schema: str | None = None, sqlite_include_internal: bool = False, **kwargs: Any
    ) -> list[str]:
        return []
