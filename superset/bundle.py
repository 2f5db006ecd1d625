"""Write the DTE Trust bundle for Apache Superset: datasets, charts and dashboards (overview, fairness,
drift, accuracy, compliance, data quality and explainability) in Superset's import format (version
1.0.0), under superset/bundle/.

The bundle tells the story of the Grafana dashboards in dashboards/*.json with Superset's own charts:
latest values per model as bars and big numbers, histories as lines, evidence and failing rules as
tables with links back to the evidence. Every dataset is a trust query of the "DTE Trust" database
(the dtetrust:// dialect of python/dte-trust-superset), named by its URI, e.g.
"dtetrust://fairness?format=latest".

    python superset/bundle.py           write superset/bundle/ (commit the result)
    python superset/bundle.py --check   exit 1 when superset/bundle/ differs from what this writes
    python superset/bundle.py --zip FILE [--uri dtetrust://HOST:PORT/] [--token]
                                        the importable ZIP of superset/bundle/, its database at
                                        the trustq serve address given; with --token, its URI
                                        says a token (Superset's password mask) to be given at
                                        import: passwords={"databases/DTE_Trust.yaml": TOKEN}

Identifiers are uuid5 of names, so the files are the same on every run and a re-import updates the
objects in place. Each chart carries a query_context, so /api/v1/chart/{id}/data and alert reports
answer without the chart being opened and saved in the browser first.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
OUT = HERE / "bundle"
NS = uuid.UUID("6f1c2b8e-3d0a-4f57-9a43-2b1d7e5c9a10")
DATABASE_NAME = "DTE Trust"
# Where `trustq serve` listens by default; superset/import_bundle.py puts the real address in.
DATABASE_URI = "dtetrust://127.0.0.1:8089/"
VERSION = "1.0.0"


def uid(kind: str, name: str) -> str:
    return str(uuid.uuid5(NS, f"{kind}:{name}"))


# --- datasets --------------------------------------------------------------------------------------
# The label columns of each evidence query type are those trustq serve always answers (StableLabels in
# pkg/serve/rows.go); the lead columns are the same for all.
LEAD = [("time", "DATETIME"), ("dimension", "TEXT"), ("metric", "TEXT"), ("value", "REAL"),
        ("threshold", "REAL"), ("status", "TEXT")]
LABELS = {
    "accuracy": ["model", "version", "experiment", "run_id", "source", "project"],
    "drift": ["model", "version", "source", "project", "feature", "method", "label_threshold"],
    "quality": ["model", "version", "source", "project", "feature", "test", "test_status", "dataset",
                "suite", "expectation", "column", "file"],
    "fairness": ["model", "version", "run_id", "source", "dataset", "sensitive_feature", "group",
                 "control_group", "file"],
    "compliance": ["model", "version", "source", "rule", "pack", "reason", "refs", "severity"],
    "trust_score": ["model", "version", "source"],
    "freshness": ["model", "version", "alias", "source"],
    "explainability": ["model", "version", "run_id", "source", "dataset", "feature",
                       "sensitive_feature", "group", "output", "file", "top_feature",
                       "previous_top_feature"],
}
MODELS_COLUMNS = [("model", "TEXT"), ("version", "TEXT"), ("stage", "TEXT"), ("aliases", "TEXT"),
                  ("status", "TEXT"), ("run_id", "TEXT"), ("created", "DATETIME"),
                  ("updated", "DATETIME"), ("description", "TEXT"), ("tags", "TEXT"),
                  ("link", "TEXT")]


@dataclass
class Dataset:
    key: str
    uri: str
    description: str
    columns: list[tuple[str, str]] = field(default_factory=list)

    @property
    def uuid(self) -> str:
        return uid("dataset", self.uri)

    @property
    def has_time(self) -> bool:
        return "format=latest" not in self.uri and any(t == "DATETIME" for _, t in self.columns[:1])


def evidence(key: str, query_type: str, params: str, description: str) -> Dataset:
    cols = LEAD + [(c, "TEXT") for c in LABELS[query_type]] + [("link", "TEXT")]
    return Dataset(key, f"dtetrust://{query_type}?{params}", description, cols)


DATASETS = {d.key: d for d in [
    evidence("trust_latest", "trust_score", "format=latest",
             "Trust score and its four dimensions, latest per model and version"),
    evidence("trust_history", "trust_score", "format=timeseries&metrics=trust_score",
             "Trust score over time per model and version"),
    evidence("fairness_latest", "fairness", "format=latest",
             "Fairlearn results, latest value per model, sensitive feature, group and metric"),
    evidence("fairness_history", "fairness", "format=table",
             "Fairlearn results over time with status against the thresholds and links to the files"),
    evidence("drift_latest", "drift", "format=latest",
             "Evidently drift, latest value per model, project and feature"),
    evidence("drift_history", "drift", "format=table",
             "Evidently drift over time with status and links to the reports"),
    evidence("quality_latest", "quality", "format=latest",
             "Evidently data quality tests and values, latest per model and test"),
    evidence("accuracy_latest", "accuracy", "format=latest&history=false",
             "Model quality metrics of the latest MLflow runs and Evidently reports"),
    evidence("accuracy_history", "accuracy", "format=table",
             "Model quality metrics over time (MLflow metric histories, Evidently reports)"),
    evidence("compliance_latest", "compliance", "format=table",
             "Compliance rules evaluated now per model and version, with reasons"),
    evidence("compliance_history", "compliance", "format=timeseries&metrics=compliance_score",
             "Compliance score over time per model and version"),
    evidence("gx_latest", "quality", "format=latest&source=great_expectations",
             "Great Expectations validations, latest per model, suite, data asset and expectation"),
    evidence("gx_history", "quality", "format=table&source=great_expectations",
             "Great Expectations validations over time with status and links to the results"),
    evidence("explainability_latest", "explainability", "format=latest",
             "SHAP summaries: mean |SHAP| and rank per feature, latest per model version"),
    evidence("explainability_history", "explainability", "format=table",
             "SHAP summaries over time, top-feature changes and links to the summaries"),
    evidence("freshness_latest", "freshness", "format=table&staleAfter=30d",
             "Evidence freshness now per model version and dimension: the newest evidence's age "
             "and whether it is at most 30 days old, with status and links"),
    Dataset("models", "dtetrust://models", "The MLflow model registry: versions, stages, aliases",
            MODELS_COLUMNS),
]}


def dataset_yaml(d: Dataset) -> dict[str, Any]:
    return {
        "table_name": d.uri,
        "main_dttm_col": "time" if d.has_time else None,
        "description": d.description,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "catalog": None,
        "schema": None,
        "sql": None,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": d.uuid,
        "metrics": [{
            "metric_name": "count", "verbose_name": "COUNT(*)", "metric_type": "count",
            "expression": "COUNT(*)", "description": None, "d3format": None, "currency": None,
            "extra": None, "warning_text": None,
        }],
        "columns": [{
            "column_name": name, "verbose_name": None, "is_dttm": typ == "DATETIME",
            "is_active": True, "type": typ, "advanced_data_type": None,
            "groupby": typ != "REAL", "filterable": True, "expression": None,
            "description": None, "python_date_format": None, "extra": None,
        } for name, typ in d.columns],
        "version": VERSION,
        "database_uuid": uid("database", DATABASE_NAME),
    }


# --- charts ----------------------------------------------------------------------------------------
def sql_metric(expr: str, label: str) -> dict[str, Any]:
    return {"expressionType": "SQL", "sqlExpression": expr, "label": label,
            "hasCustomLabel": True, "optionName": "metric_" + re.sub(r"\W+", "_", label).strip("_")}


def where(column: str, values: list[str] | str | float) -> dict[str, Any]:
    """An adhoc filter column == value (a text or a number), or column IN values."""
    if isinstance(values, (str, int, float)):
        return {"clause": "WHERE", "expressionType": "SIMPLE", "subject": column, "operator": "==",
                "comparator": values, "filterOptionName": f"filter_{column}_{values}"}
    return {"clause": "WHERE", "expressionType": "SIMPLE", "subject": column, "operator": "IN",
            "comparator": values, "filterOptionName": f"filter_{column}_in"}


def no_time_filter(d: Dataset) -> list[dict[str, Any]]:
    if not d.has_time:
        return []
    return [{"clause": "WHERE", "expressionType": "SIMPLE", "subject": "time",
             "operator": "TEMPORAL_RANGE", "comparator": "No filter",
             "filterOptionName": "filter_time_range"}]


def query_filters(filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The query-context form of adhoc filters (what the browser sends for the same chart)."""
    out = []
    for f in filters:
        op = {"==": "==", "IN": "IN", "TEMPORAL_RANGE": "TEMPORAL_RANGE"}[f["operator"]]
        out.append({"col": f["subject"], "op": op, "val": f["comparator"]})
    return out


@dataclass
class Chart:
    name: str
    dataset: Dataset
    viz_type: str
    params: dict[str, Any]
    query: dict[str, Any]
    description: str
    width: int = 4
    height: int = 50

    @property
    def uuid(self) -> str:
        return uid("chart", self.name)


def base_query(filters: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "filters": query_filters(filters), "extras": {"having": "", "where": ""},
        "applied_time_extras": {}, "annotation_layers": [], "url_params": {}, "custom_params": {},
        "custom_form_data": {}, "series_limit": 0, "order_desc": True, "row_limit": 10000,
    }


def big_number(name: str, ds: str, metric: str, agg: str, description: str,
               fmt: str = ".3~f") -> Chart:
    """One number: agg over the values of metric (agg is an SQL aggregate, or an SQL expression)."""
    d = DATASETS[ds]
    filters = no_time_filter(d) + [where("metric", metric)]
    expr = f"{agg}(value)" if agg.isalpha() else agg
    m = sql_metric(expr, f"{agg.lower()} {metric}" if agg.isalpha() else name.lower())
    params = {"viz_type": "big_number_total", "metric": m, "adhoc_filters": filters,
              "header_font_size": 0.4, "subheader_font_size": 0.15, "y_axis_format": fmt,
              "time_format": "smart_date", "subheader": description}
    q = base_query(filters) | {"columns": [], "metrics": [m], "orderby": []}
    return Chart(name, d, "big_number_total", params, q, description, width=3, height=40)


def bars(name: str, ds: str, metrics: list[str], x: str, description: str,
         groupby: list[str] | None = None, agg: str = "MAX") -> Chart:
    """Bars of agg(value) per x (a label column), one series per groupby column value."""
    d = DATASETS[ds]
    groupby = groupby or []
    filters = no_time_filter(d) + [where("metric", metrics if len(metrics) > 1 else metrics[0])]
    m = sql_metric(f"{agg}(value)", "value")
    params = {"viz_type": "echarts_timeseries_bar", "x_axis": x, "metrics": [m],
              "groupby": groupby, "adhoc_filters": filters, "row_limit": 1000,
              "orientation": "vertical", "show_legend": True, "legendType": "scroll",
              "legendOrientation": "top", "y_axis_format": ".3~f", "x_axis_sort_asc": True,
              "truncate_metric": True, "show_value": True, "rich_tooltip": True,
              "color_scheme": "supersetColors", "zoomable": False, "x_axis_title_margin": 15,
              "y_axis_title_margin": 15, "y_axis_title_position": "Left"}
    axis = {"columnType": "BASE_AXIS", "sqlExpression": x, "label": x, "expressionType": "SQL"}
    q = base_query(filters) | {"columns": [axis, *groupby], "series_columns": groupby,
                               "metrics": [m], "orderby": [[m, False]]}
    return Chart(name, d, "echarts_timeseries_bar", params, q, description)


def lines(name: str, ds: str, metrics: list[str], description: str,
          groupby: list[str] | None = None, grain: str = "P1D") -> Chart:
    """agg(value) over time (time grain grain), one line per groupby values."""
    d = DATASETS[ds]
    groupby = groupby if groupby is not None else ["model"]
    filters = no_time_filter(d) + [where("metric", metrics if len(metrics) > 1 else metrics[0])]
    m = sql_metric("MAX(value)", "value")
    params = {"viz_type": "echarts_timeseries_line", "x_axis": "time", "time_grain_sqla": grain,
              "metrics": [m], "groupby": groupby, "adhoc_filters": filters, "row_limit": 10000,
              "show_legend": True, "legendType": "scroll", "legendOrientation": "top",
              "y_axis_format": ".3~f", "x_axis_time_format": "smart_date", "rich_tooltip": True,
              "markerEnabled": True, "markerSize": 6, "connectNulls": True,
              "color_scheme": "supersetColors", "zoomable": True, "truncate_metric": True,
              "x_axis_title_margin": 15, "y_axis_title_margin": 15,
              "y_axis_title_position": "Left"}
    axis = {"columnType": "BASE_AXIS", "sqlExpression": "time", "label": "time",
            "expressionType": "SQL", "timeGrain": grain}
    q = base_query(filters) | {"columns": [axis, *groupby], "series_columns": groupby,
                               "metrics": [m], "orderby": [[m, False]], "time_offsets": []}
    return Chart(name, d, "echarts_timeseries_line", params, q, description, width=6)


def table(name: str, ds: str, columns: list[str], description: str,
          filters: list[dict[str, Any]] | None = None, width: int = 12) -> Chart:
    """The rows of a dataset, raw: these are the evidence, with its links."""
    d = DATASETS[ds]
    filters = no_time_filter(d) + (filters or [])
    params = {"viz_type": "table", "query_mode": "raw", "all_columns": columns,
              "adhoc_filters": filters, "row_limit": 1000, "order_by_cols": [],
              "server_pagination": False, "table_timestamp_format": "smart_date",
              "include_search": True, "show_cell_bars": False, "allow_render_html": True,
              "color_pn": False}
    q = base_query(filters) | {"columns": columns, "metrics": [], "orderby": []}
    return Chart(name, d, "table", params, q, description, width=width, height=60)


def chart_yaml(c: Chart) -> dict[str, Any]:
    params = dict(c.params, datasource="0__table")
    context = {"datasource": {"id": 0, "type": "table"}, "force": False,
               "queries": [c.query], "form_data": params, "result_format": "json",
               "result_type": "full"}
    return {
        "slice_name": c.name, "description": c.description, "certified_by": None,
        "certification_details": None, "viz_type": c.viz_type, "params": params,
        "query_context": json.dumps(context, sort_keys=True), "cache_timeout": None,
        "uuid": c.uuid, "version": VERSION, "dataset_uuid": c.dataset.uuid,
    }


# --- dashboards ------------------------------------------------------------------------------------
@dataclass
class Dashboard:
    title: str
    slug: str
    description: str
    rows: list[list[Chart]]

    @property
    def charts(self) -> list[Chart]:
        return [c for row in self.rows for c in row]


DASHBOARDS = [
    Dashboard("DTE Trust: overview", "dte-trust-overview",
              "Trust score and its four dimensions per model: fairness, drift, compliance, accuracy",
              [
                  [big_number("Lowest trust score", "trust_latest", "trust_score", "MIN",
                              "lowest of the selected models (0 to 100)"),
                   big_number("Worst demographic parity difference", "fairness_latest",
                              "demographic_parity_difference", "MAX", "above 0.1 fails"),
                   big_number("Worst drift share", "drift_latest", "drift_share", "MAX",
                              "share of drifted columns"),
                   big_number("Lowest compliance score", "compliance_latest", "compliance_score",
                              "MIN", "share of rules passed")],
                  [bars("Trust score per model", "trust_latest", ["trust_score"], "model",
                        "The trust score of each model version (lowest version shown)", agg="MIN"),
                   bars("Trust score by dimension", "trust_latest",
                        ["trust_fairness", "trust_drift", "trust_accuracy", "trust_compliance"],
                        "metric", "Each dimension's score per model", groupby=["model"], agg="MIN"),
                   bars("Fairness: demographic parity difference", "fairness_latest",
                        ["demographic_parity_difference"], "model",
                        "Largest demographic parity difference per model (threshold 0.1)")],
                  [bars("Drift: share of drifted columns", "drift_latest", ["drift_share"], "model",
                        "Latest share of drifted columns per model"),
                   bars("Compliance score per model", "compliance_latest", ["compliance_score"],
                        "model", "Share of compliance rules passed per model", agg="MIN"),
                   bars("Accuracy per model", "accuracy_latest", ["accuracy"], "model",
                        "Accuracy of the latest runs and reports per model")],
                  [lines("Trust score over time", "trust_history", ["trust_score"],
                         "Trust score per model over time"),
                   lines("Drift share over time", "drift_history", ["drift_share"],
                         "Share of drifted columns per model over time")],
                  [lines("Fairness over time", "fairness_history",
                         ["demographic_parity_difference"],
                         "Demographic parity difference per model over time"),
                   lines("Accuracy over time", "accuracy_history", ["accuracy"],
                         "Accuracy per model over time")],
                  [table("Compliance rules that fail", "compliance_latest",
                         ["model", "version", "rule", "pack", "refs", "severity", "reason", "link"],
                         "Rules failing now, with the article they evidence, the reason and a link "
                         "to the evidence",
                         [where("metric", "rule_passed"), where("status", "fail")])],
              ]),
    Dashboard("DTE Trust: fairness", "dte-trust-fairness",
              "Fairlearn results per model, sensitive feature and group, against the thresholds",
              [
                  [big_number("Demographic parity difference now", "fairness_latest",
                              "demographic_parity_difference", "MAX", "largest; above 0.1 fails"),
                   big_number("Demographic parity ratio now", "fairness_latest",
                              "demographic_parity_ratio", "MIN", "smallest; below 0.8 fails"),
                   big_number("Equalized odds difference now", "fairness_latest",
                              "equalized_odds_difference", "MAX", "largest; above 0.1 fails"),
                   big_number("Equal opportunity difference now", "fairness_latest",
                              "equal_opportunity_difference", "MAX", "largest; above 0.1 fails")],
                  [lines("Demographic parity difference per model", "fairness_history",
                         ["demographic_parity_difference"], "Over time, per model"),
                   lines("Disparity ratios (four-fifths rule)", "fairness_history",
                         ["demographic_parity_ratio", "equalized_odds_ratio",
                          "equal_opportunity_ratio"], "Ratios per metric over time",
                         groupby=["metric"])],
                  [bars("Selection rate by group", "fairness_latest", ["selection_rate"], "group",
                        "Latest selection rate per group and model", groupby=["model"]),
                   bars("Equalized odds and equal opportunity differences", "fairness_latest",
                        ["equalized_odds_difference", "equal_opportunity_difference"], "metric",
                        "Latest per model", groupby=["model"])],
                  [table("Metrics by group", "fairness_latest",
                         ["model", "version", "sensitive_feature", "group", "metric", "value"],
                         "Fairlearn's by-group metrics, latest evaluation",
                         [where("metric", ["count", "accuracy", "selection_rate",
                                           "true_positive_rate", "false_positive_rate"])])],
                  [table("Fairness evaluations: status and evidence", "fairness_history",
                         ["time", "model", "version", "sensitive_feature", "metric", "value",
                          "threshold", "status", "link"],
                         "Every evaluation against its threshold, with a link to the result file",
                         [where("metric", ["demographic_parity_difference",
                                           "demographic_parity_ratio",
                                           "equalized_odds_difference",
                                           "equal_opportunity_difference"])])],
              ]),
    Dashboard("DTE Trust: drift and data quality", "dte-trust-drift",
              "Evidently drift and data quality per model, project and feature",
              [
                  [big_number("Drift share now", "drift_latest", "drift_share", "MAX",
                              "largest share of drifted columns"),
                   big_number("Drifted columns now", "drift_latest", "drifted_columns", "MAX",
                              "most drifted columns in one model", fmt=",d"),
                   big_number("Failing tests now", "quality_latest", "tests_failed", "SUM",
                              "Evidently tests failing, all models", fmt=",d")],
                  [lines("Drift share over time per model", "drift_history", ["drift_share"],
                         "Share of drifted columns"),
                   lines("Drifted columns over time", "drift_history", ["drifted_columns"],
                         "Number of drifted columns")],
                  [bars("Drift score per feature", "drift_latest", ["drift_score"], "feature",
                        "Latest drift score per feature and model", groupby=["model"]),
                   lines("Dataset drift detected over time", "drift_history", ["dataset_drift"],
                         "Dataset drift detected (1) or not (0) per model")],
                  [table("Latest drift per feature", "drift_latest",
                         ["model", "project", "feature", "method", "metric", "value",
                          "label_threshold"],
                         "Drift score and detection per feature, with the method and threshold",
                         [where("metric", ["drift_score", "drift_detected"])])],
                  [table("Drift evidence", "drift_history",
                         ["time", "model", "project", "metric", "value", "status", "link"],
                         "Dataset drift per report, with a link to the Evidently report",
                         [where("metric", "drift_share")])],
              ]),
    Dashboard("DTE Trust: accuracy", "dte-trust-accuracy",
              "Model quality from MLflow runs and Evidently reports, and the model registry",
              [
                  [big_number("Best accuracy", "accuracy_latest", "accuracy", "MAX",
                              "latest runs"),
                   big_number("Best F1", "accuracy_latest", "f1", "MAX", "latest runs"),
                   big_number("Best ROC AUC", "accuracy_latest", "roc_auc", "MAX", "latest runs")],
                  [bars("Latest accuracy, F1 and ROC AUC", "accuracy_latest",
                        ["accuracy", "f1", "roc_auc"], "metric", "Per model",
                        groupby=["model"]),
                   lines("Accuracy per model over time", "accuracy_history", ["accuracy"],
                         "Accuracy per model (MLflow metric histories)")],
                  [lines("F1 over time", "accuracy_history", ["f1"], "F1 per model"),
                   lines("ROC AUC over time", "accuracy_history", ["roc_auc"],
                         "ROC AUC per model")],
                  [table("Model registry", "models",
                         ["model", "version", "stage", "aliases", "status", "run_id", "created",
                          "link"], "Registered model versions in MLflow")],
              ]),
    Dashboard("DTE Trust: compliance", "dte-trust-compliance",
              "Compliance rules over the evidence, and the trust score they feed",
              [
                  [big_number("Compliance score", "compliance_latest", "compliance_score", "MIN",
                              "lowest of the selected models"),
                   big_number("Trust score", "trust_latest", "trust_score", "MIN",
                              "lowest of the selected models"),
                   big_number("Rules failing now", "compliance_latest", "rule_passed",
                              "SUM(CASE WHEN status = 'fail' THEN 1 ELSE 0 END)",
                              "rules failing now, selected models", fmt=",d")],
                  [bars("Compliance score by model", "compliance_latest", ["compliance_score"],
                        "model", "Share of rules passed", agg="MIN"),
                   lines("Compliance score over time", "compliance_history", ["compliance_score"],
                         "Per model"),
                   ],
                  [table("Failing rules", "compliance_latest",
                         ["model", "version", "pack", "rule", "refs", "severity", "reason", "link"],
                         "Rules failing now, with the article or subcategory each evidences",
                         [where("metric", "rule_passed"), where("status", "fail")])],
                  [table("All rule results", "compliance_latest",
                         ["model", "version", "pack", "rule", "refs", "severity", "status", "value",
                          "reason"],
                         "Every rule per model version and pack", [where("metric", "rule_passed")])],
                  [table("Evidence freshness", "freshness_latest",
                         ["model", "version", "dimension", "metric", "value", "threshold",
                          "status", "link"],
                         "Per model version and dimension: evidence_present 1 when the newest "
                         "evidence is at most 30 days old (staleAfter), 0 when it is older or "
                         "missing; evidence_age_seconds its age (threshold 30 days in seconds)",
                         [where("metric", ["evidence_present", "evidence_age_seconds"])])],
              ]),
    Dashboard("DTE Trust: data quality and explainability", "dte-trust-quality",
              "Great Expectations validations and SHAP explanations per model version",
              [
                  [big_number("Lowest validation success", "gx_latest", "success_percent", "MIN",
                              "percent of expectations met, latest validations", fmt=".1f"),
                   big_number("Failed validations now", "gx_latest", "validation_success",
                              "SUM(CASE WHEN value = 0 THEN 1 ELSE 0 END)",
                              "latest validations that failed, selected models", fmt=",d"),
                   big_number("Top features changed", "explainability_latest",
                              "top_feature_changed", "SUM",
                              "versions whose top SHAP feature differs from the previous", fmt=",d")],
                  [bars("Validation success per data asset", "gx_latest", ["success_percent"],
                        "dataset", "Latest success percent per data asset and model",
                        groupby=["model"], agg="MIN"),
                   lines("Validation success over time", "gx_history", ["success_percent"],
                         "Success percent of each validation, per model and data asset",
                         groupby=["model", "dataset"])],
                  [table("Latest validations", "gx_latest",
                         ["model", "version", "suite", "dataset", "metric", "value"],
                         "The latest validation of each model version, suite and data asset: "
                         "success (1) or not (0) and the percent of expectations met",
                         [where("metric", ["validation_success", "success_percent"])], width=6),
                   table("Failing expectations", "gx_latest",
                         ["model", "version", "suite", "dataset", "expectation", "column", "value"],
                         "Expectations that failed (0) in the latest validation of each suite and "
                         "data asset", [where("metric", "expectation_success"),
                                        where("value", 0)], width=6)],
                  [bars("Mean |SHAP| per feature", "explainability_latest", ["mean_abs_shap"],
                        "feature", "Global mean absolute SHAP value per feature, latest "
                        "explanation of each model version", groupby=["model", "version"]),
                   table("Top feature changes", "explainability_history",
                         ["time", "model", "version", "previous_top_feature", "top_feature",
                          "value", "file", "link"],
                         "Whether each explanation's top feature differs from the model's "
                         "previous one (1: changed), with the summary's file or MLflow run",
                         [where("metric", "top_feature_changed")], width=6)],
              ]),
]


def position(d: Dashboard, ids: dict[str, int]) -> dict[str, Any]:
    pos: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": d.title}},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "parents": ["ROOT_ID"], "children": []},
    }
    for r, row in enumerate(d.rows):
        row_id = f"ROW-{r}"
        pos["GRID_ID"]["children"].append(row_id)
        pos[row_id] = {"type": "ROW", "id": row_id, "parents": ["ROOT_ID", "GRID_ID"],
                       "meta": {"background": "BACKGROUND_TRANSPARENT"}, "children": []}
        for c in row:
            chart_id = f"CHART-{ids[c.uuid]}"
            pos[row_id]["children"].append(chart_id)
            pos[chart_id] = {"type": "CHART", "id": chart_id, "children": [],
                             "parents": ["ROOT_ID", "GRID_ID", row_id],
                             "meta": {"chartId": ids[c.uuid], "uuid": c.uuid, "sliceName": c.name,
                                      "width": c.width, "height": c.height}}
    return pos


def model_filter(d: Dashboard, ids: dict[str, int]) -> dict[str, Any]:
    """The native filter Model, over every chart (all datasets have a model column)."""
    return {
        "id": "NATIVE_FILTER-model", "name": "Model", "type": "NATIVE_FILTER",
        "filterType": "filter_select", "description": "Narrow every chart to these models",
        "targets": [{"datasetUuid": DATASETS["trust_latest"].uuid, "column": {"name": "model"}}],
        "controlValues": {"multiSelect": True, "enableEmptyFilter": False,
                          "defaultToFirstItem": False, "inverseSelection": False,
                          "searchAllOptions": False},
        "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
        "cascadeParentIds": [], "scope": {"rootPath": ["ROOT_ID"], "excluded": []},
        "chartsInScope": sorted(ids[c.uuid] for c in d.charts), "tabsInScope": [],
    }


def dashboard_yaml(d: Dashboard, ids: dict[str, int]) -> dict[str, Any]:
    return {
        "dashboard_title": d.title, "description": d.description, "css": "", "slug": d.slug,
        "certified_by": None, "certification_details": None, "published": True,
        "uuid": uid("dashboard", d.slug), "version": VERSION,
        "position": position(d, ids),
        "metadata": {
            "color_scheme": "supersetColors", "refresh_frequency": 0, "expanded_slices": {},
            "label_colors": {}, "shared_label_colors": [], "timed_refresh_immune_slices": [],
            "cross_filters_enabled": False, "default_filters": "{}", "chart_configuration": {},
            "native_filter_configuration": [model_filter(d, ids)],
        },
    }


def file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")


def write(out: Path) -> None:
    def dump(rel: str, doc: dict[str, Any]) -> None:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# Written by superset/bundle.py: edit that, not this file.\n" +
                        yaml.safe_dump(doc, sort_keys=True, allow_unicode=True, width=100))

    dump("metadata.yaml", {"version": VERSION, "type": "Dashboard",
                           "timestamp": "2026-12-04T00:00:00+00:00"})
    dump(f"databases/{file_name(DATABASE_NAME)}.yaml", {
        "database_name": DATABASE_NAME, "sqlalchemy_uri": DATABASE_URI, "cache_timeout": None,
        "expose_in_sqllab": True, "allow_run_async": False, "allow_ctas": False,
        "allow_cvas": False, "allow_dml": False, "allow_file_upload": False,
        "extra": {"allows_virtual_table_explore": True},
        "uuid": uid("database", DATABASE_NAME), "version": VERSION,
    })
    used = {c.dataset.key for d in DASHBOARDS for c in d.charts}
    for key, ds in DATASETS.items():
        if key in used:
            dump(f"datasets/{file_name(DATABASE_NAME)}/{key}.yaml", dataset_yaml(ds))
    ids: dict[str, int] = {}
    for d in DASHBOARDS:
        for c in d.charts:
            if c.uuid in ids:
                raise SystemExit(f"bundle.py: two charts named {c.name!r}")
            ids[c.uuid] = len(ids) + 1
            dump(f"charts/{file_name(c.name)}_{ids[c.uuid]}.yaml", chart_yaml(c))
        dump(f"dashboards/{file_name(d.slug)}.yaml", dashboard_yaml(d, ids))


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.yaml"))}


# What Superset writes for a password in an exported URI; on import, the password given for the
# database's file takes its place (without the mask Superset keeps no password).
PASSWORD_MASK = "XXXXXXXXXX"


def make_zip(src: Path, dest: Path, uri: str, token: bool = False) -> int:
    """Zip src under one top folder (as Superset's export does), the database URI replaced by uri,
    with the password mask in it when the database needs a token."""
    if not re.fullmatch(r"dtetrust://[^/@:\s]+(:\d+)?/?(\?[^\s]*)?", uri):
        raise SystemExit(f"bundle.py: --uri {uri!r} is not dtetrust://HOST[:PORT]/ (give the token "
                         "at import, not in the URI)")
    files = tree(src)
    db = f"databases/{file_name(DATABASE_NAME)}.yaml"
    if db not in files:
        raise SystemExit(f"bundle.py: {src} has no {db}")
    if token:
        uri = uri.replace("dtetrust://", f"dtetrust://:{PASSWORD_MASK}@", 1)
    files[db] = files[db].replace(f"sqlalchemy_uri: {DATABASE_URI}", f"sqlalchemy_uri: {uri}")
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for rel, text in files.items():
            z.writestr(f"dte_trust_bundle/{rel}", text)
    return len(files)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with superset/bundle/, write nothing")
    ap.add_argument("--out", type=Path, default=OUT, help="where to write (default superset/bundle)")
    ap.add_argument("--zip", type=Path, help="write the importable ZIP of the bundle to this file")
    ap.add_argument("--uri", default=DATABASE_URI, help=f"with --zip: the database URI ({DATABASE_URI})")
    ap.add_argument("--token", action="store_true", help="with --zip: the database needs a token, "
                    "given at import")
    args = ap.parse_args()
    if args.zip:
        n = make_zip(args.out, args.zip, args.uri, args.token)
        print(f"bundle.py: wrote {args.zip} ({n} files, database {args.uri})")
        return 0
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            write(Path(tmp))
            want, have = tree(Path(tmp)), tree(args.out)
        if want != have:
            changed = sorted(k for k in want.keys() | have.keys() if want.get(k) != have.get(k))
            print(f"bundle.py: {args.out} is not what superset/bundle.py writes; run "
                  f"`python superset/bundle.py` and commit. Differs: {', '.join(changed)}",
                  file=sys.stderr)
            return 1
        print(f"bundle.py: {args.out} is up to date ({len(want)} files)")
        return 0
    if args.out.exists():
        shutil.rmtree(args.out)
    write(args.out)
    print(f"bundle.py: wrote {len(tree(args.out))} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
