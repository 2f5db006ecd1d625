"""Write SHAP explanations as DTE Trust SHAP summaries: global mean |SHAP| per feature.

Two calls cover the common cases::

    import shap
    from dte_trust_shap import write_explanation, log_to_mlflow
    expl = shap.TreeExplainer(model)(X_test)
    write_explanation(expl, "explanations/", model="credit-risk", version="3")
    log_to_mlflow(expl, run_id=run.info.run_id, model="credit-risk", version="3")

The format is documented in docs/shap-format.md of the DTE Trust repository.
"""

from __future__ import annotations

__version__ = "0.1.0"

from ._io import dumps, file_name, write_document, write_explanation
from ._mlflow import ARTIFACT_PATH, TAG, log_to_mlflow
from ._summary import FORMAT, FORMAT_VERSION, explanation_to_dict, mean_abs_shap, select_output

__all__ = [
    "ARTIFACT_PATH",
    "FORMAT",
    "FORMAT_VERSION",
    "TAG",
    "__version__",
    "dumps",
    "explanation_to_dict",
    "file_name",
    "log_to_mlflow",
    "mean_abs_shap",
    "select_output",
    "write_document",
    "write_explanation",
]
