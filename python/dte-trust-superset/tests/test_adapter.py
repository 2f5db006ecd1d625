from __future__ import annotations

import datetime
from typing import Any

import pytest
from shillelagh.backends.apsw.db import connect
from shillelagh.exceptions import Error, OperationalError, ProgrammingError

from dte_trust_superset.adapter import DTETrustAPI

from conftest import TOKEN, FakeServer

URI = "dtetrust://fairness?from=2025-01-01T00:00:00Z&to=2025-12-31T00:00:00Z"


def run(fake: FakeServer, sql: str, **kwargs: Any) -> list[tuple[Any, ...]]:
    conn = connect(
        ":memory:", adapters=["dtetrustapi"], adapter_kwargs={"dtetrustapi": {"url": fake.url, **kwargs}}, safe=True
    )
    try:
        return list(conn.cursor().execute(sql).fetchall())
    finally:
        conn.close()


def test_safe_and_registered() -> None:
    from shillelagh.adapters.registry import registry

    assert DTETrustAPI.safe is True
    assert registry.load("dtetrustapi", safe=True) is DTETrustAPI
    assert DTETrustAPI.supports("dtetrust://drift") and not DTETrustAPI.supports("https://x")


def test_columns_typed_and_stable(fake: FakeServer) -> None:
    conn = connect(":memory:", adapters=["dtetrustapi"], adapter_kwargs={"dtetrustapi": {"url": fake.url}}, safe=True)
    cursor = conn.cursor().execute(f'SELECT * FROM "{URI}"')
    rows = cursor.fetchall()
    assert cursor.description is not None
    names = [d[0] for d in cursor.description]
    # The server's columns, in its order.
    assert names == [c["name"] for c in fake.answer["columns"]]
    types = {d[0]: d[1].type for d in cursor.description}
    assert (types["time"], types["value"], types["model"]) == ("TIMESTAMP", "REAL", "TEXT")
    first = dict(zip(names, rows[0]))
    assert first["time"] == datetime.datetime(2025, 1, 10, 8, 0)
    assert first["value"] == 0.12 and first["model"] == "credit" and first["link"] is None
    third = dict(zip(names, rows[2]))
    assert isinstance(third["value"], float) and third["value"] == 1.0
    assert rows[1][0] == datetime.datetime(2025, 2, 10, 8, 0, 0, 123456)
    assert len(rows) == 4
    # The first query reuses the answer that gave the columns.
    assert len(fake.queries) == 1
    # A server whose evidence answer lacks the tidy columns (an older one) is named.
    fake.answer = {"columns": [{"name": "value", "type": "number"}], "rows": [], "notices": []}
    conn2 = connect(":memory:", adapters=["dtetrustapi"], adapter_kwargs={"dtetrustapi": {"url": fake.url}}, safe=True)
    with pytest.raises(Exception, match="older than this package"):
        conn2.cursor().execute(f'SELECT * FROM "{URI}"')


def test_query_model_sent(fake: FakeServer) -> None:
    run(fake, 'SELECT * FROM "dtetrust://fairness?model=credit&metrics=a,b&limit=3&history=true&ratioMin=0.8"')
    body = fake.queries[-1]
    assert body == {
        "query": {
            "queryType": "fairness",
            "format": "table",
            "model": "credit",
            "metrics": ["a", "b"],
            "limit": 3,
            "history": True,
            "ratioMin": 0.8,
        },
        "from": "now-1y",
        "to": "now",
    }


def test_time_range_pushed_down_and_rechecked(fake: FakeServer) -> None:
    rows = run(fake, f"SELECT time, value FROM \"{URI}\" WHERE time >= '2025-02-01' AND time < '2025-03-10 08:00:00'")
    # The fake ignores from/to: the adapter's own check narrows, also excluding the end.
    assert rows == [(datetime.datetime(2025, 2, 10, 8, 0, 0, 123456), 0.05)]
    body = fake.queries[-1]
    assert body["from"] == "2025-01-31T23:59:59.000000Z"
    assert body["to"] == "2025-03-10T08:00:01.000000Z"
    assert run(fake, f"SELECT count(*) FROM \"{URI}\" WHERE time <= '2025-03-10T08:00:00'") == [(3,)]
    assert run(fake, f"SELECT count(*) FROM \"{URI}\" WHERE time > '2025-03-10T08:00:00'") == [(0,)]


def test_equal_pushed_down_and_rechecked(fake: FakeServer) -> None:
    rows = run(fake, f"SELECT model, version, metric FROM \"{URI}\" WHERE model = 'credit' AND version = '2'")
    assert rows == [("credit", "2", "demographic_parity_difference")]
    assert fake.queries[-1]["query"]["model"] == "credit" and fake.queries[-1]["query"]["version"] == "2"
    rows = run(fake, f"SELECT metric FROM \"{URI}\" WHERE metric = 'equalized_odds_difference' AND source = 'fairlearn'")
    assert rows == [("equalized_odds_difference",)]
    assert fake.queries[-1]["query"]["metrics"] == ["equalized_odds_difference"]
    assert fake.queries[-1]["query"]["source"] == "fairlearn"
    rows = run(fake, f"SELECT DISTINCT model FROM \"{URI}\" WHERE model IN ('credit', 'churn') ORDER BY model")
    assert rows == [("churn",), ("credit",)]


def test_pushdown_never_widens_the_uri(fake: FakeServer) -> None:
    n = len(fake.queries)
    uri = "dtetrust://fairness?model=credit&metrics=demographic_parity_difference"
    assert run(fake, f"SELECT * FROM \"{uri}\" WHERE model = 'churn'") == []
    assert run(fake, f"SELECT * FROM \"{uri}\" WHERE metric = 'accuracy'") == []
    assert run(fake, f"SELECT * FROM \"{URI}\" WHERE model = 'a' AND model = 'b'") == []
    # Only the table creations asked the server.
    assert all("churn" not in str(q) for q in fake.queries[n:])


def test_latest_time_is_null(fake: FakeServer) -> None:
    assert run(fake, f"SELECT count(*) FROM \"{URI}\" WHERE time IS NULL") == [(1,)]


def test_token_sent(fake: FakeServer) -> None:
    fake.token = TOKEN
    assert len(run(fake, f'SELECT * FROM "{URI}"', token=TOKEN)) == 4
    assert fake.requests[-1]["auth"] == f"Bearer {TOKEN}"


def message(excinfo: pytest.ExceptionInfo[Error]) -> str:
    text = str(excinfo.value)
    assert "\n" not in text and TOKEN not in text
    return text


def test_server_down(closed_port: int) -> None:
    with pytest.raises(OperationalError) as excinfo:
        connect(":memory:", adapters=["dtetrustapi"], adapter_kwargs={"dtetrustapi": {"url": f"http://127.0.0.1:{closed_port}", "token": TOKEN}}, safe=True).cursor().execute(f'SELECT * FROM "{URI}"')
    assert message(excinfo) == (
        f"DTE Trust at http://127.0.0.1:{closed_port}: cannot connect (Connection refused); is trustq serve running there?"
    )


def test_wrong_token(fake: FakeServer) -> None:
    fake.token = "another-token-0123456789"
    with pytest.raises(Error) as excinfo:
        run(fake, f'SELECT * FROM "{URI}"', token=TOKEN)
    assert message(excinfo) == (
        f"DTE Trust at {fake.url}: the token was refused (401): missing bearer token: send Authorization: Bearer <token>"
    )


@pytest.mark.parametrize(
    ("status", "error", "expected", "cls"),
    [
        (400, 'unknown format "x": use timeseries, latest or table', "the query was rejected (400): unknown format", ProgrammingError),
        (502, "mlflow runs/search: 503", "the sources failed (502): mlflow runs/search: 503", OperationalError),
        (504, "query took longer than 30s", "the query timed out on the server (504)", OperationalError),
        (500, "internal error in fairness", "the server answered 500: internal error in fairness", OperationalError),
    ],
)
def test_http_errors(fake: FakeServer, status: int, error: str, expected: str, cls: type[Error]) -> None:
    fake.status = status
    fake.answer = {"error": f"{error} {TOKEN}", "status": status}
    with pytest.raises(cls) as excinfo:
        run(fake, f'SELECT * FROM "{URI}"', token=TOKEN)
    text = message(excinfo)
    assert text.startswith(f"DTE Trust at {fake.url}: {expected}")
    assert "***" in text


def test_not_json(fake: FakeServer) -> None:
    fake.answer = b"<html>"
    with pytest.raises(OperationalError, match="answered 200 with something that is not JSON"):
        run(fake, f'SELECT * FROM "{URI}"')


def test_notices(fake: FakeServer) -> None:
    notice = {"severity": "warning", "text": "evidently: x.json: skipped"}
    fake.answer = {**fake.answer, "notices": [notice]}
    # Beside rows a warning is logged (auto), or raised (raise).
    assert len(run(fake, f'SELECT * FROM "{URI}"')) == 4
    with pytest.raises(OperationalError) as excinfo:
        run(fake, f'SELECT * FROM "{URI}"', notices="raise")
    assert message(excinfo) == f"DTE Trust at {fake.url}: fairness query notice (warning): evidently: x.json: skipped"
    # Without rows the warning is the answer's explanation: an error.
    fake.answer = {**fake.answer, "rows": []}
    with pytest.raises(OperationalError, match="fairness query notice"):
        run(fake, f'SELECT * FROM "{URI}"')
    assert run(fake, f'SELECT * FROM "{URI}"', notices="log") == []
    fake.answer = {**fake.answer, "notices": [{"severity": "info", "text": "fyi"}]}
    assert run(fake, f'SELECT * FROM "{URI}"', notices="raise") == []


def test_unknown_field_through_sql(fake: FakeServer) -> None:
    with pytest.raises(ProgrammingError, match="unknown DTE Trust query field 'modle'"):
        run(fake, 'SELECT * FROM "dtetrust://fairness?modle=x"')
    assert fake.queries == []


def test_non_evidence_columns_from_answer(fake: FakeServer) -> None:
    fake.answer = {
        "columns": [{"name": "time", "type": "time"}, {"name": "title", "type": "string"}, {"name": "n", "type": "number"}],
        "rows": [["2025-01-15T09:30:00.123456Z", "Dataset drift detected", 3]],
        "notices": [],
    }
    rows = run(fake, 'SELECT * FROM "dtetrust://annotations?annotation=drift_detected"')
    assert rows == [(datetime.datetime(2025, 1, 15, 9, 30, 0, 123456), "Dataset drift detected", 3.0)]
    assert "format" not in fake.queries[-1]["query"]
