from __future__ import annotations

import json
import math
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equal_opportunity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    selection_rate,
)
from sklearn.metrics import recall_score

from dte_trust_fairness import FORMAT, FORMAT_VERSION, dumps, metricframe_to_dict, schema, write_metricframe

from conftest import Data

FUNCS = {
    "demographic_parity_difference": demographic_parity_difference,
    "demographic_parity_ratio": demographic_parity_ratio,
    "equalized_odds_difference": equalized_odds_difference,
    "equalized_odds_ratio": equalized_odds_ratio,
    "equal_opportunity_difference": equal_opportunity_difference,
    "equal_opportunity_ratio": equal_opportunity_ratio,
}


def validate(doc: dict[str, object]) -> None:
    jsonschema.validate(doc, schema(), format_checker=jsonschema.FormatChecker())


def test_write_metricframe_two_lines(data: Data, tmp_path: Path) -> None:
    mf = data.mf()
    path = tmp_path / "out" / "credit.json"
    write_metricframe(mf, path, model="credit", version=3, y_true=data.y_true, y_pred=data.y_pred,
                      sensitive_features=data.sex, timestamp="2026-06-01T10:00:00Z", dataset="holdout")
    doc = json.loads(path.read_text())
    validate(doc)
    assert doc["format"] == FORMAT and doc["format_version"] == FORMAT_VERSION
    assert doc["model"] == "credit" and doc["version"] == "3" and doc["dataset"] == "holdout"
    assert doc["timestamp"] == "2026-06-01T10:00:00Z"
    assert doc["sensitive_features"] == ["sex"]
    assert [g["group"] for g in doc["by_group"]] == [{"sex": "F"}, {"sex": "M"}]
    assert sum(g["count"] for g in doc["by_group"]) == len(data.y_true)
    for g in doc["by_group"]:
        for m, v in g["values"].items():
            assert v == mf.by_group.loc[g["group"]["sex"], m]
    for name, fn in FUNCS.items():
        assert doc["fairness"][name] == fn(data.y_true, data.y_pred, sensitive_features=data.sex)
        assert doc["fairness_to_overall"][name] == fn(data.y_true, data.y_pred, sensitive_features=data.sex, method="to_overall")
    acc = doc["disparities"]["accuracy"]
    assert acc["difference"] == mf.difference()["accuracy"]
    assert acc["ratio"] == mf.ratio()["accuracy"]
    assert acc["difference_to_overall"] == mf.difference(method="to_overall")["accuracy"]
    assert acc["ratio_to_overall"] == mf.ratio(method="to_overall")["accuracy"]
    assert acc["group_min"] == mf.group_min()["accuracy"]
    # The biased classifier selects F less often: F is the worst group for selection rate.
    assert doc["disparities"]["selection_rate"]["worst_group"] == {"sex": "F"}
    assert doc["disparities"]["false_positive_rate"]["worst_group"] == {"sex": "M"}
    assert not list(tmp_path.glob("out/.*.tmp"))


def test_intersectional_groups(data: Data) -> None:
    sf = pd.concat([data.sex, data.age], axis=1)
    mf = data.mf(sensitive_features=sf)
    doc = metricframe_to_dict(mf, model="m", y_true=data.y_true, y_pred=data.y_pred, sensitive_features=sf)
    validate(doc)
    assert doc["sensitive_features"] == ["sex", "age"]
    assert len(doc["by_group"]) == 4
    assert {"sex": "F", "age": "old"} in [g["group"] for g in doc["by_group"]]
    assert doc["fairness"]["equalized_odds_difference"] == equalized_odds_difference(data.y_true, data.y_pred, sensitive_features=sf)


def test_control_features_make_strata(data: Data) -> None:
    mf = data.mf(control_features=data.age)
    doc = metricframe_to_dict(mf, model="m", y_true=data.y_true, y_pred=data.y_pred, sensitive_features=data.sex,
                              control_features=data.age)
    validate(doc)
    assert "by_group" not in doc and doc["control_features"] == ["age"]
    assert [s["control"] for s in doc["strata"]] == [{"age": "old"}, {"age": "young"}]
    for s in doc["strata"]:
        mask = (data.age == s["control"]["age"]).to_numpy()
        want = demographic_parity_difference(data.y_true[mask], data.y_pred[mask], sensitive_features=data.sex[mask])
        assert s["fairness"]["demographic_parity_difference"] == want
        assert s["disparities"]["accuracy"]["difference"] == mf.difference().loc[s["control"]["age"], "accuracy"]
        assert sum(g["count"] for g in s["by_group"]) == mask.sum()


def test_callable_metric_and_no_data(data: Data) -> None:
    mf = MetricFrame(metrics=selection_rate, y_true=data.y_true, y_pred=data.y_pred, sensitive_features=data.sex)
    doc = metricframe_to_dict(mf)
    validate(doc)
    assert doc["metrics"] == ["selection_rate"]
    assert "count" not in doc["by_group"][0]
    # Without y_true/y_pred the scalars come from the MetricFrame's selection_rate column.
    assert doc["fairness"] == {
        "demographic_parity_difference": demographic_parity_difference(data.y_true, data.y_pred, sensitive_features=data.sex),
        "demographic_parity_ratio": demographic_parity_ratio(data.y_true, data.y_pred, sensitive_features=data.sex),
    }


def test_scalars_derived_from_columns_equal_fairlearn(data: Data) -> None:
    doc = metricframe_to_dict(data.mf())
    for name, fn in FUNCS.items():
        assert doc["fairness"][name] == fn(data.y_true, data.y_pred, sensitive_features=data.sex)


def test_nan_becomes_null(data: Data) -> None:
    y_true = data.y_true.copy()
    y_true[(data.sex == "F").to_numpy()] = 0  # F has no positives: recall is undefined
    mf = MetricFrame(metrics={"recall": lambda a, b: recall_score(a, b, zero_division=np.nan)},
                     y_true=y_true, y_pred=data.y_pred, sensitive_features=data.sex)
    doc = metricframe_to_dict(mf)
    validate(doc)
    text = dumps(doc)
    assert "NaN" not in text
    f = next(g for g in doc["by_group"] if g["group"] == {"sex": "F"})
    assert f["values"]["recall"] is None
    assert doc["disparities"]["recall"]["worst_group"] == {"sex": "M"}
    assert not math.isnan(doc["overall"]["recall"])


def test_bootstrap_intervals(data: Data) -> None:
    mf = data.mf(n_boot=10, ci_quantiles=[0.05, 0.5, 0.95], random_state=3)
    doc = metricframe_to_dict(mf)
    validate(doc)
    ci = doc["confidence_intervals"]
    assert ci["n_boot"] == 10 and ci["quantiles"] == [0.05, 0.5, 0.95]
    assert ci["disparities"]["accuracy"]["difference"] == [q["accuracy"] for q in mf.difference_ci()]
    assert ci["by_group"][0]["values"]["accuracy"] == [q.loc["F", "accuracy"] for q in mf.by_group_ci]
    assert ci["overall"]["selection_rate"] == [q["selection_rate"] for q in mf.overall_ci]


def test_naive_timestamp_is_utc(data: Data) -> None:
    import datetime as dt

    doc = metricframe_to_dict(data.mf(), timestamp=dt.datetime(2026, 1, 2, 3, 4, 5))
    assert doc["timestamp"] == "2026-01-02T03:04:05Z"


@pytest.mark.parametrize("version", ["2.0", "0.9"])
def test_schema_rejects_other_major_versions(data: Data, version: str) -> None:
    doc = metricframe_to_dict(data.mf())
    doc["format_version"] = version
    with pytest.raises(jsonschema.ValidationError):
        validate(doc)


REPO = Path(__file__).resolve().parents[3]


def test_committed_fixtures_follow_the_schema() -> None:
    files = sorted((REPO / "testdata" / "fairlearn").glob("dte/*.json")) + sorted(
        (REPO / "testdata" / "fairlearn").glob("demo/**/*.json")
    )
    assert len(files) >= 10
    for f in files:
        validate(json.loads(f.read_text()))
