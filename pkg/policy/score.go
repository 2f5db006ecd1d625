package policy

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// ScoreDimensions are the dimensions of the trust score, in display order. Every rule belongs to
// one of them (its `dimension`, default compliance).
var ScoreDimensions = []trust.Dimension{trust.Fairness, trust.Drift, trust.Accuracy, trust.Compliance}

// DimensionTrust is the dimension label of the overall trust_score point: it spans the four.
const DimensionTrust trust.Dimension = "trust"

// Metric names of the trust_score query type.
const MetricTrustScore = "trust_score"

// PartMetric is the metric name of one dimension's part of the trust score: trust_fairness,
// trust_drift, trust_accuracy, trust_compliance.
func PartMetric(d trust.Dimension) string { return "trust_" + string(d) }

// weightsFrom validates the configured weights; unknown dimensions and negative weights are
// reported and the defaults (1 each) kept for them.
func weightsFrom(cfg map[string]float64, problems []trust.Notice) (map[trust.Dimension]float64, []trust.Notice) {
	w := map[trust.Dimension]float64{}
	for _, d := range ScoreDimensions {
		w[d] = 1
	}
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := cfg[k]
		d := trust.Dimension(strings.ToLower(k))
		switch {
		case !slices.Contains(ScoreDimensions, d):
			problems = append(problems, trust.Notice{Source: trust.SourcePolicy, Location: "trustScoreWeights", Warning: true,
				Message: fmt.Sprintf("unknown dimension %q (use fairness, drift, accuracy, compliance)", k)})
		case v < 0 || math.IsNaN(v) || math.IsInf(v, 0):
			problems = append(problems, trust.Notice{Source: trust.SourcePolicy, Location: "trustScoreWeights", Warning: true,
				Message: fmt.Sprintf("weight of %s must be a number >= 0, not %v", k, v)})
		default:
			w[d] = v
		}
	}
	return w, problems
}

// Part is one dimension's part of a model version's trust score.
type Part struct {
	Dimension trust.Dimension
	Score     float64 // 0-100: share of the dimension's rules passed
	Weight    float64
	Status    trust.Status
}

// TrustScore is a model version's trust score: the weighted mean of the parts of the dimensions
// that have rules applying to it.
type TrustScore struct {
	Score  float64 // 0-100
	Status trust.Status
	Parts  []Part
}

// Score computes the trust score of a version result with the provider's weights. ok is false
// when no rule applies (or every applying dimension weighs 0).
func (p *Provider) Score(v *VersionResult) (TrustScore, bool) {
	var ts TrustScore
	var sum, wsum float64
	for _, d := range ScoreDimensions {
		var rs []RuleResult
		for _, r := range v.Results {
			if r.Rule.Dimension == d {
				rs = append(rs, r)
			}
		}
		if len(rs) == 0 {
			continue
		}
		sub := VersionResult{Results: rs}
		share, _ := sub.Score()
		weight := p.weights[d]
		if d == trust.Compliance {
			if ws, ok := p.weightedShare(rs); ok {
				share = ws
			} else {
				weight = 0 // every compliance rule is of a pack weighing 0: shown, not counted
			}
		}
		part := Part{Dimension: d, Score: 100 * share, Weight: weight, Status: worstStatus(rs)}
		ts.Parts = append(ts.Parts, part)
		if part.Weight > 0 {
			sum += part.Weight * part.Score
			wsum += part.Weight
		}
	}
	if wsum == 0 {
		return ts, false
	}
	ts.Score = sum / wsum
	ts.Status = combineStatus(ts.Parts)
	return ts, true
}

// combineStatus: fail when a part fails, unknown when every part is unknown, warn when a part
// warns or is unknown, ok otherwise.
func combineStatus(parts []Part) trust.Status {
	status, allUnknown := trust.StatusOK, true
	for _, pt := range parts {
		switch pt.Status {
		case trust.StatusFail:
			return trust.StatusFail
		case trust.StatusUnknown:
			status = trust.StatusWarn
		case trust.StatusWarn:
			status, allUnknown = trust.StatusWarn, false
		default:
			allUnknown = false
		}
	}
	if allUnknown && len(parts) > 0 {
		return trust.StatusUnknown
	}
	return status
}

// TrustScore answers trust_score queries: per model version trust_score (0-100) and one
// trust_<dimension> part per dimension with rules, at the evaluation times of the query's format.
func (p *Provider) TrustScore(ctx context.Context, q *trust.Query) (*trust.Evidence, error) {
	return p.evaluatePoints(ctx, q, p.scorePoints)
}

func (p *Provider) scorePoints(v *VersionResult, t time.Time, q *trust.Query) []trust.Point {
	ts, ok := p.Score(v)
	if !ok {
		return nil
	}
	var out []trust.Point
	if q.WantsMetric(MetricTrustScore) {
		out = append(out, trust.Point{Time: t, Dimension: DimensionTrust, Metric: MetricTrustScore, Value: ts.Score,
			Labels: baseLabels(v), Status: ts.Status, Link: v.Model.Link})
	}
	for _, part := range ts.Parts {
		if m := PartMetric(part.Dimension); q.WantsMetric(m) {
			out = append(out, trust.Point{Time: t, Dimension: part.Dimension, Metric: m, Value: part.Score,
				Labels: baseLabels(v), Status: part.Status, Link: v.Model.Link})
		}
	}
	return out
}
