"""Copy the DTE Trust demo evidence with every timestamp moved so that the newest is about a day old.

The committed demo evidence has fixed dates (the MLflow seed of mid 2026, the Fairlearn results of
June-July 2026, the SHAP summaries of June-July 2026, the Evidently workspace of November 2026); with relative time ranges (now-7d,
now-30d) and the freshness rules of the default policy it would age out of every panel. The demo
and the suites that run over it (scripts/demo.sh, the mlflow-seed job of docker-compose.yaml,
scripts/test-protocol.sh, scripts/test-superset.sh) therefore serve a copy made by this script at
start; the committed fixtures stay as they are (the fidelity and golden tests read them).

Every move is a whole number of days, so times of day and file dates stay readable, and it is
chosen so that the newest timestamp of each set lands between 1 and 2 days before now (--age-days
changes the 1):

  --evidently DIR   a directory of Evidently JSON (e.g. a workspace) copied to OUT/evidently, one
                    move for the whole directory: values of the keys "timestamp", "created_at",
                    "updated_at" that start with a date
  --fairlearn DIR   fairness results copied to OUT/fairlearn, one move for the whole directory:
                    "timestamp" values and file names that start with a date (2026-06-01_sex.json)
  --gx DIR          Great Expectations validation results copied to OUT/gx, one move for the whole
                    directory: values of "run_time" and "validation_time" that start with a date
                    (directory names such as the store's run-time folders keep their dates; the
                    plugin reads the times from the results)
  --shap DIR        SHAP summaries (docs/shap-format.md) copied to OUT/shap, one move for the whole
                    directory: "timestamp" values and file names that start with a date
                    (credit-risk-classifier/2026-06-01_v1.shap.json)
  --db FILE         a seeded MLflow SQLite store copied to OUT/mlflow.db, one move per experiment
                    (runs' start and end, metric timestamps, latest metrics, logged models; the
                    demo's experiments were seeded a month apart and each is shown as recent); the
                    model versions' training_data_date tags move with their run's experiment;
                    registered models and versions (created by the seed at its own wall-clock
                    time) are placed an hour after the newest run, their spacing kept; an
                    experiment's creation time an hour before its first run

Standard library only (it runs in the MLflow image of docker-compose.yaml too). Writes into a
temporary sibling first and renames, so a reader never sees half a copy. Prints one line per set
with the move applied and writes OUT/shift.json.

Usage: shift_demo.py --out DIR [--evidently DIR] [--fairlearn DIR] [--gx DIR] [--shap DIR] [--db FILE] [--now RFC3339] [--age-days N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import shutil
import sqlite3
import sys
import tempfile

DAY_MS = 86_400_000
HOUR_MS = 3_600_000

# A JSON string value under one of these keys that starts with YYYY-MM-DD is a timestamp to move.
EVIDENTLY_KEYS = ("timestamp", "created_at", "updated_at")
FAIRLEARN_KEYS = ("timestamp",)
GX_KEYS = ("run_time", "validation_time")
SHAP_KEYS = ("timestamp",)
DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def key_pattern(keys):
    return re.compile(r'("(?:%s)"\s*:\s*")(\d{4}-\d{2}-\d{2})([^"]*)"' % "|".join(map(re.escape, keys)))


def parse_time(date: str, rest: str) -> dt.datetime:
    """The instant of date+rest (naive times are UTC, as the readers take them)."""
    s = date + rest
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    if len(s) == 10:
        s += "T00:00:00"
    # Python before 3.11 takes at most 6 fractional digits.
    s = re.sub(r"(\.\d{6})\d+", r"\1", s)
    t = dt.datetime.fromisoformat(s)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t


def shift_date(date: str, days: int) -> str:
    return (dt.date.fromisoformat(date) + dt.timedelta(days=days)).isoformat()


def days_to(newest_ms: float, now_ms: float, age_days: float) -> int:
    """Whole days that put newest_ms between age_days and age_days+1 days before now_ms."""
    return math.floor((now_ms - age_days * DAY_MS - newest_ms) / DAY_MS)


def json_files(src):
    for base, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            yield os.path.join(base, name)


def copy_shifted_tree(src, dst, keys, now_ms, age_days, rename_dated):
    """Copy src to dst moving the timestamps of keys by one whole-day delta; returns (days, count)."""
    pat = key_pattern(keys)
    texts, newest = {}, None
    for path in json_files(src):
        if not path.endswith(".json"):
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        texts[path] = text
        for m in pat.finditer(text):
            t = parse_time(m.group(2), m.group(3))
            newest = t if newest is None or t > newest else newest
    if newest is None:
        sys.exit(f"shift_demo: no timestamp ({', '.join(keys)}) found under {src}")
    days = days_to(newest.timestamp() * 1000, now_ms, age_days)
    count = 0
    for path in json_files(src):
        rel = os.path.relpath(path, src)
        head, name = os.path.split(rel)
        if rename_dated and DATE_PREFIX.match(name):
            name = shift_date(name[:10], days) + name[10:]
        out = os.path.join(dst, head, name)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if path in texts:
            def repl(m):
                nonlocal count
                count += 1
                return f'{m.group(1)}{shift_date(m.group(2), days)}{m.group(3)}"'

            with open(out, "w", encoding="utf-8") as f:
                f.write(pat.sub(repl, texts[path]))
        else:
            shutil.copyfile(path, out)
    return days, count


def table_exists(db, name):
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


def shift_store(src, dst, now_ms, age_days):
    """Copy the MLflow SQLite store src to dst with its times moved; returns a summary dict."""
    shutil.copyfile(src, dst)
    db = sqlite3.connect(dst)
    summary = {"experiments": {}}
    with db:
        exps = db.execute("SELECT experiment_id, name FROM experiments").fetchall()
        deltas = {}
        for exp_id, name in exps:
            newest = db.execute(
                """SELECT MAX(t) FROM (
                     SELECT MAX(COALESCE(end_time, start_time)) AS t FROM runs WHERE experiment_id = ?1
                     UNION ALL SELECT MAX(m.timestamp) FROM metrics m JOIN runs r ON m.run_uuid = r.run_uuid
                       WHERE r.experiment_id = ?1)""",
                (exp_id,),
            ).fetchone()[0]
            if newest is None:
                continue
            days = days_to(newest, now_ms, age_days)
            ms = days * DAY_MS
            deltas[exp_id] = days
            runs = "SELECT run_uuid FROM runs WHERE experiment_id = ?"
            db.execute(
                "UPDATE runs SET start_time = start_time + ?, end_time = end_time + ? WHERE experiment_id = ?",
                (ms, ms, exp_id),
            )
            db.execute(f"UPDATE metrics SET timestamp = timestamp + ? WHERE run_uuid IN ({runs})", (ms, exp_id))
            db.execute(f"UPDATE latest_metrics SET timestamp = timestamp + ? WHERE run_uuid IN ({runs})", (ms, exp_id))
            if table_exists(db, "logged_models"):
                db.execute(
                    "UPDATE logged_models SET creation_timestamp_ms = creation_timestamp_ms + ?,"
                    " last_updated_timestamp_ms = last_updated_timestamp_ms + ? WHERE experiment_id = ?",
                    (ms, ms, exp_id),
                )
            first = db.execute("SELECT MIN(start_time) FROM runs WHERE experiment_id = ?", (exp_id,)).fetchone()[0]
            db.execute(
                "UPDATE experiments SET last_update_time = ?2 + (last_update_time - creation_time),"
                " creation_time = ?2 WHERE experiment_id = ?1",
                (exp_id, first - HOUR_MS),
            )
            summary["experiments"][name] = days
        # The registry: created by the seed at its own wall-clock time; placed an hour after the
        # newest run, its spacing kept.
        newest_run = db.execute("SELECT MAX(COALESCE(end_time, start_time)) FROM runs").fetchone()[0]
        oldest_reg = db.execute(
            "SELECT MIN(t) FROM (SELECT MIN(creation_time) AS t FROM registered_models"
            " UNION ALL SELECT MIN(creation_time) FROM model_versions)"
        ).fetchone()[0]
        if newest_run is not None and oldest_reg is not None:
            reg = newest_run + HOUR_MS - oldest_reg
            db.execute(
                "UPDATE registered_models SET creation_time = creation_time + ?, last_updated_time = last_updated_time + ?",
                (reg, reg),
            )
            db.execute(
                "UPDATE model_versions SET creation_time = creation_time + ?, last_updated_time = last_updated_time + ?",
                (reg, reg),
            )
            summary["registry_shift_ms"] = reg
        # Dates in the versions' training_data_date tags move with their run's experiment.
        rows = db.execute(
            """SELECT t.name, t.version, t.value, r.experiment_id FROM model_version_tags t
               JOIN model_versions v ON v.name = t.name AND v.version = t.version
               JOIN runs r ON r.run_uuid = v.run_id
               WHERE t.key = 'training_data_date'"""
        ).fetchall()
        for name, version, value, exp_id in rows:
            if exp_id in deltas and DATE_PREFIX.match(value or ""):
                db.execute(
                    "UPDATE model_version_tags SET value = ? WHERE name = ? AND version = ? AND key = 'training_data_date'",
                    (shift_date(value[:10], deltas[exp_id]) + value[10:], name, version),
                )
    db.close()
    return summary


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="directory to write evidently/, fairlearn/, gx/, shap/, mlflow.db, shift.json into")
    ap.add_argument("--evidently", help="Evidently workspace (or directory of exports) to copy")
    ap.add_argument("--fairlearn", help="directory of fairness results to copy")
    ap.add_argument("--gx", help="directory of Great Expectations validation results to copy")
    ap.add_argument("--shap", help="directory of SHAP summaries to copy")
    ap.add_argument("--db", help="seeded MLflow SQLite store to copy")
    ap.add_argument("--now", help="the instant to be recent to (RFC 3339; default: now)")
    ap.add_argument("--age-days", type=float, default=1.0, help="minimum age of the newest timestamp (default 1)")
    args = ap.parse_args()
    if not (args.evidently or args.fairlearn or args.gx or args.shap or args.db):
        ap.error("nothing to copy: give --evidently, --fairlearn, --gx, --shap or --db")
    now = parse_time(args.now[:10], args.now[10:]) if args.now else dt.datetime.now(dt.timezone.utc)
    now_ms = now.timestamp() * 1000
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    summary = {"now": now.isoformat(), "age_days": args.age_days}
    for kind, src, keys, rename in (
        ("evidently", args.evidently, EVIDENTLY_KEYS, False),
        ("fairlearn", args.fairlearn, FAIRLEARN_KEYS, True),
        ("gx", args.gx, GX_KEYS, False),
        ("shap", args.shap, SHAP_KEYS, True),
    ):
        if not src:
            continue
        tmp = tempfile.mkdtemp(prefix=f".{kind}.", dir=out)
        days, count = copy_shifted_tree(src, tmp, keys, now_ms, args.age_days, rename)
        final = os.path.join(out, kind)
        old = final + ".old"
        shutil.rmtree(old, ignore_errors=True)
        if os.path.exists(final):
            os.rename(final, old)
        os.rename(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
        summary[kind] = {"source": os.path.abspath(src), "days": days, "timestamps": count}
        print(f"shift_demo: {kind}: {count} timestamps moved by {days} days into {final}", file=sys.stderr)
    if args.db:
        fd, tmp = tempfile.mkstemp(prefix=".mlflow.", suffix=".db", dir=out)
        os.close(fd)
        s = shift_store(args.db, tmp, now_ms, args.age_days)
        os.replace(tmp, os.path.join(out, "mlflow.db"))
        summary["mlflow"] = {"source": os.path.abspath(args.db), **s}
        moves = ", ".join(f"{k} {v} days" for k, v in sorted(s["experiments"].items()))
        print(f"shift_demo: mlflow: experiments moved ({moves}), registry after the newest run", file=sys.stderr)
    with open(os.path.join(out, "shift.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
