"""A small client of Superset's REST API for the DTE Trust scripts and tests.

Runs in the Superset venv (it needs `requests` and `prison`, both Superset dependencies):

    set -a; . "$SUPERSET_RUN_DIR/superset.env"; set +a   # written by scripts/superset.sh start
    "$SUPERSET_VENV/bin/python" superset/superset_api.py add-database --name NAME --uri URI [--extra JSON]
    "$SUPERSET_VENV/bin/python" superset/superset_api.py import-bundle bundle.zip [--passwords-file FILE]
    "$SUPERSET_VENV/bin/python" superset/superset_api.py sql --database NAME 'SELECT 1'
    "$SUPERSET_VENV/bin/python" superset/superset_api.py create-alert --name N --database NAME \\
        --sql 'SELECT 1' --op '>' --threshold 0 --webhook http://127.0.0.1:PORT/hook
    "$SUPERSET_VENV/bin/python" superset/superset_api.py alert-log NAME

URL and login come from --url/--user/--password or SUPERSET_URL/SUPERSET_USER/SUPERSET_PASSWORD.
Every command prints JSON on stdout. From Python: `SupersetSession.from_env()`, then the functions
below (add_database, import_bundle, run_sql, create_alert_chart, create_alert, alert_logs).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional

import prison
import requests

Json = dict[str, Any]


class SupersetError(RuntimeError):
    """A Superset API call answered with an HTTP error; the message carries status and body."""


class SupersetSession:
    """A logged-in API session: JWT bearer token plus the session cookie the CSRF token belongs to.

    Pitfall: Superset's POST/PUT/DELETE API calls are CSRF-protected even with a JWT. Without the
    token they answer 400 "The CSRF token is missing."; with the token but without the session
    cookie that /api/v1/security/csrf_token/ set, 400 "The CSRF session token is missing." So one
    requests.Session keeps that cookie and sends X-CSRFToken on every call. (A Referer is only
    checked over HTTPS; it is sent anyway, as a browser would.)
    """

    def __init__(self, url: str, user: str, password: str, timeout: float = 120.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        token = self._call(
            "POST",
            "/api/v1/security/login",
            json={"username": user, "password": password, "provider": "db", "refresh": True},
        )["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        csrf = self._call("GET", "/api/v1/security/csrf_token/")["result"]
        self.http.headers.update({"X-CSRFToken": csrf, "Referer": self.url + "/"})

    @classmethod
    def from_env(cls) -> "SupersetSession":
        try:
            return cls(os.environ["SUPERSET_URL"], os.environ["SUPERSET_USER"], os.environ["SUPERSET_PASSWORD"])
        except KeyError as ex:
            raise SupersetError(f"{ex.args[0]} is not set: source the run dir's superset.env") from None

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        resp = self.http.request(method, self.url + path, timeout=self.timeout, **kwargs)
        if resp.status_code >= 400:
            raise SupersetError(f"{method} {path}: HTTP {resp.status_code}: {resp.text[:2000]}")
        return resp.json() if resp.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self._call("GET", path, params=params or None)

    def post(self, path: str, body: Optional[Json] = None, **kwargs: Any) -> Any:
        return self._call("POST", path, json=body, **kwargs) if body is not None else self._call("POST", path, **kwargs)

    def put(self, path: str, body: Json) -> Any:
        return self._call("PUT", path, json=body)

    def delete(self, path: str) -> Any:
        return self._call("DELETE", path)

    def find(self, resource: str, column: str, value: str) -> Optional[Json]:
        """The first object of /api/v1/RESOURCE/ whose COLUMN equals VALUE, or None."""
        q = prison.dumps({"filters": [{"col": column, "opr": "eq", "value": value}], "page_size": 1})
        result = self.get(f"/api/v1/{resource}/", q=q)["result"]
        return result[0] if result else None


def add_database(s: SupersetSession, name: str, uri: str, extra: Optional[Json] = None) -> int:
    """Create the database connection NAME, or update its URI and extra; return its id.

    Pitfall: PREVENT_UNSAFE_DB_CONNECTIONS (kept True) refuses sqlite:// and shillelagh:// URIs
    ("... cannot be used as a data source for security reasons."); use shillelagh+safe://.
    """
    body: Json = {
        "database_name": name,
        "sqlalchemy_uri": uri,
        "expose_in_sqllab": True,
        "allow_run_async": False,
    }
    if extra is not None:
        body["extra"] = json.dumps(extra)
    existing = s.find("database", "database_name", name)
    if existing:
        s.put(f"/api/v1/database/{existing['id']}", body)
        return int(existing["id"])
    return int(s.post("/api/v1/database/", body)["id"])


def database_id(s: SupersetSession, name: str) -> int:
    found = s.find("database", "database_name", name)
    if not found:
        raise SupersetError(f"no database named {name!r}")
    return int(found["id"])


def import_bundle(s: SupersetSession, zip_path: str, passwords: Optional[dict[str, str]] = None) -> Json:
    """POST a dashboard export bundle (ZIP) to /api/v1/dashboard/import/, overwriting what exists.

    Multipart form: the file under `formData`, `overwrite` as the string "true", and `passwords`
    (JSON: {"databases/NAME.yaml": "secret"}) for databases whose URI holds a masked password.
    """
    data = {"overwrite": "true"}
    if passwords:
        data["passwords"] = json.dumps(passwords)
    with open(zip_path, "rb") as f:
        files = {"formData": (Path(zip_path).name, f, "application/zip")}
        answer: Json = s.post("/api/v1/dashboard/import/", data=data, files=files)
        return answer


def run_sql(s: SupersetSession, db_id: int, sql: str, schema: Optional[str] = None) -> Json:
    """Run SQL synchronously through SQL Lab (/api/v1/sqllab/execute/); return its JSON answer
    (`data` holds the rows as objects, `columns` their names and types)."""
    body: Json = {
        "database_id": db_id,
        "sql": sql,
        "runAsync": False,
        # client_id: SQL Lab's key of the query, at most 11 characters.
        "client_id": secrets.token_hex(5),
        "tab": "dte-trust",
        "queryLimit": 1000,
    }
    if schema:
        body["schema"] = schema
    answer: Json = s.post("/api/v1/sqllab/execute/", body)
    return answer


def create_alert_chart(s: SupersetSession, db_id: int, sql: str, name: str, schema: str = "public") -> int:
    """A table chart over a virtual dataset of SQL (created or replaced under NAME); return its id.

    An alert's CSV attachment comes from the chart data API with the chart's saved query_context.
    Pitfall: a chart created through the API has none, and then the worker tries to render it in a
    browser to make one ("No query context found, taking a screenshot to generate it", then "Unable
    to fetch data because the chart has no query context saved ..." without a webdriver). So the
    chart is created with an explicit query_context: raw records of every column of the dataset.
    """
    ds = s.find("dataset", "table_name", name)
    if ds:
        s.put(f"/api/v1/dataset/{ds['id']}", {"sql": sql})
        ds_id = int(ds["id"])
    else:
        ds_id = int(s.post("/api/v1/dataset/", {"database": db_id, "schema": schema, "table_name": name, "sql": sql})["id"])
    s.put(f"/api/v1/dataset/{ds_id}/refresh", {})  # (re)reads the virtual dataset's columns
    columns = [c["column_name"] for c in s.get(f"/api/v1/dataset/{ds_id}")["result"]["columns"]]
    form_data: Json = {
        "datasource": f"{ds_id}__table",
        "viz_type": "table",
        "query_mode": "raw",
        "all_columns": columns,
        "row_limit": 1000,
    }
    query_context: Json = {
        "datasource": {"id": ds_id, "type": "table"},
        "force": False,
        "queries": [{"columns": columns, "metrics": [], "orderby": [], "row_limit": 1000, "filters": [],
                     "extras": {"where": "", "having": ""}}],
        "form_data": form_data,
        "result_format": "json",
        "result_type": "full",
    }
    body: Json = {
        "slice_name": name,
        "viz_type": "table",
        "datasource_id": ds_id,
        "datasource_type": "table",
        "params": json.dumps(form_data),
        "query_context": json.dumps(query_context),
        "query_context_generation": True,
    }
    chart = s.find("chart", "slice_name", name)
    if chart:
        s.put(f"/api/v1/chart/{chart['id']}", body)
        return int(chart["id"])
    return int(s.post("/api/v1/chart/", body)["id"])


def create_alert(
    s: SupersetSession,
    *,
    name: str,
    db_id: int,
    sql: str,
    webhook_url: str,
    op: str = ">",
    threshold: float = 0.0,
    crontab: str = "* * * * *",
    chart_id: Optional[int] = None,
) -> int:
    """An alert NAME (replacing one of that name) on SQL against database DB_ID: it fires when the
    query's single value compares OP THRESHOLD, and POSTs to WEBHOOK_URL (multipart: the fields
    name, header (JSON), text, description, url, and the chart's rows as files=report.csv).

    Superset needs a chart or dashboard for an alert's content; without CHART_ID one is made of the
    alert's own SQL (create_alert_chart). Celery beat's reports.scheduler picks the alert up at the
    next minute its cron matches; the worker runs it (working_timeout 1 h by default).
    Pitfall: SQL returning more than one row fails the run ("Alert query returned more than one row.
    2 rows returned" in the alert log, sent to the webhook as an error); so do more than one
    column and a non-number value. A value not crossing the threshold logs "Not triggered".
    """
    if chart_id is None:
        chart_id = create_alert_chart(s, db_id, sql, f"{name} (alert data)")
    existing = s.find("report", "name", name)
    if existing:
        s.delete(f"/api/v1/report/{existing['id']}")
    body: Json = {
        "type": "Alert",
        "name": name,
        "description": f"DTE Trust alert: {sql}",
        "active": True,
        "crontab": crontab,
        "timezone": "UTC",
        "database": db_id,
        "sql": sql,
        "chart": chart_id,
        # Alerts & Reports' own creation method (not "charts"/"dashboards", which allow one report per
        # chart only).
        "creation_method": "alerts_reports",
        "validator_type": "operator",
        "validator_config_json": {"op": op, "threshold": threshold},
        # CSV: the chart's data as an attachment; PNG/PDF need a headless browser this stack lacks.
        "report_format": "CSV",
        # No grace period: fire at every run whose value crosses the threshold (default 4 h).
        "grace_period": 1,
        "log_retention": 1,
        "working_timeout": 300,
        "recipients": [{"type": "Webhook", "recipient_config_json": {"target": webhook_url}}],
    }
    return int(s.post("/api/v1/report/", body)["id"])


def alert_logs(s: SupersetSession, report_id: int) -> list[Json]:
    """The execution log of an alert or report, newest first (state, error_message, times)."""
    q = prison.dumps({"order_column": "start_dttm", "order_direction": "desc", "page_size": 50})
    return list(s.get(f"/api/v1/report/{report_id}/log/", q=q)["result"])


class WebhookReceiver:
    """A loopback HTTP server that records every POST (an alert's webhook) as a dict: path,
    content_type, form (the multipart fields, or the JSON body's keys) and files (name -> text).
    Use as a context manager; `url` is the address to give create_alert, `wait(n, timeout)` blocks
    until n payloads arrived."""

    def __init__(self, port: int = 0, log_path: Optional[str] = None) -> None:
        self.received: list[Json] = []
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver._record(self.path, self.headers.get("Content-Type", ""), body)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._log_path = log_path
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _record(self, path: str, ctype: str, body: bytes) -> None:
        payload: Json = {"path": path, "content_type": ctype.split(";")[0], "form": {}, "files": {},
                         "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        if ctype.startswith("multipart/"):
            # Superset posts multipart/form-data when the alert carries files (CSV, PNG, PDF).
            msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                raw = part.get_payload(decode=True)
                data = raw if isinstance(raw, bytes) else b""
                if part.get_filename():
                    payload["files"][part.get_filename()] = data.decode("utf-8", "replace")
                else:
                    payload["form"][str(name)] = data.decode("utf-8", "replace")
        else:
            try:
                payload["form"] = json.loads(body or b"{}")
            except ValueError:
                payload["form"] = {"body": body.decode("utf-8", "replace")}
        if self._log_path:
            with open(self._log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(payload) + "\n")
        with self._cond:
            self.received.append(payload)
            self._cond.notify_all()

    def wait(self, count: int = 1, timeout: float = 150.0) -> list[Json]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    def __enter__(self) -> "WebhookReceiver":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default=os.environ.get("SUPERSET_URL"))
    p.add_argument("--user", default=os.environ.get("SUPERSET_USER", "admin"))
    p.add_argument("--password", default=os.environ.get("SUPERSET_PASSWORD", "admin"))
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("add-database", help="create or update a database connection (idempotent)")
    a.add_argument("--name", required=True)
    a.add_argument("--uri", required=True)
    a.add_argument("--extra", help="JSON of the connection's extra settings")
    b = sub.add_parser("import-bundle", help="import a dashboard bundle ZIP, overwriting")
    b.add_argument("zip")
    b.add_argument("--passwords-file", help='a file of JSON {"databases/NAME.yaml": "password"} (a file, '
                   "not an argument: the command line is visible to every user of the machine)")
    q = sub.add_parser("sql", help="run SQL through SQL Lab")
    q.add_argument("--database", required=True, help="database name")
    q.add_argument("sql")
    c = sub.add_parser("create-alert", help="create (replace) an alert with a webhook recipient")
    c.add_argument("--name", required=True)
    c.add_argument("--database", required=True, help="database name")
    c.add_argument("--sql", required=True)
    c.add_argument("--op", default=">", choices=["<", "<=", ">", ">=", "==", "!="])
    c.add_argument("--threshold", type=float, default=0.0)
    c.add_argument("--webhook", required=True)
    c.add_argument("--crontab", default="* * * * *")
    c.add_argument("--chart-id", type=int)
    g = sub.add_parser("alert-log", help="the execution log of an alert")
    g.add_argument("name")
    w = sub.add_parser("webhook-receiver", help="record webhook POSTs as JSON lines until killed")
    w.add_argument("--port", type=int, default=0)
    w.add_argument("--out", required=True, help="JSON-lines file of the payloads")
    w.add_argument("--url-file", help="write the receiver's URL here once it listens")
    args = p.parse_args(argv)
    if args.cmd == "webhook-receiver":
        with WebhookReceiver(args.port, args.out) as rx:
            if args.url_file:
                Path(args.url_file).write_text(rx.url + "\n", encoding="utf-8")
            print(rx.url, flush=True)
            threading.Event().wait()
        return 0
    if not args.url:
        p.error("--url or SUPERSET_URL is required")
    try:
        s = SupersetSession(args.url, args.user, args.password)
        out: Any
        if args.cmd == "add-database":
            out = {"id": add_database(s, args.name, args.uri, json.loads(args.extra) if args.extra else None)}
        elif args.cmd == "import-bundle":
            passwords = json.loads(Path(args.passwords_file).read_text()) if args.passwords_file else None
            out = import_bundle(s, args.zip, passwords)
        elif args.cmd == "sql":
            out = run_sql(s, database_id(s, args.database), args.sql)
        elif args.cmd == "create-alert":
            out = {"id": create_alert(s, name=args.name, db_id=database_id(s, args.database), sql=args.sql,
                                      webhook_url=args.webhook, op=args.op, threshold=args.threshold,
                                      crontab=args.crontab, chart_id=args.chart_id)}
        else:
            found = s.find("report", "name", args.name)
            if not found:
                raise SupersetError(f"no alert named {args.name!r}")
            out = alert_logs(s, int(found["id"]))
    except (SupersetError, requests.RequestException) as ex:
        print(f"superset_api.py: {ex}", file=sys.stderr)
        return 1
    json.dump(out, sys.stdout, indent=2, default=str)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
