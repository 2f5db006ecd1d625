"""Build a DTE Trust SHAP summary document (format 1.x) from a ``shap.Explanation``.

The numbers are shap's own attributions reduced the way shap's global bar plot reduces them: the
mean of the absolute SHAP values over the explained rows, per feature (``np.abs(values).mean(0)``).
This module only selects the output, reduces and arranges.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

FORMAT = "dte-trust-shap"
FORMAT_VERSION = "1.0"

Json = dict[str, Any]


def _timestamp(ts: _dt.datetime | str | None) -> str:
    if ts is None:
        ts = _dt.datetime.now(_dt.timezone.utc)
    if isinstance(ts, str):
        ts = _dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=_dt.timezone.utc)
    return ts.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _output_names(expl: Any, k: int) -> list[str]:
    names = getattr(expl, "output_names", None)
    if names is None:
        return [str(i) for i in range(k)]
    listed = [str(n) for n in np.atleast_1d(np.asarray(names, dtype=object))]
    return listed if len(listed) == k else [str(i) for i in range(k)]


def select_output(expl: Any, output: int | str | None = None) -> tuple[np.ndarray, Any, str | None]:
    """The SHAP values (rows x features) and base values of one output of an explanation.

    A single-output explanation (values of shape (n, f)) is returned as it is. For a multi-output
    one (n, f, k): ``output`` picks the output by index or by its name in ``expl.output_names``;
    without it, a two-output explanation (a binary classifier's two classes) gives output 1, the
    positive class, and more outputs are an error, since averaging attributions of different
    classes would describe no class. Returns the values, the base values and the output's name
    (None for a single-output explanation).
    """
    values = np.asarray(expl.values, dtype=float)
    base = None if expl.base_values is None else np.asarray(expl.base_values, dtype=float)
    if values.ndim == 1:
        values = values.reshape(1, -1)
        if base is not None:
            base = base.reshape(1, *base.shape)
    if values.ndim == 2:
        if output not in (None, 0, "0"):
            raise ValueError(f"output={output!r}: the explanation has a single output")
        return values, base, None
    if values.ndim != 3:
        raise ValueError(f"SHAP values of shape {values.shape}: expected (rows, features) or (rows, features, outputs)")
    k = values.shape[2]
    names = _output_names(expl, k)
    if output is None:
        if k == 1:
            index = 0
        elif k == 2:
            index = 1
        else:
            raise ValueError(f"the explanation has {k} outputs ({', '.join(names)}): pass output= (an index or a name)")
    elif isinstance(output, int):
        if not -k <= output < k:
            raise ValueError(f"output={output}: the explanation has {k} outputs")
        index = output % k
    elif output in names:
        index = names.index(output)
    else:
        raise ValueError(f"output={output!r} is not one of the explanation's outputs ({', '.join(names)})")
    if base is not None and base.ndim >= 2 and base.shape[-1] == k:
        base = base[..., index]
    return values[:, :, index], base, names[index]


def _feature_names(expl: Any, f: int) -> list[str]:
    names = getattr(expl, "feature_names", None)
    if names is None:
        return [f"feature_{i}" for i in range(f)]
    listed = [str(n) for n in names]
    if len(listed) != f:
        raise ValueError(f"the explanation names {len(listed)} features but its values have {f}")
    return listed


def mean_abs_shap(values: np.ndarray) -> np.ndarray:
    """Mean |SHAP| per feature over the rows (shap's global importance, as its bar plot shows)."""
    means: np.ndarray = np.abs(values).mean(axis=0)
    return means


def _features(names: Sequence[str], means: np.ndarray) -> list[Json]:
    pairs: list[tuple[str, float]] = []
    for name, v in zip(names, means):
        if not math.isfinite(float(v)):
            raise ValueError(f"feature {name!r}: mean |SHAP| is {float(v)}: the explanation holds NaN or infinite values")
        pairs.append((name, float(v)))
    # Highest attribution first, names breaking ties: the order a reader of the file expects.
    pairs.sort(key=lambda p: (-p[1], p[0]))
    return [{"feature": name, "mean_abs_shap": v} for name, v in pairs]


def explanation_to_dict(
    expl: Any,
    *,
    model: str,
    version: str | int | None = None,
    output: int | str | None = None,
    groups: Any = None,
    sensitive_feature: str | None = None,
    explainer: str | None = None,
    run_id: str | None = None,
    dataset: str | None = None,
    timestamp: _dt.datetime | str | None = None,
) -> Json:
    """The DTE Trust SHAP summary of an explanation (docs/shap-format.md).

    ``groups`` is an optional array of one group value per explained row (a sensitive feature's
    column, for instance); with it the document also holds mean |SHAP| per feature within each
    group, under ``sensitive_feature`` (default: the array's name, else "group").
    """
    if not model:
        raise ValueError("model is required: the plugin labels every value with it")
    values, base, out_name = select_output(expl, output)
    n, f = values.shape
    if n == 0:
        raise ValueError("the explanation has no rows")
    names = _feature_names(expl, f)
    doc: Json = {"format": FORMAT, "format_version": FORMAT_VERSION, "model": str(model)}
    if version is not None:
        doc["version"] = str(version)
    doc["timestamp"] = _timestamp(timestamp)
    if run_id:
        doc["run_id"] = run_id
    if dataset:
        doc["dataset"] = dataset
    if explainer:
        doc["explainer"] = explainer
    doc["producer"] = {"name": "dte-trust-shap", "version": _package_version(), "shap_version": _shap_version()}
    if out_name is not None:
        doc["output"] = out_name
    doc["n_samples"] = int(n)
    if base is not None:
        b = float(np.mean(base))
        if math.isfinite(b):
            doc["base_value"] = b
    doc["features"] = _features(names, mean_abs_shap(values))
    if groups is not None:
        g = np.asarray(groups, dtype=object)
        if g.shape != (n,):
            raise ValueError(f"groups has shape {g.shape}: expected one value per explained row ({n})")
        name = sensitive_feature or getattr(groups, "name", None) or "group"
        out = []
        for value in sorted({str(v) for v in g}):
            mask = np.array([str(v) == value for v in g])
            out.append({
                "sensitive_feature": str(name),
                "group": value,
                "n_samples": int(mask.sum()),
                "features": _features(names, mean_abs_shap(values[mask])),
            })
        doc["groups"] = out
    return doc


def _package_version() -> str:
    from . import __version__

    return __version__


def _shap_version() -> str:
    try:
        import shap

        return str(shap.__version__)
    except ImportError:  # an Explanation-like object built without shap installed
        return "unknown"
