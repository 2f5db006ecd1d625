"""DTE Trust in a real Apache Superset: run by scripts/test-superset.sh, which starts MLflow (seeded demo
store), `trustq serve` over it and the demo evidence (with a bearer token), and Superset 6.1.0 with
PostgreSQL, Redis, a Celery worker and beat, and python/dte-trust-superset installed.

Environment (set by the script): SUPERSET_URL, SUPERSET_USER, SUPERSET_PASSWORD, TRUSTQ_URL,
TRUSTQ_TOKEN_FILE, TRUSTQ_BIN, TRUSTQ_SETTINGS.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "superset"))

import bundle  # noqa: E402  (superset/bundle.py)
from superset_api import SupersetSession  # noqa: E402  (superset/superset_api.py)

MISSING = [v for v in ("SUPERSET_URL", "SUPERSET_USER", "SUPERSET_PASSWORD", "TRUSTQ_URL",
                       "TRUSTQ_TOKEN_FILE", "TRUSTQ_BIN", "TRUSTQ_SETTINGS") if not os.environ.get(v)]
if MISSING:
    # Not a skip: a suite that cannot run must not count as passed.
    raise RuntimeError(f"run through scripts/test-superset.sh (missing {', '.join(MISSING)})")

TRUSTQ_URL = os.environ["TRUSTQ_URL"].rstrip("/")
TOKEN = Path(os.environ["TRUSTQ_TOKEN_FILE"]).read_text().strip()
HOSTPORT = urllib.parse.urlsplit(TRUSTQ_URL).netloc
RANGE = ("now-1y", "now")


@pytest.fixture(scope="session")
def api() -> SupersetSession:
    return SupersetSession(os.environ["SUPERSET_URL"], os.environ["SUPERSET_USER"],
                           os.environ["SUPERSET_PASSWORD"])


def add_database(api: SupersetSession, name: str, uri: str) -> int:
    """The database's id, added through the REST API (or the one of that name already there)."""
    found = api.get("/api/v1/database/", q=json.dumps(
        {"filters": [{"col": "database_name", "opr": "eq", "value": name}]}))
    if found["count"]:
        return int(found["ids"][0])
    made = api.post("/api/v1/database/", json={
        "database_name": name, "sqlalchemy_uri": uri, "expose_in_sqllab": True})
    return int(made["id"])


@pytest.fixture(scope="session")
def db(api: SupersetSession) -> int:
    return add_database(api, "DTE Trust (REST)", f"dtetrust://:{TOKEN}@{HOSTPORT}/")


def sql(api: SupersetSession, database_id: int, query: str) -> dict[str, Any]:
    """Runs query in SQL Lab (synchronously); the answer, or the error answer as it comes."""
    return api.post("/api/v1/sqllab/execute/", json={
        "database_id": database_id, "sql": query, "runAsync": False, "tab": "dte-trust test",
        "queryLimit": 10000, "select_as_cta": False, "ctas_method": "TABLE", "json": True,
        "client_id": "t" + str(time.monotonic_ns())[-9:]}, ok=(200, 400, 422, 500))


def serve_rows(query: dict[str, Any]) -> dict[str, Any]:
    """The answer of trustq serve itself to query, over the adapter's default range."""
    r = requests.post(f"{TRUSTQ_URL}/api/v1/query", timeout=60,
                      headers={"Authorization": f"Bearer {TOKEN}"},
                      json={"query": query, "from": RANGE[0], "to": RANGE[1]})
    r.raise_for_status()
    return r.json()


def cli_values(query: dict[str, Any]) -> list[tuple[str, str, float]]:
    """(metric, model, value) of every point `trustq query --output json` answers for query."""
    out = subprocess.run(
        [os.environ["TRUSTQ_BIN"], "query", "--settings", os.environ["TRUSTQ_SETTINGS"],
         "--query", "-", "--from", RANGE[0], "--to", RANGE[1], "--output", "json"],
        input=json.dumps(query | {"refId": "A"}), capture_output=True, text=True, check=True,
        timeout=120)
    points = []
    for frame in json.loads(out.stdout)["results"]["A"]["frames"]:
        names = [f["name"] for f in frame["schema"]["fields"]]
        cols = dict(zip(names, frame["data"]["values"]))
        for i, v in enumerate(cols.get("value", [])):
            if v is not None:
                points.append((cols["metric"][i], cols["model"][i], round(v, 9)))
    return sorted(points)


def sql_values(answer: dict[str, Any]) -> list[tuple[str, str, float]]:
    return sorted((r["metric"], r["model"], round(r["value"], 9))
                  for r in answer["data"] if r["value"] is not None)


# --- the connector ---------------------------------------------------------------------------------
def test_dte_trust_in_the_database_list(api: SupersetSession) -> None:
    engines = api.get("/api/v1/database/available/")
    ours = [e for e in engines if e.get("engine") == "dtetrust"]
    assert ours, f"DTE Trust is not among Superset's databases: {[e.get('name') for e in engines]}"
    assert ours[0]["name"] == "DTE Trust"
    # The connection form: host, port and a token kept encrypted.
    props = ours[0].get("parameters", {}).get("properties", {})
    assert {"host", "port", "token"} <= set(props), props


def test_connection_through_rest(api: SupersetSession, db: int) -> None:
    ok = api.post("/api/v1/database/test_connection/", json={
        "database_name": "DTE Trust (REST)", "sqlalchemy_uri": f"dtetrust://:{TOKEN}@{HOSTPORT}/"})
    assert ok.get("message") == "OK", ok
    # The token is kept as a password: Superset masks it in what it shows.
    shown = api.get(f"/api/v1/database/{db}")["result"]["sqlalchemy_uri"]
    assert TOKEN not in shown, "the token is shown in the database's URI"


CASES = [
    {"queryType": "fairness", "format": "latest", "model": "credit-risk-classifier",
     "metrics": ["demographic_parity_difference", "demographic_parity_ratio"]},
    {"queryType": "drift", "format": "table", "metrics": ["drift_share"]},
    {"queryType": "trust_score", "format": "latest"},
    {"queryType": "accuracy", "format": "latest", "history": False, "metrics": ["accuracy", "f1"]},
    {"queryType": "compliance", "format": "table", "metrics": ["compliance_score"]},
]


def uri_of(q: dict[str, Any]) -> str:
    params = []
    for k, v in q.items():
        if k == "queryType":
            continue
        if isinstance(v, list):
            v = ",".join(v)
        elif isinstance(v, bool):
            v = str(v).lower()
        params.append(f"{k}={urllib.parse.quote(str(v), safe=',')}")
    return f"dtetrust://{q['queryType']}?{'&'.join(params)}"


@pytest.mark.parametrize("query", CASES, ids=lambda q: f"{q['queryType']}-{q['format']}")
def test_sql_lab_rows_equal_trustq(api: SupersetSession, db: int, query: dict[str, Any]) -> None:
    answer = sql(api, db, f'SELECT * FROM "{uri_of(query)}"')
    assert answer.get("status") == "success", answer
    direct = serve_rows(query)
    names = [c["name"] for c in direct["columns"]]
    assert [c["column_name"] for c in answer["columns"]] == names
    assert answer["data"], f"{uri_of(query)}: no rows"
    got = [[r[n] for n in names] for r in answer["data"]]
    want = [[cell_as_sql(v, c["type"]) for v, c in zip(row, direct["columns"])]
            for row in direct["rows"]]
    assert sorted(map(json.dumps, got)) == sorted(map(json.dumps, want))
    # ... and the values are those of `trustq query` (the CLI's frames) for the same query.
    assert sql_values(answer) == cli_values(query)


def cell_as_sql(v: Any, typ: str) -> Any:
    """A cell of trustq serve as SQL Lab shows it: times as SQLite renders them."""
    if v is None or typ != "time":
        return v
    return v.replace("T", " ").replace("Z", "")


def test_where_narrows_by_model_and_time(api: SupersetSession, db: int) -> None:
    uri = "dtetrust://drift?format=table&metrics=drift_share"
    churn = sql(api, db, f"SELECT * FROM \"{uri}\" WHERE model = 'churn-predictor'")
    assert churn.get("status") == "success", churn
    assert churn["data"] and {r["model"] for r in churn["data"]} == {"churn-predictor"}
    direct = serve_rows({"queryType": "drift", "format": "table", "metrics": ["drift_share"],
                         "model": "churn-predictor"})
    assert len(churn["data"]) == len(direct["rows"])
    all_rows = sql(api, db, f'SELECT time FROM "{uri}" ORDER BY time')["data"]
    middle = all_rows[len(all_rows) // 2]["time"]
    later = sql(api, db, f"SELECT time FROM \"{uri}\" WHERE time >= '{middle}'")["data"]
    assert later and all(r["time"] >= middle for r in later)
    assert len(later) < len(all_rows)


def error_of(answer: dict[str, Any]) -> str:
    errs = answer.get("errors") or []
    text = " ".join(str(e.get("message", "")) for e in errs) or str(answer.get("message", ""))
    assert "Traceback" not in json.dumps(answer), answer
    return text


@pytest.mark.parametrize("uri,expect", [
    ("dtetrust://fairnes?format=latest", "fairnes"),
    ("dtetrust://drift?colour=blue", "colour"),
    ("dtetrust://drift?format=sideways", "sideways"),
])
def test_bad_table_uri_is_a_named_sql_error(api: SupersetSession, db: int, uri: str,
                                            expect: str) -> None:
    answer = sql(api, db, f'SELECT * FROM "{uri}"')
    assert answer.get("status") != "success", answer
    assert expect in error_of(answer)


def test_wrong_token_and_server_down_are_named(api: SupersetSession) -> None:
    bad = add_database(api, "DTE Trust (wrong token)", f"dtetrust://:not-the-token-0123456789@{HOSTPORT}/")
    msg = error_of(sql(api, bad, 'SELECT * FROM "dtetrust://trust_score?format=latest"'))
    assert "401" in msg or "token" in msg.lower(), msg
    assert "not-the-token" not in msg
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    down = add_database(api, "DTE Trust (down)", f"dtetrust://:{TOKEN}@127.0.0.1:{closed}/")
    msg = error_of(sql(api, down, 'SELECT * FROM "dtetrust://trust_score?format=latest"'))
    assert f"127.0.0.1:{closed}" in msg, msg
    assert TOKEN not in msg


# --- the bundle ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def imported(api: SupersetSession) -> dict[str, int]:
    """Imports superset/bundle/ (its database at this trustq serve) and answers chart uuid -> id."""
    with tempfile.TemporaryDirectory() as tmp:
        zpath = Path(tmp) / "bundle.zip"
        bundle.make_zip(bundle.OUT, zpath, f"dtetrust://{HOSTPORT}/")
        api.import_bundle(zpath, passwords={"databases/DTE_Trust.yaml": TOKEN})
    charts = api.get("/api/v1/chart/", q=json.dumps({"page_size": 100, "columns": ["id", "uuid"]}))
    by_uuid = {c["uuid"]: int(c["id"]) for c in charts["result"]}
    want = {c.uuid for d in bundle.DASHBOARDS for c in d.charts}
    assert want <= set(by_uuid), f"charts not imported: {want - set(by_uuid)}"
    return {u: by_uuid[u] for u in want}


def test_bundle_dashboards_imported(api: SupersetSession, imported: dict[str, int]) -> None:
    for d in bundle.DASHBOARDS:
        got = api.get(f"/api/v1/dashboard/{d.slug}")["result"]
        assert got["dashboard_title"] == d.title
        charts = api.get(f"/api/v1/dashboard/{d.slug}/charts")["result"]
        assert len(charts) == len(d.charts), d.slug


def test_every_chart_answers_data(api: SupersetSession, imported: dict[str, int]) -> None:
    empty, failed = [], []
    for d in bundle.DASHBOARDS:
        for c in d.charts:
            answer = api.get(f"/api/v1/chart/{imported[c.uuid]}/data/", ok=(200, 400, 500))
            results = answer.get("result") or []
            if not results or any(r.get("error") for r in results) or "message" in answer:
                failed.append(f"{d.slug}/{c.name}: {json.dumps(answer)[:300]}")
            elif sum(r.get("rowcount", 0) for r in results) == 0:
                empty.append(f"{d.slug}/{c.name}")
    assert not failed, "\n".join(failed)
    assert not empty, f"charts without data: {empty}"


# --- an alert --------------------------------------------------------------------------------------
class Receiver:
    """A loopback webhook receiver: what Superset posts, by path."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.posts.append((self.path, body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def test_drift_alert_fires_for_the_drifting_model_only(api: SupersetSession, db: int,
                                                        receiver: Receiver) -> None:
    uri = "dtetrust://drift?format=latest&metrics=drift_share"
    alerts = {}
    for model in ("credit-risk-classifier", "churn-predictor"):
        alerts[model] = api.create_alert(
            name=f"Drift share above 0.3: {model}", database_id=db,
            sql=f"SELECT MAX(value) FROM \"{uri}\" WHERE model = '{model}'",
            op=">", threshold=0.3, webhook=f"{receiver.url}/{model}")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not any(p == "/credit-risk-classifier"
                                                  for p, _ in receiver.posts):
        time.sleep(3)
    paths = [p for p, _ in receiver.posts]
    assert "/credit-risk-classifier" in paths, (
        f"no webhook for the drifting model in 240 s; logs: {api.alert_logs(alerts['credit-risk-classifier'])}")
    # The healthy model's alert ran and did not fire.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not api.alert_logs(alerts["churn-predictor"]):
        time.sleep(3)
    logs = api.alert_logs(alerts["churn-predictor"])
    assert logs, "the churn-predictor alert never ran"
    assert all(lg["state"] != "Error" for lg in logs), logs
    assert "/churn-predictor" not in paths
    for a in alerts.values():
        api.delete(f"/api/v1/report/{a}")
