"""SQL through the dtetrust:// dialect against a real ``trustq serve`` over the repository's testdata.

Builds bin/trustq-like binary with go into a temporary directory, or uses the one in $TRUSTQ.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dte_trust_superset import build_uri
from dte_trust_superset._query import parse_time

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = {"jsonData": {"evidentlyPaths": ["testdata/evidently/legacy"], "fairlearnPaths": ["testdata/fairlearn/dte"]}}
FROM = "2025-01-01T00:00:00Z"
TOKEN = "integration-token-" + "7" * 24

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def trustq(tmp_path_factory: pytest.TempPathFactory) -> str:
    if binary := os.environ.get("TRUSTQ"):
        return binary
    go = shutil.which("go")
    if go is None:
        message = "GO IS MISSING: the integration tests of dte-trust-superset against a real trustq serve DID NOT RUN"
        print(f"\n*** {message} ***", file=sys.stderr)
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("bin") / "trustq"
    subprocess.run([go, "build", "-o", str(out), "./cmd/trustq"], cwd=ROOT, check=True)
    return str(out)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Serve:
    def __init__(self, url: str, token: str | None) -> None:
        self.url = url
        self.token = token

    def post(self, query: dict[str, Any], time_from: str = FROM, time_to: str = "now") -> dict[str, Any]:
        """The direct answer of POST /api/v1/query."""
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps({"query": query, "from": time_from, "to": time_to}).encode()
        request = urllib.request.Request(self.url + "/api/v1/query", data=body, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.load(response)
            return answer

    def engine(self, token: str | None = None) -> sa.engine.Engine:
        host = self.url.removeprefix("http://")
        return sa.create_engine(f"dtetrust://:{token}@{host}/" if token else f"dtetrust://{host}/")


def _start(trustq: str, tmp: Path, token: bool) -> Generator[Serve, None, None]:
    settings = tmp / "settings.json"
    settings.write_text(json.dumps(SETTINGS))
    port = _free_port()
    args = [trustq, "serve", "--settings", str(settings), "--addr", f"127.0.0.1:{port}"]
    if token:
        token_file = tmp / "token"
        token_file.write_text(TOKEN)
        token_file.chmod(0o600)
        args += ["--token-file", str(token_file)]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"trustq serve did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
                time.sleep(0.05)
        yield Serve(url, TOKEN if token else None)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def serve(trustq: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    yield from _start(trustq, tmp_path_factory.mktemp("serve"), token=False)


@pytest.fixture(scope="module")
def serve_token(trustq: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    yield from _start(trustq, tmp_path_factory.mktemp("serve-token"), token=True)


def _typed(answer: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The direct answer's rows with the types the SQL rows have."""
    kinds = [c["type"] for c in answer["columns"]]
    out = []
    for row in answer["rows"]:
        cells = []
        for kind, value in zip(kinds, row):
            if value is not None and kind == "time":
                value = parse_time(value)
            elif value is not None and kind == "number":
                value = float(value)
            cells.append(value)
        out.append(tuple(cells))
    return out


def _sql(engine: sa.engine.Engine, uri: str, columns: list[str], where: str = "") -> list[tuple[Any, ...]]:
    cols = ", ".join(f'"{c}"' for c in columns)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(f'SELECT {cols} FROM "{uri}" {where}')).fetchall()]


CASES: list[tuple[str, dict[str, Any]]] = [
    ("fairness", {"model": "credit-risk-classifier", "format": "latest", "metrics": ["demographic_parity_difference"]}),
    ("fairness", {"format": "table"}),
    ("fairness", {"format": "timeseries", "sensitiveFeature": "sex"}),
    ("drift", {"format": "table", "metrics": ["drift_share"]}),
    ("drift", {"format": "latest"}),
    ("quality", {"format": "table"}),
    ("accuracy", {"format": "timeseries"}),
    ("annotations", {"annotation": "drift_detected"}),
]


@pytest.mark.parametrize(("query_type", "fields"), CASES, ids=[f"{q}-{f.get('format', '')}" for q, f in CASES])
def test_sql_rows_equal_direct_answer(serve: Serve, query_type: str, fields: dict[str, Any]) -> None:
    direct = serve.post({"queryType": query_type, **fields})
    assert direct["rows"], "the fixture should answer rows"
    uri = build_uri(query_type, **fields, **{"from": FROM})
    columns = [c["name"] for c in direct["columns"]]
    assert _sql(serve.engine(), uri, columns) == _typed(direct)


def test_where_time_narrows(serve: Serve) -> None:
    direct = _typed(serve.post({"queryType": "accuracy", "format": "table"}))
    times = sorted({r[0] for r in direct})
    assert len(times) >= 2
    start, end = times[0], times[0] + datetime.timedelta(days=1)
    expected = [r for r in direct if start <= r[0] < end]
    assert 0 < len(expected) < len(direct)
    columns = [c["name"] for c in serve.post({"queryType": "accuracy", "format": "table"})["columns"]]
    uri = build_uri("accuracy", format="table", **{"from": FROM})
    where = f"WHERE time >= '{start.isoformat()}' AND time < '{end.isoformat()}'"
    assert _sql(serve.engine(), uri, columns, where) == expected
    # The same range asked directly gives the same rows (the pushdown sends it as from/to).
    narrow = _typed(serve.post({"queryType": "accuracy", "format": "table"}, start.isoformat() + "Z", end.isoformat() + "Z"))
    assert [r for r in narrow if r[0] < end] == expected


def test_where_model_narrows(serve: Serve) -> None:
    model = "credit-risk-classifier"
    direct = serve.post({"queryType": "drift", "format": "table", "model": model})
    all_rows = serve.post({"queryType": "drift", "format": "table"})
    assert 0 < len(direct["rows"]) < len(all_rows["rows"])
    columns = [c["name"] for c in direct["columns"]]
    uri = build_uri("drift", format="table", **{"from": FROM})
    assert _sql(serve.engine(), uri, columns, f"WHERE model = '{model}'") == _typed(direct)


def test_server_validation_message(serve: Serve) -> None:
    with serve.engine().connect() as conn, pytest.raises(sa.exc.DBAPIError) as excinfo:
        conn.execute(sa.text('SELECT * FROM "dtetrust://drift?format=latest&from=yesterday"'))
    assert str(excinfo.value.orig) == (
        f"DTE Trust at {serve.url}: the query was rejected (400): bad \"from\": cannot read time \"yesterday\": "
        "use RFC 3339, Unix milliseconds, now or now-7d style"
    )


def test_token(serve_token: Serve) -> None:
    uri = build_uri("fairness", format="latest", **{"from": FROM})
    direct = serve_token.post({"queryType": "fairness", "format": "latest"})
    columns = [c["name"] for c in direct["columns"]]
    engine = serve_token.engine(TOKEN)
    assert _sql(engine, uri, columns) == _typed(direct)
    with engine.connect() as conn:
        assert engine.dialect.do_ping(conn.connection)
    for token in (None, "wrong-token-" + "0" * 20):
        with serve_token.engine(token).connect() as conn, pytest.raises(sa.exc.DBAPIError) as excinfo:
            conn.execute(sa.text(f'SELECT * FROM "{uri}"'))
        message = str(excinfo.value.orig)
        assert message.startswith(f"DTE Trust at {serve_token.url}: the token was refused (401): ")
        assert TOKEN not in message and (token is None or token not in message)


def test_server_down_after_stop(trustq: str, tmp_path: Path) -> None:
    gen = _start(trustq, tmp_path, token=False)
    server = next(gen)
    engine = server.engine()
    gen.close()
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as excinfo:
        conn.execute(sa.text('SELECT * FROM "dtetrust://drift"'))
    assert str(excinfo.value.orig) == (
        f"DTE Trust at {server.url}: cannot connect (Connection refused); is trustq serve running there?"
    )
