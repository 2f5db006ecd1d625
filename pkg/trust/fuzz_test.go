package trust

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/internal/fuzzseed"
)

// querySeeds are the queries of the shipped dashboards and of testdata.
func querySeeds() [][]byte {
	seeds := fuzzseed.Files([]string{fuzzseed.Testdata("policy")}, "query-compliance.json", "query-trust-score.json")
	paths, _ := filepath.Glob(filepath.Join(fuzzseed.RepoRoot(), "dashboards", "*.json"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var d struct {
			Panels []struct {
				Targets []json.RawMessage `json:"targets"`
			} `json:"panels"`
		}
		if json.Unmarshal(b, &d) != nil {
			continue
		}
		for _, p := range d.Panels {
			for _, t := range p.Targets {
				seeds = append(seeds, t)
			}
		}
	}
	return seeds
}

// FuzzParseQuery feeds query models (as panels, alert rules and trustq send them) to ParseQuery:
// no input may crash it, and a query it accepts has a known format and clean lists.
func FuzzParseQuery(f *testing.F) {
	fuzzseed.Add(f, querySeeds()...)
	f.Add([]byte(`{"queryType":"accuracy","metrics":[" a ","$__all","*",""],"format":"table","history":false,"limit":5}`))
	f.Add([]byte(`{"queryType":"freshness","staleAfter":"1.5d","dimensions":["fairness"," ",""]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		q, err := ParseQuery(raw, QueryDrift)
		if err != nil {
			return
		}
		switch q.Format {
		case FormatTimeseries, FormatLatest, FormatTable:
		default:
			t.Fatalf("format %q accepted", q.Format)
		}
		if d, err := q.StaleAfterDuration(); err != nil || d <= 0 {
			t.Fatalf("staleAfter %q accepted as %v, %v", q.StaleAfter, d, err)
		}
		for _, list := range [][]string{q.Metrics, q.Experiments, q.Params, q.Tags, q.Rules, q.Dimensions} {
			for _, s := range list {
				if s == "" || s != strings.TrimSpace(s) || s == "$__all" || s == "*" {
					t.Fatalf("list entry %q kept", s)
				}
			}
		}
		if q.QueryType == "" {
			t.Fatal("no query type")
		}
		for _, m := range q.Metrics {
			q.WantsMetric(m)
		}
		q.WantsSource(SourceMLflow)
	})
}
