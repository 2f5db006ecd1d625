package evidently

// Where each trust metric is read, per Evidently generation. This file is the one answer to "where
// does drift_share come from": the tables below drive the mapping code of legacy.go (legacy
// reports, test suites and snapshots: Evidently 0.3-0.6 and evidently.legacy) and newapi.go (the
// new API of 0.6.7+ and 0.7.x: Snapshot JSON with metric_id or metric_name+config, and 0.7
// workspace snapshots, whose typed results simpleValue turns into the same value shapes).
//
//	trust metric (dimension)          legacy: metric class -> result field          new API: metric class -> value
//	drift_share (drift)               DatasetDriftMetric, DataDriftTable            DriftedColumnsCount -> value.share
//	                                  -> share_of_drifted_columns (drift_share in
//	                                  the result is the threshold, not the share)
//	drifted_columns (drift)           ... -> number_of_drifted_columns              DriftedColumnsCount -> value.count
//	dataset_drift (drift)             ... -> dataset_drift                          share >= config drift_share (default 0.5)
//	drift_score, drift_detected       drift_by_columns.<col> / ColumnDriftMetric    ValueDrift -> value; drift_detected from
//	  (drift, per feature)            -> drift_score, drift_detected                its bound test (FAIL = drifted)
//	accuracy, f1, roc_auc, rmse ...   Classification/RegressionQualityMetric        newAccuracy classes (Accuracy, F1Score,
//	  (accuracy)                      -> current.<accuracyFields>; per class:       RMSE, MAE ...) -> value, {mean,std};
//	                                  ClassificationQualityByClass                  *ByLabel -> per class
//	missing_values[_share] (quality)  DatasetMissingValuesMetric, ColumnMissing-    MissingValueCount, DatasetMissingValue-
//	                                  ValuesMetric, ColumnSummaryMetric             Count -> {count, share}
//	row_count, column_count ...       DatasetSummaryMetric -> summaryFields         RowCount, ColumnCount ... -> value
//	  (quality)
//	tests_total, tests_passed,        TestSuite tests[] -> status                   tests[] (list, or keyed by fingerprint
//	tests_failed, test_failed                                                       in 0.6.0-0.6.6) -> status
//	  (quality)
//	any other metric (quality)        unknown class: notice                         snake_case of the class -> value shape

// legacyMetrics maps a legacy metric class to the function that reads its result (legacy.go).
var legacyMetrics = map[string]func(*mapper, map[string]any){
	"DatasetDriftMetric":           (*mapper).legacyDriftTable,
	"DataDriftTable":               (*mapper).legacyDriftTable,
	"ColumnDriftMetric":            (*mapper).legacyColumnDrift,
	"ClassificationQualityMetric":  (*mapper).legacyQuality,
	"RegressionQualityMetric":      (*mapper).legacyQuality,
	"ClassificationQualityByClass": (*mapper).legacyQualityByClass,
	"DatasetMissingValuesMetric":   (*mapper).legacyDatasetMissing,
	"ColumnMissingValuesMetric":    (*mapper).legacyColumnMissing,
	"DatasetSummaryMetric":         (*mapper).legacyDatasetSummary,
	"ColumnSummaryMetric":          (*mapper).legacyColumnSummary,
}

// legacyIgnored are legacy metric classes that carry no trust value (plots, tables of examples,
// configuration echoes). They are recognised, so they raise no "unknown type" notice.
var legacyIgnored = map[string]bool{
	"RegressionPredictedVsActualScatter": true, "RegressionPredictedVsActualPlot": true,
	"RegressionErrorPlot": true, "RegressionAbsPercentageErrorPlot": true, "RegressionErrorDistribution": true,
	"RegressionErrorNormality": true, "RegressionTopErrorMetric": true, "RegressionErrorBiasTable": true,
	"RegressionDummyMetric": true, "ClassificationDummyMetric": true, "ClassificationClassBalance": true,
	"ClassificationConfusionMatrix": true, "ClassificationClassSeparationPlot": true,
	"ClassificationProbDistribution": true, "ClassificationRocCurve": true, "ClassificationPRCurve": true,
	"ClassificationPRTable": true, "ClassificationQualityByFeatureTable": true, "ClassificationLiftCurve": true,
	"ClassificationLiftTable": true, "ColumnDistributionMetric": true, "ColumnValuePlot": true,
	"DatasetCorrelationsMetric": true, "ColumnCorrelationsMetric": true, "ColumnInteractionPlot": true,
	"TextDescriptorsDistribution": true, "TextDescriptorsCorrelationMetric": true, "ConflictTargetMetric": true,
	"ConflictPredictionMetric": true, "TargetByFeaturesTable": true,
	"EmbeddingsDriftMetric": true, "ColumnRegExpMetric": true, "ColumnCategoryMetric": true,
	"ColumnValueListMetric": true, "ColumnValueRangeMetric": true, "ColumnQuantileMetric": true,
	"CommentMetric": true, "TextEvals": true,
}

// accuracyFields maps legacy classification and regression quality fields to canonical names.
var accuracyFields = map[string]string{
	"accuracy": "accuracy", "precision": "precision", "recall": "recall", "f1": "f1", "roc_auc": "roc_auc",
	"log_loss": "log_loss", "tpr": "tpr", "tnr": "tnr", "fpr": "fpr", "fnr": "fnr",
	"r2_score": "r2_score", "rmse": "rmse", "mean_error": "mean_error", "mean_abs_error": "mean_abs_error",
	"mean_abs_perc_error": "mean_abs_perc_error", "abs_error_max": "abs_error_max", "error_std": "error_std",
	"abs_error_std": "abs_error_std", "abs_perc_error_std": "abs_perc_error_std",
}

// summaryFields maps DatasetSummaryMetric fields to the names the new API's metrics get.
var summaryFields = map[string]string{
	"number_of_rows": "row_count", "number_of_columns": "column_count", "number_of_missing_values": "missing_values",
	"number_of_constant_columns": "constant_columns_count", "number_of_almost_constant_columns": "almost_constant_columns_count",
	"number_of_duplicated_columns": "duplicated_columns_count", "number_of_almost_duplicated_columns": "almost_duplicated_columns_count",
	"number_of_empty_rows": "empty_rows_count", "number_of_empty_columns": "empty_columns_count",
	"number_of_duplicated_rows": "duplicated_row_count",
}

// datasetMissingFields maps DatasetMissingValuesMetric's current.<field> to quality metrics.
var datasetMissingFields = [][2]string{
	{"number_of_missing_values", "missing_values"},
	{"share_of_missing_values", "missing_values_share"},
	{"number_of_rows_with_missing_values", "rows_with_missing_values"},
	{"share_of_rows_with_missing_values", "rows_with_missing_values_share"},
	{"number_of_columns_with_missing_values", "columns_with_missing_values"},
	{"share_of_columns_with_missing_values", "columns_with_missing_values_share"},
}

// missingByColumnFields maps DatasetMissingValuesMetric's per-column objects to quality metrics
// with a feature label.
var missingByColumnFields = [][2]string{
	{"number_of_missing_values_by_column", "missing_values"},
	{"share_of_missing_values_by_column", "missing_values_share"},
}

// columnQuantiles are ColumnSummaryMetric's quantile fields and their quantile label.
var columnQuantiles = map[string]string{"p25": "0.25", "p50": "0.5", "p75": "0.75"}

// newDriftMetrics maps the new API's drift classes to the functions that read them (newapi.go).
var newDriftMetrics = map[string]func(*mapper, newMetric, map[string]string){
	"DriftedColumnsCount": (*mapper).newDriftedColumns,
	"ValueDrift":          (*mapper).newValueDrift,
}

// newAccuracy maps new-API classification and regression metrics to canonical accuracy names.
// MeanStdValue metrics name their mean and std parts.
var newAccuracy = map[string][2]string{
	"Accuracy": {"accuracy"}, "Precision": {"precision"}, "Recall": {"recall"}, "F1Score": {"f1"},
	"RocAuc": {"roc_auc"}, "LogLoss": {"log_loss"}, "TPR": {"tpr"}, "TNR": {"tnr"}, "FPR": {"fpr"}, "FNR": {"fnr"},
	"PrecisionByLabel": {"precision"}, "RecallByLabel": {"recall"}, "F1ByLabel": {"f1"}, "RocAucByLabel": {"roc_auc"},
	"RMSE": {"rmse"}, "R2Score": {"r2_score"}, "AbsMaxError": {"abs_error_max"},
	"MeanError": {"mean_error", "error_std"}, "MAE": {"mean_abs_error", "abs_error_std"},
	"MAPE": {"mean_abs_perc_error", "abs_perc_error_std"},
}

// newQualityNames renames new-API quality metrics whose generic snake_case name would differ from
// the legacy mapping.
var newQualityNames = map[string]string{
	"MissingValueCount": "missing_values", "DatasetMissingValueCount": "missing_values",
}
