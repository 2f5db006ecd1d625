package engine

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// stubSource is a unit-test source: it serves the dimensions it lists with fixed points, or fails,
// or panics, and counts its calls.
type stubSource struct {
	name   string
	dims   []trust.Dimension
	points []trust.Point
	err    error
	panics bool
	calls  int
}

func (s *stubSource) Name() string                  { return s.name }
func (s *stubSource) Dimensions() []trust.Dimension { return s.dims }
func (s *stubSource) Collect(_ context.Context, dim trust.Dimension, _ *trust.Query) (*trust.Evidence, error) {
	s.calls++
	if s.panics {
		panic("stub exploded")
	}
	if s.err != nil {
		return nil, s.err
	}
	ev := &trust.Evidence{}
	for _, p := range s.points {
		if p.Dimension == dim {
			ev.Add(p)
		}
	}
	return ev, nil
}

// stubTables serves runs, models and trust_score with one row each.
type stubTables struct{}

func (stubTables) Name() string { return "tables" }
func (stubTables) Runs(context.Context, *trust.Query) (*trust.RunTable, error) {
	return &trust.RunTable{MetricKeys: []string{"acc"}, Runs: []trust.RunRow{{ID: "r1", Metrics: []*float64{ptr(0.9)}}}}, nil
}
func (stubTables) Models(context.Context, *trust.Query) ([]trust.ModelRow, error) {
	return []trust.ModelRow{{Name: "m", Version: "1"}}, nil
}
func (stubTables) TrustScore(context.Context, *trust.Query) (*trust.Evidence, error) {
	ev := &trust.Evidence{}
	ev.Add(trust.Point{Time: time.Unix(1, 0), Dimension: "trust", Metric: "trust_score", Value: 80})
	return ev, nil
}

func point(dim trust.Dimension, metric string, v float64) trust.Point {
	return trust.Point{Time: time.Unix(100, 0), Dimension: dim, Metric: metric, Value: v, Labels: trust.Labels{trust.LabelModel: "m"}}
}

// TestEveryQueryTypeIsRouted: each query type the query editor offers has a handler, and the
// registration lists each once, in the editor's order.
func TestEveryQueryTypeIsRouted(t *testing.T) {
	want := []string{trust.QueryAccuracy, trust.QueryDrift, trust.QueryFairness, trust.QueryCompliance, trust.QueryTrustScore,
		trust.QueryFreshness, trust.QueryQuality, trust.QueryExplainability, trust.QueryRuns, trust.QueryModels, trust.QueryVariable, trust.QueryAnnotations}
	if got := QueryTypes(); !slices.Equal(got, want) {
		t.Fatalf("QueryTypes() = %v, want %v", got, want)
	}
	for _, qt := range want {
		if h, err := Route(qt); err != nil || h == nil {
			t.Errorf("Route(%q) = %v, %v", qt, h, err)
		}
	}
	ts, err := os.ReadFile("../../src/types.ts")
	if err != nil {
		t.Fatal(err)
	}
	// The frontend's QueryType enum spells the same values.
	enum := regexp.MustCompile(`(?s)export enum QueryType \{(.*?)\}`).FindSubmatch(ts)
	if enum == nil {
		t.Fatal("src/types.ts has no QueryType enum")
	}
	var front []string
	for _, m := range regexp.MustCompile(`= '([a-z_]+)'`).FindAllSubmatch(enum[1], -1) {
		front = append(front, string(m[1]))
	}
	slices.Sort(front)
	back := slices.Clone(want)
	slices.Sort(back)
	if !slices.Equal(front, back) {
		t.Errorf("src/types.ts QueryType values %v, backend routes %v", front, back)
	}
}

func TestRouteErrors(t *testing.T) {
	if _, err := Route(""); err == nil || !strings.Contains(err.Error(), "no queryType: choose one of accuracy, drift") {
		t.Errorf("empty type: %v", err)
	}
	if _, err := Route("bias"); err == nil || !strings.Contains(err.Error(), `unknown queryType "bias"`) {
		t.Errorf("unknown type: %v", err)
	}
}

// TestDimensionRoutesMergeSources: a dimension query asks every source serving the dimension,
// merges their points, and keeps a failing or panicking source's error as a notice.
func TestDimensionRoutesMergeSources(t *testing.T) {
	a := &stubSource{name: "a", dims: []trust.Dimension{trust.Drift}, points: []trust.Point{point(trust.Drift, "drift_share", 0.2)}}
	b := &stubSource{name: "b", dims: []trust.Dimension{trust.Drift, trust.Quality}, points: []trust.Point{point(trust.Drift, "drift_share", 0.4)}}
	bad := &stubSource{name: "bad", dims: []trust.Dimension{trust.Drift}, panics: true}
	other := &stubSource{name: "other", dims: []trust.Dimension{trust.Fairness}}
	e := NewWith(time.Second, a, b, bad, other)
	fs, err := e.Query(context.Background(), &trust.Query{QueryType: trust.QueryDrift, Format: trust.FormatTable})
	if err != nil {
		t.Fatal(err)
	}
	if n := fs[0].Rows(); n != 2 {
		t.Errorf("%d rows, want the 2 points of a and b", n)
	}
	if other.calls != 0 {
		t.Error("a source that does not serve drift was asked")
	}
	notices := fs[0].Meta.Notices
	if len(notices) != 1 || !strings.Contains(notices[0].Text, "bad: internal error while collecting drift evidence: stub exploded") {
		t.Errorf("notices %+v", notices)
	}
	// Source narrows the query to one upstream.
	fs, err = e.Query(context.Background(), &trust.Query{QueryType: trust.QueryDrift, Format: trust.FormatTable, Source: "b"})
	if err != nil || fs[0].Rows() != 1 {
		t.Errorf("source b only: %v, %v", fs, err)
	}
}

func TestDimensionRouteFailures(t *testing.T) {
	down := &stubSource{name: "a", dims: []trust.Dimension{trust.Drift}, err: trust.Upstreamf("a: connection refused")}
	e := NewWith(time.Second, down)
	if _, err := e.Query(context.Background(), &trust.Query{QueryType: trust.QueryDrift}); err == nil || !trust.IsUpstream(err) || err.Error() != "a: connection refused" {
		t.Errorf("the only source failed: %v", err)
	}
	down2 := &stubSource{name: "b", dims: []trust.Dimension{trust.Drift}, err: errors.New("b: bad file")}
	e = NewWith(time.Second, down, down2)
	if _, err := e.Query(context.Background(), &trust.Query{QueryType: trust.QueryDrift}); err == nil || err.Error() != "a: connection refused; b: bad file" {
		t.Errorf("every source failed: %v", err)
	}
}

// TestNotConfigured: each query type without a source says which settings enable it.
func TestNotConfigured(t *testing.T) {
	e := NewWith(time.Second)
	for qt, hint := range map[string]string{
		trust.QueryAccuracy:   "set mlflowUrl",
		trust.QueryDrift:      "set evidentlyPaths",
		trust.QueryQuality:    "set evidentlyPaths",
		trust.QueryFairness:   "set fairlearnPaths",
		trust.QueryCompliance: "compliance rules need at least one evidence source",
		trust.QueryTrustScore: "the trust score needs at least one evidence source",
		trust.QueryRuns:       "set mlflowUrl",
		trust.QueryModels:     "set mlflowUrl",
	} {
		_, err := e.Query(context.Background(), &trust.Query{QueryType: qt})
		if err == nil || !trust.IsUpstream(err) || !strings.Contains(err.Error(), "no configured source serves "+qt+" queries: "+hint) {
			t.Errorf("%s: %v", qt, err)
		}
	}
	e.setupErrors = []error{errors.New("mlflow: mlflowUrl is not a URL")}
	if _, err := e.Query(context.Background(), &trust.Query{QueryType: trust.QueryRuns}); err == nil ||
		!strings.HasSuffix(err.Error(), "set mlflowUrl; configuration problem: mlflow: mlflowUrl is not a URL") {
		t.Errorf("setup error not named: %v", err)
	}
}

// TestTableRoutes: runs, models and trust_score take their records from the source that serves
// them and frame them in pkg/trust/frames.
func TestTableRoutes(t *testing.T) {
	e := NewWith(time.Second, stubTables{})
	for qt, want := range map[string]data.FrameType{
		trust.QueryRuns: data.FrameTypeTable, trust.QueryModels: data.FrameTypeTable, trust.QueryTrustScore: data.FrameTypeNumericLong,
	} {
		q := &trust.Query{QueryType: qt, Format: trust.FormatLatest}
		fs, err := e.Query(context.Background(), q)
		if err != nil || len(fs) != 1 || fs[0].Rows() != 1 || fs[0].Meta.Type != want {
			t.Errorf("%s: %v %v", qt, fs, err)
		}
	}
}

// TestSourcesDoNotBuildFrames: every frame is built in pkg/trust/frames, so no source package and
// not the trust records imports the SDK's data package; the Evidently and Fairlearn sources reach
// MLflow only through trust.RunArtifacts.
func TestSourcesDoNotBuildFrames(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}: {{join .Imports \" \"}}",
		"../source/...", "../policy", "../trust").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ": ")
		deps := strings.Fields(imports)
		if slices.Contains(deps, "github.com/grafana/grafana-plugin-sdk-go/data") || slices.Contains(deps, "github.com/dte-trust/dte-trust/pkg/trust/frames") {
			t.Errorf("%s imports the SDK's data package or pkg/trust/frames: frames are built by the engine's handlers", pkg)
		}
		if (strings.HasSuffix(pkg, "/evidently") || strings.HasSuffix(pkg, "/fairness") || strings.HasSuffix(pkg, "/policy")) &&
			slices.Contains(deps, "github.com/dte-trust/dte-trust/pkg/source/mlflow") {
			t.Errorf("%s imports the MLflow source: use trust.RunArtifacts", pkg)
		}
	}
}

func ptr(v float64) *float64 { return &v }
