package fairness

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/internal/fuzzseed"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// fuzzProvider is a provider with the default key patterns and no configured location.
func fuzzProvider(t testing.TB) *Provider {
	kp, err := compileKeyPatterns("", "", "")
	if err != nil {
		t.Fatal(err)
	}
	return &Provider{keys: kp}
}

// serve runs an evaluation through the serving path (points, thresholds, worst groups) in every
// format, checking the points it makes.
func serve(t *testing.T, p *Provider, evals []*Evaluation) {
	for _, format := range []trust.Format{trust.FormatTimeseries, trust.FormatLatest, trust.FormatTable} {
		q := &trust.Query{QueryType: trust.QueryFairness, Format: format, Metrics: []string{"demographic_parity_difference_to_overall", "selection_rate_ci_lower"}}
		if format != trust.FormatTable {
			q.Metrics = nil
		}
		ev := &trust.Evidence{}
		for _, e := range evals {
			pts := p.evaluationPoints(e, q, ev)
			for _, pt := range pts {
				if pt.Metric == "" || pt.Dimension != trust.Fairness {
					t.Fatalf("point without a metric or outside fairness: %+v", pt)
				}
			}
			ev.Add(pts...)
		}
		if format == trust.FormatLatest {
			latestWorstGroups(ev.Points)
		}
	}
}

// FuzzDecodeJSON feeds fairness JSON files of every format (DTE Trust results, custom JSON,
// log_table splits, the Fairlearn dashboard dictionary) to the detection, the readers and the
// serving path. No input may crash them.
func FuzzDecodeJSON(f *testing.F) {
	fuzzseed.Add(f, fuzzseed.Files([]string{fuzzseed.Testdata("fairlearn"), fuzzseed.Samples("fairlearn")}, ".json")...)
	f.Fuzz(func(t *testing.T, b []byte) {
		p := fuzzProvider(t)
		evals, _, err := p.decode("f.json", "f.json", b)
		if err == nil {
			serve(t, p, evals)
		}
	})
}

// FuzzDecodeCSV feeds fairness CSV files (MetricFrame.by_group, summaries, long tables) to the
// CSV reader, the column mapping and the serving path.
func FuzzDecodeCSV(f *testing.F) {
	fuzzseed.Add(f, fuzzseed.Files([]string{fuzzseed.Testdata("fairlearn"), fuzzseed.Samples("fairlearn")}, ".csv", ".tsv")...)
	f.Fuzz(func(t *testing.T, b []byte) {
		p := fuzzProvider(t)
		evals, _, err := p.decode("f.csv", "f.csv", b)
		if err == nil {
			serve(t, p, evals)
		}
	})
}

// FuzzKeyPatterns compiles a fairlearnMetricKeyPattern and reads MLflow metric keys (one per line:
// key=value) with it and the default patterns.
func FuzzKeyPatterns(f *testing.F) {
	keys := "fairness_group_F_accuracy=0.73\nfairness_group_M_accuracy=0.77\nfairness_overall_accuracy=0.75\n" +
		"fairness_demographic_parity_diff=0.42\nfairness/sex/group/F/selection_rate=0.5\nfairness/sex/overall/selection_rate=0.71\n" +
		"fairness/sex.age/group/F.young/selection_rate=NaN\nfairness/sex/demographic_parity_ratio=0.54"
	f.Add("", keys)
	f.Add(DefaultMetricKeyPattern, keys)
	f.Add(`^fair_(?P<sensitive_feature>[a-z]+)_(?P<group>.+)__(?P<metric>.+)$`, "fair_sex_F__accuracy=1\nfair_sex_M__accuracy=0.5")
	f.Add(`(?P<group>)(?P<metric>)`, "=1\n==")
	f.Fuzz(func(t *testing.T, pattern, text string) {
		kp, err := compileKeyPatterns(pattern, "", "")
		if err != nil {
			return
		}
		var ms []KeyValue
		for i, line := range strings.Split(text, "\n") {
			k, v, _ := strings.Cut(line, "=")
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				f = math.NaN()
			}
			ms = append(ms, KeyValue{Key: k, Value: f, Time: time.Unix(int64(i), 0)})
		}
		kp.hasFairnessKeys(ms)
		p := &Provider{keys: kp}
		serve(t, p, kp.evaluations(ms))
	})
}
