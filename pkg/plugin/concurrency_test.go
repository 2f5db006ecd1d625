package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/dte-trust/dte-trust/pkg/engine"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// rendezvousSource serves accuracy only once `want` queries are inside Collect at the same time:
// queries run one after another would each wait for the others until their deadline.
type rendezvousSource struct {
	want    int
	mu      sync.Mutex
	inside  int
	maxSeen int
	met     chan struct{}
	once    sync.Once
}

func (s *rendezvousSource) Name() string                  { return "mlflow" }
func (s *rendezvousSource) Dimensions() []trust.Dimension { return []trust.Dimension{trust.Accuracy} }
func (s *rendezvousSource) Collect(ctx context.Context, _ trust.Dimension, q *trust.Query) (*trust.Evidence, error) {
	s.mu.Lock()
	s.inside++
	s.maxSeen = max(s.maxSeen, s.inside)
	if s.inside == s.want {
		s.once.Do(func() { close(s.met) })
	}
	s.mu.Unlock()
	defer func() { s.mu.Lock(); s.inside--; s.mu.Unlock() }()
	select {
	case <-s.met:
	case <-ctx.Done():
		return nil, trust.Upstream(ctx.Err())
	}
	ev := &trust.Evidence{}
	ev.Add(accuracyPoint(q.Model, 0.9))
	return ev, nil
}

// TestQueriesOfARequestRunConcurrently: the queries of one request are answered together, up to
// ParallelQueries at once, each with its own response.
func TestQueriesOfARequestRunConcurrently(t *testing.T) {
	src := &rendezvousSource{want: ParallelQueries, met: make(chan struct{})}
	ds := NewFromEngine(engine.NewWith(10*time.Second, src))
	req := &backend.QueryDataRequest{}
	for i := range 2 * ParallelQueries {
		req.Queries = append(req.Queries, backend.DataQuery{
			RefID: fmt.Sprint("Q", i), QueryType: "accuracy",
			JSON:      json.RawMessage(fmt.Sprintf(`{"queryType":"accuracy","model":"m%d","format":"latest"}`, i)),
			TimeRange: backend.TimeRange{From: now.Add(-time.Hour), To: now.Add(time.Hour)},
		})
	}
	resp, err := ds.QueryData(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 * ParallelQueries {
		r := resp.Responses[fmt.Sprint("Q", i)]
		if r.Error != nil || len(r.Frames) != 1 || r.Frames[0].Rows() != 1 {
			t.Errorf("Q%d: %v %v", i, r.Error, r.Frames)
		}
	}
	if src.maxSeen > ParallelQueries {
		t.Errorf("%d queries ran at once, the bound is %d", src.maxSeen, ParallelQueries)
	}
}

// TestHealthChecksSourcesSeparately: a hung source reports its own timeout; a healthy one still
// reports what works.
func TestHealthChecksSourcesSeparately(t *testing.T) {
	hung := &hangingHealth{}
	ok := &fakeSource{name: "evidently"}
	ds := NewFromEngine(engine.NewWith(100*time.Millisecond, hung, ok))
	res, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "evidently ok") ||
		!strings.Contains(res.Message, "fairlearn: no answer within 100ms") {
		t.Errorf("health: %s %q", res.Status, res.Message)
	}
}

type hangingHealth struct{}

func (hangingHealth) Name() string { return "fairlearn" }
func (hangingHealth) CheckHealth(ctx context.Context) (string, error) {
	<-ctx.Done()
	return "", ctx.Err()
}
