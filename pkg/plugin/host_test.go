package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/engine"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// fakeSource is a unit-test stand-in for an upstream source.
type fakeSource struct {
	name    string
	dims    []trust.Dimension
	points  []trust.Point
	err     error
	block   bool // wait for the context to end, like a server slower than the timeout
	panics  bool
	options []trust.Option
	health  error
}

func (f *fakeSource) Name() string                  { return f.name }
func (f *fakeSource) Dimensions() []trust.Dimension { return f.dims }
func (f *fakeSource) Collect(ctx context.Context, dim trust.Dimension, q *trust.Query) (*trust.Evidence, error) {
	if f.panics {
		var m map[string]int
		m["boom"]++
	}
	if f.block {
		<-ctx.Done()
		return nil, trust.Upstream(ctx.Err())
	}
	if f.err != nil {
		return nil, f.err
	}
	ev := &trust.Evidence{}
	for _, p := range f.points {
		if p.Dimension == dim && q.WantsMetric(p.Metric) {
			ev.Add(p)
		}
	}
	return ev, nil
}
func (f *fakeSource) OptionKinds() []string { return []string{trust.VarModels} }
func (f *fakeSource) Options(context.Context, string, *trust.Query) ([]trust.Option, error) {
	return f.options, f.err
}
func (f *fakeSource) CheckHealth(context.Context) (string, error) {
	if f.health != nil {
		return "", f.health
	}
	return f.name + " ok", nil
}

var now = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

func accuracyPoint(model string, v float64) trust.Point {
	return trust.Point{Time: now, Dimension: trust.Accuracy, Metric: "accuracy", Value: v, Labels: trust.Labels{"model": model, "source": "mlflow"}}
}

func query(t *testing.T, ds *Datasource, raw string) backend.DataResponse {
	t.Helper()
	var head struct {
		QueryType string `json:"queryType"`
	}
	_ = json.Unmarshal([]byte(raw), &head)
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{
		RefID: "A", QueryType: head.QueryType, JSON: json.RawMessage(raw),
		TimeRange: backend.TimeRange{From: now.Add(-time.Hour), To: now.Add(time.Hour)},
	}}})
	if err != nil {
		t.Fatalf("QueryData returned an error instead of a per-query response: %v", err)
	}
	return resp.Responses["A"]
}

func TestQueryErrorsNameTheProblem(t *testing.T) {
	ds := NewFromEngine(engine.NewWith(time.Second, &fakeSource{name: "mlflow", dims: []trust.Dimension{trust.Accuracy}}))
	cases := []struct{ raw, want string }{
		{`{"queryType":"nonsense"}`, `unknown queryType "nonsense"`},
		{`{"queryType":"accuracy",`, "malformed query JSON"},
		{`{"queryType":"accuracy","format":"pie"}`, `unknown format "pie"`},
		{`{}`, "the query has no queryType"},
		{`{"queryType":"drift"}`, "no configured source serves drift queries: set evidentlyPaths"},
	}
	for _, c := range cases {
		res := query(t, ds, c.raw)
		if res.Error == nil || !strings.Contains(res.Error.Error(), c.want) {
			t.Errorf("%s: error = %v, want it to contain %q", c.raw, res.Error, c.want)
		}
		if res.ErrorSource != backend.ErrorSourceDownstream {
			t.Errorf("%s: error source = %q, want downstream", c.raw, res.ErrorSource)
		}
	}
}

func TestOneFailingSourceBecomesANotice(t *testing.T) {
	good := &fakeSource{name: "mlflow", dims: []trust.Dimension{trust.Accuracy}, points: []trust.Point{accuracyPoint("credit", 0.9)}}
	bad := &fakeSource{name: "evidently", dims: []trust.Dimension{trust.Accuracy}, err: trust.Upstreamf("evidently: /data/r.json: truncated JSON")}
	ds := NewFromEngine(engine.NewWith(time.Second, good, bad))
	res := query(t, ds, `{"queryType":"accuracy","format":"latest"}`)
	if res.Error != nil {
		t.Fatalf("error = %v", res.Error)
	}
	if len(res.Frames) != 1 || res.Frames[0].Rows() != 1 {
		t.Fatalf("want the good source's row, got %v", res.Frames)
	}
	notices := res.Frames[0].Meta.Notices
	if len(notices) != 1 || !strings.Contains(notices[0].Text, "truncated JSON") || notices[0].Severity != data.NoticeSeverityWarning {
		t.Fatalf("notices = %+v", notices)
	}
	// Narrowed to the failing source, the error is the query's error.
	res = query(t, ds, `{"queryType":"accuracy","source":"evidently"}`)
	if res.Error == nil || !strings.Contains(res.Error.Error(), "truncated JSON") {
		t.Fatalf("error = %v", res.Error)
	}
}

func TestSlowSourceFailsWithinTheTimeout(t *testing.T) {
	ds := NewFromEngine(engine.NewWith(200*time.Millisecond, &fakeSource{name: "mlflow", dims: []trust.Dimension{trust.Accuracy}, block: true}))
	start := time.Now()
	res := query(t, ds, `{"queryType":"accuracy"}`)
	elapsed := time.Since(start)
	if res.Error == nil || !strings.Contains(res.Error.Error(), "timed out after 200ms") {
		t.Fatalf("error = %v", res.Error)
	}
	if res.Status != backend.StatusTimeout {
		t.Fatalf("status = %v", res.Status)
	}
	if elapsed > 5*time.Second {
		t.Fatalf("query hung for %s", elapsed)
	}
}

func TestPanickingSourceDoesNotTakeThePluginDown(t *testing.T) {
	good := &fakeSource{name: "mlflow", dims: []trust.Dimension{trust.Accuracy}, points: []trust.Point{accuracyPoint("credit", 0.9)}}
	bad := &fakeSource{name: "evidently", dims: []trust.Dimension{trust.Accuracy}, panics: true}
	ds := NewFromEngine(engine.NewWith(time.Second, good, bad))
	res := query(t, ds, `{"queryType":"accuracy"}`)
	if res.Error != nil || len(res.Frames) != 1 {
		t.Fatalf("res = %+v", res)
	}
	if n := res.Frames[0].Meta.Notices; len(n) != 1 || !strings.Contains(n[0].Text, "internal error while collecting accuracy evidence") {
		t.Fatalf("notices = %+v", n)
	}
}

func TestVariableQueryAndResourceRouteShareOptions(t *testing.T) {
	src := &fakeSource{name: "mlflow", options: []trust.Option{{Text: "v10", Value: "v10"}, {Text: "v2", Value: "v2"}}}
	ds := NewFromEngine(engine.NewWith(time.Second, src))
	res := query(t, ds, `{"queryType":"variable","variable":"models"}`)
	if res.Error != nil || res.Frames[0].Fields[0].Name != "text" || res.Frames[0].Fields[1].At(0) != "v2" {
		t.Fatalf("variable frame = %+v, %v", res.Frames, res.Error)
	}
	var got []trust.Option
	status := callResource(t, ds, "options/models?model=x", &got)
	if status != http.StatusOK || len(got) != 2 || got[0].Value != "v2" || got[1].Value != "v10" {
		t.Fatalf("GET options/models = %d %+v", status, got)
	}
	var errBody map[string]string
	if status := callResource(t, ds, "options/features", &errBody); status != http.StatusBadRequest || !strings.Contains(errBody["error"], `no configured source offers "features"`) {
		t.Fatalf("GET options/features = %d %v", status, errBody)
	}
}

type captureSender struct{ resp *backend.CallResourceResponse }

func (c *captureSender) Send(r *backend.CallResourceResponse) error { c.resp = r; return nil }

func callResource(t *testing.T, ds *Datasource, path string, out any) int {
	t.Helper()
	u := "/" + path
	p, rawQuery, _ := strings.Cut(path, "?")
	var s captureSender
	err := ds.CallResource(context.Background(), &backend.CallResourceRequest{Method: "GET", Path: p, URL: u}, &s)
	if err != nil {
		t.Fatal(err)
	}
	_ = rawQuery
	if err := json.Unmarshal(s.resp.Body, out); err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("body %q: %v", s.resp.Body, err)
	}
	return s.resp.Status
}

func TestHealthReportsEverySource(t *testing.T) {
	ds := NewFromEngine(engine.NewWith(time.Second,
		&fakeSource{name: "mlflow"},
		&fakeSource{name: "evidently", health: errors.New("evidently: workspace /ws: no such directory")}))
	r, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != backend.HealthStatusError || !strings.Contains(r.Message, "mlflow ok") || !strings.Contains(r.Message, "workspace /ws: no such directory") {
		t.Fatalf("health = %v %q", r.Status, r.Message)
	}
	empty, _ := NewFromEngine(engine.NewWith(time.Second)).CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if empty.Status != backend.HealthStatusError || !strings.Contains(empty.Message, "Nothing is configured") {
		t.Fatalf("empty health = %v %q", empty.Status, empty.Message)
	}
}

func TestNewDatasourceRejectsBrokenJSONData(t *testing.T) {
	_, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{JSONData: []byte(`{"timeoutSeconds": "soon"`)})
	if err == nil || !strings.Contains(err.Error(), "jsonData") {
		t.Fatalf("err = %v", err)
	}
}

func postResource(t *testing.T, ds *Datasource, path, body string, out any) int {
	t.Helper()
	var s captureSender
	err := ds.CallResource(context.Background(), &backend.CallResourceRequest{Method: "POST", Path: path, URL: "/" + path, Body: []byte(body)}, &s)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(s.resp.Body, out); err != nil {
		t.Fatalf("body %q: %v", s.resp.Body, err)
	}
	return s.resp.Status
}

func TestValidateRouteChecksRunFiltersAndRules(t *testing.T) {
	// no source needs to be configured: the check is of the text alone
	ds := NewFromEngine(engine.NewWith(time.Second))
	type answer struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	for _, c := range []struct {
		path, body string
		ok         bool
		err        string
	}{
		{"validate/runFilter", `{"text":"metrics.accuracy > 0.8 and params.model_type = 'xgb'"}`, true, ""},
		{"validate/runFilter", `{"text":""}`, true, ""},
		{"validate/runFilter", `{"text":"metrics.accuracy > 0.8 or metrics.f1 > 0.5"}`, false, "OR is not supported"},
		{"validate/runFilter", `{"text":"accuracy > 0.8"}`, false, "entity.key"},
		{"validate/rules", `{"text":"- id: owner\n  expr: \"'owner' in model.tags\"\n"}`, true, ""},
		{"validate/rules", `{"text":"- id: bad\n  expr: \"1 +\"\n"}`, false, "rule bad:"},
		{"validate/rules", `{"text":"rules: ["}`, false, "not valid YAML"},
	} {
		var got answer
		status := postResource(t, ds, c.path, c.body, &got)
		if status != http.StatusOK || got.OK != c.ok || !strings.Contains(got.Error, c.err) || (c.ok && got.Error != "") {
			t.Errorf("POST %s %s = %d %+v, want ok=%v error containing %q", c.path, c.body, status, got, c.ok, c.err)
		}
	}
	var e map[string]string
	if status := postResource(t, ds, "validate/nothing", `{"text":"x"}`, &e); status != http.StatusNotFound || !strings.Contains(e["error"], "runFilter") {
		t.Errorf("unknown kind = %d %v", status, e)
	}
	if status := postResource(t, ds, "validate/rules", `{"txt":"x"}`, &e); status != http.StatusBadRequest {
		t.Errorf("body without text = %d %v", status, e)
	}
	if status := postResource(t, ds, "validate/rules", `not json`, &e); status != http.StatusBadRequest {
		t.Errorf("malformed body = %d %v", status, e)
	}
}
