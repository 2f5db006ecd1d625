package evidently

import (
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dte-trust/dte-trust/pkg/fsroot"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Report is what one Evidently file or snapshot holds, mapped to trust values but not yet to
// points: the provider adds time, project, model and link labels when it serves a query.
type Report struct {
	Format  Format
	Version string // Evidently version when the file says it
	ID      string // snapshot id when known
	Name    string
	// Time is the report or snapshot timestamp. Naive timestamps (Evidently writes them without a
	// zone) are read as UTC. When the file has none, Time is the file's mtime and TimeFromMtime is set.
	Time          time.Time
	TimeFromMtime bool
	Model         string
	ModelVersion  string
	Tags          []string
	Metadata      map[string]string
	Values        []Value
	// Unknown lists metric or result types the mapping does not know (a newer Evidently); they are
	// skipped and reported as a notice.
	Unknown []string
}

// Value is one mapped measurement of a report.
type Value struct {
	Dim       trust.Dimension
	Metric    string
	Value     float64
	Labels    Labels // feature, method, threshold, test, test_status, quantile, class ...
	Threshold *float64
	Status    trust.Status
}

// Labels are a value's own labels as key, value pairs: a report holds hundreds of values, and a
// short slice costs far less to build than a map. Points get maps (trust.Labels).
type Labels []Label

// Label is one label of a value.
type Label struct{ Key, Value string }

// Get returns the value of key k, or "".
func (l Labels) Get(k string) string {
	for _, x := range l {
		if x.Key == k {
			return x.Value
		}
	}
	return ""
}

// Map returns the labels as a map.
func (l Labels) Map() trust.Labels {
	m := make(trust.Labels, len(l))
	for _, x := range l {
		m[x.Key] = x.Value
	}
	return m
}

// Extra label keys this source adds beside the fixed keys of package trust.
const (
	LabelMethod     = "method"
	LabelThreshold  = "threshold"
	LabelTest       = "test"
	LabelTestStatus = "test_status" // not "status": the table frame has a status column already
	LabelQuantile   = "quantile"
	LabelClass      = "class"
	LabelValue      = "value_label"
)

// ParseFile reads an Evidently file of any supported format through the file-access layer (a
// regular file of at most maxBytes). Its mtime stands in for the time when the file has no
// timestamp.
func ParseFile(path string, maxBytes int64) (*Report, error) {
	r, err := fsroot.Open(path)
	if err != nil {
		return nil, err
	}
	b, info, err := r.ReadFile(context.Background(), "", maxBytes)
	if err != nil {
		return nil, fileError(err)
	}
	return Parse(b, info.ModTime())
}

// Parse maps the bytes of an Evidently export. fallback is the time used when the document has no
// timestamp (the file's mtime); the report says so with TimeFromMtime.
func Parse(b []byte, fallback time.Time) (*Report, error) {
	d, err := decodeDocument(b)
	if err != nil {
		return nil, err
	}
	f, err := d.detect()
	if err != nil {
		return nil, err
	}
	r := &Report{Format: f, Version: d.Version, ID: d.ID, Name: d.Name}
	r.Metadata = stringMap(d.Metadata)
	for _, t := range d.Tags {
		if s, ok := t.(string); ok {
			r.Tags = append(r.Tags, s)
		}
	}
	r.Model, r.ModelVersion = modelOf(r.Metadata, r.Tags)
	if d.Timestamp != "" {
		t, err := parseTimestamp(d.Timestamp)
		if err != nil {
			return nil, err
		}
		r.Time = t
	} else {
		r.Time = fallback.UTC()
		r.TimeFromMtime = true
	}
	m := &mapper{r: r}
	r.Values = make([]Value, 0, 2*len(d.Metrics)+8)
	switch f {
	case FormatLegacyReport:
		m.legacyReport(d.Metrics)
	case FormatLegacySnapshot:
		m.legacySnapshot(d)
	case FormatLegacyTestSuite:
		m.legacyTests(listOf(d.Tests))
		if l := listOf(d.MetricResults); l != nil {
			m.legacyReport(l)
		}
	case FormatMetricID, FormatMetricName:
		m.newAPI(d.Metrics, d.Tests)
	case FormatSnapshotModel:
		m.snapshotModel(d)
	case FormatProject:
	}
	m.finish()
	return r, nil
}

// parseTimestamp reads Evidently's timestamps: "2024-12-30 13:29:06.133188" (legacy json()),
// "2024-02-05T02:00:54.199165" (snapshots), with or without a zone. Naive times are UTC.
func parseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	layouts := []string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04:05.999999999Z0700",
		"2006-01-02",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read timestamp %q", s)
}

// modelOf finds the model name and version in snapshot metadata and tags (metadata.model,
// metadata.model_name; metadata.model_version, metadata.version next to a model; tags model=...,
// version=...).
func modelOf(meta map[string]string, tags []string) (model, version string) {
	for _, k := range []string{"model", "model_name", "model_id"} {
		if v := meta[k]; v != "" {
			model = v
			break
		}
	}
	if v := meta["model_version"]; v != "" {
		version = v
	} else if model != "" && meta["version"] != "" {
		// metadata.version alone is also Evidently's own format marker ("2" for backported new
		// reports); only read it as the model's version when the metadata names a model
		version = meta["version"]
	}
	for _, t := range tags {
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			k, v, ok = strings.Cut(t, ":")
		}
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "model", "model_name":
			if model == "" {
				model = v
			}
		case "version", "model_version":
			if version == "" {
				version = v
			}
		}
	}
	return model, version
}

// stringMap renders metadata values as strings (numbers in shortest form).
func stringMap(m map[string]any) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case string:
			out[k] = x
		case float64:
			out[k] = formatNum(x)
		case bool:
			out[k] = strconv.FormatBool(x)
		}
	}
	return out
}

func formatNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// mapper accumulates the values of one report.
type mapper struct {
	r    *Report
	seen map[uint64]struct{} // hashes of dimension, metric and labels already added
	h    maphash.Hash
}

// add appends a value unless the same metric and labels were already added (presets repeat the
// dataset-level drift numbers in DatasetDriftMetric and DataDriftTable).
func (m *mapper) add(v Value) {
	if m.seen == nil {
		m.seen = make(map[uint64]struct{}, 64)
		m.h.SetSeed(dedupeSeed)
	}
	h := &m.h
	h.Reset()
	h.WriteString(string(v.Dim))
	h.WriteByte(0)
	h.WriteString(v.Metric)
	// labels come from a small fixed set of keys, so a fixed order makes the hash canonical
	for _, k := range dedupeKeys {
		if lv := v.Labels.Get(k); lv != "" {
			h.WriteByte(0)
			h.WriteString(k)
			h.WriteByte('=')
			h.WriteString(lv)
		}
	}
	k := h.Sum64()
	if _, dup := m.seen[k]; dup {
		return
	}
	m.seen[k] = struct{}{}
	m.r.Values = append(m.r.Values, v)
}

var dedupeSeed = maphash.MakeSeed()

// dedupeKeys are every label key a mapped value can carry.
var dedupeKeys = []string{
	trust.LabelFeature, LabelMethod, LabelThreshold, LabelTest, LabelTestStatus, LabelQuantile, LabelClass, LabelValue, "column_type",
}

func (m *mapper) unknown(t string) {
	for _, u := range m.r.Unknown {
		if u == t {
			return
		}
	}
	m.r.Unknown = append(m.r.Unknown, t)
}

func (m *mapper) finish() {}

// val builds a value; labels are given as key, value pairs.
func val(dim trust.Dimension, metric string, v float64, kv ...string) Value {
	n := 0
	for i := 1; i < len(kv); i += 2 {
		if kv[i] != "" {
			n++
		}
	}
	var l Labels
	if n > 0 {
		l = make(Labels, 0, n)
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				l = append(l, Label{kv[i], kv[i+1]})
			}
		}
	}
	return Value{Dim: dim, Metric: metric, Value: v, Labels: l}
}

// num reads a number from a decoded value; booleans count as 0/1.
func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

func listOf(v any) []any { l, _ := v.([]any); return l }

func strOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return formatNum(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func boolStatus(failed bool) trust.Status {
	if failed {
		return trust.StatusFail
	}
	return trust.StatusOK
}

func ptr(f float64) *float64 { return &f }

// shortType reduces a polymorphic type string to its class name: the last part of a module path
// ("evidently.metrics.data_drift.dataset_drift_metric.DatasetDriftMetric") or of an alias
// ("evidently:metric:DatasetDriftMetric", "evidently:metric_v2:ValueDrift").
func shortType(t string) string {
	if i := strings.LastIndexAny(t, ".:"); i >= 0 {
		return t[i+1:]
	}
	return t
}

// isEvidentlyType reports whether a type string is one of Evidently's (module path or alias).
func isEvidentlyType(t string) bool {
	return strings.HasPrefix(t, "evidently.") || strings.HasPrefix(t, "evidently:")
}

// snake converts a class name to snake_case: DuplicatedRowCount -> duplicated_row_count,
// RocAuc -> roc_auc, MAE -> mae.
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		upper := r >= 'A' && r <= 'Z'
		if upper {
			prevLower := i > 0 && ((rs[i-1] >= 'a' && rs[i-1] <= 'z') || (rs[i-1] >= '0' && rs[i-1] <= '9'))
			nextLower := i > 0 && i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z' && rs[i-1] >= 'A' && rs[i-1] <= 'Z'
			if prevLower || nextLower {
				b.WriteByte('_')
			}
			b.WriteRune(r - 'A' + 'a')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// finite reports whether f is a real number (NaN from Evidently means "not computed").
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
