package evidently

import (
	"strconv"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// newMetric is one metric of the new API (0.6.7+): its fingerprint, class, parameters and value in
// the simplified to_dict form (number, {count,share}, {mean,std}, {label:n}, {counts,shares}).
type newMetric struct {
	id     string
	typ    string // the full type string when the file gives one
	class  string
	params map[string]any
	value  any
}

// newTest is one new-API test result.
type newTest struct {
	id, name, status, metricID, feature string
}

// newAPI maps Snapshot.json()/dict()/save_json(): metric_id (0.6.7-0.7.15) or metric_name+config
// (0.7.16+) entries, and the test list (a dict keyed by fingerprint in 0.6.0-0.6.6).
func (m *mapper) newAPI(metrics []any, tests any) {
	var ms []newMetric
	for _, e := range metrics {
		em := obj(e)
		if em == nil {
			continue
		}
		nm := newMetric{id: strOf(em["id"]), value: em["value"]}
		if cfg := obj(em["config"]); cfg != nil {
			t := strOf(cfg["type"])
			if !isEvidentlyType(t) {
				m.unknown(t)
				continue
			}
			nm.class, nm.typ = shortType(t), t
			nm.params = cfg
		} else {
			name := strOf(em["metric_name"])
			if name == "" {
				name = strOf(em["metric_id"])
			}
			nm.class, nm.params = parseMetricName(name)
		}
		ms = append(ms, nm)
	}
	m.newMetrics(ms, parseNewTests(tests))
}

// parseNewTests reads the test list, or the fingerprint-keyed object of 0.6.0-0.6.6.
func parseNewTests(tests any) []newTest {
	var list []any
	switch t := tests.(type) {
	case []any:
		list = t
	case map[string]any:
		for _, k := range sortedKeys(t) {
			list = append(list, t[k])
		}
	}
	var out []newTest
	for _, e := range list {
		tm := obj(e)
		if tm == nil {
			continue
		}
		mc := obj(tm["metric_config"])
		params := obj(mc["params"])
		out = append(out, newTest{
			id: strOf(tm["id"]), name: strOf(tm["name"]), status: strings.ToUpper(strOf(tm["status"])),
			metricID: strOf(mc["metric_id"]), feature: strOf(params["column"]),
		})
	}
	return out
}

// parseMetricName splits "ValueDrift(column=age,method=K-S p_value,threshold=0.05)" into the class
// and its parameters. Values may hold commas and parentheses, so a piece that does not start with
// "name=" belongs to the previous value.
func parseMetricName(s string) (string, map[string]any) {
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return s, map[string]any{}
	}
	class := s[:open]
	inner := s[open+1 : len(s)-1]
	params := make(map[string]any, 2)
	last := ""
	for inner != "" {
		piece, rest, _ := strings.Cut(inner, ",")
		inner = rest
		if k, v, ok := strings.Cut(piece, "="); ok && isIdent(k) {
			last = k
			params[k] = v
			continue
		}
		if last != "" {
			params[last] = params[last].(string) + "," + piece
		}
	}
	return class, params
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}

// newMetrics maps new-API metrics through the tables of mapping.go: drift classes by their own
// functions, accuracy classes by newAccuracy, every other class to a quality metric of its
// snake_case name (or newQualityNames). Tests give drift_detected for ValueDrift (its bound drift
// test FAILs when drift is detected) and the test counts.
func (m *mapper) newMetrics(ms []newMetric, tests []newTest) {
	driftTest := map[string]string{}
	for _, t := range tests {
		if t.id == "drift" {
			driftTest[t.metricID] = t.status
		}
	}
	for _, nm := range ms {
		labels := paramLabels(nm.params)
		if fn, ok := newDriftMetrics[nm.class]; ok {
			fn(m, nm, driftTest)
			continue
		}
		if names, ok := newAccuracy[nm.class]; ok {
			m.valueShapes(trust.Accuracy, names[0], names[1], nm.value, labels)
			continue
		}
		name := newQualityNames[nm.class]
		if name == "" {
			name = snake(nm.class)
		}
		// a metric without a type (class) has no name to serve its value under
		if name == "" || !m.valueShapes(trust.Quality, name, "", nm.value, labels) {
			switch {
			case nm.typ != "":
				m.unknown(nm.typ)
			case nm.class != "":
				m.unknown(nm.class)
			default:
				m.unknown("(a metric without a type)")
			}
		}
	}
	var rs []testResult
	for _, t := range tests {
		rs = append(rs, testResult{name: t.name, status: t.status, feature: t.feature})
	}
	m.tests(rs)
}

// newDriftedColumns: DriftedColumnsCount, the measured share and count of drifted columns, and
// dataset_drift as Evidently's DatasetDriftMetric decides it (share >= drift_share).
func (m *mapper) newDriftedColumns(nm newMetric, _ map[string]string) {
	vm := obj(nm.value)
	share, okS := num(vm["share"])
	count, okC := num(vm["count"])
	if !okS {
		return
	}
	th := 0.5 // DriftedColumnsCount's default drift_share
	if f, ok := numOrString(nm.params["drift_share"]); ok {
		th = f
	}
	drifted := share >= th
	v := val(trust.Drift, "drift_share", share)
	v.Threshold, v.Status = ptr(th), boolStatus(drifted)
	m.add(v)
	if okC {
		m.add(val(trust.Drift, "drifted_columns", count))
	}
	d := val(trust.Drift, "dataset_drift", b2f(drifted))
	d.Threshold, d.Status = ptr(th), boolStatus(drifted)
	m.add(d)
}

// newValueDrift: ValueDrift, one column's drift score, and drift_detected from its bound test.
func (m *mapper) newValueDrift(nm newMetric, driftTest map[string]string) {
	score, ok := num(nm.value)
	if !ok {
		return
	}
	labels := paramLabels(nm.params)
	kv := []string{trust.LabelFeature, labels.column, LabelMethod, labels.method, LabelThreshold, labels.threshold}
	v := val(trust.Drift, "drift_score", score, kv...)
	th, hasTh := numOrString(nm.params["threshold"])
	if hasTh {
		v.Threshold = ptr(th)
	}
	status, hasTest := driftTest[nm.id]
	if hasTest {
		v.Status = boolStatus(status == "FAIL")
	}
	m.add(v)
	if hasTest && (status == "FAIL" || status == "SUCCESS") {
		d := val(trust.Drift, "drift_detected", b2f(status == "FAIL"), kv...)
		d.Status = v.Status
		d.Threshold = v.Threshold
		m.add(d)
	}
}

// metricLabels are the parameters of a new-API metric that become labels.
type metricLabels struct {
	column, method, threshold, quantile, columnType string
}

func paramLabels(p map[string]any) metricLabels {
	return metricLabels{
		column: strOf(p["column"]), method: strOf(p["method"]), threshold: strOf(p["threshold"]),
		quantile: strOf(p["quantile"]), columnType: strOf(p["column_type"]),
	}
}

// labels builds the value labels; extra is one more key, value pair (or none).
func (l metricLabels) labels(extra ...string) Labels {
	var out Labels
	add := func(k, v string) {
		if v != "" {
			if out == nil {
				out = make(Labels, 0, 4)
			}
			out = append(out, Label{k, v})
		}
	}
	add(trust.LabelFeature, l.column)
	add(LabelQuantile, l.quantile)
	add("column_type", l.columnType)
	if len(extra) == 2 {
		add(extra[0], extra[1])
	}
	return out
}

// lv is a value with ready labels.
func lv(dim trust.Dimension, metric string, v float64, l Labels) Value {
	return Value{Dim: dim, Metric: metric, Value: v, Labels: l}
}

// valueShapes maps a simplified value by its shape; it reports whether the shape was understood.
// A second name is used for the std part of a {mean,std} value (else name_std).
func (m *mapper) valueShapes(dim trust.Dimension, name, stdName string, v any, l metricLabels) bool {
	base := l.labels() // shared by the values of one metric: labels are never modified
	switch x := v.(type) {
	case float64, bool:
		f, _ := num(x)
		m.add(lv(dim, name, f, base))
		return true
	case map[string]any:
		if c, ok := num(x["count"]); ok {
			m.add(lv(dim, name, c, base))
			if s, ok := num(x["share"]); ok {
				m.add(lv(dim, name+"_share", s, base))
			}
			return true
		}
		if mean, ok := num(x["mean"]); ok {
			m.add(lv(dim, name, mean, base))
			if stdName == "" {
				stdName = name + "_std"
			}
			if s, ok := num(x["std"]); ok {
				m.add(lv(dim, stdName, s, base))
			}
			return true
		}
		if counts, shares := obj(x["counts"]), obj(x["shares"]); counts != nil || shares != nil {
			keys := sortedKeys(counts)
			for _, k := range sortedKeys(shares) {
				if _, ok := counts[k]; !ok {
					keys = append(keys, k)
				}
			}
			for _, k := range keys {
				if c, ok := num(counts[k]); ok {
					m.add(lv(dim, name, c, l.labels(LabelValue, k)))
				}
				if s, ok := num(shares[k]); ok {
					m.add(lv(dim, name+"_share", s, l.labels(LabelValue, k)))
				}
			}
			return true
		}
		// ByLabelValue: {label: number}
		keys := sortedKeys(x)
		if len(keys) == 0 {
			return true
		}
		found := false
		for _, k := range keys {
			if f, ok := num(x[k]); ok {
				m.add(lv(dim, name, f, l.labels(LabelClass, k)))
				found = true
			}
		}
		return found
	case nil:
		return true
	}
	return false
}

// numOrString reads a parameter that is a number in config and a string in a metric name.
func numOrString(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return f, true
		}
	}
	return 0, false
}

// snapshotModel maps a 0.7 workspace snapshot (SnapshotModel): metric_results keyed by metric
// fingerprint, each a typed result ("evidently:metric_result_v2:SingleValue", CountValue, ...)
// carrying its metric config in metric_value_location and its tests inline.
func (m *mapper) snapshotModel(d *document) {
	results := obj(d.MetricResults)
	var ids []string
	for _, id := range d.TopLevel {
		if s, ok := id.(string); ok {
			ids = append(ids, s)
		}
	}
	if len(ids) == 0 {
		ids = sortedKeys(results)
	}
	var ms []newMetric
	var tests []any
	for _, id := range ids {
		res := obj(results[id])
		if res == nil {
			continue
		}
		params := obj(obj(obj(res["metric_value_location"])["metric"])["params"])
		mt := strOf(params["type"])
		if !isEvidentlyType(mt) {
			m.unknown(mt)
			continue
		}
		tests = append(tests, listOf(res["tests"])...)
		rt := strOf(res["type"])
		value, ok := simpleValue(res)
		if !ok {
			m.unknown(rt)
			continue
		}
		if value == nil {
			continue // DataframeValue: a table, not a trust value
		}
		ms = append(ms, newMetric{id: id, typ: mt, class: shortType(mt), params: params, value: value})
	}
	m.newMetrics(ms, parseNewTests(tests))
}

// simpleValue converts a typed SnapshotModel result to the simplified to_dict value shape. It
// returns ok=false for result types it does not know.
func simpleValue(res map[string]any) (any, bool) {
	inner := func(k string) any { return obj(res[k])["value"] }
	labelled := func(o map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range o {
			out[k] = obj(v)["value"]
		}
		return out
	}
	switch shortType(strOf(res["type"])) {
	case "SingleValue":
		return res["value"], true
	case "CountValue":
		return map[string]any{"count": inner("count"), "share": inner("share")}, true
	case "MeanStdValue":
		return map[string]any{"mean": inner("mean"), "std": inner("std")}, true
	case "ByLabelValue":
		return labelled(obj(res["values"])), true
	case "ByLabelCountValue":
		return map[string]any{"counts": labelled(obj(res["counts"])), "shares": labelled(obj(res["shares"]))}, true
	case "DataframeValue":
		return nil, true
	}
	return nil, false
}
