"""DTE Trust in a real Apache Superset: run by scripts/test-superset.sh, which starts MLflow (seeded demo
store), `trustq serve` over it and the demo evidence (with a bearer token), and Superset 6.1.0 with
PostgreSQL, Redis, a Celery worker and beat, and python/dte-trust-superset installed.

Environment (set by the script): SUPERSET_URL, SUPERSET_USER, SUPERSET_PASSWORD, TRUSTQ_URL,
TRUSTQ_TOKEN_FILE, TRUSTQ_BIN, TRUSTQ_SETTINGS.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any, Iterator

import prison
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "superset"))

import bundle  # noqa: E402  (superset/bundle.py)
import superset_api  # noqa: E402  (superset/superset_api.py)
from superset_api import SupersetSession, WebhookReceiver  # noqa: E402

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
    """The database's id, added (or updated) through the REST API."""
    return superset_api.add_database(api, name, uri)


@pytest.fixture(scope="session")
def db(api: SupersetSession) -> int:
    return add_database(api, "DTE Trust (REST)", f"dtetrust://:{TOKEN}@{HOSTPORT}/")


def call(api: SupersetSession, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """An API call whose error answers are returned, not raised: the tests read their messages."""
    resp = api.http.request(method, api.url + path, timeout=api.timeout, **kwargs)
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.text[:500]
    answer: dict[str, Any] = resp.json()
    answer.setdefault("http_status", resp.status_code)
    return answer


def sql(api: SupersetSession, database_id: int, query: str) -> dict[str, Any]:
    """Runs query in SQL Lab (synchronously); the answer, or the error answer as it comes."""
    return call(api, "POST", "/api/v1/sqllab/execute/", json={
        "database_id": database_id, "sql": query, "runAsync": False, "tab": "dte-trust test",
        "queryLimit": 10000, "client_id": "t" + str(time.monotonic_ns())[-9:]})


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
                model = cols["model"][i] if "model" in cols else None
                points.append((cols["metric"][i], model or "", round(v, 9)))
    return sorted(points)


def sql_values(answer: dict[str, Any]) -> list[tuple[str, str, float]]:
    return sorted((r["metric"], r["model"] or "", round(r["value"], 9))
                  for r in answer["data"] if r["value"] is not None)


# --- the connector ---------------------------------------------------------------------------------
def test_dte_trust_in_the_database_list(api: SupersetSession) -> None:
    engines = api.get("/api/v1/database/available/")
    engines = engines.get("databases", engines) if isinstance(engines, dict) else engines
    ours = [e for e in engines if e.get("engine") == "dtetrust"]
    assert ours, f"DTE Trust is not among Superset's databases: {[e.get('name') for e in engines]}"
    assert ours[0]["name"] == "DTE Trust"
    # The connection form: host, port and a token kept encrypted.
    props = ours[0].get("parameters", {}).get("properties", {})
    assert {"host", "port", "access_token"} <= set(props), props


def test_connection_through_rest(api: SupersetSession, db: int) -> None:
    ok = api.post("/api/v1/database/test_connection/", {
        "database_name": "DTE Trust (REST)", "sqlalchemy_uri": f"dtetrust://:{TOKEN}@{HOSTPORT}/"})
    assert ok.get("message") == "OK", ok
    # The token is kept as a password: Superset masks it in what it shows.
    shown = api.get(f"/api/v1/database/{db}/connection")["result"]
    assert shown["sqlalchemy_uri"].startswith("dtetrust://"), shown
    assert TOKEN not in json.dumps(shown), "the token is shown in the database's connection"


CASES = [
    {"queryType": "fairness", "format": "latest", "model": "credit-risk-classifier",
     "metrics": ["demographic_parity_difference", "demographic_parity_ratio"]},
    {"queryType": "drift", "format": "table", "metrics": ["drift_share"]},
    {"queryType": "trust_score", "format": "latest"},
    {"queryType": "accuracy", "format": "latest", "history": False, "metrics": ["accuracy", "f1"]},
    {"queryType": "compliance", "format": "table", "metrics": ["compliance_score"]},
    {"queryType": "quality", "format": "latest", "source": "great_expectations",
     "metrics": ["success_percent", "expectation_success"]},
    {"queryType": "explainability", "format": "table",
     "metrics": ["mean_abs_shap", "top_feature_changed"]},
    {"queryType": "freshness", "format": "table", "staleAfter": "30d", "metrics": ["evidence_present"]},
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
    types = [c["type"] for c in direct["columns"]]
    if query["queryType"] in EVALUATED_NOW and query["format"] == "table":
        # Rules and scores evaluated at query time are stamped with it: equal up to the stamp.
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        for r in answer["data"]:
            assert abs((now - datetime.datetime.fromisoformat(r["time"])).total_seconds()) < 120, r
        types[names.index("time")] = "evaluated"
    got = [[norm(r[n], t) for n, t in zip(names, types)] for r in answer["data"]]
    want = [[norm(v, t) for v, t in zip(row, types)] for row in direct["rows"]]
    assert sorted(map(json.dumps, got)) == sorted(map(json.dumps, want))
    # ... and the values are those of `trustq query` (the CLI's frames) for the same query.
    assert sql_values(answer) == cli_values(query)


EVALUATED_NOW = ("compliance", "trust_score", "freshness")


def norm(v: Any, typ: str) -> Any:
    """A cell as a comparable value: times (RFC 3339 from trustq serve, naive ISO from SQL Lab) as
    naive UTC datetimes in ISO form, numbers as floats; the time of an evaluation is left out."""
    if v is None or typ == "evaluated":
        return None
    if typ == "time":
        t = datetime.datetime.fromisoformat(str(v).replace("Z", "+00:00"))
        return t.replace(tzinfo=None).isoformat()
    if typ == "number":
        return float(v)
    return v


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


def test_a_database_with_a_wrong_token_is_refused_when_added(api: SupersetSession) -> None:
    wrong = "not-the-token-0123456789"
    with pytest.raises(superset_api.SupersetError) as e:
        add_database(api, "DTE Trust (wrong token)", f"dtetrust://:{wrong}@{HOSTPORT}/")
    assert "refused the token" in str(e.value) and wrong not in str(e.value), e.value
    assert "Traceback" not in str(e.value)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Trustq:
    """A second trustq serve of the same settings on a free loopback port, to stop or restart with
    another token while Superset has a database pointing at it."""

    def __init__(self, token: str, settings: str = os.environ["TRUSTQ_SETTINGS"]) -> None:
        self.port = free_port()
        self.settings = settings
        self.dir = tempfile.TemporaryDirectory()
        self.proc: subprocess.Popen[bytes] | None = None
        self.start(token)

    def start(self, token: str) -> None:
        tf = Path(self.dir.name) / "token"
        tf.write_text(token)
        tf.chmod(0o600)
        self.proc = subprocess.Popen(
            [os.environ["TRUSTQ_BIN"], "serve", "--settings", self.settings,
             "--addr", f"127.0.0.1:{self.port}", "--token-file", str(tf)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"trustq serve on port {self.port} did not start")

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc = None


def test_token_rotated_and_server_down_are_named_sql_errors(api: SupersetSession) -> None:
    table = 'SELECT * FROM "dtetrust://trust_score?format=latest"'
    second = Trustq(TOKEN)
    try:
        db_id = add_database(api, "DTE Trust (second)", f"dtetrust://:{TOKEN}@127.0.0.1:{second.port}/")
        assert sql(api, db_id, table).get("status") == "success"
        # The server's token changes: Superset's is refused, and the SQL error says so.
        second.stop()
        second.start("a-rotated-token-0123456789")
        msg = error_of(sql(api, db_id, table))
        assert "refused the token" in msg, msg
        assert TOKEN not in msg and "a-rotated-token" not in msg
        # The server is down: the SQL error names it.
        second.stop()
        msg = error_of(sql(api, db_id, table))
        assert f"127.0.0.1:{second.port} cannot be reached (Connection refused)" in msg, msg
        assert TOKEN not in msg
    finally:
        second.stop()


def test_failing_source_and_path_outside_the_roots_are_named(api: SupersetSession, db: int,
                                                              tmp_path: Path) -> None:
    # A path outside the configured roots is refused by trustq serve, and the SQL error says why.
    msg = error_of(sql(api, db, 'SELECT * FROM "dtetrust://drift?path=/etc/passwd"'))
    assert '"/etc/passwd": absolute paths are not allowed' in msg, msg
    msg = error_of(sql(api, db, 'SELECT * FROM "dtetrust://drift?path=../../../etc/passwd"'))
    assert "../../../etc/passwd" in msg and "passwd:" not in msg.split("../../../etc/passwd")[-1], msg
    # An evidence source that fails (MLflow is not there): the error names it and its address.
    dead = f"http://127.0.0.1:{free_port()}"
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"jsonData": {"mlflowUrl": dead, "timeoutSeconds": 10}}))
    second = Trustq(TOKEN, str(settings))
    try:
        db_id = superset_api.add_database(
            api, "DTE Trust (MLflow down)", f"dtetrust://:{TOKEN}@127.0.0.1:{second.port}/")
        msg = error_of(sql(api, db_id, 'SELECT * FROM "dtetrust://accuracy"'))
        assert "mlflow" in msg.lower() and dead in msg, msg
    finally:
        second.stop()


# --- the bundle ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def imported(api: SupersetSession) -> dict[str, int]:
    """Imports superset/bundle/ (its database at this trustq serve) and answers chart uuid -> id."""
    with tempfile.TemporaryDirectory() as tmp:
        zpath = Path(tmp) / "bundle.zip"
        bundle.make_zip(bundle.OUT, zpath, f"dtetrust://{HOSTPORT}/", token=True)
        superset_api.import_bundle(api, str(zpath), passwords={"databases/DTE_Trust.yaml": TOKEN})
    charts = api.get("/api/v1/chart/", q=prison.dumps({"page_size": 100, "columns": ["id", "uuid"]}))
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
            answer = call(api, "GET", f"/api/v1/chart/{imported[c.uuid]}/data/")
            results = answer.get("result") or []
            if answer["http_status"] != 200 or not results or any(r.get("error") for r in results):
                failed.append(f"{d.slug}/{c.name}: {json.dumps(answer)[:300]}")
            elif sum(r.get("rowcount", 0) for r in results) == 0:
                empty.append(f"{d.slug}/{c.name}")
    assert not failed, "\n".join(failed)
    assert not empty, f"charts without data: {empty}"


# --- an alert --------------------------------------------------------------------------------------
@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as r:
        yield r


def test_drift_alert_fires_for_the_drifting_model_only(api: SupersetSession, db: int,
                                                        receiver: WebhookReceiver) -> None:
    """The README's alert: drift share above 0.3, one alert per model, every minute."""
    uri = "dtetrust://drift?format=latest&metrics=drift_share"
    alerts = {}
    for model in ("credit-risk-classifier", "churn-predictor"):
        alerts[model] = superset_api.create_alert(
            api, name=f"Drift share above 0.3: {model}", db_id=db,
            sql=f"SELECT MAX(value) AS drift_share FROM \"{uri}\" WHERE model = '{model}'",
            op=">", threshold=0.3, webhook_url=f"{receiver.url}/{model}")

    def ran(model: str) -> list[dict[str, Any]]:
        return [lg for lg in superset_api.alert_logs(api, alerts[model])
                if lg["state"] not in ("Working",)]

    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not (ran("credit-risk-classifier") and ran("churn-predictor")):
        time.sleep(3)
    fired, quiet = ran("credit-risk-classifier"), ran("churn-predictor")
    assert fired and quiet, f"alerts did not run within 240 s: {fired} {quiet}"
    assert fired[0]["state"] == "Success", fired
    assert abs(float(fired[0]["value"]) - 2 / 3) < 1e-6, fired
    assert quiet[0]["state"] == "Not triggered", quiet
    posts = receiver.wait(1, timeout=30)
    paths = [p["path"] for p in posts]
    assert paths and all(p.endswith("/credit-risk-classifier") for p in paths), paths
    csv = next(iter(posts[0]["files"].values()))
    assert "drift_share" in csv and "0.666" in csv, csv
    for a in alerts.values():
        api.delete(f"/api/v1/report/{a}")
