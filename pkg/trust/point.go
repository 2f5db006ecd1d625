// Package trust holds the source-agnostic evidence model of DTE Trust: the TrustPoint record, its
// labels, the query model and the interfaces every upstream source implements.
package trust

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Dimension is one of the trust dimensions a point belongs to.
type Dimension string

// Dimensions. Quality holds Evidently data-quality and test results; Explainability holds SHAP
// feature attributions.
const (
	Fairness       Dimension = "fairness"
	Drift          Dimension = "drift"
	Accuracy       Dimension = "accuracy"
	Compliance     Dimension = "compliance"
	Quality        Dimension = "quality"
	Explainability Dimension = "explainability"
)

// Status is the outcome of comparing a point with its threshold.
type Status string

// Statuses.
const (
	StatusOK      Status = "ok"
	StatusWarn    Status = "warn"
	StatusFail    Status = "fail"
	StatusUnknown Status = "unknown"
)

// Label keys, spelled as DESIGN.md fixes them.
const (
	LabelModel            = "model"
	LabelVersion          = "version"
	LabelAlias            = "alias"
	LabelRunID            = "run_id"
	LabelExperiment       = "experiment"
	LabelSource           = "source"
	LabelDimension        = "dimension"
	LabelMetric           = "metric"
	LabelFeature          = "feature"
	LabelSensitiveFeature = "sensitive_feature"
	LabelGroup            = "group"
	LabelDataset          = "dataset"
	LabelProject          = "project"
	LabelRule             = "rule"
)

// Source names, used as the value of the source label.
const (
	SourceMLflow    = "mlflow"
	SourceEvidently = "evidently"
	SourceFairlearn = "fairlearn"
	SourcePolicy    = "policy"
	// SourceGreatExpectations is the Great Expectations source (validation results).
	SourceGreatExpectations = "great_expectations"
	SourceShap              = "shap"
)

// LabelOrder is the column order of label keys in latest and table frames. Keys not listed (for
// example a drift method) follow in alphabetical order.
var LabelOrder = []string{
	LabelModel, LabelVersion, LabelAlias, LabelExperiment, LabelRunID, LabelSource, LabelProject,
	LabelDataset, LabelFeature, LabelSensitiveFeature, LabelGroup, LabelRule,
}

// Labels identify the series a point belongs to. dimension and metric are not stored here: they are
// fields of the point and are added to frame labels by the frame builders.
type Labels map[string]string

// Point is one piece of trust evidence (DESIGN.md "TrustPoint").
type Point struct {
	Time      time.Time
	Dimension Dimension
	Metric    string
	Value     float64
	Labels    Labels
	Threshold *float64
	Status    Status
	Link      string
}

// SeriesKey is a canonical string identifying the point's series: dimension, metric and labels.
func (p *Point) SeriesKey() string {
	var b strings.Builder
	b.WriteString(string(p.Dimension))
	b.WriteByte('\x00')
	b.WriteString(p.Metric)
	for _, k := range SortedLabelKeys(p.Labels) {
		b.WriteByte('\x00')
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(p.Labels[k])
	}
	return b.String()
}

// SortedLabelKeys returns the keys of l that have a non-empty value, in LabelOrder then alphabetical order.
func SortedLabelKeys(l Labels) []string {
	keys := make([]string, 0, len(l))
	for k, v := range l {
		if v != "" {
			keys = append(keys, k)
		}
	}
	rank := func(k string) int {
		for i, o := range LabelOrder {
			if o == k {
				return i
			}
		}
		return len(LabelOrder)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := rank(keys[i]), rank(keys[j])
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	return keys
}

// WithStatus compares value with a threshold and sets Threshold and Status. higherIsBetter says
// whether values at or above the threshold pass (accuracy) or values at or below it pass (disparity).
// NaN values get StatusUnknown.
func (p *Point) WithStatus(threshold float64, higherIsBetter bool) {
	t := threshold
	p.Threshold = &t
	switch {
	case math.IsNaN(p.Value):
		p.Status = StatusUnknown
	case higherIsBetter && p.Value >= threshold, !higherIsBetter && p.Value <= threshold:
		p.Status = StatusOK
	default:
		p.Status = StatusFail
	}
}

// Notice tells the user about something that went wrong without failing the whole query: a bad file,
// an unreachable optional upstream, a file without a timestamp. It names the source and the file or
// URL concerned.
type Notice struct {
	Source   string // mlflow, evidently, fairlearn, policy
	Location string // file path, URL or rule id; may be empty
	Message  string
	Warning  bool // a warning (something was skipped) rather than information
}

// String renders the notice for a frame notice or a log line.
// Credentials in URLs (userinfo, token parameters) are redacted, whoever built the notice.
func (n Notice) String() string {
	if n.Location == "" {
		return RedactText(fmt.Sprintf("%s: %s", n.Source, n.Message))
	}
	return RedactText(fmt.Sprintf("%s: %s: %s", n.Source, n.Location, n.Message))
}

// Evidence is what a source returns for a query: points plus notices about what it had to skip.
type Evidence struct {
	Points []Point
	// Series hold long histories compactly (a metric history of thousands of values): a source may
	// put them here instead of one Point per value. Frames read them as they are; everything else
	// reads Points after Flatten.
	Series  []Series
	Notices []Notice
}

// Series is a run of values that share everything but their time and value.
type Series struct {
	// Point is the template of every value: dimension, metric, labels, link, threshold, status.
	// Its Time and Value are not used.
	Point Point
	// Millis are the values' times in milliseconds since the Unix epoch (UTC), 0 for an unknown
	// time: a third of the memory of time.Time, and the resolution MLflow records.
	Millis []int64
	Values []float64
}

// Time is the time of value i (the zero time when unknown).
func (s *Series) Time(i int) time.Time {
	if s.Millis[i] == 0 {
		return time.Time{}
	}
	return time.UnixMilli(s.Millis[i]).UTC()
}

// Len is the number of values in the evidence, points and series values together.
func (e *Evidence) Len() int {
	n := len(e.Points)
	for i := range e.Series {
		n += len(e.Series[i].Values)
	}
	return n
}

// Flatten turns the series into points appended to Points (in series order) and drops them, for
// readers that work point by point.
func (e *Evidence) Flatten() {
	if len(e.Series) == 0 {
		return
	}
	pts := make([]Point, 0, e.Len())
	pts = append(pts, e.Points...)
	for i := range e.Series {
		s := &e.Series[i]
		for j := range s.Values {
			p := s.Point
			p.Time, p.Value = s.Time(j), s.Values[j]
			pts = append(pts, p)
		}
	}
	e.Points, e.Series = pts, nil
}

// Add appends points.
func (e *Evidence) Add(p ...Point) { e.Points = append(e.Points, p...) }

// Warn appends a warning notice, credentials in URLs redacted.
func (e *Evidence) Warn(source, location, format string, args ...any) {
	e.Notices = append(e.Notices, Notice{Source: source, Location: RedactText(location), Message: RedactText(fmt.Sprintf(format, args...)), Warning: true})
}

// Info appends an informational notice, credentials in URLs redacted.
func (e *Evidence) Info(source, location, format string, args ...any) {
	e.Notices = append(e.Notices, Notice{Source: source, Location: RedactText(location), Message: RedactText(fmt.Sprintf(format, args...))})
}

// Merge appends the points and notices of o.
func (e *Evidence) Merge(o *Evidence) {
	if o == nil {
		return
	}
	e.Points = append(e.Points, o.Points...)
	e.Series = append(e.Series, o.Series...)
	e.Notices = append(e.Notices, o.Notices...)
}

// FormatValue renders a value for text output (trustq tables, annotation texts).
func FormatValue(v float64) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	return fmt.Sprintf("%.6g", v)
}
