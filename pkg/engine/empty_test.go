package engine

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// TestEmptyAnswersSayWhy: a query that finds nothing says why in a notice: the newest evidence lies
// outside the range (and when it is), or nothing matches its filters at all.
func TestEmptyAnswersSayWhy(t *testing.T) {
	e := goldenEngine(t)
	cases := []struct {
		js       string
		from, to time.Time
		want     string
	}{
		{`{"queryType":"fairness","format":"latest","model":"credit-risk-classifier"}`,
			time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC),
			"no evidence in range: the newest fairness evidence for model credit-risk-classifier is from 2026-07-20T09:00:00Z (before the range"},
		{`{"queryType":"drift","metrics":["drift_share"]}`,
			time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 2, 1, 0, 0, 0, 0, time.UTC),
			"(after the range 2020-01-01T00:00:00Z to 2020-02-01T00:00:00Z)"},
		{`{"queryType":"fairness","model":"no-such-model"}`,
			time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
			"no fairness evidence for model no-such-model in any configured source (fairlearn"},
	}
	for _, c := range cases {
		q, err := trust.ParseQuery(json.RawMessage(c.js), "")
		if err != nil {
			t.Fatal(err)
		}
		q.From, q.To = c.from, c.to
		fs, err := e.Query(context.Background(), &q)
		if err != nil {
			t.Fatalf("%s: %v", c.js, err)
		}
		if len(fs) == 0 || fs[0].Rows() != 0 {
			t.Fatalf("%s: want one empty frame", c.js)
		}
		if !hasNotice(fs, c.want) {
			t.Errorf("%s: no notice containing %q in %v", c.js, c.want, fs[0].Meta)
		}
	}
}

// TestRunsSaysItIgnoresTheRange: a runs table lists runs whenever they started and says so.
func TestRunsSaysItIgnoresTheRange(t *testing.T) {
	e := goldenEngine(t)
	q, _ := trust.ParseQuery(json.RawMessage(`{"queryType":"runs","experiments":["credit-risk"]}`), "")
	q.From, q.To = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC)
	fs, err := e.Query(context.Background(), &q)
	if err != nil {
		t.Fatal(err)
	}
	if fs[0].Rows() == 0 || !hasNotice(fs, "the runs table ignores the time range") || !hasNotice(fs, "attributes.start_time >= 1893456000000") {
		t.Errorf("%d rows, meta %v", fs[0].Rows(), fs[0].Meta)
	}
}

func hasNotice(fs data.Frames, want string) bool {
	for _, f := range fs {
		if f.Meta == nil {
			continue
		}
		for _, n := range f.Meta.Notices {
			if strings.Contains(n.Text, want) {
				return true
			}
		}
	}
	return false
}
