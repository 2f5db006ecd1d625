"""Write Fairlearn MetricFrame results in the DTE Trust fairness result format.

Two calls cover the common cases::

    from dte_trust_fairness import write_metricframe, log_metricframe
    write_metricframe(mf, "fairness/credit-risk.json", model="credit-risk", version="3",
                      y_true=y_test, y_pred=y_pred, sensitive_features=A_test)
    log_metricframe(mf, run_id=run.info.run_id, model="credit-risk", version="3",
                    y_true=y_test, y_pred=y_pred, sensitive_features=A_test)

The format is documented in docs/fairness-format.md of the DTE Trust repository and by the JSON
schema shipped with this package (:func:`schema`).
"""

from __future__ import annotations

__version__ = "0.1.0"

from ._document import FORMAT, FORMAT_VERSION, metricframe_to_dict
from ._io import dumps, schema, schema_path, write_metricframe
from ._mlflow import flat_metrics, log_metricframe

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "__version__",
    "dumps",
    "flat_metrics",
    "log_metricframe",
    "metricframe_to_dict",
    "schema",
    "schema_path",
    "write_metricframe",
]
