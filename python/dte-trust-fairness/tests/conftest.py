from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)

METRICS = {
    "accuracy": skm.accuracy_score,
    "selection_rate": selection_rate,
    "true_positive_rate": true_positive_rate,
    "false_positive_rate": false_positive_rate,
}


class Data:
    def __init__(self) -> None:
        rng = np.random.default_rng(7)
        n = 600
        self.sex = pd.Series(rng.choice(["F", "M"], n), name="sex")
        self.age = pd.Series(rng.choice(["young", "old"], n), name="age")
        self.y_true = rng.integers(0, 2, n)
        # A biased classifier: M is selected more often.
        p = 0.35 + 0.3 * (self.sex == "M").to_numpy()
        self.y_pred = (rng.random(n) < p).astype(int)

    def mf(self, **kw: object) -> MetricFrame:
        args: dict[str, object] = dict(metrics=METRICS, y_true=self.y_true, y_pred=self.y_pred, sensitive_features=self.sex)
        args.update(kw)
        return MetricFrame(**args)


@pytest.fixture
def data() -> Data:
    return Data()


__all__ = ["Data", "METRICS", "count"]
