"""Seed an MLflow backend store for the DTE Trust integration tests and benchmarks.

Writes with the real MLflow Python client straight into a SQLite store (tracking URI
sqlite:///...), which is far faster than logging over HTTP; `mlflow server` then serves that file.
Afterwards it reads back, again with the MLflow client, what MLflow itself returns (run ids, latest
metric values, full metric histories, model versions and aliases) and dumps it to expected.json,
the oracle the Go tests compare the plugin's frames with.

Everything is deterministic: fixed random seeds, fixed timestamps, and run ids drawn from a seeded
generator, so two seedings of the same script give the same ids and values.

Usage: seed_mlflow.py --db PATH --expected PATH [--no-bench]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
import uuid

# Keep the client quiet and offline before mlflow is imported.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")

# Run ids come from uuid.uuid4() inside the SQL store; a seeded generator makes them reproducible.
_id_rng = random.Random(20260601)
uuid.uuid4 = lambda: uuid.UUID(int=_id_rng.getrandbits(128), version=4)  # noqa: E731

import sqlalchemy  # noqa: E402
from sqlalchemy import event  # noqa: E402

import mlflow  # noqa: E402
from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

# Base of every timestamp in the store: 2026-06-01T00:00:00Z, in milliseconds.
BASE_MS = 1780272000000
MINUTE = 60_000

MODEL = "credit-risk-classifier"
MODEL2 = "churn-predictor"

# Shape of the data the tests and benchmarks rely on (tests read the counts from expected.json).
CREDIT_RUNS = 1050  # one experiment above the 1000-run page of runs/search
CHURN_RUNS = 200
LONG_HISTORY_RUNS = 30  # credit-risk runs tagged history=long
LONG_HISTORY_STEPS = 1200  # loss steps of those runs: more than any one page
SHORT_STEPS = 5  # steps of every other metric history
BENCH_HISTORY_RUNS = 1000
BENCH_HISTORY_STEPS = 20
BENCH_HISTORY_METRICS = ["accuracy", "f1", "roc_auc", "precision", "loss"]
BENCH_RUNS = 10000

# The tags of a model version that satisfies the eu-ai-act-high-risk and nist-ai-rmf packs
# (docs/compliance-packs.md "Tags the packs read"); the approver differs from the run's user.
PACK_TAGS = {
    "intended_purpose": "churn prediction for retention offers", "risk_register_ref": "RR-12",
    "residual_risk": "accepted", "risk_approver": "cro", "min_accuracy": "0.5",
    "thresholds_declared_at": "2026-01-15", "declared_accuracy": "0.7", "data_origin": "CRM 2024-2026",
    "data_original_purpose": "customer service", "data_gaps_ref": "DG-12", "bias_mitigation": "reweighing",
    "technical_documentation_ref": "TD-12", "inference_log_uri": "s3://logs/churn", "log_retention_days": "365",
    "instructions_for_use_ref": "IFU-12", "oversight_mode": "human-on-the-loop", "override_mechanism": "true",
    "stop_procedure": "true", "pmm_plan_ref": "PMM-12", "monitoring_cadence_days": "7",
    "last_review_date": "2026-11-20", "review_cadence_days": "3650", "security_assessment_ref": "SEC-12",
    "dpia_ref": "DPIA-12", "release_decision": "approved", "approver": "cro", "rollback_version": "1",
    "incident_channel": "#churn-incidents",
}


@event.listens_for(sqlalchemy.engine.Engine, "connect")
def _fast_sqlite(dbapi_conn, _record):
    # The seed writes a throwaway file that is copied once complete: durability is not needed.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA synchronous=OFF")
    cur.execute("PRAGMA journal_mode=MEMORY")
    cur.close()


def chunks(seq, n):
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def log_batch(client, run_id, metrics=(), params=(), tags=()):
    """log_batch in slices MLflow accepts (1000 metrics, 100 params, 100 tags per call)."""
    metrics, params, tags = list(metrics), list(params), list(tags)
    first = True
    for part in chunks(metrics, 1000) if metrics else [[]]:
        client.log_batch(
            run_id,
            metrics=part,
            params=params if first else [],
            tags=tags if first else [],
            synchronous=True,
        )
        first = False


def history(key, start, end, steps, t0, rng, noise=0.01):
    """A plausible learning curve from start to end over steps, one timestamp per step."""
    out = []
    for s in range(steps):
        frac = s / max(steps - 1, 1)
        v = start + (end - start) * (1 - math.exp(-4 * frac)) / (1 - math.exp(-4))
        v += rng.uniform(-noise, noise)
        out.append(Metric(key, round(v, 6), t0 + s * 1000, s))
    return out


def seed_experiment(client, name, n_runs, rng, team, t_base, extra):
    """Create experiment name with n_runs finished runs; extra(i, run_id, t0) may add metrics."""
    exp_id = client.create_experiment(
        name,
        artifact_location=f"mlflow-artifacts:/{name}",
        tags={"team": team, "purpose": "dte-trust integration tests"},
    )
    run_ids = []
    for i in range(n_runs):
        t0 = t_base + i * MINUTE
        model_type = rng.choice(["xgb", "lr", "rf"])
        run = client.create_run(
            exp_id,
            start_time=t0,
            run_name=f"{name}-{i:05d}",
            tags={"team": team, "dataset": rng.choice(["v1", "v2"]), "model_type": model_type},
        )
        rid = run.info.run_id
        params = [
            Param("model_type", model_type),
            Param("max_depth", str(rng.randint(2, 12))),
            Param("learning_rate", str(round(rng.uniform(0.01, 0.3), 3))),
            Param("n_estimators", str(rng.choice([100, 200, 400]))),
        ]
        metrics, tags = extra(i, rid, t0)
        log_batch(client, rid, metrics=metrics, params=params, tags=tags)
        client.set_terminated(rid, status="FINISHED", end_time=t0 + 50 * 1000)
        run_ids.append(rid)
    return exp_id, run_ids


def classifier_metrics(rng, t0, steps, with_roc):
    acc = rng.uniform(0.70, 0.95)
    metrics = history("accuracy", acc - 0.15, acc, steps, t0, rng)
    metrics += history("f1", acc - 0.25, acc - 0.05, steps, t0, rng)
    metrics += history("loss", 0.9, 1.0 - acc, steps, t0, rng)
    if with_roc:
        metrics += history("roc_auc", acc - 0.1, min(acc + 0.03, 0.999), steps, t0, rng)
    return metrics


def seed(db_path, with_bench):
    uri = f"sqlite:///{db_path}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    rng = random.Random(42)
    t = time.time()

    long_runs = set(rng.sample(range(CREDIT_RUNS), LONG_HISTORY_RUNS))
    nan_run = next(i for i in range(CREDIT_RUNS) if i not in long_runs and i % 7 == 3)

    def credit_extra(i, rid, t0):
        tags = []
        if i in long_runs:
            # loss gets a long history; the other metrics a short one.
            metrics = [m for m in classifier_metrics(rng, t0, SHORT_STEPS, True) if m.key != "loss"]
            metrics += history("loss", 1.2, 0.2, LONG_HISTORY_STEPS, t0, rng, noise=0.02)
            tags.append(RunTag("history", "long"))
        else:
            metrics = classifier_metrics(rng, t0, SHORT_STEPS, with_roc=(i % 3 != 0))
        if i == nan_run:
            # The last f1 of this run is NaN (a diverged evaluation): the latest value is NaN.
            metrics.append(Metric("f1", float("nan"), t0 + SHORT_STEPS * 1000, SHORT_STEPS))
            tags.append(RunTag("case", "nan"))
        return metrics, tags

    credit_id, credit_runs = seed_experiment(
        client, "credit-risk", CREDIT_RUNS, rng, "risk", BASE_MS, credit_extra
    )
    print(f"seed: credit-risk {len(credit_runs)} runs in {time.time() - t:.1f}s", file=sys.stderr)

    def churn_extra(i, rid, t0):
        return classifier_metrics(rng, t0, SHORT_STEPS, with_roc=(i % 2 == 0)), []

    churn_id, churn_runs = seed_experiment(
        client, "churn", CHURN_RUNS, rng, "growth", BASE_MS + 30 * 24 * 60 * MINUTE, churn_extra
    )
    print(f"seed: churn {len(churn_runs)} runs in {time.time() - t:.1f}s", file=sys.stderr)

    # Model registry: versions from real runs, aliases, a legacy stage, tags.
    # Governance tags follow docs/compliance-rules.md (the default rule pack reads these names).
    # credit-risk-classifier declares its GDPR basics but is high-risk without a DPIA reference, so
    # gdpr-dpia fails (and the Fairlearn demo evidence makes its v2 fail the fairness rules).
    client.create_registered_model(
        MODEL,
        tags={
            "owner": "risk-team",
            "domain": "credit",
            "gdpr_personal_data": "contact,financial",
            "gdpr_lawful_basis": "contract",
            "gdpr_retention_days": "730",
            "risk_level": "high",
        },
        description="Credit default risk classifier.",
    )
    candidates = [credit_runs[i] for i in range(CREDIT_RUNS) if i not in long_runs and i != nan_run]
    chosen = [candidates[100], candidates[500], candidates[900]]
    for n, rid in enumerate(chosen, start=1):
        client.set_tag(rid, "registered_version", str(n))
        client.create_model_version(
            MODEL,
            source=f"mlflow-artifacts:/credit-risk/{rid}/artifacts/model",
            run_id=rid,
            tags={
                "validation_status": "approved" if n < 3 else "pending",
                "owner": "risk-team",
                "training_data_date": "2026-05-01",
            },
            description=f"credit-risk-classifier v{n}",
        )
    client.set_registered_model_alias(MODEL, "champion", "2")
    client.set_registered_model_alias(MODEL, "challenger", "3")
    client.transition_model_version_stage(MODEL, "2", "Production")
    client.transition_model_version_stage(MODEL, "1", "Archived")

    # churn-predictor is compliant on every governance tag: owner, GDPR declarations and a training
    # data date per version within the retention period.
    client.create_registered_model(
        MODEL2,
        tags={
            "owner": "growth-team",
            "gdpr_personal_data": "contact,usage",
            "gdpr_lawful_basis": "legitimate_interests",
            "gdpr_retention_days": "730",
            "risk_level": "limited",
        },
    )
    for n, rid in enumerate([churn_runs[10], churn_runs[150]], start=1):
        client.create_model_version(
            MODEL2,
            source=f"mlflow-artifacts:/churn/{rid}/artifacts/model",
            run_id=rid,
            tags={"training_data_date": "2026-06-30"},
        )
    client.set_registered_model_alias(MODEL2, "champion", "1")

    # Rule packs (docs/compliance-packs.md): churn-predictor v1 carries every tag the
    # eu-ai-act-high-risk and nist-ai-rmf packs read and its source run logs a training and a testing
    # dataset input; credit-risk-classifier carries none of them (the non-compliant example).
    for k, v in PACK_TAGS.items():
        client.set_model_version_tag(MODEL2, "1", k, v)
    churn_v1_run = churn_runs[10]
    client.log_inputs(churn_v1_run, datasets=[
        DatasetInput(Dataset(name=f"churn-{ctx}", digest=digest, source_type="local",
                             source=json.dumps({"uri": f"/data/churn/{ctx}.parquet"})),
                     tags=[InputTag("mlflow.data.context", ctx)])
        for ctx, digest in (("training", "5e1c0f2a"), ("testing", "9b7d3e44"))
    ])
    print(f"seed: registry in {time.time() - t:.1f}s", file=sys.stderr)

    if with_bench:
        def bench_history_extra(i, rid, t0):
            metrics = []
            for k in BENCH_HISTORY_METRICS:
                hi = rng.uniform(0.6, 0.95)
                if k == "loss":
                    metrics += history(k, 1.0, 1.0 - hi, BENCH_HISTORY_STEPS, t0, rng)
                else:
                    metrics += history(k, hi - 0.2, hi, BENCH_HISTORY_STEPS, t0, rng)
            return metrics, []

        seed_experiment(client, "bench-history", BENCH_HISTORY_RUNS, rng, "bench", BASE_MS, bench_history_extra)
        print(f"seed: bench-history in {time.time() - t:.1f}s", file=sys.stderr)

        def bench_runs_extra(i, rid, t0):
            metrics = [Metric(k, round(rng.uniform(0.5, 1.0), 6), t0 + 1000, 0) for k in BENCH_HISTORY_METRICS]
            return metrics, [RunTag("stage", rng.choice(["dev", "prod"]))]

        seed_experiment(client, "bench-runs", BENCH_RUNS, rng, "bench", BASE_MS, bench_runs_extra)
        print(f"seed: bench-runs in {time.time() - t:.1f}s", file=sys.stderr)
    return client


# ---------------------------------------------------------------------------------------------
# Dump: what MLflow itself returns, read back with the client.


def jnum(v):
    """JSON has no NaN or Infinity: write them as the strings MLflow's REST API uses."""
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
    return v


def all_runs(client, exp_id):
    runs, token = [], None
    while True:
        page = client.search_runs([exp_id], max_results=1000, page_token=token)
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def dump_history(client, run_id, key):
    return [
        {"timestamp": m.timestamp, "step": m.step, "value": jnum(m.value)}
        for m in client.get_metric_history(run_id, key)
    ]


def dump(client, with_bench):
    out = {"mlflow_version": mlflow.__version__, "experiments": [], "runs": {}, "histories": []}
    for exp in client.search_experiments():
        runs = all_runs(client, exp.experiment_id)
        out["experiments"].append({"id": exp.experiment_id, "name": exp.name, "run_count": len(runs)})
        if exp.name.startswith("bench-"):
            continue
        out["runs"][exp.name] = [
            {
                "run_id": r.info.run_id,
                "run_name": r.info.run_name,
                "start_time": r.info.start_time,
                "status": r.info.status,
                "metrics": {k: jnum(v) for k, v in sorted(r.data.metrics.items())},
                "params": dict(sorted(r.data.params.items())),
                "tags": {k: v for k, v in sorted(r.data.tags.items()) if not k.startswith("mlflow.")},
            }
            for r in runs
        ]
    credit = out["runs"]["credit-risk"]
    long_ids = [r["run_id"] for r in credit if r["tags"].get("history") == "long"]
    nan_id = next(r["run_id"] for r in credit if r["tags"].get("case") == "nan")
    out["long_history_run_ids"] = sorted(long_ids)
    out["nan_run_id"] = nan_id
    pairs = [(rid, "loss") for rid in long_ids] + [(nan_id, "f1"), (nan_id, "accuracy")]
    for rid, key in pairs:
        out["histories"].append({"run_id": rid, "key": key, "points": dump_history(client, rid, key)})

    out["models"] = []
    for rm in client.search_registered_models(max_results=1000):
        # search_model_versions leaves aliases empty; get_model_version fills them.
        versions = [
            client.get_model_version(rm.name, v.version)
            for v in client.search_model_versions(f"name='{rm.name}'")
        ]
        out["models"].append(
            {
                "name": rm.name,
                "tags": dict(sorted(rm.tags.items())),
                # Versions are strings in the REST API (ints in mlflow.entities).
                "aliases": {a: str(v) for a, v in sorted(rm.aliases.items())},
                "versions": sorted(
                    (
                        {
                            "version": str(v.version),
                            "run_id": v.run_id,
                            "stage": v.current_stage,
                            "aliases": sorted(v.aliases),
                            "tags": dict(sorted(v.tags.items())),
                        }
                        for v in versions
                    ),
                    key=lambda v: int(v["version"]),
                ),
            }
        )
    out["bench"] = {
        "history_experiment": "bench-history",
        "history_metrics": BENCH_HISTORY_METRICS,
        "history_steps": BENCH_HISTORY_STEPS,
        "runs_experiment": "bench-runs",
    } if with_bench else None
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="SQLite file to create (must not exist)")
    ap.add_argument("--expected", required=True, help="where to write expected.json")
    ap.add_argument("--no-bench", action="store_true", help="skip the 11,000 benchmark runs")
    args = ap.parse_args()
    if os.path.exists(args.db):
        sys.exit(f"seed: {args.db} exists; seed into a fresh path")
    t = time.time()
    client = seed(os.path.abspath(args.db), not args.no_bench)
    doc = dump(client, not args.no_bench)
    with open(args.expected, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True, allow_nan=False)
    print(f"seed: done in {time.time() - t:.1f}s: {args.db}, {args.expected}", file=sys.stderr)


if __name__ == "__main__":
    main()
