package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/serve"
	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
)

// equalityQueries are answered both by `trustq query --output json` and by trustq serve; the
// evidence query types in every format, the others with their own columns.
var equalityQueries = []struct {
	model string
	tidy  bool
}{
	{`{"queryType":"drift","format":"latest"}`, true},
	{`{"queryType":"drift","format":"table"}`, true},
	{`{"queryType":"drift","metrics":["drift_share","drift_score"]}`, true},
	{`{"queryType":"fairness","model":"credit-risk-classifier","metrics":["demographic_parity_difference","selection_rate"]}`, true},
	{`{"queryType":"fairness","format":"table","sensitiveFeature":"sex"}`, true},
	{`{"queryType":"quality","format":"table"}`, true},
	{`{"queryType":"accuracy","model":"credit-risk","metrics":["accuracy","f1"]}`, true},
	{`{"queryType":"accuracy","model":"credit-risk","format":"latest"}`, true},
	{`{"queryType":"compliance","format":"table"}`, true},
	{`{"queryType":"trust_score","format":"latest"}`, true},
	{`{"queryType":"trust_score","model":"credit-risk"}`, true},
	{`{"queryType":"freshness","format":"table","staleAfter":"7d"}`, true},
	{`{"queryType":"freshness","model":"credit-risk"}`, true},
	{`{"queryType":"runs","experiments":["credit-risk"],"params":["model_type"],"tags":["team"]}`, false},
	{`{"queryType":"models"}`, false},
	{`{"queryType":"variable","variable":"versions","model":"credit-risk"}`, false},
	{`{"queryType":"annotations","annotation":"model_versions"}`, false},
}

// TestServeRowsEqualQueryFrames: for the same settings (the Evidently and Fairlearn fixtures and a
// fake MLflow), query and time range, the rows trustq serve answers hold exactly the values of the
// frames `trustq query --output json` prints, row for row.
func TestServeRowsEqualQueryFrames(t *testing.T) {
	noTokenEnv(t)
	mlflow := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{Version: "3.1.0"})
	settings := fixtureSettingsFile(t, map[string]any{"mlflowUrl": mlflow.URL, "mlflowUiUrl": "http://mlflow.example:5000"})
	h, dispose, err := newServeHandler(context.Background(), settings, serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dispose()
	ts := httptest.NewServer(h)
	defer ts.Close()
	// A range ending in the past: compliance and the trust score are evaluated at its end, so both
	// answers are evaluated at the same instant.
	from := "2024-12-01T00:00:00Z"
	to := time.Now().Add(-time.Hour).Truncate(time.Hour).UTC().Format(time.RFC3339)
	for _, q := range equalityQueries {
		t.Run(q.model, func(t *testing.T) {
			want := frameRows(queryFrames(t, settings, q.model, from, to), q.tidy)
			if len(want) == 0 {
				t.Fatalf("%s: no rows to compare", q.model)
			}
			body, _ := json.Marshal(map[string]any{"query": json.RawMessage(q.model), "from": from, "to": to})
			code, out := call(t, "POST", ts.URL+serve.RouteQuery, string(body), "")
			if code != 200 {
				t.Fatalf("%s: %d %s", q.model, code, out)
			}
			got := tableRows(t, out)
			if len(got) != len(want) {
				t.Fatalf("%s: %d rows, frames have %d", q.model, len(got), len(want))
			}
			for r := range want {
				if !reflect.DeepEqual(got[r], want[r]) {
					t.Errorf("%s row %d\nserve  %v\nframes %v", q.model, r, got[r], want[r])
				}
			}
		})
	}
}

// queryFrames runs `trustq query --output json` and returns the frames of its answer.
func queryFrames(t *testing.T, settings, model, from, to string) data.Frames {
	t.Helper()
	qf := filepath.Join(t.TempDir(), "query.json")
	if err := os.WriteFile(qf, []byte(model), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := runQuery([]string{"--settings", settings, "--query", qf, "--from", from, "--to", to, "--output", "json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("trustq query %s: exit %d\n%s", model, code, stderr.String())
	}
	var resp backend.QueryDataResponse
	if err := json.Unmarshal(stdout.Bytes(), &resp); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	return resp.Responses["A"].Frames
}

// fixedColumns are the tidy columns a label may not take (see serve.LabelColumn).
var fixedColumns = []string{"time", "value", "threshold", "status", "link"}

// frameRows reads frames row by row into column -> value, the plain way: every field under its
// name; in evidence answers a string threshold field is the threshold label, and a timeseries value
// field adds its labels and its threshold. Null, NaN and empty cells are left out.
func frameRows(frames data.Frames, tidy bool) []map[string]any {
	var out []map[string]any
	for _, f := range frames {
		n, _ := f.RowLen()
		for r := 0; r < n; r++ {
			m := map[string]any{}
			for _, fld := range f.Fields {
				name := fld.Name
				if tidy && name == "threshold" && fld.Type().NonNullableType() == data.FieldTypeString {
					name = "label_threshold"
				}
				if tidy && name == "value" {
					for k, l := range fld.Labels {
						if slices.Contains(fixedColumns, k) {
							k = "label_" + k
						}
						put(m, k, l)
					}
					if fld.Config != nil && fld.Config.Custom["threshold"] != nil {
						put(m, "threshold", fld.Config.Custom["threshold"])
					}
				}
				if v, ok := fld.ConcreteAt(r); ok {
					put(m, name, v)
				}
			}
			out = append(out, m)
		}
	}
	return out
}

func put(m map[string]any, k string, v any) {
	switch x := v.(type) {
	case time.Time:
		m[k] = x.UTC().Format(time.RFC3339Nano)
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			m[k] = x
		}
	case string:
		if x != "" {
			m[k] = x
		}
	default:
		m[k] = v
	}
}

// tableRows reads serve's answer into column -> value, leaving out nulls and empty strings, and
// checks each value against its column's type.
func tableRows(t *testing.T, body string) []map[string]any {
	t.Helper()
	var tb serve.Table
	if err := json.Unmarshal([]byte(body), &tb); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	out := make([]map[string]any, len(tb.Rows))
	for r, row := range tb.Rows {
		if len(row) != len(tb.Columns) {
			t.Fatalf("row %d has %d cells for %d columns", r, len(row), len(tb.Columns))
		}
		out[r] = map[string]any{}
		for c, v := range row {
			col := tb.Columns[c]
			switch x := v.(type) {
			case nil:
				continue
			case float64:
				if col.Type != serve.TypeNumber {
					t.Errorf("number %v in %s column %s", x, col.Type, col.Name)
				}
			case string:
				if _, err := time.Parse(time.RFC3339Nano, x); col.Type == serve.TypeTime && err != nil {
					t.Errorf("time column %s holds %q", col.Name, x)
				}
				if col.Type == serve.TypeNumber {
					t.Errorf("string %q in number column %s", x, col.Name)
				}
			}
			put(out[r], col.Name, v)
		}
	}
	return out
}
