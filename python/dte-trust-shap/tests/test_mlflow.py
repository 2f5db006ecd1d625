from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dte_trust_shap import explanation_to_dict, log_to_mlflow

from conftest import Data


class FakeClient:
    """Records what log_to_mlflow sends to an MlflowClient."""

    def __init__(self) -> None:
        self.artifacts: list[tuple[str, str, str, dict[str, Any]]] = []
        self.tags: dict[str, str] = {}

    def log_artifact(self, run_id: str, local_path: str, artifact_path: str | None = None) -> None:
        self.artifacts.append((run_id, Path(local_path).name, artifact_path or "", json.loads(Path(local_path).read_text())))

    def set_tag(self, run_id: str, key: str, value: str) -> None:
        self.tags[key] = value

    def get_run(self, run_id: str) -> Any:
        class Run:
            pass

        run = Run()
        run.data = Run()  # type: ignore[attr-defined]
        run.data.tags = dict(self.tags)  # type: ignore[attr-defined]
        return run


def test_log_to_mlflow(data: Data) -> None:
    expl = data.gbm_explanation()
    client = FakeClient()
    doc = log_to_mlflow(expl, run_id="abc", model="credit", version="2", timestamp="2026-06-01T00:00:00Z", client=client)
    assert doc["run_id"] == "abc"
    assert doc == explanation_to_dict(expl, model="credit", version="2", run_id="abc", timestamp="2026-06-01T00:00:00Z")
    ((run_id, name, artifact_path, logged),) = client.artifacts
    assert (run_id, name, artifact_path) == ("abc", "credit-v2.shap.json", "shap")
    assert logged == doc
    assert json.loads(client.tags["dte_trust.shap"]) == ["shap/credit-v2.shap.json"]

    log_to_mlflow(expl, run_id="abc", model="credit", version="3", timestamp="2026-06-02T00:00:00Z", client=client)
    log_to_mlflow(expl, run_id="abc", model="credit", version="3", timestamp="2026-06-02T00:00:00Z", client=client)
    assert json.loads(client.tags["dte_trust.shap"]) == ["shap/credit-v2.shap.json", "shap/credit-v3.shap.json"]
