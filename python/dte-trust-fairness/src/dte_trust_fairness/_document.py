"""Build a DTE Trust fairness result document (format 1.x) from a Fairlearn MetricFrame.

Every number in the document comes from Fairlearn's own API: ``MetricFrame.overall``,
``by_group``, ``group_min``/``group_max``, ``difference``/``ratio`` (both methods), the ``*_ci``
bootstrap properties, and the fairness functions ``demographic_parity_*``, ``equalized_odds_*``
and ``equal_opportunity_*``. This module only arranges them.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from typing import Any, Callable

import numpy as np
import pandas as pd

FORMAT = "dte-trust-fairness"
FORMAT_VERSION = "1.0"

# Metrics where a lower value is better; the worst group is the one with the highest value.
LOWER_IS_BETTER = frozenset(
    {
        "false_positive_rate",
        "false_negative_rate",
        "fpr",
        "fnr",
        "error_rate",
        "zero_one_loss",
        "log_loss",
        "mean_absolute_error",
        "mean_squared_error",
        "root_mean_squared_error",
        "median_absolute_error",
        "mean_squared_log_error",
        "max_error",
        "balanced_root_mean_squared_error",
        "overprediction",
        "underprediction",
        "mae",
        "mse",
        "rmse",
        "brier_score_loss",
    }
)
# Metrics whose extremes say nothing about harm: no worst group is named for them.
NO_WORST_GROUP = frozenset({"count", "mean_prediction"})

# The fairness scalars of the format, each with the Fairlearn function computing it.
FAIRNESS_SCALARS = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
)

Json = dict[str, Any]


def _fairness_functions() -> dict[str, Callable[..., Any]]:
    from fairlearn.metrics import (
        demographic_parity_difference,
        demographic_parity_ratio,
        equal_opportunity_difference,
        equal_opportunity_ratio,
        equalized_odds_difference,
        equalized_odds_ratio,
    )

    return {
        "demographic_parity_difference": demographic_parity_difference,
        "demographic_parity_ratio": demographic_parity_ratio,
        "equalized_odds_difference": equalized_odds_difference,
        "equalized_odds_ratio": equalized_odds_ratio,
        "equal_opportunity_difference": equal_opportunity_difference,
        "equal_opportunity_ratio": equal_opportunity_ratio,
    }


def number(v: Any) -> float | None:
    """A finite float, or None for NaN, infinity and missing values (JSON null in the format)."""
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def higher_is_better(metric: str) -> bool | None:
    """Whether a higher value of metric is better; None when no worst group is named for it.

    Selection rate counts as higher-is-better: the four-fifths rule treats the group with the
    lowest selection rate as the disadvantaged one (a positive prediction is the favourable outcome).
    """
    if metric in NO_WORST_GROUP:
        return None
    if metric in LOWER_IS_BETTER or metric.endswith(("_error", "_loss")):
        return False
    return True


def _timestamp(ts: _dt.datetime | str | None) -> str:
    if ts is None:
        ts = _dt.datetime.now(_dt.timezone.utc)
    if isinstance(ts, str):
        ts = _dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=_dt.timezone.utc)
    return ts.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _as_frame(by_group: pd.Series | pd.DataFrame) -> pd.DataFrame:
    """by_group as a DataFrame with one column per metric (a callable MetricFrame gives a Series)."""
    if isinstance(by_group, pd.Series):
        name = by_group.name if isinstance(by_group.name, str) and by_group.name else "metric"
        return by_group.to_frame(name=name)
    return by_group


def _key(idx: Any) -> tuple[Any, ...]:
    return idx if isinstance(idx, tuple) else (idx,)


def _label(v: Any) -> str:
    """A group value as the string the format stores (ints stay ints: 0 -> "0")."""
    if isinstance(v, (np.integer,)):
        return str(int(v))
    if isinstance(v, (np.floating,)):
        return str(float(v))
    if isinstance(v, (np.bool_,)):
        return str(bool(v))
    return str(v)


def _values(row: Any, metrics: Sequence[str]) -> Json:
    return {m: number(row[m]) for m in metrics}


def _features_frame(features: Any, prefix: str) -> pd.DataFrame:
    """Sensitive or control features as a DataFrame named the way MetricFrame names them."""
    if isinstance(features, pd.DataFrame):
        return features.reset_index(drop=True)
    if isinstance(features, pd.Series):
        name = features.name if isinstance(features.name, str) else f"{prefix}0"
        return pd.DataFrame({name: features.to_numpy()})
    if isinstance(features, Mapping):
        return pd.DataFrame({str(k): np.asarray(v) for k, v in features.items()})
    arr = np.asarray(features)
    if arr.ndim == 1:
        return pd.DataFrame({f"{prefix}0": arr})
    return pd.DataFrame({f"{prefix}{i}": arr[:, i] for i in range(arr.shape[1])})


def _take(x: Any, rows: np.ndarray) -> Any:
    if x is None:
        return None
    if isinstance(x, (pd.Series, pd.DataFrame)):
        return x.iloc[rows]
    if isinstance(x, Mapping):
        return {k: np.asarray(v)[rows] for k, v in x.items()}
    return np.asarray(x)[rows]


def _pick(result: Any, metric: str, control: tuple[Any, ...] | None) -> Any:
    """One metric's value from a MetricFrame aggregate (scalar, Series or DataFrame by control)."""
    if control is None:
        if isinstance(result, pd.Series):
            return result[metric]
        return result
    row = result.loc[control if len(control) > 1 else control[0]]
    if isinstance(row, pd.Series) and metric in row.index:
        return row[metric]
    return row


def _worst_group(frame: pd.DataFrame, metric: str, sf_names: Sequence[str]) -> Json | None:
    direction = higher_is_better(metric)
    col = pd.to_numeric(frame[metric], errors="coerce")
    if direction is None or col.notna().sum() == 0:
        return None
    idx = col.idxmax() if direction is False else col.idxmin()
    return {name: _label(v) for name, v in zip(sf_names, _key(idx))}


def _scalars_from_frame(mf: Any, metrics: Sequence[str], control: tuple[Any, ...] | None, method: str) -> Json:
    """Fairness scalars from a MetricFrame holding the base metrics, as Fairlearn combines them."""
    out: Json = {}
    cols = {m.lower(): m for m in metrics}
    sr = cols.get("selection_rate")
    tpr = cols.get("true_positive_rate") or cols.get("tpr")
    fpr = cols.get("false_positive_rate") or cols.get("fpr")
    diff = mf.difference(method=method, errors="coerce")
    ratio = mf.ratio(method=method, errors="coerce")
    if sr:
        out["demographic_parity_difference"] = number(_pick(diff, sr, control))
        out["demographic_parity_ratio"] = number(_pick(ratio, sr, control))
    if tpr:
        out["equal_opportunity_difference"] = number(_pick(diff, tpr, control))
        out["equal_opportunity_ratio"] = number(_pick(ratio, tpr, control))
    if tpr and fpr:
        # equalized_odds_* with agg='worst_case': max of the TPR and FPR differences, min of the
        # ratios, taken in that order with Python's max/min exactly as Fairlearn does.
        out["equalized_odds_difference"] = number(
            max([_pick(diff, tpr, control), _pick(diff, fpr, control)])
        )
        out["equalized_odds_ratio"] = number(min([_pick(ratio, tpr, control), _pick(ratio, fpr, control)]))
    return {k: out[k] for k in FAIRNESS_SCALARS if k in out}


def _scalars_from_data(y_true: Any, y_pred: Any, sf: Any, sample_weight: Any, method: str) -> Json:
    out: Json = {}
    for name, fn in _fairness_functions().items():
        out[name] = number(fn(y_true, y_pred, sensitive_features=sf, method=method, sample_weight=sample_weight))
    return out


def _ci_block(mf: Any, frame: pd.DataFrame, metrics: Sequence[str], sf_names: Sequence[str]) -> Json | None:
    if getattr(mf, "n_boot", None) is None or not getattr(mf, "ci_quantiles", None):
        return None
    quantiles = [float(q) for q in mf.ci_quantiles]

    def per_metric(results: Sequence[Any]) -> Json:
        out: Json = {}
        for m in metrics:
            out[m] = [number(_pick(r, m, None)) for r in results]
        return out

    by_group_ci = [_as_frame(x) for x in mf.by_group_ci]
    groups = []
    for idx in frame.index:
        groups.append(
            {
                "group": {n: _label(v) for n, v in zip(sf_names, _key(idx))},
                "values": {m: [number(q.loc[idx, m]) for q in by_group_ci] for m in metrics},
            }
        )
    disparities: Json = {}
    parts = {
        "group_min": mf.group_min_ci(),
        "group_max": mf.group_max_ci(),
        "difference": mf.difference_ci(),
        "ratio": mf.ratio_ci(),
        "difference_to_overall": mf.difference_ci(method="to_overall"),
        "ratio_to_overall": mf.ratio_ci(method="to_overall"),
    }
    for m in metrics:
        disparities[m] = {
            k: [number(_pick(r, m, None)) for r in v] for k, v in parts.items()
        }
    return {
        "n_boot": int(mf.n_boot),
        "quantiles": quantiles,
        "overall": per_metric(mf.overall_ci),
        "by_group": groups,
        "disparities": disparities,
    }


def metricframe_to_dict(
    mf: Any,
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
    extra: Mapping[str, Any] | None = None,
) -> Json:
    """Arrange a MetricFrame as a DTE Trust fairness result document (a JSON-ready dict).

    y_true, y_pred and sensitive_features (those given to the MetricFrame) are optional but
    recommended: with them the group counts and the six fairness scalars come from Fairlearn's
    ``count`` and ``demographic_parity_*``, ``equalized_odds_*`` and ``equal_opportunity_*``
    functions. Without them, the scalars are derived from the MetricFrame's own
    ``selection_rate``, ``true_positive_rate`` and ``false_positive_rate`` columns when present.
    """
    from fairlearn import __version__ as fairlearn_version
    from fairlearn.metrics import MetricFrame, count

    from . import __version__

    frame = _as_frame(mf.by_group)
    metrics = [str(c) for c in frame.columns if str(c) != "count"]
    sf_names = [str(n) for n in mf.sensitive_levels]
    cf_names = [str(n) for n in (mf.control_levels or [])]
    has_data = y_true is not None and y_pred is not None and sensitive_features is not None

    counts: pd.Series | None = None
    if "count" in frame.columns:
        counts = frame["count"]
    elif y_true is not None and sensitive_features is not None:
        counts = _as_frame(
            MetricFrame(
                metrics={"count": count},
                y_true=y_true,
                y_pred=y_pred if y_pred is not None else y_true,
                sensitive_features=sensitive_features,
                control_features=control_features,
            ).by_group
        )["count"]

    overall = mf.overall
    if not isinstance(overall, (pd.Series, pd.DataFrame)):
        overall = pd.Series({metrics[0]: overall})
    elif isinstance(overall, pd.Series) and cf_names and len(metrics) == 1:
        overall = overall.to_frame(name=metrics[0])

    def stratum(control: tuple[Any, ...] | None, sub: pd.DataFrame, sub_counts: pd.Series | None) -> Json:
        if control is None:
            ov = overall
        else:
            ov = overall.loc[control if len(control) > 1 else control[0]]
        groups = []
        for idx, row in sub.iterrows():
            g: Json = {"group": {n: _label(v) for n, v in zip(sf_names, _key(idx))}}
            if sub_counts is not None:
                c = sub_counts.get(idx)
                if c is not None and number(c) is not None:
                    g["count"] = int(c)
            g["values"] = _values(row, metrics)
            groups.append(g)
        disparities: Json = {}
        aggregates = {
            "group_min": mf.group_min(errors="coerce"),
            "group_max": mf.group_max(errors="coerce"),
            "difference": mf.difference(errors="coerce"),
            "ratio": mf.ratio(errors="coerce"),
            "difference_to_overall": mf.difference(method="to_overall", errors="coerce"),
            "ratio_to_overall": mf.ratio(method="to_overall", errors="coerce"),
        }
        for m in metrics:
            d: Json = {k: number(_pick(v, m, control)) for k, v in aggregates.items()}
            wg = _worst_group(sub, m, sf_names)
            if wg is not None:
                d["worst_group"] = wg
            disparities[m] = d
        out: Json = {}
        if control is not None:
            out["control"] = {n: _label(v) for n, v in zip(cf_names, control)}
        out["overall"] = {m: number(ov[m]) for m in metrics}
        out["by_group"] = groups
        out["disparities"] = disparities
        if has_data:
            yt, yp, sf, sw = y_true, y_pred, sensitive_features, sample_weight
            if control is not None:
                cf = _features_frame(control_features, "control_feature_")
                mask = np.ones(len(cf), dtype=bool)
                for n, v in zip(cf_names, control):
                    mask &= cf[n].to_numpy() == v
                rows = np.flatnonzero(mask)
                yt, yp, sf, sw = _take(yt, rows), _take(yp, rows), _take(sf, rows), _take(sw, rows)
            out["fairness"] = _scalars_from_data(yt, yp, sf, sw, "between_groups")
            out["fairness_to_overall"] = _scalars_from_data(yt, yp, sf, sw, "to_overall")
        else:
            scalars = _scalars_from_frame(mf, metrics, control, "between_groups")
            if scalars:
                out["fairness"] = scalars
                out["fairness_to_overall"] = _scalars_from_frame(mf, metrics, control, "to_overall")
        return out

    doc: Json = {"format": FORMAT, "format_version": FORMAT_VERSION}
    if model is not None:
        doc["model"] = str(model)
    if version is not None:
        doc["version"] = str(version)
    if run_id is not None:
        doc["run_id"] = str(run_id)
    doc["timestamp"] = _timestamp(timestamp)
    if dataset is not None:
        doc["dataset"] = str(dataset)
    if task is not None:
        doc["task"] = task
    doc["producer"] = {"name": "dte-trust-fairness", "version": __version__, "fairlearn_version": fairlearn_version}
    doc["sensitive_features"] = sf_names
    if cf_names:
        doc["control_features"] = cf_names
    doc["metrics"] = metrics

    if not cf_names:
        doc.update(stratum(None, frame, counts))
        ci = _ci_block(mf, frame, metrics, sf_names)
        if ci is not None:
            doc["confidence_intervals"] = ci
    else:
        strata = []
        levels: Any = list(range(len(cf_names)))
        for control, sub in frame.groupby(level=levels, sort=False):
            ctrl = _key(control)
            sub = sub.droplevel(levels)
            sub_counts = None
            if counts is not None:
                sub_counts = counts.xs(ctrl if len(ctrl) > 1 else ctrl[0], level=levels if len(levels) > 1 else 0)
            strata.append(stratum(ctrl, sub, sub_counts))
        doc["strata"] = strata
    if extra:
        doc["extra"] = dict(extra)
    return doc
