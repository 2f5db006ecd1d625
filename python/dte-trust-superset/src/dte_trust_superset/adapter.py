"""The shillelagh adapter ``dtetrustapi``: DTE Trust queries as virtual tables.

A table is a URI, ``dtetrust://<queryType>?<fields>`` (see ``_query``). Its columns come from the
server's answer to the table's query, typed, plus the label columns the query type is known to have,
so the schema of a URI does not depend on which labels today's evidence carries. Predicates on
``time`` become the query's from/to, equality on ``model``, ``version``, ``source`` and ``metric``
become query fields; the adapter re-checks every pushed-down predicate on the rows it returns.
"""

from __future__ import annotations

import datetime
import logging
import time as _time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from shillelagh.adapters.base import Adapter
from shillelagh.exceptions import InterfaceError, OperationalError
from shillelagh.fields import DateTime, Field, Float, Order, String
from shillelagh.filters import Equal, Filter, Impossible, Operator, Range
from shillelagh.typing import RequestedOrder, Row

from . import _secrets
from ._client import DEFAULT_TIMEOUT, DEFAULT_URL, Answer, Client
from ._query import SCHEME, TableQuery, naive_utc, parse_time, parse_uri, rfc3339

_logger = logging.getLogger(__name__)

#: The columns every evidence table starts with, and their types.
LEAD = [
    ("time", "time"),
    ("dimension", "string"),
    ("metric", "string"),
    ("value", "number"),
    ("threshold", "number"),
    ("status", "string"),
]
LINK = "link"

#: Equality on these columns becomes a query field (the column ``metric`` becomes ``metrics``).
EQUAL_PUSHDOWN = {"model": "model", "version": "version", "source": "source", "metric": "metrics"}

# A pushed-down time range is widened by this much, so the server's bounds, whatever their
# inclusiveness and precision, never drop a row the predicate keeps; the adapter re-checks.
_TIME_SLACK = datetime.timedelta(seconds=1)

#: What a notice of severity warning or error does: raise a DB-API error always, only when the
#: answer has no rows (auto), or never (log). Notices not raised are logged.
NOTICE_MODES = ("auto", "raise", "log")

# The answer fetched to learn the columns serves the first query if it is this fresh.
_PROBE_REUSE_SECONDS = 30.0


class DTETrustAPI(Adapter):
    """DTE Trust queries through ``trustq serve``, one virtual table per ``dtetrust://`` URI."""

    safe = True
    supports_limit = False
    supports_offset = False

    @staticmethod
    def supports(uri: str, fast: bool = True, **kwargs: Any) -> bool:
        return urlsplit(uri).scheme.lower() == SCHEME

    @staticmethod
    def parse_uri(uri: str) -> tuple[str]:
        return (uri,)

    def __init__(  # pylint: disable=too-many-arguments
        self,
        uri: str,
        url: str = DEFAULT_URL,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        token_ref: str | None = None,
        notices: str = "auto",
    ):
        super().__init__()
        self.table: TableQuery = parse_uri(uri)
        if token_ref and not token:
            token = _secrets.recall(token_ref)
            if token is None:
                raise InterfaceError("DTE Trust: the connection's token is not known in this process; reconnect")
        if notices not in NOTICE_MODES:
            raise InterfaceError(f"DTE Trust: notices must be one of {', '.join(NOTICE_MODES)}, not {notices!r}")
        self.client = Client(url, token, timeout)
        self.notices = notices
        self._probe: Answer | None = self._query(
            self.table.model(), self.table.time_from, self.table.time_to, probe=True
        )
        self._probe_at = _time.monotonic()
        self._probe_key = self._key(self.table.model(), self.table.time_from, self.table.time_to)
        self.columns = self._schema(self._probe)

    def _schema(self, answer: Answer) -> dict[str, Field[Any, Any]]:
        """The server's columns: for an evidence type it always answers the same ones (the lead
        columns, every label its sources can set, link), so the table's schema is stable."""
        if self.table.evidence:
            names = [name for name, _ in answer.columns]
            lead = [name for name, _ in LEAD]
            if names[: len(lead)] != lead or names[-1:] != [LINK]:
                raise InterfaceError(
                    f"DTE Trust at {self.client.name}: {self.table.query_type} answered the columns "
                    f"{', '.join(names)}, not time, dimension, metric, value, threshold, status, labels, "
                    "link: is trustq serve older than this package?"
                )
        return {name: self._field(name, kind) for name, kind in answer.columns}

    def _field(self, name: str, kind: str) -> Field[Any, Any]:
        if kind == "time":
            if self.table.evidence and name == "time":
                # exact: the adapter compares times itself; SQLite would compare the strings.
                return DateTime(filters=[Range], order=Order.NONE, exact=True)
            return DateTime()
        if kind == "number":
            return Float()
        if self.table.evidence and name in EQUAL_PUSHDOWN:
            return String(filters=[Equal], order=Order.NONE, exact=False)
        return String()

    def get_columns(self) -> dict[str, Field[Any, Any]]:
        return self.columns

    def get_metadata(self) -> dict[str, Any]:
        return {
            "server": self.client.name,
            "query": self.table.model(),
            "from": self.table.time_from,
            "to": self.table.time_to,
        }

    def get_cost(self, filtered_columns: list[tuple[str, Operator]], order: list[tuple[str, RequestedOrder]]) -> float:
        # Each pushed-down predicate makes the answer smaller: prefer plans that use them.
        return 10_000.0 / (1 + len(filtered_columns))

    def get_data(
        self,
        bounds: dict[str, Filter],
        order: list[tuple[str, RequestedOrder]],
        **kwargs: Any,
    ) -> Iterator[Row]:
        plan = self._plan(bounds)
        if plan is None:
            return
        model, time_from, time_to = plan
        answer = self._take_probe(model, time_from, time_to)
        if answer is None:
            answer = self._query(model, time_from, time_to)
        else:
            self._check_notices(answer, probe=False)
        rows = self._rows(answer)
        for rowid, row in enumerate(row for row in rows if _matches(row, bounds)):
            row["rowid"] = rowid
            yield row

    def _plan(self, bounds: dict[str, Filter]) -> tuple[dict[str, Any], str, str] | None:
        """The query model and time range answering bounds, or None when no row can match."""
        overrides: dict[str, Any] = {}
        time_from, time_to = self.table.time_from, self.table.time_to
        for column, filter_ in bounds.items():
            if isinstance(filter_, Impossible):
                return None
            if column == "time" and isinstance(filter_, Range):
                if filter_.start is not None:
                    time_from = rfc3339(naive_utc(filter_.start) - _TIME_SLACK)
                if filter_.end is not None:
                    time_to = rfc3339(naive_utc(filter_.end) + _TIME_SLACK)
            elif column in EQUAL_PUSHDOWN and isinstance(filter_, Equal):
                name, value = EQUAL_PUSHDOWN[column], filter_.value
                given = self.table.fields.get(name)
                if name == "metrics":
                    if given and value not in given:
                        return None
                    overrides[name] = [value]
                elif given is not None and given != value:
                    return None
                else:
                    overrides[name] = value
        return self.table.model(**overrides), time_from, time_to

    @staticmethod
    def _key(model: dict[str, Any], time_from: str, time_to: str) -> str:
        return repr((sorted(model.items()), time_from, time_to))

    def _take_probe(self, model: dict[str, Any], time_from: str, time_to: str) -> Answer | None:
        probe, self._probe = self._probe, None
        if probe is None or _time.monotonic() - self._probe_at > _PROBE_REUSE_SECONDS:
            return None
        return probe if self._key(model, time_from, time_to) == self._probe_key else None

    def _query(self, model: dict[str, Any], time_from: str, time_to: str, probe: bool = False) -> Answer:
        answer = self.client.query(model, time_from, time_to)
        self._check_notices(answer, probe)
        return answer

    def _check_notices(self, answer: Answer, probe: bool) -> None:
        # auto: warnings explain an empty answer, so they are the error; beside rows they are logged.
        # The probe only learns columns: a narrower query may still find rows.
        strict = self.notices == "raise" or (self.notices == "auto" and not answer.rows and not probe)
        for severity, text in answer.notices:
            if strict and severity.lower() in ("warning", "error"):
                raise self.client.error(OperationalError, f"{self.table.query_type} query notice ({severity}): {text}")
            _logger.info("DTE Trust at %s: %s query notice (%s): %s", self.client.name, self.table.query_type, severity, text)

    def _rows(self, answer: Answer) -> Iterator[Row]:
        names = [name for name, _ in answer.columns]
        wanted = [(i, name, self.columns[name]) for i, name in enumerate(names) if name in self.columns]
        extra = [name for name in names if name not in self.columns]
        if extra:
            _logger.debug("DTE Trust: columns not in the table's schema dropped: %s", extra)
        for cells in answer.rows:
            row: Row = {}
            for i, name, column in wanted:
                row[name] = _convert(column, cells[i] if i < len(cells) else None)
            yield row


def _convert(column: Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column, DateTime):
        return parse_time(str(value))
    if isinstance(column, Float):
        return float(value)
    return value if isinstance(value, str) else str(value)


def _matches(row: Row, bounds: dict[str, Filter]) -> bool:
    """Whether a row satisfies the pushed-down predicates, compared as SQL would."""
    for column, filter_ in bounds.items():
        value = row.get(column)
        if isinstance(filter_, Equal):
            if value is None or value != filter_.value:
                return False
        elif isinstance(filter_, Range):
            if value is None:
                return False
            start = naive_utc(filter_.start) if isinstance(filter_.start, datetime.datetime) else filter_.start
            end = naive_utc(filter_.end) if isinstance(filter_.end, datetime.datetime) else filter_.end
            if start is not None and (value < start or (value == start and not filter_.include_start)):
                return False
            if end is not None and (value > end or (value == end and not filter_.include_end)):
                return False
    return True
