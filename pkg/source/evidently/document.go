package evidently

import (
	"errors"
	"fmt"
)

// Format names one of the Evidently JSON families the parser recognises.
type Format string

// Recognised formats.
const (
	FormatLegacyReport    Format = "legacy-report"     // Report.json()/save_json()/as_dict(): {metrics:[{metric,result}]}
	FormatLegacyTestSuite Format = "legacy-test-suite" // TestSuite.json()/as_dict(): {tests:[{name,status,...}],summary}
	FormatLegacySnapshot  Format = "legacy-snapshot"   // Report.save()/workspace file 0.4-0.6: {id,suite:{...}}
	FormatMetricID        Format = "new-metric-id"     // new API 0.6.7-0.7.15: {metrics:[{id,metric_id,value}],tests}
	FormatMetricName      Format = "new-metric-name"   // new API 0.7.16+: {metrics:[{id,metric_name,config,value}],tests}
	FormatSnapshotModel   Format = "snapshot-model"    // 0.7 workspace file: {metric_results:{...},top_level_metrics}
	FormatProject         Format = "project-metadata"  // <workspace>/<project>/metadata.json
)

// errNotEvidently means the file is JSON but none of the Evidently shapes.
var errNotEvidently = errors.New("not an Evidently export: no metrics, tests, suite or metric_results")

// document is the top level of any Evidently file with heavy payloads already skipped.
type document struct {
	Version   string
	Timestamp string
	ID        string
	Name      string
	Metadata  map[string]any
	Tags      []any

	Metrics        []any // legacy {metric,result} or new {id,metric_id|metric_name,config,value}
	Tests          any   // list (legacy and new >= 0.6.7) or object keyed by fingerprint (0.6.0-0.6.6)
	Summary        map[string]any
	MetricResults  any // SnapshotModel: object keyed by metric id; TestSuite as_dict(include_metrics)
	TopLevel       []any
	Suite          *suite
	MetricsIDs     []int
	hasDashboard   bool
	hasProjectKeys int
}

// suite is the "suite" object of a legacy snapshot.
type suite struct {
	Metrics       []any
	MetricResults []any
	Tests         []any
	TestResults   []any
}

// decodeDocument scans a whole file. It returns a syntax error for truncated or malformed JSON.
func decodeDocument(b []byte) (*document, error) {
	s := &scanner{b: b}
	if s.peek() != '{' {
		if s.i >= len(b) {
			return nil, errors.New("empty file")
		}
		return nil, errNotEvidently
	}
	d := &document{}
	err := s.object(func(key []byte) error { return d.field(s, string(key)) })
	if err != nil {
		return nil, err
	}
	if err := s.end(); err != nil {
		return nil, err
	}
	return d, nil
}

// field decodes the value of one top-level key into the document; keys it does not use are
// skipped without building values.
func (d *document) field(s *scanner, key string) error {
	switch key {
	case "version":
		return s.optString(&d.Version)
	case "timestamp":
		return s.optString(&d.Timestamp)
	case "id":
		return s.optString(&d.ID)
	case "name":
		return s.optString(&d.Name)
	case "metadata":
		v, err := s.value()
		d.Metadata, _ = v.(map[string]any)
		return err
	case "tags":
		v, err := s.value()
		d.Tags, _ = v.([]any)
		return err
	case "metrics":
		v, err := s.value()
		d.Metrics, _ = v.([]any)
		return err
	case "tests":
		var err error
		d.Tests, err = decodeTests(s)
		return err
	case "summary":
		v, err := s.value()
		d.Summary, _ = v.(map[string]any)
		return err
	case "metric_results":
		var err error
		if s.peek() == '{' {
			d.MetricResults, err = decodeResults(s)
		} else {
			d.MetricResults, err = s.value()
		}
		return err
	case "top_level_metrics":
		v, err := s.value()
		d.TopLevel, _ = v.([]any)
		return err
	case "suite":
		var err error
		d.Suite, err = decodeSuite(s)
		return err
	case "metrics_ids":
		return s.array(func() error {
			f, err := s.number()
			d.MetricsIDs = append(d.MetricsIDs, int(f))
			return err
		})
	case "dashboard":
		d.hasDashboard = true
	case "team_id", "org_id", "date_from", "date_to", "created_at", "description":
		d.hasProjectKeys++
	}
	return s.skip()
}

// optString reads a string value into dst, and skips a value of any other type.
func (s *scanner) optString(dst *string) error {
	if s.peek() != '"' {
		return s.skip()
	}
	v, err := s.str()
	*dst = v
	return err
}

func decodeSuite(s *scanner) (*suite, error) {
	if s.peek() == 'n' {
		return nil, s.literal("null")
	}
	st := &suite{}
	err := s.object(func(key []byte) error {
		var dst *[]any
		decode := s.value
		switch string(key) {
		case "metrics":
			dst = &st.Metrics
		case "metric_results":
			dst = &st.MetricResults
		case "tests":
			dst, decode = &st.Tests, func() (any, error) { return decodeTests(s) }
		case "test_results":
			dst, decode = &st.TestResults, func() (any, error) { return decodeTests(s) }
		default:
			return s.skip()
		}
		v, err := decode()
		*dst, _ = v.([]any)
		return err
	})
	return st, err
}

// detect names the document's format.
func (d *document) detect() (Format, error) {
	switch {
	case d.Suite != nil:
		return FormatLegacySnapshot, nil
	case d.MetricResults != nil && (d.TopLevel != nil || isObject(d.MetricResults)):
		if _, ok := d.MetricResults.(map[string]any); ok {
			return FormatSnapshotModel, nil
		}
	}
	if len(d.Metrics) > 0 {
		first, _ := d.Metrics[0].(map[string]any)
		switch {
		case first == nil:
		case has(first, "metric") && has(first, "result"):
			return FormatLegacyReport, nil
		case has(first, "metric_name") || has(first, "config"):
			return FormatMetricName, nil
		case has(first, "metric_id"):
			return FormatMetricID, nil
		}
		return "", fmt.Errorf("unknown metrics entry shape (keys %s)", keyList(first))
	}
	if d.Summary != nil || isLegacyTestList(d.Tests) {
		return FormatLegacyTestSuite, nil
	}
	if d.Metrics != nil || d.Tests != nil {
		// a new-API report with no metrics (only tests, or empty)
		return FormatMetricName, nil
	}
	if d.hasDashboard || (d.ID != "" && d.Name != "" && d.hasProjectKeys > 0) {
		return FormatProject, nil
	}
	return "", errNotEvidently
}

func isObject(v any) bool { _, ok := v.(map[string]any); return ok }

func has(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func isLegacyTestList(v any) bool {
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return false
	}
	t, _ := l[0].(map[string]any)
	return t != nil && has(t, "group") && !has(t, "metric_config")
}

func keyList(m map[string]any) string {
	s := ""
	for k := range m {
		if s != "" {
			s += ","
		}
		s += k
	}
	return s
}

// docHeader is the identifying part of a file: what the index needs without the results.
type docHeader struct {
	timestamp string
	id        string
	metadata  map[string]any
	tags      []any
}

// bodyKeys start the heavy part of a document; snapshots write their header before them.
var bodyKeys = map[string]bool{
	"suite": true, "metric_results": true, "metrics": true, "tests": true, "summary": true,
	"top_level_metrics": true, "widgets": true, "tests_widgets": true,
}

// scanHeader reads the top-level timestamp, id, metadata and tags from the start of a file. It
// stops at the first body key once a timestamp was seen. ok is false when the prefix ended before
// that (the caller then parses the whole file); whole says the prefix is the whole file.
func scanHeader(b []byte, whole bool) (h docHeader, ok bool) {
	s := &scanner{b: b}
	if s.peek() != '{' {
		return h, false
	}
	errStop := errors.New("stop")
	err := s.object(func(key []byte) error {
		var err error
		k := string(key)
		switch k {
		case "timestamp":
			if s.peek() == '"' {
				h.timestamp, err = s.str()
			} else {
				err = s.skip()
			}
		case "id":
			if s.peek() == '"' {
				h.id, err = s.str()
			} else {
				err = s.skip()
			}
		case "metadata":
			var v any
			v, err = s.value()
			h.metadata, _ = v.(map[string]any)
		case "tags":
			var v any
			v, err = s.value()
			h.tags, _ = v.([]any)
		default:
			if bodyKeys[k] && h.timestamp != "" {
				return errStop
			}
			err = s.skip()
		}
		return err
	})
	if errors.Is(err, errStop) {
		return h, true
	}
	if err != nil {
		return h, false
	}
	return h, whole && h.timestamp != ""
}

// decodeResults reads a SnapshotModel's metric_results (metric id -> typed result) keeping only
// what the mapping reads: the result type, values, nested value results, and the top level's
// metric location and tests. Widgets, display names and the nested copies of the location and
// tests are skipped.
func decodeResults(s *scanner) (map[string]any, error) {
	out := map[string]any{}
	err := s.object(func(key []byte) error {
		id := string(key)
		r, err := decodeResult(s, true)
		out[id] = r
		return err
	})
	return out, err
}

func decodeResult(s *scanner, top bool) (any, error) {
	if s.peek() != '{' {
		return s.value()
	}
	m := make(map[string]any, 6)
	err := s.object(func(key []byte) error {
		var err error
		switch k := string(key); k {
		case "type":
			m[k], err = s.str()
		case "value":
			m[k], err = s.value()
		case "count", "share", "mean", "std":
			m[k], err = decodeResult(s, false)
		case "values", "counts", "shares":
			if s.peek() != '{' {
				m[k], err = s.value()
				return err
			}
			labels := map[string]any{}
			err = s.object(func(label []byte) error {
				v, err := decodeResult(s, false)
				labels[string(label)] = v
				return err
			})
			m[k] = labels
		case "metric_value_location":
			if !top {
				return s.skip()
			}
			m[k], err = s.value()
		case "tests":
			if !top {
				return s.skip()
			}
			m[k], err = decodeTests(s)
		default:
			err = s.skip()
		}
		return err
	})
	return m, err
}

// decodeTests reads a test list (or the fingerprint-keyed object of new-API 0.6.0-0.6.6) keeping
// per test only what the mapping reads: id, name, status, group, the metric it tests and the
// column (metric_config.params.column, parameters.column_name).
func decodeTests(s *scanner) (any, error) {
	switch s.peek() {
	case '[':
		list := []any{}
		err := s.array(func() error {
			t, err := decodeTest(s)
			list = append(list, t)
			return err
		})
		return list, err
	case '{':
		byID := map[string]any{}
		err := s.object(func(key []byte) error {
			t, err := decodeTest(s)
			byID[string(key)] = t
			return err
		})
		return byID, err
	}
	return s.value()
}

func decodeTest(s *scanner) (any, error) {
	if s.peek() != '{' {
		return s.value()
	}
	m := make(map[string]any, 6)
	// only fields: an object keeping the named keys of the object at the cursor
	only := func(keys ...string) (map[string]any, error) {
		if s.peek() != '{' {
			return nil, s.skip()
		}
		o := map[string]any{}
		err := s.object(func(key []byte) error {
			for _, k := range keys {
				if string(key) == k {
					v, err := s.value()
					o[k] = v
					return err
				}
			}
			return s.skip()
		})
		return o, err
	}
	err := s.object(func(key []byte) error {
		var err error
		switch k := string(key); k {
		case "id", "name", "status", "group":
			m[k], err = s.value()
		case "metric_config":
			if s.peek() != '{' {
				return s.skip()
			}
			mc := map[string]any{}
			err = s.object(func(key []byte) error {
				switch string(key) {
				case "metric_id":
					v, err := s.value()
					mc["metric_id"] = v
					return err
				case "params":
					v, err := only("column")
					mc["params"] = v
					return err
				}
				return s.skip()
			})
			m[k] = mc
		case "parameters":
			m[k], err = only("column_name")
		default:
			err = s.skip()
		}
		return err
	})
	return m, err
}
