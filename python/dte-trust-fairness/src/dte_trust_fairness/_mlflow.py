"""Log a fairness result to an MLflow run: the JSON document as an artifact plus flat metrics.

Flat metric keys (readable in the MLflow UI and by DTE Trust without opening the artifact)::

    fairness/<features>/<scalar>                   demographic_parity_difference, ...
    fairness/<features>/<metric>_difference        between groups, likewise _ratio
    fairness/<features>/overall/<metric>
    fairness/<features>/group/<group>/<metric>     and .../group/<group>/count

<features> is the sensitive feature name, or the names joined with "." for intersectional groups;
<group> is the group value, or the values joined with "." in the same order. Characters MLflow does
not accept in a key become "_". Results with control features are logged as the artifact only.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from ._document import FAIRNESS_SCALARS, Json, metricframe_to_dict
from ._io import dumps

TAG = "dte_trust.fairness"
_UNSAFE = re.compile(r"[^A-Za-z0-9_\-. ]")


def _segment(parts: list[str]) -> str:
    cleaned = [_UNSAFE.sub("_", p.replace(".", "_")) or "_" for p in parts]
    return ".".join(cleaned)


def flat_metrics(doc: Json) -> dict[str, float]:
    """The flat MLflow metrics of a document (undefined values are left out)."""
    if doc.get("strata"):
        return {}
    features: list[str] = list(doc["sensitive_features"])
    prefix = "fairness/" + _segment(features)
    out: dict[str, float] = {}

    def put(key: str, value: Any) -> None:
        if value is not None:
            out[key] = float(value)

    for name in FAIRNESS_SCALARS:
        put(f"{prefix}/{name}", doc.get("fairness", {}).get(name))
    for metric, d in doc.get("disparities", {}).items():
        put(f"{prefix}/{metric}_difference", d.get("difference"))
        put(f"{prefix}/{metric}_ratio", d.get("ratio"))
    for metric, v in doc.get("overall", {}).items():
        put(f"{prefix}/overall/{metric}", v)
    for g in doc.get("by_group", []):
        seg = _segment([str(g["group"][f]) for f in features])
        put(f"{prefix}/group/{seg}/count", g.get("count"))
        for metric, v in g["values"].items():
            put(f"{prefix}/group/{seg}/{metric}", v)
    return out


def _default_client() -> Any:
    from mlflow.tracking import MlflowClient

    return MlflowClient()


def _active_run_id() -> str:
    import mlflow

    run = mlflow.active_run()
    if run is None:
        raise ValueError("log_metricframe: no run_id given and no active MLflow run")
    return str(run.info.run_id)


def log_metricframe(
    mf: Any,
    run_id: str | None = None,
    *,
    model: str | None = None,
    version: str | int | None = None,
    y_true: Any = None,
    y_pred: Any = None,
    sensitive_features: Any = None,
    control_features: Any = None,
    sample_weight: Any = None,
    dataset: str | None = None,
    timestamp: _dt.datetime | str | None = None,
    task: str | None = None,
    artifact_path: str = "fairness",
    name: str | None = None,
    client: Any = None,
) -> Json:
    """Log mf to an MLflow run and return the document.

    The document goes to ``<artifact_path>/<name>.json`` (name defaults to the sensitive feature
    names joined with "."), its flat metrics are logged with the document's timestamp, and the run
    tag ``dte_trust.fairness`` lists the run's fairness artifacts so readers find them without
    listing artifacts. run_id defaults to the active run; client to ``MlflowClient()``.
    """
    if client is None:
        client = _default_client()
    if run_id is None:
        run_id = _active_run_id()
    doc = metricframe_to_dict(
        mf,
        model=model,
        version=version,
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=sensitive_features,
        control_features=control_features,
        sample_weight=sample_weight,
        run_id=run_id,
        dataset=dataset,
        timestamp=timestamp,
        task=task,
    )
    file_name = (name or _segment(list(doc["sensitive_features"]))) + ".json"
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / file_name
        local.write_text(dumps(doc), encoding="utf-8")
        client.log_artifact(run_id, str(local), artifact_path)
    ts = _dt.datetime.fromisoformat(doc["timestamp"].replace("Z", "+00:00"))
    ms = int(ts.timestamp() * 1000)
    for key, value in flat_metrics(doc).items():
        client.log_metric(run_id, key, value, timestamp=ms)
    logged = f"{artifact_path.strip('/')}/{file_name}" if artifact_path.strip("/") else file_name
    existing: list[str] = []
    try:
        tags = client.get_run(run_id).data.tags
        existing = list(json.loads(tags.get(TAG, "[]")))
    except (AttributeError, KeyError, ValueError, TypeError):
        existing = []
    if logged not in existing:
        existing.append(logged)
    client.set_tag(run_id, TAG, json.dumps(existing))
    return doc
