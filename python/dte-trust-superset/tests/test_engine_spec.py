from __future__ import annotations

from datetime import datetime
from importlib.metadata import entry_points

import pytest
import sqlalchemy as sa

from conftest import TOKEN, FakeServer

superset = pytest.importorskip("superset", reason="Superset is not installed in this venv")

from dte_trust_superset.engine_spec import DTETrustEngineSpec  # noqa: E402
from superset.errors import SupersetErrorType  # noqa: E402


def test_found_through_entry_point() -> None:
    # Superset's load_engine_specs() loads the group "superset.db_engine_specs" (it needs an app).
    (ep,) = [ep for ep in entry_points(group="superset.db_engine_specs") if ep.name == "dtetrust"]
    assert ep.load() is DTETrustEngineSpec
    assert DTETrustEngineSpec.engine_name == "DTE Trust" and DTETrustEngineSpec.engine == "dtetrust"


def test_uri_round_trip() -> None:
    params = {"host": "trust.example", "port": 9443, "encryption": True, "access_token": "t/k@n", "query": {"timeout": "5"}}
    uri = DTETrustEngineSpec.build_sqlalchemy_uri(params)  # type: ignore[arg-type]
    assert uri == "dtetrust://:t%2Fk%40n@trust.example:9443/?protocol=https&timeout=5"
    assert DTETrustEngineSpec.get_parameters_from_uri(uri) == params
    assert DTETrustEngineSpec.build_sqlalchemy_uri({"host": "127.0.0.1", "port": 8089}) == "dtetrust://127.0.0.1:8089/"
    assert DTETrustEngineSpec.get_parameters_from_uri("dtetrust://")["port"] == 8089


def test_parameters_schema() -> None:
    schema = DTETrustEngineSpec.parameters_json_schema()
    assert set(schema["properties"]) == {"host", "port", "encryption", "access_token", "query"}
    assert set(schema["required"]) == {"host", "port"}


def test_validate_parameters(fake: FakeServer, closed_port: int) -> None:
    port = int(fake.url.rsplit(":", 1)[1])
    assert DTETrustEngineSpec.validate_parameters({"parameters": {"host": "127.0.0.1", "port": port}}) == []
    (missing,) = DTETrustEngineSpec.validate_parameters({"parameters": {"host": "127.0.0.1"}})
    assert missing.error_type == SupersetErrorType.CONNECTION_MISSING_PARAMETERS_ERROR
    fake.token = "another-token-0123456789"
    (denied,) = DTETrustEngineSpec.validate_parameters(
        {"parameters": {"host": "127.0.0.1", "port": port, "access_token": TOKEN}}
    )
    assert denied.error_type == SupersetErrorType.CONNECTION_ACCESS_DENIED_ERROR
    assert TOKEN not in denied.message and denied.extra["invalid"] == ["access_token"]
    (down,) = DTETrustEngineSpec.validate_parameters({"parameters": {"host": "127.0.0.1", "port": closed_port}})
    assert down.error_type == SupersetErrorType.CONNECTION_HOST_DOWN_ERROR
    assert down.message == f"DTE Trust at http://127.0.0.1:{closed_port} cannot be reached (Connection refused). Is trustq serve running there?"


@pytest.mark.parametrize(
    ("raw", "error_type", "message"),
    [
        ("DTE Trust at http://h:1: the query was rejected (400): unknown format", SupersetErrorType.SYNTAX_ERROR, "DTE Trust rejected the query: unknown format"),
        ("DTE Trust at http://h:1: the sources failed (502): mlflow down", SupersetErrorType.GENERIC_DB_ENGINE_ERROR, "The evidence sources of DTE Trust failed: mlflow down"),
        ("DTE Trust at http://h:1: no answer within 60 s (timeout)", SupersetErrorType.CONNECTION_DATABASE_TIMEOUT, "DTE Trust at http://h:1 did not answer in time. Narrow the query or raise the timeout."),
        ("DTE Trust at http://h:1: drift query notice (warning): x skipped", SupersetErrorType.GENERIC_DB_ENGINE_ERROR, "DTE Trust found nothing for this drift query: x skipped"),
        ("unknown DTE Trust query field 'modle' in 'dtetrust://drift?modle=x': use from, to or one of ...", SupersetErrorType.SYNTAX_ERROR, "unknown DTE Trust query field 'modle'"),
    ],
)
def test_custom_errors(raw: str, error_type: SupersetErrorType, message: str) -> None:
    error = DTETrustEngineSpec.error_of(raw)
    assert error.error_type == error_type
    assert error.message.startswith(message)


def test_time_grains_and_literals_work_on_the_tables(fake: FakeServer) -> None:
    engine = sa.create_engine(f"dtetrust://127.0.0.1:{fake.url.rsplit(':', 1)[1]}/")
    uri = "dtetrust://fairness?from=2025-01-01T00:00:00Z"
    literal = DTETrustEngineSpec.convert_dttm("TIMESTAMP", datetime(2025, 2, 10, 8, 0, 0))
    assert literal == "'2025-02-10T08:00:00'"
    # Superset's get_time_grain_expressions() adds the app's TIME_GRAIN_ADDONS to these.
    grains = DTETrustEngineSpec._time_grain_expressions
    with engine.connect() as conn:
        for grain in ("P1D", "P1W", "P1M", "P1Y", "PT1H"):
            expr = grains[grain].format(col="time")
            rows = conn.execute(sa.text(f'SELECT {expr} FROM "{uri}" WHERE time IS NOT NULL')).fetchall()
            assert all(r[0] is not None for r in rows) and len(rows) == 3, grain
        day = grains["P1D"].format(col="time")
        assert conn.execute(sa.text(f'SELECT {day} FROM "{uri}" LIMIT 1')).scalar() == "2025-01-10 00:00:00"
        # A literal in a subquery, where SQLite compares strings, agrees with the adapter's check.
        sql = f'SELECT count(*) FROM (SELECT time FROM "{uri}") WHERE time >= {literal}'
        assert conn.execute(sa.text(sql)).scalar() == 2
