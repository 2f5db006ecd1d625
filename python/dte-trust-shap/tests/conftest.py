from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import shap
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier


class Data:
    """A small tabular data set whose label depends mostly on income, then on debt."""

    def __init__(self) -> None:
        rng = np.random.default_rng(11)
        n = 240
        self.X = pd.DataFrame({
            "income": rng.normal(size=n),
            "debt": rng.normal(size=n),
            "age": rng.normal(size=n),
        })
        self.y = (2.0 * self.X["income"] - self.X["debt"] + 0.3 * rng.normal(size=n) > 0).astype(int)
        self.sex = pd.Series(rng.choice(["F", "M"], n), name="sex")

    def gbm_explanation(self) -> Any:
        model = GradientBoostingClassifier(n_estimators=30, max_depth=2, random_state=0).fit(self.X, self.y)
        return shap.TreeExplainer(model)(self.X)

    def forest_explanation(self) -> Any:
        model = RandomForestClassifier(n_estimators=15, max_depth=3, random_state=0).fit(self.X, self.y)
        return shap.TreeExplainer(model)(self.X)


@pytest.fixture(scope="session")
def data() -> Data:
    return Data()
