from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shap

from dte_trust_shap import FORMAT, FORMAT_VERSION, dumps, explanation_to_dict, write_explanation

from conftest import Data


def by_feature(doc_features: list[dict[str, object]]) -> dict[str, float]:
    return {str(r["feature"]): float(r["mean_abs_shap"]) for r in doc_features}  # type: ignore[arg-type]


def test_single_output_equals_shap(data: Data) -> None:
    expl = data.gbm_explanation()
    doc = explanation_to_dict(expl, model="credit", version=2, timestamp="2026-06-01T12:00:00+02:00", explainer="TreeExplainer")
    assert doc["format"] == FORMAT and doc["format_version"] == FORMAT_VERSION
    assert (doc["model"], doc["version"], doc["timestamp"]) == ("credit", "2", "2026-06-01T10:00:00Z")
    assert doc["producer"]["shap_version"] == shap.__version__
    assert doc["n_samples"] == 240 and "output" not in doc
    want = np.abs(expl.values).mean(0)
    got = by_feature(doc["features"])
    assert got == {name: float(v) for name, v in zip(expl.feature_names, want)}
    assert [r["feature"] for r in doc["features"]][0] == "income"
    assert doc["base_value"] == float(np.mean(expl.base_values))


def test_binary_two_outputs_default_to_the_positive_class(data: Data) -> None:
    expl = data.forest_explanation()
    assert expl.values.ndim == 3 and expl.values.shape[2] == 2
    doc = explanation_to_dict(expl, model="credit", timestamp="2026-06-01T00:00:00Z")
    assert doc["output"] == expl.output_names[1] == "Output 1"  # shap names the outputs
    want = np.abs(expl.values[:, :, 1]).mean(0)
    assert by_feature(doc["features"]) == {n: float(v) for n, v in zip(expl.feature_names, want)}
    assert doc["base_value"] == float(np.mean(expl.base_values[:, 1]))
    doc0 = explanation_to_dict(expl, model="credit", output=0, timestamp="2026-06-01T00:00:00Z")
    assert doc0["output"] == "Output 0"
    assert by_feature(doc0["features"]) == {n: float(v) for n, v in zip(expl.feature_names, np.abs(expl.values[:, :, 0]).mean(0))}


def test_more_outputs_need_a_choice(data: Data) -> None:
    expl = data.forest_explanation()
    three = shap.Explanation(values=np.concatenate([expl.values, expl.values[:, :, :1]], axis=2),
                             base_values=np.concatenate([expl.base_values, expl.base_values[:, :1]], axis=1),
                             feature_names=expl.feature_names, output_names=["low", "mid", "high"])
    with pytest.raises(ValueError, match="3 outputs .*low, mid, high.*output="):
        explanation_to_dict(three, model="m")
    doc = explanation_to_dict(three, model="m", output="high", timestamp="2026-06-01T00:00:00Z")
    assert doc["output"] == "high"
    assert by_feature(doc["features"]) == {n: float(v) for n, v in zip(expl.feature_names, np.abs(three.values[:, :, 2]).mean(0))}
    with pytest.raises(ValueError, match="not one of"):
        explanation_to_dict(three, model="m", output="none")
    with pytest.raises(ValueError, match="has 3 outputs"):
        explanation_to_dict(three, model="m", output=5)


def test_groups(data: Data) -> None:
    expl = data.gbm_explanation()
    doc = explanation_to_dict(expl, model="credit", groups=data.sex, timestamp="2026-06-01T00:00:00Z")
    groups = doc["groups"]
    assert [(g["sensitive_feature"], g["group"]) for g in groups] == [("sex", "F"), ("sex", "M")]
    for g in groups:
        mask = (data.sex == g["group"]).to_numpy()
        assert g["n_samples"] == int(mask.sum())
        want = np.abs(expl.values[mask]).mean(0)
        assert by_feature(g["features"]) == {n: float(v) for n, v in zip(expl.feature_names, want)}
    with pytest.raises(ValueError, match="one value per explained row"):
        explanation_to_dict(expl, model="credit", groups=data.sex[:10])


def test_bad_explanations(data: Data) -> None:
    expl = data.gbm_explanation()
    values = np.array(expl.values)
    values[3, 1] = np.nan
    nan = shap.Explanation(values=values, base_values=expl.base_values, feature_names=expl.feature_names)
    with pytest.raises(ValueError, match="'debt'.*NaN"):
        explanation_to_dict(nan, model="m")
    with pytest.raises(ValueError, match="model is required"):
        explanation_to_dict(expl, model="")
    unnamed = shap.Explanation(values=expl.values[:, :2], base_values=expl.base_values)
    doc = explanation_to_dict(unnamed, model="m", timestamp="2026-06-01T00:00:00Z")
    assert sorted(by_feature(doc["features"])) == ["feature_0", "feature_1"]


def test_write_to_directory_and_file(tmp_path: Path, data: Data) -> None:
    expl = data.gbm_explanation()
    written = write_explanation(expl, tmp_path / "explanations", model="credit risk", version="3", timestamp="2026-06-01T00:00:00Z")
    assert written == tmp_path / "explanations" / "credit_risk-v3.shap.json"
    doc = json.loads(written.read_text())
    assert doc["model"] == "credit risk"
    assert written.read_text() == dumps(doc)
    other = write_explanation(expl, tmp_path / "one.json", model="credit", timestamp="2026-06-01T00:00:00Z")
    assert other == tmp_path / "one.json" and other.exists()
    assert not list(tmp_path.rglob(".*.tmp"))
    with pytest.raises(ValueError):
        dumps({"x": float("nan")})
