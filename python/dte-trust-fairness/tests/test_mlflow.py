from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from dte_trust_fairness import flat_metrics, log_metricframe, metricframe_to_dict

from conftest import Data


class FakeClient:
    """Records what log_metricframe sends to an MlflowClient."""

    def __init__(self) -> None:
        self.artifacts: list[tuple[str, str, str, dict[str, Any]]] = []
        self.metrics: dict[str, tuple[float, int]] = {}
        self.tags: dict[str, str] = {}

    def log_artifact(self, run_id: str, local_path: str, artifact_path: str | None = None) -> None:
        self.artifacts.append((run_id, Path(local_path).name, artifact_path or "", json.loads(Path(local_path).read_text())))

    def log_metric(self, run_id: str, key: str, value: float, timestamp: int | None = None) -> None:
        assert timestamp is not None
        self.metrics[key] = (value, timestamp)

    def set_tag(self, run_id: str, key: str, value: str) -> None:
        self.tags[key] = value

    def get_run(self, run_id: str) -> Any:
        class Run:
            pass

        run = Run()
        run.data = Run()  # type: ignore[attr-defined]
        run.data.tags = dict(self.tags)  # type: ignore[attr-defined]
        return run


def test_log_metricframe(data: Data) -> None:
    client = FakeClient()
    doc = log_metricframe(data.mf(), run_id="abc", model="credit", version="2", y_true=data.y_true,
                          y_pred=data.y_pred, sensitive_features=data.sex, timestamp="2026-06-01T00:00:00Z", client=client)
    assert doc["run_id"] == "abc"
    ((run_id, name, artifact_path, logged),) = client.artifacts
    assert (run_id, name, artifact_path) == ("abc", "sex.json", "fairness")
    assert logged == doc
    ms = 1780272000000
    assert client.metrics["fairness/sex/demographic_parity_difference"] == (doc["fairness"]["demographic_parity_difference"], ms)
    assert client.metrics["fairness/sex/group/F/accuracy"][0] == doc["by_group"][0]["values"]["accuracy"]
    assert client.metrics["fairness/sex/group/M/count"][0] == doc["by_group"][1]["count"]
    assert client.metrics["fairness/sex/overall/selection_rate"][0] == doc["overall"]["selection_rate"]
    assert client.metrics["fairness/sex/accuracy_ratio"][0] == doc["disparities"]["accuracy"]["ratio"]
    assert json.loads(client.tags["dte_trust.fairness"]) == ["fairness/sex.json"]

    sf = pd.concat([data.sex, data.age], axis=1)
    log_metricframe(data.mf(sensitive_features=sf), run_id="abc", client=client)
    assert json.loads(client.tags["dte_trust.fairness"]) == ["fairness/sex.json", "fairness/sex.age.json"]
    assert "fairness/sex.age/group/F.old/selection_rate" in client.metrics


def test_flat_metric_keys_are_valid_mlflow_keys(data: Data) -> None:
    sex = data.sex.rename("sex/gender (self-reported)").replace({"F": "f:1"})
    doc = metricframe_to_dict(data.mf(sensitive_features=sex))
    keys = flat_metrics(doc)
    assert keys
    for k in keys:
        assert re.fullmatch(r"[A-Za-z0-9_\-. /]+", k), k
        assert "//" not in k and ".." not in k
    assert "fairness/sex_gender _self-reported_/group/f_1/accuracy" in keys


def test_flat_metrics_skip_undefined_values(data: Data) -> None:
    doc = metricframe_to_dict(data.mf())
    doc["fairness"]["demographic_parity_difference"] = None
    assert "fairness/sex/demographic_parity_difference" not in flat_metrics(doc)
