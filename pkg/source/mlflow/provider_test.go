package mlflow

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

func collect(t *testing.T, p *Provider, js string) *trust.Evidence {
	t.Helper()
	ev, err := p.Collect(context.Background(), trust.Accuracy, query(t, "accuracy", js))
	if err != nil {
		t.Fatalf("Collect(%s): %v", js, err)
	}
	ev.Flatten() // time-series histories come as compact series
	return ev
}

// summary renders points as sorted "metric version run value" lines.
func summary(pts []trust.Point) []string {
	out := make([]string, len(pts))
	for i, p := range pts {
		v := p.Labels[trust.LabelVersion]
		if a := p.Labels[trust.LabelAlias]; a != "" {
			v += "@" + a
		}
		run := p.Labels[trust.LabelRunID]
		out[i] = strings.Join([]string{p.Metric, v, run[:min(4, len(run))], time.UnixMilli(p.Time.UnixMilli()).UTC().Format("01-02T15:04"), fmtVal(p.Value)}, " ")
	}
	sort.Strings(out)
	return out
}

func fmtVal(v float64) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	return fmt.Sprintf("%.4f", v)
}

func TestAccuracyByModel(t *testing.T) {
	p, _ := newProvider(t, mlflowtest.Demo(), mlflowtest.Options{})
	ev := collect(t, p, `{"model":"credit-risk"}`)
	if len(ev.Points) != 18 || len(ev.Notices) != 0 {
		t.Fatalf("%d points, notices %v", len(ev.Points), ev.Notices)
	}
	for _, pt := range ev.Points {
		l := pt.Labels
		if l["model"] != "credit-risk" || l["source"] != "mlflow" || l["experiment"] != "credit-risk" || l["run_id"] == "" || l["alias"] != "" {
			t.Fatalf("labels %v", l)
		}
		if pt.Dimension != trust.Accuracy || pt.Link != p.c.ModelVersionURL("credit-risk", l["version"]) {
			t.Fatalf("point %+v", pt)
		}
	}
	// NaN values are kept.
	nan := 0
	for _, pt := range ev.Points {
		if math.IsNaN(pt.Value) {
			nan++
			if pt.Metric != "f1" || pt.Labels["version"] != "2" {
				t.Errorf("NaN at %+v", pt)
			}
		}
	}
	if nan != 1 {
		t.Errorf("%d NaN points, want 1", nan)
	}
}

func TestAccuracySelections(t *testing.T) {
	p, _ := newProvider(t, mlflowtest.Demo(), mlflowtest.Options{})
	tests := []struct {
		name string
		js   string
		want []string
	}{
		{
			name: "alias, latest values",
			js:   `{"model":"credit-risk","alias":"champion","history":false}`,
			want: []string{"accuracy 3@champion c3d4 01-06T00:10 0.9200", "f1 3@champion c3d4 01-06T00:00 0.8400", "roc_auc 3@champion c3d4 01-06T00:10 0.9500"},
		},
		{
			name: "model All: every registered model's versions, not every experiment's runs",
			js:   `{"model":"$__all","version":"$__all","metrics":["roc_auc"],"history":false}`,
			want: []string{"roc_auc 1 a1b2 01-01T01:20 0.8800", "roc_auc 2 b2c3 01-03T00:20 0.9300", "roc_auc 3 c3d4 01-06T00:10 0.9500"},
		},
		{
			name: "alias without a model: every model that has it",
			js:   `{"alias":"champion","metrics":["accuracy"],"history":false}`,
			want: []string{"accuracy 3@champion c3d4 01-06T00:10 0.9200"},
		},
		{
			name: "version list and metrics",
			js:   `{"model":"credit-risk","version":"{1,3}","metrics":["roc_auc"]}`,
			want: []string{"roc_auc 1 a1b2 01-01T01:20 0.8800", "roc_auc 3 c3d4 01-06T00:10 0.9500"},
		},
		{
			name: "latest NaN is kept",
			js:   `{"model":"credit-risk","version":"2","metrics":["f1"],"history":false}`,
			want: []string{"f1 2 b2c3 01-03T00:20 NaN"},
		},
		{
			name: "experiments, runFilter, limit",
			js:   `{"experiments":["credit-risk"],"runFilter":"params.model_type = 'xgb'","limit":1,"metrics":["accuracy"]}`,
			want: []string{"accuracy  c3d4 01-06T00:00 0.9100", "accuracy  c3d4 01-06T00:10 0.9200"},
		},
		{
			name: "all experiments, most recent first, default limit",
			js:   `{"metrics":["rmse"]}`,
			want: []string{"rmse  d4e5 01-04T00:00 0.3100", "rmse  d4e5 01-04T00:10 0.2900"},
		},
		{
			name: "model narrowed to experiments",
			js:   `{"model":"credit-risk","experiments":["churn"]}`,
			want: []string{},
		},
		{
			name: "Grafana All values",
			js:   `{"model":"credit-risk","version":"$__all","alias":"$__all","metrics":["roc_auc"],"history":false}`,
			want: []string{"roc_auc 1 a1b2 01-01T01:20 0.8800", "roc_auc 2 b2c3 01-03T00:20 0.9300", "roc_auc 3 c3d4 01-06T00:10 0.9500"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summary(collect(t, p, tt.js).Points)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestAccuracyTimeRange(t *testing.T) {
	p, _ := newProvider(t, mlflowtest.Demo(), mlflowtest.Options{})
	q := query(t, "accuracy", `{"model":"credit-risk","metrics":["accuracy"]}`)
	q.From = time.UnixMilli(mlflowtest.Base + 2*24*3600*1000).UTC()
	q.To = time.UnixMilli(mlflowtest.Base + 2*24*3600*1000 + 15*60*1000).UTC()
	ev, err := p.Collect(context.Background(), trust.Accuracy, q)
	if err != nil {
		t.Fatal(err)
	}
	ev.Flatten()
	got := summary(ev.Points)
	want := []string{"accuracy 2 b2c3 01-03T00:00 0.8600", "accuracy 2 b2c3 01-03T00:10 0.8800"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %v", got)
	}
	// Nothing in range: an informational notice instead of a silently empty panel.
	q.From, q.To = time.Unix(0, 0), time.Unix(1, 0)
	ev, err = p.Collect(context.Background(), trust.Accuracy, q)
	if err != nil || ev.Len() != 0 || len(ev.Notices) != 1 || !strings.Contains(ev.Notices[0].Message, "no metric values") {
		t.Errorf("got %d values, notices %v, %v", ev.Len(), ev.Notices, err)
	}
}

func TestAccuracyErrorsNameTheirSubject(t *testing.T) {
	p, srv := newProvider(t, mlflowtest.Demo(), mlflowtest.Options{})
	tests := []struct{ js, want string }{
		{`{"experiments":["credit-risk","nope-exp"]}`, `experiment "nope-exp" not found at ` + srv.URL},
		{`{"model":"nope-model"}`, `registered model "nope-model" not found`},
		{`{"model":"credit-risk","alias":"nope-alias"}`, `alias "nope-alias" of registered model "credit-risk" not found`},
		{`{"alias":"nope-alias"}`, `mlflow at ` + srv.URL + `: no registered model has the alias "nope-alias"`},
		{`{"model":"credit-risk","version":"9"}`, `version "9" of registered model "credit-risk" not found`},
		{`{"experiments":["credit-risk"],"runFilter":"metrics.accuracy > 'x'"}`, `mlflow runs/search at ` + srv.URL + `: 400 INVALID_PARAMETER_VALUE: Expected numeric value type for metric`},
	}
	for _, tt := range tests {
		_, err := p.Collect(context.Background(), trust.Accuracy, query(t, "accuracy", tt.js))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !trust.IsUpstream(err) {
			t.Errorf("%s: got %v, want %q", tt.js, err, tt.want)
		}
	}
	ev := collect(t, p, `{"model":"credit-risk","metrics":["accuracy","nope_metric"],"history":false}`)
	if len(ev.Notices) != 1 || !strings.Contains(ev.Notices[0].Message, `has metric "nope_metric" (metrics found: accuracy, f1, roc_auc)`) {
		t.Errorf("notices %v", ev.Notices)
	}
}

func TestAccuracyMLflow3(t *testing.T) {
	store := mlflowtest.Demo()
	const run3 = "e5f60718293a4b5c6d7e8f90a1b2c3d4"
	store.Runs = append(store.Runs, &mlflowtest.Run{
		ID: run3, Name: "two-models", ExperimentID: "1", Start: mlflowtest.Base + 7*24*3600*1000,
		History: []mlflowtest.Metric{
			{Key: "accuracy", Value: 0.93, Timestamp: mlflowtest.Base + 7*24*3600*1000, ModelID: "m-a", Dataset: "test"},
			{Key: "accuracy", Value: 0.97, Timestamp: mlflowtest.Base + 7*24*3600*1000, Step: 1, ModelID: "m-b", Dataset: "test"},
		},
	})
	store.LoggedModels = []*mlflowtest.LoggedModel{{
		ID: "m-c", ExperimentID: "2", Name: "no-run", Created: mlflowtest.Base,
		Metrics: []mlflowtest.Metric{{Key: "accuracy", Value: 0.66, Timestamp: mlflowtest.Base + 3600_000}},
	}}
	store.Models = append(store.Models, &mlflowtest.Model{Name: "m3"})
	store.Versions = append(store.Versions,
		&mlflowtest.Version{Model: "m3", Version: "1", RunID: run3, ModelID: "m-a"},
		&mlflowtest.Version{Model: "m3", Version: "2", ModelID: "m-c"},
	)
	for _, noBulk := range []bool{false, true} {
		p, _ := newProvider(t, store, mlflowtest.Options{NoBulk: noBulk})
		ev := collect(t, p, `{"model":"m3"}`)
		var got []string
		for _, pt := range ev.Points {
			got = append(got, pt.Labels["version"]+" "+pt.Labels["dataset"]+" "+pt.Labels["experiment"]+" "+fmtVal(pt.Value))
		}
		sort.Strings(got)
		// Bulk answers carry no model_id nor dataset, so such runs are read per run: m-b's value
		// logged in the same run is left out, and the dataset is a label.
		want := "1 test credit-risk 0.9300|2  churn 0.6600"
		if strings.Join(got, "|") != want {
			t.Errorf("noBulk=%v: got %v, want %s", noBulk, got, want)
		}
		ev = collect(t, p, `{"model":"m3","history":false}`)
		if s := summary(ev.Points); len(s) != 1 || !strings.HasPrefix(s[0], "accuracy 2 ") {
			// run3's latest accuracy belongs to m-b and is dropped for version 1.
			t.Errorf("latest: %v", s)
		}
	}
}

func TestRunsFrame(t *testing.T) {
	p, _ := newProvider(t, mlflowtest.Many(2500, 2, 1), mlflowtest.Options{})
	frames, err := tableFrames(p, query(t, "runs", `{"experiments":["bench"],"params":["i"],"tags":["missing"]}`))
	if err != nil {
		t.Fatal(err)
	}
	f := frames[0]
	if n, _ := f.RowLen(); n != 2500 {
		t.Fatalf("%d rows, want all 2500", n)
	}
	var names []string
	for _, fld := range f.Fields {
		names = append(names, fld.Name)
	}
	want := "run_id,run_name,experiment,status,start_time,end_time,user,metrics.metric_0,metrics.metric_1,params.i,tags.missing,link"
	if strings.Join(names, ",") != want {
		t.Errorf("columns %s", strings.Join(names, ","))
	}
	if f.Meta.Type != data.FrameTypeTable || f.Fields[len(f.Fields)-1].Config.Links[0].URL != "${__value.raw}" {
		t.Errorf("meta/link config: %+v", f.Meta)
	}
	frames, err = tableFrames(p, query(t, "runs", `{"experiments":["bench"],"limit":10,"metrics":["metric_1"],"orderBy":["attributes.start_time ASC"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := frames[0].RowLen(); n != 10 || frames[0].Fields[0].At(0) != "run0000000000000000000000000000" {
		t.Errorf("limit/order: %d rows, first %v", n, frames[0].Fields[0].At(0))
	}
}

func TestModelsFrameAndCatalog(t *testing.T) {
	p, _ := newProvider(t, mlflowtest.Demo(), mlflowtest.Options{})
	frames, err := tableFrames(p, query(t, "models", `{"model":"credit-risk","alias":"champion"}`))
	if err != nil {
		t.Fatal(err)
	}
	f := frames[0]
	if n, _ := f.RowLen(); n != 1 {
		t.Fatalf("%d rows", n)
	}
	row := map[string]any{}
	for _, fld := range f.Fields {
		row[fld.Name] = fld.At(0)
	}
	if row["version"] != "3" || row["aliases"] != "champion" || row["stage"] != "Staging" ||
		row["tags"] != "gdpr.lawful_basis=contract, gdpr.personal_data=income,age, owner=ml-platform" {
		t.Errorf("row %v", row)
	}
	// stage narrows the versions (case-insensitively), with or without an alias
	for js, want := range map[string][]any{
		`{"model":"credit-risk","stage":"production"}`:                    {"2"},
		`{"model":"credit-risk","stage":"Staging","alias":"champion"}`:    {"3"},
		`{"model":"credit-risk","stage":"Production","alias":"champion"}`: nil,
		`{"model":"credit-risk","stage":"$__all"}`:                        {"3", "2", "1"},
	} {
		fs, err := tableFrames(p, query(t, "models", js))
		if err != nil {
			t.Fatal(err)
		}
		var got []any
		for i := 0; i < fs[0].Fields[0].Len(); i++ {
			got = append(got, fs[0].Fields[1].At(i))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: versions %v, want %v (fields %s, %s)", js, got, want, fs[0].Fields[0].Name, fs[0].Fields[1].Name)
		}
	}
	if _, err := tableFrames(p, query(t, "models", `{"model":"nope-model"}`)); err == nil || !strings.Contains(err.Error(), `registered model "nope-model" not found`) {
		t.Errorf("unknown model: %v", err)
	}

	mvs, err := p.ModelVersions(context.Background(), query(t, "compliance", `{"model":"credit-risk"}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(mvs) != 3 {
		t.Fatalf("%d versions", len(mvs))
	}
	v3 := mvs[2]
	if v3.Version != "3" || v3.Tags["owner"] != "ml-platform" || v3.Tags["gdpr.personal_data"] != "income,age" ||
		strings.Join(v3.Aliases, ",") != "champion" || v3.RunParams["max_depth"] != "6" || v3.RunTags["mlflow.user"] != "bob" ||
		v3.Created.IsZero() || !strings.HasSuffix(v3.Link, "/#/models/credit-risk/versions/3") ||
		v3.RunUser != "bob" || v3.RunStatus != "RUNNING" || v3.RunStart.IsZero() || v3.RunInputs == nil || len(v3.RunInputs) != 0 {
		t.Errorf("v3 %+v", v3)
	}
	if mvs[1].Tags["owner"] != "risk-team" || mvs[1].Stage != "Production" {
		t.Errorf("v2 %+v", mvs[1])
	}
	all, err := p.ModelVersions(context.Background(), query(t, "compliance", `{}`))
	if err != nil || len(all) != 4 {
		t.Errorf("all: %d, %v", len(all), err)
	}
}

func TestOptions(t *testing.T) {
	p, _ := newProvider(t, mlflowtest.Demo(), mlflowtest.Options{})
	tests := []struct {
		kind, js, want string
	}{
		{trust.VarExperiments, `{}`, "credit-risk,churn"},
		{trust.VarModels, `{}`, "credit-risk,churn"},
		{trust.VarVersions, `{"model":"credit-risk"}`, "1,2,3"},
		{trust.VarAliases, `{"model":"credit-risk"}`, "challenger,champion"},
		{trust.VarMetrics, `{"experiments":["churn"]}`, "accuracy,rmse"},
		{trust.VarMetrics, `{"model":"credit-risk"}`, "accuracy,f1,roc_auc"},
	}
	for _, tt := range tests {
		opts, err := p.Options(context.Background(), tt.kind, query(t, "variable", tt.js))
		if err != nil {
			t.Errorf("%s %s: %v", tt.kind, tt.js, err)
			continue
		}
		var vals []string
		for _, o := range opts {
			vals = append(vals, o.Value)
		}
		if strings.Join(vals, ",") != tt.want {
			t.Errorf("%s %s: got %v, want %s", tt.kind, tt.js, vals, tt.want)
		}
	}
	if _, err := p.Options(context.Background(), trust.VarVersions, query(t, "variable", `{}`)); err == nil || !strings.Contains(err.Error(), "needs a model") {
		t.Errorf("versions without model: %v", err)
	}
	if _, err := p.Options(context.Background(), trust.VarVersions, query(t, "variable", `{"model":"nope"}`)); err == nil || !strings.Contains(err.Error(), `"nope" not found`) {
		t.Errorf("versions of unknown model: %v", err)
	}
}

func TestAnnotations(t *testing.T) {
	p, _ := newProvider(t, mlflowtest.Demo(), mlflowtest.Options{})
	anns, err := p.Annotations(context.Background(), trust.AnnotationModelVersions, query(t, "annotations", `{"model":"credit-risk"}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(anns) != 3 || anns[2].Title != "credit-risk v3 registered" || !strings.Contains(anns[2].Text, "stage: Staging; aliases: champion; run: "+mlflowtest.RunXGB2) {
		t.Fatalf("%+v", anns)
	}
	q := query(t, "annotations", `{}`)
	q.From = time.UnixMilli(mlflowtest.Base + 4*24*3600*1000)
	q.To = time.UnixMilli(mlflowtest.Base + 7*24*3600*1000)
	anns, err = p.Annotations(context.Background(), trust.AnnotationStages, q)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, a := range anns {
		titles = append(titles, a.Title)
		if !strings.Contains(a.Text, "MLflow keeps no history") {
			t.Errorf("text %q", a.Text)
		}
	}
	if strings.Join(titles, "|") != "credit-risk v1: Archived|credit-risk v2: Production @challenger|credit-risk v3: Staging @champion" {
		t.Errorf("titles %v", titles)
	}
}

func TestCheckHealth(t *testing.T) {
	p, srv := newProvider(t, mlflowtest.Demo(), mlflowtest.Options{Version: "2.19.0"})
	msg, err := p.CheckHealth(context.Background())
	if err != nil || msg != "MLflow 2.19.0 at "+srv.URL+": connected, experiments readable" {
		t.Fatalf("got %q, %v", msg, err)
	}
	empty, srv2 := newProvider(t, nil, mlflowtest.Options{})
	msg, err = empty.CheckHealth(context.Background())
	if err != nil || msg != "MLflow at "+srv2.URL+": connected, no experiments yet" {
		t.Fatalf("got %q, %v", msg, err)
	}
	locked := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{User: "u", Password: "p"})
	lp := NewWithClient(newClient(t, locked, func(c *Config) { c.Auth, c.User, c.Password = "basic", "u", testPassword }))
	_, err = lp.CheckHealth(context.Background())
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "check mlflowUser/mlflowPassword or token") {
		t.Fatalf("got %v", err)
	}
	assertNoSecrets(t, err)
}

// newProvider builds a provider over a fake server holding store.
func newProvider(t *testing.T, store *mlflowtest.Store, opts mlflowtest.Options) (*Provider, *mlflowtest.Server) {
	t.Helper()
	srv := mlflowtest.New(t, store, opts)
	return NewWithClient(newClient(t, srv)), srv
}

// query parses a query model the way the plugin host does.
func query(t *testing.T, queryType, js string) *trust.Query {
	t.Helper()
	if js == "" {
		js = "{}"
	}
	q, err := trust.ParseQuery([]byte(js), queryType)
	if err != nil {
		t.Fatalf("ParseQuery(%s): %v", js, err)
	}
	return &q
}

func TestNew(t *testing.T) {
	ctx := context.Background()
	p, err := New(ctx, trust.Settings{JSONData: []byte(`{"evidentlyPaths":["/x"]}`)})
	if p != nil || err != nil {
		t.Fatalf("not configured: got %v, %v; want nil, nil", p, err)
	}
	_, err = New(ctx, trust.Settings{JSONData: []byte(`{"mlflowUrl":"localhost:5000"}`)})
	if err == nil || !trust.IsUpstream(err) || !strings.Contains(err.Error(), "mlflowUrl") {
		t.Fatalf("invalid URL: got %v", err)
	}
	p, err = New(ctx, trust.Settings{JSONData: []byte(`{"mlflowUrl":"http://localhost:5000"}`)})
	if err != nil || p == nil || p.Name() != "mlflow" {
		t.Fatalf("got %v, %v", p, err)
	}
	p.Close()
}
