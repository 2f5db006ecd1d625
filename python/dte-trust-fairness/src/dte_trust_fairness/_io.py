"""Serialise fairness result documents to JSON files."""

from __future__ import annotations

import datetime as _dt
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from ._document import Json, metricframe_to_dict

SCHEMA_FILE = "fairness-result-v1.schema.json"


def dumps(doc: Json) -> str:
    """The document as strict JSON (no NaN tokens: the format stores undefined values as null)."""
    return json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def schema_path() -> Path:
    """Path of the JSON schema of the format, shipped with the package."""
    return Path(str(resources.files("dte_trust_fairness").joinpath(SCHEMA_FILE)))


def schema() -> Json:
    """The JSON schema (draft 2020-12) of the fairness result format."""
    loaded: Json = json.loads(schema_path().read_text(encoding="utf-8"))
    return loaded


def write_metricframe(
    mf: Any,
    path: str | os.PathLike[str],
    *,
    model: str | None = None,
    version: str | int | None = None,
    y_true: Any = None,
    y_pred: Any = None,
    sensitive_features: Any = None,
    control_features: Any = None,
    sample_weight: Any = None,
    run_id: str | None = None,
    dataset: str | None = None,
    timestamp: _dt.datetime | str | None = None,
    task: str | None = None,
) -> Json:
    """Write mf to path as a DTE Trust fairness result and return the document.

    Parent directories are created. The file is written to a temporary name first and renamed, so
    a reader polling the directory never sees half a document.
    """
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
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(dumps(doc), encoding="utf-8")
    os.replace(tmp, target)
    return doc
