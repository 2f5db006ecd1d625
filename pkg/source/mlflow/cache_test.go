package mlflow

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// fromSettings builds the provider the way the plugin does, from jsonData.
func fromSettings(t *testing.T, srv *mlflowtest.Server, extra map[string]any) *Provider {
	t.Helper()
	js := map[string]any{"mlflowUrl": srv.URL}
	for k, v := range extra {
		js[k] = v
	}
	raw, _ := json.Marshal(js)
	p, err := New(context.Background(), trust.Settings{JSONData: raw})
	if err != nil || p == nil {
		t.Fatalf("New: %v %v", p, err)
	}
	t.Cleanup(p.Close)
	return p
}

func totalRequests(srv *mlflowtest.Server) int {
	return len(srv.Requests())
}

func accuracyQuery(t *testing.T, p *Provider) []trust.Point {
	t.Helper()
	ev, err := p.Collect(context.Background(), trust.Accuracy, query(t, "accuracy", `{"model":"credit-risk","metrics":["accuracy","f1"]}`))
	if err != nil {
		t.Fatal(err)
	}
	ev.Flatten()
	return ev.Points
}

// TestAnswersAreCached: by default a repeated query within cacheSeconds asks MLflow nothing; the
// answers are the same.
func TestAnswersAreCached(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	p := fromSettings(t, srv, nil)
	first := accuracyQuery(t, p)
	cold := totalRequests(srv)
	second := accuracyQuery(t, p)
	if warm := totalRequests(srv) - cold; cold == 0 || warm != 0 {
		t.Errorf("cold %d requests, warm %d (want 0)", cold, warm)
	}
	if len(first) == 0 || len(first) != len(second) {
		t.Errorf("points %d then %d", len(first), len(second))
	}
	if s := p.Client().CacheStats(); s.Hits == 0 || s.Entries == 0 {
		t.Errorf("stats %+v", s)
	}
}

// TestCacheOff: cacheSeconds 0 asks MLflow every time.
func TestCacheOff(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	p := fromSettings(t, srv, map[string]any{"cacheSeconds": 0})
	accuracyQuery(t, p)
	cold := totalRequests(srv)
	accuracyQuery(t, p)
	if again := totalRequests(srv) - cold; again != cold {
		t.Errorf("cacheSeconds 0: %d requests, then %d", cold, again)
	}
}

// TestNewInstanceSeesNewAnswers: a datasource whose settings change gets a new instance, which
// never sees the old instance's answers.
func TestNewInstanceSeesNewAnswers(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	old := fromSettings(t, srv, nil)
	before := accuracyQuery(t, old)
	srv.Update(func(s *mlflowtest.Store) {
		for _, r := range s.Runs {
			for i := range r.History {
				r.History[i].Value += 1
			}
		}
	})
	if again := accuracyQuery(t, old); again[0].Value != before[0].Value {
		t.Fatal("the old instance should still serve its cached answer within the TTL")
	}
	renewed := fromSettings(t, srv, map[string]any{"timeoutSeconds": 31})
	if now := accuracyQuery(t, renewed); now[0].Value == before[0].Value {
		t.Errorf("the new instance served the old instance's answer: %v", now[0].Value)
	}
}

// TestServerErrorsAreNotCached: an MLflow answering 500 is asked again on the next query.
func TestServerErrorsAreNotCached(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	var failing atomic.Bool
	failing.Store(true)
	srv.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if failing.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			return true
		}
		return false
	})
	p := fromSettings(t, srv, nil)
	if _, err := p.Collect(context.Background(), trust.Accuracy, query(t, "accuracy", `{"model":"credit-risk"}`)); err == nil {
		t.Fatal("a 500 must fail the query")
	}
	failing.Store(false)
	if pts := accuracyQuery(t, p); len(pts) == 0 {
		t.Error("the query after the 500 was not asked again")
	}
}

// TestHealthAsksTheServer: the health check never answers from the cache.
func TestHealthAsksTheServer(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	p := fromSettings(t, srv, nil)
	if _, err := p.CheckHealth(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	})
	if _, err := p.CheckHealth(context.Background()); err == nil {
		t.Error("health reported a server answering 503 as working (a cached answer?)")
	}
}

func TestCacheSettingsErrors(t *testing.T) {
	for _, js := range []string{`{"mlflowUrl":"http://x","cacheSeconds":-1}`, `{"mlflowUrl":"http://x","cacheMaxMB":"lots"}`} {
		if _, err := New(context.Background(), trust.Settings{JSONData: json.RawMessage(js)}); err == nil {
			t.Errorf("%s: no error", js)
		}
	}
	c, err := LoadConfig(trust.Settings{JSONData: json.RawMessage(`{"cacheSeconds":"5","cacheMaxMB":2}`)})
	if err != nil || c.Cache.TTL.Seconds() != 5 || c.Cache.MaxBytes != 2<<20 {
		t.Errorf("%+v %v", c.Cache, err)
	}
}

// TestGetRunsSearches: several runs are read with one runs/search, not one runs/get each; a run
// the search does not find is asked with runs/get and, unknown there too, left nil.
func TestGetRunsSearches(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	c := newClient(t, srv)
	ids := []string{mlflowtest.RunBaseline, "no-such-run", mlflowtest.RunChurn}
	runs, err := c.GetRuns(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if runs[0] == nil || runs[0].Info.ID() != mlflowtest.RunBaseline || runs[1] != nil || runs[2] == nil || runs[2].Info.ID() != mlflowtest.RunChurn {
		t.Fatalf("runs %v", runs)
	}
	if got := srv.Count("/api/2.0/mlflow/runs/get"); got != 1 {
		t.Errorf("%d runs/get calls, want 1 (the run the search did not find)", got)
	}
	if srv.Count("/api/2.0/mlflow/runs/search") == 0 {
		t.Error("no runs/search")
	}
}
