from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine.url import make_url

from conftest import TOKEN, FakeServer
from dte_trust_superset import _secrets
from dte_trust_superset.dialect import TABLES, DTETrustDialect, adapter_kwargs

URI = "dtetrust://fairness?from=2025-01-01T00:00:00Z"


def test_entry_point() -> None:
    assert make_url("dtetrust://").get_dialect() is DTETrustDialect


def test_connect_args() -> None:
    args, kwargs = DTETrustDialect().create_connect_args(make_url(f"dtetrust://:{TOKEN}@trust.example:9443/?protocol=https&timeout=5"))
    assert args == ()
    assert kwargs["adapters"] == ["dtetrustapi"] and kwargs["safe"] is True
    ak = kwargs["adapter_kwargs"]["dtetrustapi"]
    assert ak["url"] == "https://trust.example:9443" and ak["timeout"] == 5.0
    # The token is behind a reference, so it is not written into the virtual tables' SQL.
    assert TOKEN not in repr(kwargs) and _secrets.recall(ak["token_ref"]) == TOKEN
    assert adapter_kwargs(make_url("dtetrust://"))["url"] == "http://127.0.0.1:8089"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("dtetrust://h/?protocl=https", "unknown option 'protocl'"),
        ("dtetrust://h/?protocol=ftp", "protocol must be http or https"),
        ("dtetrust://h/?timeout=soon", "timeout takes seconds"),
    ],
)
def test_bad_url(url: str, message: str) -> None:
    with pytest.raises(Exception, match=message):
        adapter_kwargs(make_url(url))


def test_engine_queries_and_lists_tables(fake: FakeServer) -> None:
    fake.token = TOKEN
    port = fake.url.rsplit(":", 1)[1]
    engine = sa.create_engine(f"dtetrust://:{TOKEN}@127.0.0.1:{port}/")
    assert sa.inspect(engine).get_table_names() == TABLES
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT model, value FROM \"{URI}\" WHERE model = 'churn' AND value IS NOT NULL")).fetchall()
        assert [tuple(r) for r in rows] == [("churn", 1.0)]
        assert fake.requests[-1]["auth"] == f"Bearer {TOKEN}"
        schema_sql = conn.execute(sa.text("SELECT group_concat(sql) FROM sqlite_master")).scalar()
        assert "DTETrustAPI" in str(schema_sql) and TOKEN not in str(schema_sql)
        assert engine.dialect.do_ping(conn.connection)
    columns = sa.inspect(engine).get_columns(URI)
    assert [c["name"] for c in columns][:4] == ["time", "dimension", "metric", "value"]
    assert str(columns[0]["type"]) == "TIMESTAMP"


def test_ping_reports_the_cause(fake: FakeServer, closed_port: int, caplog: pytest.LogCaptureFixture) -> None:
    # A server that answers with an unhealthy source passes the ping, with the cause logged.
    fake.health = (503, {"status": "ERROR", "message": "Evidently: no JSON files"})
    engine = sa.create_engine(f"dtetrust://127.0.0.1:{fake.url.rsplit(':', 1)[1]}/")
    with engine.connect() as conn:
        assert engine.dialect.do_ping(conn.connection)
    assert "health check failed: Evidently: no JSON files" in caplog.text
    # One that cannot be reached fails it, named.
    down = sa.create_engine(f"dtetrust://:{TOKEN}@127.0.0.1:{closed_port}/")
    with down.connect() as conn, pytest.raises(Exception, match="cannot connect") as excinfo:
        down.dialect.do_ping(conn.connection)
    assert TOKEN not in str(excinfo.value)


def test_plain_shillelagh_safe(fake: FakeServer) -> None:
    engine = sa.create_engine(
        "shillelagh+safe://",
        connect_args={"adapters": ["dtetrustapi"], "adapter_kwargs": {"dtetrustapi": {"url": fake.url, "timeout": 5}}},
    )
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT count(*) FROM \"{URI}\" WHERE model = 'credit'")).fetchall()
    assert [tuple(r) for r in rows] == [(2,)]
