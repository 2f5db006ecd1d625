package trust

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/gtime"

	"github.com/dte-trust/dte-trust/pkg/jsonlimit"
)

// Query types. Dimension query types (accuracy, drift, quality, fairness) collect evidence from every
// source that serves the dimension; the others are served by one part of the plugin. Each has its
// handler in pkg/engine (query_<type>.go), registered in pkg/engine/routes.go.
const (
	QueryAccuracy   = "accuracy"
	QueryRuns       = "runs"
	QueryModels     = "models"
	QueryDrift      = "drift"
	QueryQuality    = "quality"
	QueryFairness   = "fairness"
	QueryCompliance = "compliance"
	QueryTrustScore = "trust_score"
	// QueryFreshness answers evidence freshness: per model version and evidence dimension the age
	// of the newest evidence and whether evidence younger than staleAfter is present.
	QueryFreshness = "freshness"
	// QueryExplainability serves SHAP summaries: mean |SHAP| per feature, ranks, top-feature changes.
	QueryExplainability = "explainability"
	// QueryVariable answers template-variable queries: a frame with text and value fields.
	QueryVariable = "variable"
	// QueryAnnotations answers annotation queries: a frame with time, timeEnd, title, text and tags.
	QueryAnnotations = "annotations"
)

// Format is the shape of the frames a query returns.
type Format string

// Formats, see DESIGN.md "Frames".
const (
	FormatTimeseries Format = "timeseries"
	FormatLatest     Format = "latest"
	FormatTable      Format = "table"
)

// Variable kinds answered by QueryVariable queries and by the GET /options/{kind} resource route.
const (
	VarExperiments       = "experiments"
	VarModels            = "models"
	VarVersions          = "versions"
	VarAliases           = "aliases"
	VarMetrics           = "metrics"
	VarProjects          = "projects"
	VarFeatures          = "features"
	VarSensitiveFeatures = "sensitive_features"
	VarGroups            = "groups"
	VarRules             = "rules"
)

// Annotation kinds answered by QueryAnnotations queries.
const (
	AnnotationModelVersions = "model_versions" // a model version was registered
	AnnotationStages        = "stages"         // a model version's stage or aliases last changed
	AnnotationDrift         = "drift_detected" // an Evidently report detected dataset drift
	AnnotationFairness      = "fairness_fail"  // a fairness evaluation breached its threshold
	AnnotationCompliance    = "compliance_fail"
	AnnotationFreshness     = "freshness" // evidence of a dimension appeared or went stale for a model version
)

// DefaultStaleAfter is how old the newest evidence of a dimension may be before a freshness query
// counts it stale (Query.StaleAfter).
const DefaultStaleAfter = 30 * 24 * time.Hour

// Query is the query model a panel, an alert rule or trustq sends. Common fields first, then the
// fields of individual query types; src/types.ts mirrors it field for field.
type Query struct {
	RefID     string `json:"refId,omitempty"`
	QueryType string `json:"queryType"`
	Format    Format `json:"format,omitempty"`

	Model       string   `json:"model,omitempty"`   // registered model name (or Evidently/Fairlearn model label)
	Version     string   `json:"version,omitempty"` // model version
	Alias       string   `json:"alias,omitempty"`   // model alias (MLflow) resolving to a version
	Metrics     []string `json:"metrics,omitempty"` // metric names to keep; empty keeps all
	Experiments []string `json:"experiments,omitempty"`
	Source      string   `json:"source,omitempty"` // narrow to one upstream: mlflow|evidently|fairlearn|great_expectations|policy

	// accuracy and runs
	RunFilter string   `json:"runFilter,omitempty"` // MLflow search filter, e.g. "params.model_type = 'xgb'"
	Limit     int      `json:"limit,omitempty"`     // max runs (accuracy: default 100; runs: 0 = all)
	History   *bool    `json:"history,omitempty"`   // accuracy: full metric history (default) or latest values only
	Params    []string `json:"params,omitempty"`    // runs: param columns
	Tags      []string `json:"tags,omitempty"`      // runs: tag columns
	OrderBy   []string `json:"orderBy,omitempty"`   // runs: MLflow order_by clauses

	// models
	Stage string `json:"stage,omitempty"` // registry stage (Production, Staging, ...), case-insensitive

	// drift and quality
	Project string `json:"project,omitempty"` // Evidently project name or id
	Feature string `json:"feature,omitempty"` // data column
	// drift: dataset drift when the measured drift_share reaches this (Evidently's drift_share
	// parameter); default: the threshold each report was computed with
	DriftShareThreshold *float64 `json:"driftShareThreshold,omitempty"`

	// fairness
	SensitiveFeature string   `json:"sensitiveFeature,omitempty"`
	Group            string   `json:"group,omitempty"`
	DifferenceMax    *float64 `json:"differenceMax,omitempty"` // default 0.1
	RatioMin         *float64 `json:"ratioMin,omitempty"`      // default 0.8 (four-fifths rule)

	// compliance and trust_score
	Rules []string `json:"rules,omitempty"` // rule ids to keep; empty keeps all
	// Packs names the shipped rule packs to evaluate (gdpr, eu-ai-act-high-risk, nist-ai-rmf)
	// instead of the data source's policyPacks; empty keeps the data source's.
	Packs []string `json:"packs,omitempty"`

	// freshness (and the freshness annotations)
	// StaleAfter is how old the newest evidence may be and still count as present: a Go or
	// Grafana duration (30d, 12h, 1w); default DefaultStaleAfter.
	StaleAfter string `json:"staleAfter,omitempty"`
	// Dimensions narrows to evidence dimensions (fairness, drift, accuracy, quality, explainability); empty keeps
	// every dimension a configured source serves.
	Dimensions []string `json:"dimensions,omitempty"`

	// variable and annotations
	Variable   string `json:"variable,omitempty"`
	Annotation string `json:"annotation,omitempty"`

	// Set by the host from the request, never from JSON.
	From time.Time       `json:"-"`
	To   time.Time       `json:"-"`
	Raw  json.RawMessage `json:"-"`
}

// ParseQuery decodes a query model and fills defaults. queryType may come from the request (Grafana
// puts it in DataQuery.QueryType) when the JSON lacks it.
func ParseQuery(raw []byte, queryType string) (Query, error) {
	var q Query
	if len(raw) > 0 {
		if err := jsonlimit.CheckDepth(raw); err != nil {
			return q, fmt.Errorf("malformed query JSON: %w", err)
		}
		if err := json.Unmarshal(raw, &q); err != nil {
			return q, fmt.Errorf("malformed query JSON: %w", err)
		}
	}
	if q.QueryType == "" {
		q.QueryType = queryType
	}
	if q.Format == "" {
		q.Format = FormatTimeseries
	}
	switch q.Format {
	case FormatTimeseries, FormatLatest, FormatTable:
	default:
		return q, fmt.Errorf("unknown format %q: use timeseries, latest or table", q.Format)
	}
	if t := q.DriftShareThreshold; t != nil && !(*t >= 0 && *t <= 1) {
		return q, fmt.Errorf("driftShareThreshold %v: use a share between 0 and 1", *t)
	}
	q.StaleAfter = strings.TrimSpace(q.StaleAfter)
	if _, err := q.StaleAfterDuration(); err != nil {
		return q, err
	}
	q.Raw = raw
	q.Model = strings.TrimSpace(q.Model)
	q.Version = strings.TrimSpace(q.Version)
	q.Alias = strings.TrimSpace(q.Alias)
	q.Stage = strings.TrimSpace(q.Stage)
	q.Metrics = cleanList(q.Metrics)
	q.Experiments = cleanList(q.Experiments)
	q.Params = cleanList(q.Params)
	q.Tags = cleanList(q.Tags)
	q.Rules = cleanList(q.Rules)
	q.Packs = cleanList(q.Packs)
	q.Dimensions = cleanList(q.Dimensions)
	return q, nil
}

// maxStaleAfter keeps StaleAfter well inside a duration's range.
const maxStaleAfter = 100 * 365 * 24 * time.Hour

// StaleAfterDuration reads StaleAfter (DefaultStaleAfter when empty); a text that is not a
// positive duration is an error naming the field.
func (q *Query) StaleAfterDuration() (time.Duration, error) {
	s := strings.TrimSpace(q.StaleAfter)
	if s == "" {
		return DefaultStaleAfter, nil
	}
	d, err := gtime.ParseDuration(s) // Grafana's own units: 90m, 12h, 30d, 2w, 1M, 1y
	if err != nil || d <= 0 || d > maxStaleAfter {
		return 0, fmt.Errorf("staleAfter %q: use a positive duration such as 30d, 12h or 1w", s)
	}
	return d, nil
}

// cleanList trims entries, drops empty ones and the values Grafana sends for an "All" variable.
func cleanList(in []string) []string {
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || s == "$__all" || s == "*" {
			continue
		}
		out = append(out, s)
	}
	return out
}

// WantsMetric reports whether the query keeps metric name m.
func (q *Query) WantsMetric(m string) bool {
	if len(q.Metrics) == 0 {
		return true
	}
	for _, x := range q.Metrics {
		if x == m {
			return true
		}
	}
	return false
}

// InRange reports whether t lies in the query's time range (an unset bound is open).
func (q *Query) InRange(t time.Time) bool {
	if !q.From.IsZero() && t.Before(q.From) {
		return false
	}
	if !q.To.IsZero() && t.After(q.To) {
		return false
	}
	return true
}

// WantsSource reports whether the query draws on source name (mlflow, evidently, fairlearn, policy).
func (q *Query) WantsSource(name string) bool {
	return q.Source == "" || strings.EqualFold(q.Source, name)
}

// WantsHistory reports whether an accuracy query asks for the full metric history.
func (q *Query) WantsHistory() bool { return q.History == nil || *q.History }
