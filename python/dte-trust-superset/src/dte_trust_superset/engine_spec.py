"""The Superset engine spec of DTE Trust: "DTE Trust" in Superset's database list, with a form.

This is the only module that imports Superset; the adapter and the dialect work without it. The form
asks for host, port, HTTPS (the ``encryption`` switch) and the bearer token (``access_token``), which
becomes the password of the ``dtetrust://`` URI, so Superset stores it encrypted and masks it.
"""

from __future__ import annotations

import re
from datetime import datetime
from re import Pattern
from typing import Any, TypedDict

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask_babel import gettext as __
from marshmallow import Schema, fields
from marshmallow.validate import Range
from sqlalchemy.engine.url import URL, make_url
from superset.db_engine_specs.shillelagh import ShillelaghEngineSpec
from superset.errors import ErrorLevel, SupersetError, SupersetErrorType

from ._client import Client
from ._query import SCHEME
from .dialect import DEFAULT_HOST, DEFAULT_PORT

_AT = r"DTE Trust at (?P<url>\S+): "

CONNECT_REGEX = re.compile(_AT + r"cannot connect \((?P<reason>[^)]*)\)")
TIMEOUT_REGEX = re.compile(_AT + r"(no answer within (?P<seconds>\S+) s|the query timed out on the server)")
TOKEN_REGEX = re.compile(_AT + r"the token was refused \(401\): (?P<message>.*)")
REJECTED_REGEX = re.compile(_AT + r"the query was rejected \(400\): (?P<message>.*)")
SOURCES_REGEX = re.compile(_AT + r"the sources failed \(502\): (?P<message>.*)")
NOTICE_REGEX = re.compile(_AT + r"(?P<query_type>\w+) query notice \((?P<severity>\w+)\): (?P<message>.*)")
TABLE_REGEX = re.compile(r"(?P<message>unknown DTE Trust query (field|type) '(?P<name>[^']*)'.*)")
HEALTH_REGEX = re.compile(_AT + r"the health check failed: (?P<message>.*)")


class DTETrustParametersSchema(Schema):
    """The connection form's parameters."""

    host = fields.String(
        required=True, metadata={"description": __("Host of trustq serve"), "default": DEFAULT_HOST}
    )
    port = fields.Integer(
        required=True,
        metadata={"description": __("Port of trustq serve"), "default": DEFAULT_PORT},
        validate=Range(min=1, max=2**16, max_inclusive=False),
    )
    encryption = fields.Boolean(required=False, metadata={"description": __("Connect over HTTPS")})
    access_token = fields.String(
        required=False,
        allow_none=True,
        metadata={"description": __("Bearer token of trustq serve (--token-file), if it has one")},
    )
    query = fields.Dict(
        keys=fields.Str(),
        values=fields.Raw(),
        metadata={"description": __("Additional parameters: timeout (seconds), notices (auto, raise, log)")},
    )


class DTETrustParametersType(TypedDict, total=False):
    """The connection form's parameters as Superset passes them."""

    host: str
    port: int
    encryption: bool
    access_token: str | None
    query: dict[str, Any]


class DTETrustPropertiesType(TypedDict, total=False):
    """What Superset passes validate_parameters."""

    parameters: DTETrustParametersType


class DTETrustEngineSpec(ShillelaghEngineSpec):
    """DTE Trust trust metrics through ``trustq serve``, with the ``dtetrust://`` dialect."""

    engine_name = "DTE Trust"
    engine = SCHEME
    drivers = {"apsw": "DTE Trust over trustq serve (shillelagh)"}
    default_driver = "apsw"
    sqlalchemy_uri_placeholder = "dtetrust://:<token>@127.0.0.1:8089/"
    parameters_schema = DTETrustParametersSchema()

    allows_joins = True
    allows_subqueries = True
    disable_ssh_tunneling = True
    supports_file_upload = False

    metadata = {
        "description": "DTE Trust: model trust metrics (accuracy, drift, quality, fairness, compliance) "
        "from MLflow, Evidently and Fairlearn evidence, through trustq serve.",
        "categories": [],
        "pypi_packages": ["dte-trust-superset"],
        "connection_string": "dtetrust://:<token>@<host>:<port>/?protocol=https",
        "notes": "Tables are URIs: dtetrust://<queryType>?<field>=<value>&...",
    }

    custom_errors: dict[Pattern[str], tuple[str, SupersetErrorType, dict[str, Any]]] = {
        **ShillelaghEngineSpec.custom_errors,
        CONNECT_REGEX: (
            __("DTE Trust at %(url)s cannot be reached (%(reason)s). Is trustq serve running there?"),
            SupersetErrorType.CONNECTION_HOST_DOWN_ERROR,
            {"invalid": ["host", "port"]},
        ),
        TIMEOUT_REGEX: (
            __("DTE Trust at %(url)s did not answer in time. Narrow the query or raise the timeout."),
            SupersetErrorType.CONNECTION_DATABASE_TIMEOUT,
            {},
        ),
        TOKEN_REGEX: (
            __("DTE Trust at %(url)s refused the token: %(message)s"),
            SupersetErrorType.CONNECTION_ACCESS_DENIED_ERROR,
            {"invalid": ["access_token"]},
        ),
        REJECTED_REGEX: (
            __("DTE Trust rejected the query: %(message)s"),
            SupersetErrorType.SYNTAX_ERROR,
            {},
        ),
        SOURCES_REGEX: (
            __("The evidence sources of DTE Trust failed: %(message)s"),
            SupersetErrorType.GENERIC_DB_ENGINE_ERROR,
            {},
        ),
        NOTICE_REGEX: (
            __("DTE Trust found nothing for this %(query_type)s query: %(message)s"),
            SupersetErrorType.GENERIC_DB_ENGINE_ERROR,
            {},
        ),
        HEALTH_REGEX: (
            __("DTE Trust at %(url)s is not healthy: %(message)s"),
            SupersetErrorType.GENERIC_DB_ENGINE_ERROR,
            {},
        ),
        TABLE_REGEX: (
            __("%(message)s"),
            SupersetErrorType.SYNTAX_ERROR,
            {},
        ),
    }

    @classmethod
    def convert_dttm(cls, target_type: str, dttm: datetime, db_extra: dict[str, Any] | None = None) -> str | None:
        # The time columns hold ISO times with a "T"; SQLite compares them as strings wherever the
        # adapter does not filter itself, so a literal must have the same shape.
        sqla_type = cls.get_sqla_column_type(target_type)
        if sqla_type is not None and sqla_type.__class__.__name__.upper() in {"TIMESTAMP", "DATETIME", "DATE"}:
            return f"'{dttm.replace(tzinfo=None).isoformat(sep='T', timespec='seconds')}'"
        return super().convert_dttm(target_type, dttm, db_extra)  # type: ignore[no-any-return]

    @classmethod
    def build_sqlalchemy_uri(
        cls, parameters: DTETrustParametersType, encrypted_extra: dict[str, Any] | None = None
    ) -> str:
        query = dict(parameters.get("query") or {})
        if parameters.get("encryption"):
            query["protocol"] = "https"
        url = URL.create(
            SCHEME,
            # A password needs the empty user name before it: dtetrust://:<token>@host:port/
            username="" if parameters.get("access_token") else None,
            password=parameters.get("access_token") or None,
            host=parameters.get("host") or DEFAULT_HOST,
            port=int(parameters.get("port") or DEFAULT_PORT),
            database="",
            query=query,
        )
        return str(url.render_as_string(hide_password=False))

    @classmethod
    def get_parameters_from_uri(cls, uri: str, encrypted_extra: dict[str, Any] | None = None) -> DTETrustParametersType:
        url = make_url(str(uri))
        query = {k: (v if isinstance(v, str) else v[-1]) for k, v in url.query.items()}
        protocol = query.pop("protocol", "http")
        return {
            "host": url.host or DEFAULT_HOST,
            "port": url.port or DEFAULT_PORT,
            "encryption": protocol == "https",
            "access_token": url.password,
            "query": query,
        }

    @classmethod
    def parameters_json_schema(cls) -> Any:
        spec = APISpec(title="Database Parameters", version="1.0.0", openapi_version="3.0.2", plugins=[MarshmallowPlugin()])
        spec.components.schema(cls.__name__, schema=cls.parameters_schema)
        return spec.to_dict()["components"]["schemas"][cls.__name__]

    @classmethod
    def validate_parameters(cls, properties: DTETrustPropertiesType) -> list[SupersetError]:
        """Check the form's parameters as the user fills it: present, a valid port, a server that answers."""
        parameters = properties.get("parameters") or {}
        missing = [k for k in ("host", "port") if not parameters.get(k)]
        if missing:
            return [
                SupersetError(
                    message=f"One or more parameters are missing: {', '.join(missing)}",
                    error_type=SupersetErrorType.CONNECTION_MISSING_PARAMETERS_ERROR,
                    level=ErrorLevel.WARNING,
                    extra={"missing": missing},
                )
            ]
        try:
            port = int(parameters.get("port") or 0)
        except (TypeError, ValueError):
            port = -1
        if not 0 < port < 2**16:
            return [
                SupersetError(
                    message="Port must be a number between 1 and 65535.",
                    error_type=SupersetErrorType.CONNECTION_INVALID_PORT_ERROR,
                    level=ErrorLevel.ERROR,
                    extra={"invalid": ["port"]},
                )
            ]
        protocol = "https" if parameters.get("encryption") else "http"
        host = str(parameters["host"])
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        client = Client(f"{protocol}://{host}:{port}", parameters.get("access_token") or None, timeout=10)
        # As the dialect's ping: unreachable or a refused token is an error; a server that answers
        # with an unhealthy source is not (its queries will name the source).
        ok, message = client.health()
        if not ok and message.startswith("DTE Trust at "):
            return [cls.error_of(message)]
        return []

    @classmethod
    def error_of(cls, message: str) -> SupersetError:
        """The user-facing error of one of the package's error messages (as extract_errors makes it,
        without the Superset app's CUSTOM_DATABASE_ERRORS, so it works outside a request)."""
        for regex, (text, error_type, extra) in cls.custom_errors.items():
            if match := regex.search(message):
                return SupersetError(
                    message=text % match.groupdict(),
                    error_type=error_type,
                    level=ErrorLevel.ERROR,
                    extra={**extra, "engine_name": cls.engine_name},
                )
        return SupersetError(
            message=message,
            error_type=SupersetErrorType.GENERIC_DB_ENGINE_ERROR,
            level=ErrorLevel.ERROR,
            extra={"engine_name": cls.engine_name},
        )
