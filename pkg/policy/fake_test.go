package policy

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// fakeEvidence serves points of some dimensions, filtering by model, version and time like a
// source would.
type fakeEvidence struct {
	name   string
	dims   []trust.Dimension
	points []trust.Point
	err    map[trust.Dimension]error

	mu    sync.Mutex
	calls int
}

func (f *fakeEvidence) Name() string                  { return f.name }
func (f *fakeEvidence) Dimensions() []trust.Dimension { return f.dims }
func (f *fakeEvidence) Collect(ctx context.Context, dim trust.Dimension, q *trust.Query) (*trust.Evidence, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := f.err[dim]; err != nil {
		return nil, err
	}
	ev := &trust.Evidence{}
	for _, p := range f.points {
		if p.Dimension != dim || !q.InRange(p.Time) {
			continue
		}
		if q.Model != "" && p.Labels[trust.LabelModel] != q.Model {
			continue
		}
		if q.Version != "" && p.Labels[trust.LabelVersion] != q.Version {
			continue
		}
		ev.Add(p)
	}
	return ev, nil
}

// fakeCatalog is a model registry.
type fakeCatalog struct {
	versions []trust.ModelVersion
	err      error
	files    map[string]map[string][]trust.ArtifactFile // run id -> directory -> entries
	filesErr error

	mu    sync.Mutex
	lists int // ListArtifacts calls
}

func (c *fakeCatalog) Name() string { return trust.SourceMLflow }
func (c *fakeCatalog) ModelVersions(_ context.Context, q *trust.Query) ([]trust.ModelVersion, error) {
	if c.err != nil {
		return nil, c.err
	}
	var out []trust.ModelVersion
	for _, mv := range c.versions {
		if (q.Model == "" || q.Model == mv.Name) && (q.Version == "" || q.Version == mv.Version) &&
			(q.Alias == "" || slices.Contains(mv.Aliases, q.Alias)) {
			out = append(out, mv)
		}
	}
	return out, nil
}

// fakeHost collects like the engine: every provider serving the dimension, or the engine's error.
type fakeHost struct{ providers []trust.Provider }

func (h *fakeHost) Providers() []trust.Provider { return h.providers }
func (h *fakeHost) CollectAll(ctx context.Context, dim trust.Dimension, q *trust.Query) (*trust.Evidence, error) {
	out := &trust.Evidence{}
	served := false
	for _, p := range h.providers {
		ep, ok := p.(trust.EvidenceProvider)
		if !ok || !slices.Contains(ep.Dimensions(), dim) {
			continue
		}
		served = true
		ev, err := ep.Collect(ctx, dim, q)
		if err != nil {
			return nil, err
		}
		out.Merge(ev)
	}
	if !served {
		return nil, trust.Upstreamf("no configured source serves %s queries", dim)
	}
	return out, nil
}

// point builds a point of model credit version 3 unless labels say otherwise.
func point(dim trust.Dimension, metric string, v float64, t time.Time, labels ...string) trust.Point {
	l := trust.Labels{trust.LabelModel: "credit", trust.LabelVersion: "3", trust.LabelSource: "fake"}
	for i := 0; i+1 < len(labels); i += 2 {
		l[labels[i]] = labels[i+1]
	}
	return trust.Point{Time: t, Dimension: dim, Metric: metric, Value: v, Labels: l,
		Link: fmt.Sprintf("http://evidence/%s/%s", dim, metric)}
}

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func days(n float64) time.Duration { return time.Duration(n * 24 * float64(time.Hour)) }

// fixture is a compliant model version with fresh evidence; tests mutate it.
type fixture struct {
	mv        trust.ModelVersion
	points    []trust.Point
	noCatalog bool
	cfg       Config
	files     map[string]map[string][]trust.ArtifactFile // the catalog's run artifacts
}

func newFixture() *fixture {
	return &fixture{
		mv: trust.ModelVersion{
			Name: "credit", Version: "3", Aliases: []string{"champion"}, Stage: "Production",
			Tags: map[string]string{
				"owner": "risk-team", "gdpr_personal_data": "contact,financial", "gdpr_lawful_basis": "contract",
				"gdpr_retention_days": "365", "training_data_date": "2026-03-01", "min_accuracy": "0.8",
				"risk_level": "high", "dpia_ref": "DPIA-42",
			},
			Created: testNow.Add(-days(30)), RunID: "r1", RunParams: map[string]string{}, RunTags: map[string]string{},
			Link: "http://mlflow/#/models/credit/versions/3",
		},
		points: []trust.Point{
			point(trust.Fairness, "demographic_parity_difference", 0.05, testNow.Add(-days(5)), trust.LabelSensitiveFeature, "sex"),
			point(trust.Fairness, "demographic_parity_difference", 0.08, testNow.Add(-days(5)), trust.LabelSensitiveFeature, "age"),
			point(trust.Fairness, "equalized_odds_difference", 0.07, testNow.Add(-days(5)), trust.LabelSensitiveFeature, "sex"),
			point(trust.Drift, "drift_share", 0.1, testNow.Add(-days(1))),
			point(trust.Accuracy, "accuracy", 0.9, testNow.Add(-days(30))),
		},
	}
}

func (f *fixture) provider() (*Provider, *fakeEvidence, error) {
	ev := &fakeEvidence{name: "fake", dims: []trust.Dimension{trust.Fairness, trust.Drift, trust.Accuracy, trust.Quality, trust.Explainability}, points: f.points}
	host := &fakeHost{providers: []trust.Provider{ev}}
	if !f.noCatalog {
		host.providers = append(host.providers, &fakeCatalog{versions: []trust.ModelVersion{f.mv}, files: f.files})
	}
	p, err := NewFromConfig(host, f.cfg)
	if err != nil {
		return nil, nil, err
	}
	p.Now = func() time.Time { return testNow }
	return p, ev, nil
}

// without returns points minus those of the metric.
func without(points []trust.Point, metric string) []trust.Point {
	var out []trust.Point
	for _, p := range points {
		if p.Metric != metric {
			out = append(out, p)
		}
	}
	return out
}

// setMetric replaces the value and time of a metric's points.
func setMetric(points []trust.Point, metric string, v float64, t time.Time) {
	for i := range points {
		if points[i].Metric == metric {
			points[i].Value = v
			if !t.IsZero() {
				points[i].Time = t
			}
		}
	}
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o600) }

// fakeArtifacts lists the artifacts of the catalog's runs (fakeCatalog.files: run id -> directory
// -> entries); every other RunArtifacts method is unused by the policy engine.
type fakeArtifacts struct {
	trust.RunArtifacts
	c *fakeCatalog
}

func (c *fakeCatalog) RunArtifacts() trust.RunArtifacts { return fakeArtifacts{c: c} }

func (a fakeArtifacts) ListArtifacts(_ context.Context, runID, dir string) ([]trust.ArtifactFile, error) {
	a.c.mu.Lock()
	a.c.lists++
	a.c.mu.Unlock()
	if a.c.filesErr != nil {
		return nil, a.c.filesErr
	}
	return a.c.files[runID][dir], nil
}
