"""Log a SHAP summary to an MLflow run as an artifact.

The document goes to ``<artifact_path>/<file name>`` (artifact_path defaults to ``shap``) and the
run tag ``dte_trust.shap`` lists the run's SHAP summary artifacts, so DTE Trust finds them with one
runs search and no artifact listing.
"""

from __future__ import annotations

import datetime as _dt
import json
import tempfile
from pathlib import Path
from typing import Any

from ._io import dumps, file_name
from ._summary import Json, explanation_to_dict

TAG = "dte_trust.shap"
ARTIFACT_PATH = "shap"


def _default_client() -> Any:
    from mlflow.tracking import MlflowClient

    return MlflowClient()


def _active_run_id() -> str:
    import mlflow

    run = mlflow.active_run()
    if run is None:
        raise ValueError("log_to_mlflow: no run_id given and no active MLflow run")
    return str(run.info.run_id)


def log_to_mlflow(
    expl: Any,
    run_id: str | None = None,
    *,
    model: str,
    version: str | int | None = None,
    output: int | str | None = None,
    groups: Any = None,
    sensitive_feature: str | None = None,
    explainer: str | None = None,
    dataset: str | None = None,
    timestamp: _dt.datetime | str | None = None,
    artifact_path: str = ARTIFACT_PATH,
    client: Any = None,
) -> Json:
    """Summarise expl, log the summary to an MLflow run and return the document.

    run_id defaults to the active run; client to ``MlflowClient()``. The document records the run
    id, so the plugin links its values to the run page.
    """
    if client is None:
        client = _default_client()
    if run_id is None:
        run_id = _active_run_id()
    doc = explanation_to_dict(
        expl,
        model=model,
        version=version,
        output=output,
        groups=groups,
        sensitive_feature=sensitive_feature,
        explainer=explainer,
        run_id=run_id,
        dataset=dataset,
        timestamp=timestamp,
    )
    name = file_name(doc)
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / name
        local.write_text(dumps(doc), encoding="utf-8")
        client.log_artifact(run_id, str(local), artifact_path)
    directory = artifact_path.strip("/")
    logged = f"{directory}/{name}" if directory else name
    existing: list[str] = []
    try:
        tags = client.get_run(run_id).data.tags
        existing = [str(p) for p in json.loads(tags.get(TAG, "[]"))]
    except (AttributeError, KeyError, ValueError, TypeError):
        existing = []
    if logged not in existing:
        existing.append(logged)
    client.set_tag(run_id, TAG, json.dumps(existing))
    return doc
