"""The query model of ``trustq serve`` and the ``dtetrust://`` table URIs that carry it.

A table URI is ``dtetrust://<queryType>?<field>=<value>&...``: the query type as the host, the query
model's fields as the query string (list fields comma-separated or repeated), plus ``from`` and
``to`` for the time range the table covers when a query does not narrow it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlsplit

from shillelagh.exceptions import ProgrammingError

SCHEME = "dtetrust"

#: Query types whose rows are tidy evidence rows (time, dimension, metric, value, ...).
EVIDENCE_TYPES = (
    "accuracy", "drift", "quality", "fairness", "compliance", "trust_score", "freshness",
    "explainability",
)
#: Query types that answer their own table's columns.
OTHER_TYPES = ("runs", "models", "variable", "annotations")
QUERY_TYPES = EVIDENCE_TYPES + OTHER_TYPES

FORMATS = ("latest", "timeseries", "table")

Kind = Literal["str", "list", "int", "bool", "float"]

#: The query model's fields (pkg/trust/query.go) by JSON name, with the type they take.
FIELDS: dict[str, Kind] = {
    "format": "str",
    "model": "str",
    "version": "str",
    "alias": "str",
    "source": "str",
    "runFilter": "str",
    "project": "str",
    "feature": "str",
    "stage": "str",
    "sensitiveFeature": "str",
    "group": "str",
    "variable": "str",
    "annotation": "str",
    "path": "str",
    "staleAfter": "str",
    "metrics": "list",
    "experiments": "list",
    "params": "list",
    "tags": "list",
    "orderBy": "list",
    "rules": "list",
    "packs": "list",
    "dimensions": "list",
    "limit": "int",
    "history": "bool",
    "differenceMax": "float",
    "ratioMin": "float",
    "driftShareThreshold": "float",
}

#: The time range of a table whose URI sets none: the last year up to the query's time.
DEFAULT_FROM = "now-1y"
DEFAULT_TO = "now"

#: The format of evidence tables whose URI sets none: table carries every column (time, status, link).
DEFAULT_FORMAT = "table"

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


@dataclass(frozen=True)
class TableQuery:
    """A parsed table URI: the query type, the query model's fields and the default time range."""

    query_type: str
    fields: dict[str, Any] = field(default_factory=dict)
    time_from: str = DEFAULT_FROM
    time_to: str = DEFAULT_TO

    @property
    def evidence(self) -> bool:
        """Whether the rows are tidy evidence rows."""
        return self.query_type in EVIDENCE_TYPES

    def model(self, **overrides: Any) -> dict[str, Any]:
        """The query model to send, with the fields in overrides replacing the URI's."""
        out: dict[str, Any] = {"queryType": self.query_type}
        if self.evidence:
            out["format"] = DEFAULT_FORMAT
        out.update(self.fields)
        out.update(overrides)
        return out


def parse_uri(uri: str) -> TableQuery:
    """Parse a ``dtetrust://`` table URI, raising ProgrammingError that names what is wrong."""
    parts = urlsplit(uri)
    if parts.scheme != SCHEME:
        raise ProgrammingError(f"not a DTE Trust table: {uri!r} (tables are {SCHEME}://<queryType>?<fields>)")
    query_type = parts.netloc
    if query_type not in QUERY_TYPES:
        raise ProgrammingError(
            f"unknown DTE Trust query type {query_type!r} in {uri!r}: choose one of {', '.join(QUERY_TYPES)}"
        )
    if parts.path not in ("", "/") or parts.fragment:
        raise ProgrammingError(f"DTE Trust table {uri!r}: write {SCHEME}://{query_type}?<field>=<value>&...")
    fields: dict[str, Any] = {}
    times = {"from": DEFAULT_FROM, "to": DEFAULT_TO}
    seen: set[str] = set()
    for name, raw in parse_qsl(parts.query, keep_blank_values=True):
        if name in times:
            if name in seen:
                raise ProgrammingError(f"DTE Trust table {uri!r}: {name!r} given twice")
            seen.add(name)
            times[name] = raw
            continue
        kind = FIELDS.get(name)
        if kind is None:
            raise ProgrammingError(
                f"unknown DTE Trust query field {name!r} in {uri!r}: "
                f"use from, to or one of {', '.join(sorted(FIELDS, key=str.lower))}"
            )
        if kind == "list":
            items = [item.strip() for item in raw.split(",") if item.strip()]
            fields.setdefault(name, []).extend(items)
            continue
        if name in seen:
            raise ProgrammingError(f"DTE Trust table {uri!r}: field {name!r} given twice")
        seen.add(name)
        fields[name] = _convert(uri, name, kind, raw)
    fmt = fields.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise ProgrammingError(f"DTE Trust table {uri!r}: unknown format {fmt!r}: use {', '.join(FORMATS)}")
    return TableQuery(query_type, fields, times["from"], times["to"])


def _convert(uri: str, name: str, kind: Kind, raw: str) -> Any:
    value = raw.strip()
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
    except ValueError:
        raise ProgrammingError(f"DTE Trust table {uri!r}: field {name!r} takes a number, not {raw!r}") from None
    if kind == "bool":
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise ProgrammingError(f"DTE Trust table {uri!r}: field {name!r} takes true or false, not {raw!r}")
    return value


def build_uri(query_type: str, **fields: Any) -> str:
    """The table URI of a query type and fields (lists joined with commas), the inverse of parse_uri."""
    pairs = []
    for name, value in fields.items():
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        pairs.append(f"{quote(name, safe='')}={quote(str(value), safe=',-')}")
    return f"{SCHEME}://{query_type}" + ("?" + "&".join(pairs) if pairs else "")


def rfc3339(value: datetime.datetime) -> str:
    """A time as RFC 3339 in UTC; a naive time is taken to be UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


def naive_utc(value: datetime.datetime) -> datetime.datetime:
    """A time as a naive datetime in UTC, the form the ``time`` columns hold."""
    if value.tzinfo is None:
        return value
    return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def parse_time(value: str) -> datetime.datetime:
    """An RFC 3339 time of an answer as a naive datetime in UTC."""
    return naive_utc(datetime.datetime.fromisoformat(value))
