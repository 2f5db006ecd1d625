package fairness

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// LabelControlGroup carries the control group of evaluations with control features, as
// "feature=value,...": disparities are computed within each control group, as Fairlearn does.
const LabelControlGroup = "control_group"

// LabelFile carries the file an evaluation was read from; it is set on table rows only, so it
// never splits a time series or an alert instance.
const LabelFile = "file"

// setGiven files a fairness or disparity value a source states under its canonical name: one of
// the six fairness scalars (or their _to_overall forms), or <metric>_difference / _ratio (and
// _to_overall) of a by-group metric. Other names are kept as fairness values and served as is.
func (s *Stratum) setGiven(name string, v float64) {
	if s.Fairness == nil {
		s.Fairness = map[string]float64{}
	}
	if base, ok := strings.CutSuffix(name, suffixToOverall); ok && isFairnessScalar(base) {
		if s.FairnessToOverall == nil {
			s.FairnessToOverall = map[string]float64{}
		}
		s.FairnessToOverall[base] = v
		return
	}
	if isFairnessScalar(name) {
		s.Fairness[name] = v
		return
	}
	for _, kind := range []string{suffixDifferenceToOverall, suffixRatioToOverall, suffixDifference, suffixRatio} {
		if m, ok := strings.CutSuffix(name, kind); ok && m != "" {
			d := s.disparity(m)
			switch kind {
			case suffixDifference:
				d.Difference = v
			case suffixRatio:
				d.Ratio = v
			case suffixDifferenceToOverall:
				d.DifferenceToOverall = v
			default:
				d.RatioToOverall = v
			}
			return
		}
	}
	s.Fairness[name] = v
}

// disparity returns the disparity summary of metric m, creating it.
func (s *Stratum) disparity(m string) *Disparity {
	if s.Disparities == nil {
		s.Disparities = map[string]*Disparity{}
	}
	d, ok := s.Disparities[m]
	if !ok {
		d = newDisparity()
		s.Disparities[m] = d
	}
	return d
}

// given returns the stated value of a disparity kind, NaN when the source does not state it.
func (d *Disparity) given(kind string) float64 {
	if d == nil {
		return math.NaN()
	}
	switch kind {
	case suffixDifference:
		return d.Difference
	case suffixRatio:
		return d.Ratio
	case suffixDifferenceToOverall:
		return d.DifferenceToOverall
	default:
		return d.RatioToOverall
	}
}

// emitter turns evaluations into points.
type emitter struct {
	requested map[string]bool // metric names the query lists: the on-request points are made only for them
	notices   []string
}

// onRequest reports whether an on-request point (a _to_overall variant, a confidence bound) was
// asked for by name.
func (em *emitter) onRequest(name string) bool { return em.requested[name] }

// points returns the points of an evaluation: by-group and overall values, the difference and
// ratio of every metric, the worst group of every metric, the fairness scalars, and on request
// the _to_overall variants and confidence bounds. Problems become notices on em.
func (em *emitter) points(e *Evaluation) []trust.Point {
	var out []trust.Point
	base := trust.Labels{trust.LabelSource: trust.SourceFairlearn}
	for k, v := range map[string]string{
		trust.LabelModel: e.Model, trust.LabelVersion: e.Version, trust.LabelRunID: e.RunID,
		trust.LabelDataset: e.Dataset, trust.LabelSensitiveFeature: e.SensitiveLabel(),
	} {
		if v != "" {
			base[k] = v
		}
	}
	for _, s := range e.Strata {
		out = append(out, em.stratumPoints(e, s, base)...)
	}
	return out
}

func (em *emitter) note(e *Evaluation, s *Stratum, format string, args ...any) {
	where := e.SensitiveLabel()
	if s.Control != "" {
		where += " [" + s.Control + "]"
	}
	msg := fmt.Sprintf(format, args...)
	if where != "" {
		msg = where + ": " + msg
	}
	em.notices = append(em.notices, msg)
}

func (em *emitter) stratumPoints(e *Evaluation, s *Stratum, base trust.Labels) []trust.Point {
	labels := base
	if s.Control != "" {
		labels = copyLabels(base)
		labels[LabelControlGroup] = s.Control
	}
	var out []trust.Point
	add := func(metric string, v float64, group string) {
		l := labels
		if group != "" {
			l = copyLabels(labels)
			l[trust.LabelGroup] = group
		}
		out = append(out, trust.Point{Time: e.Time, Dimension: trust.Fairness, Metric: metric, Value: v, Labels: l, Link: e.Link})
	}
	metrics := s.metricNames()

	// Values by group, with the group counts.
	vals := make(map[string][]float64, len(metrics))
	var undefined, missing []string
	for _, g := range s.Groups {
		if g.HasCnt {
			add(countMetric, g.Count, g.Label)
		}
		for _, m := range metrics {
			v, ok := g.Values[m]
			if !ok {
				missing = append(missing, fmt.Sprintf("%s of group %s", m, g.Label))
				v = math.NaN()
			} else {
				add(m, v, g.Label)
				if math.IsNaN(v) {
					undefined = append(undefined, fmt.Sprintf("%s of group %s", m, g.Label))
				}
			}
			vals[m] = append(vals[m], v)
		}
	}
	switch {
	case len(s.Groups) == 0 && e.Format != FormatSummaryCSV && e.Format != FormatMLflowKeys:
		em.note(e, s, "no by-group values: only the overall values and the disparities the source states are served")
	case len(s.Groups) == 1:
		em.note(e, s, "a single group (%s): every difference is 0 and every ratio 1 by definition", s.Groups[0].Label)
	}
	if len(undefined) > 0 {
		em.note(e, s, "undefined (NaN) values, e.g. a group with no positives, are skipped by the disparities: %s", strings.Join(undefined, "; "))
	}
	if len(missing) > 0 {
		em.note(e, s, "missing by-group values, treated as undefined: %s", strings.Join(missing, "; "))
	}

	// Overall values.
	for _, m := range metrics {
		if v, ok := s.Overall[m]; ok {
			add(m, v, "")
		}
	}

	// Difference and ratio of every metric, and the worst group.
	kinds := []string{suffixDifference, suffixRatio, suffixDifferenceToOverall, suffixRatioToOverall}
	disparityMetrics := append([]string(nil), metrics...)
	for m := range s.Disparities {
		if !contains(disparityMetrics, m) {
			disparityMetrics = append(disparityMetrics, m)
		}
	}
	sort.SliceStable(disparityMetrics[len(metrics):], func(i, j int) bool {
		return disparityMetrics[len(metrics)+i] < disparityMetrics[len(metrics)+j]
	})
	for _, m := range disparityMetrics {
		d := s.Disparities[m]
		overall, hasOverall := s.Overall[m]
		for _, kind := range kinds {
			name := m + kind
			toOverall := kind == suffixDifferenceToOverall || kind == suffixRatioToOverall
			if toOverall && !em.onRequest(name) {
				continue
			}
			v := d.given(kind)
			if math.IsNaN(v) {
				if len(vals[m]) == 0 || toOverall && !hasOverall {
					continue // nothing stated, nothing to derive from
				}
				v = aggregate(kind, vals[m], overall)
			}
			add(name, v, "")
		}
		if i := worstGroup(m, vals[m]); i >= 0 {
			label, v := s.Groups[i].Label, vals[m][i]
			if d != nil && d.WorstGroup != "" {
				label, v = d.WorstGroup, math.NaN()
				for j, g := range s.Groups {
					if g.Label == d.WorstGroup {
						v = vals[m][j]
					}
				}
			}
			add(prefixWorstGroup+m, v, label)
		}
	}

	// The fairness scalars, stated or derived from selection rate, TPR and FPR by group.
	for _, toOverall := range []bool{false, true} {
		stated := s.Fairness
		if toOverall {
			stated = s.FairnessToOverall
		}
		for _, name := range FairnessScalars {
			pointName := name
			if toOverall {
				pointName += suffixToOverall
				if !em.onRequest(pointName) {
					continue
				}
			}
			v, ok := stated[name]
			if !ok {
				v, ok = s.deriveScalar(name, vals, toOverall)
			}
			if ok {
				add(pointName, v, "")
			}
		}
	}
	// Other values a source states in its fairness summary, served under their own names.
	var others []string
	for name := range s.Fairness {
		if !isFairnessScalar(name) {
			others = append(others, name)
		}
	}
	sort.Strings(others)
	for _, name := range others {
		add(name, s.Fairness[name], "")
	}

	out = append(out, em.intervalPoints(s, labels, e)...)
	return out
}

// deriveScalar computes a fairness scalar from by-group values as Fairlearn defines it:
// demographic parity from selection_rate, equal opportunity from true_positive_rate, equalized
// odds (agg worst_case) as the larger TPR/FPR difference and the smaller TPR/FPR ratio.
func (s *Stratum) deriveScalar(name string, vals map[string][]float64, toOverall bool) (float64, bool) {
	kindDiff, kindRatio := suffixDifference, suffixRatio
	if toOverall {
		kindDiff, kindRatio = suffixDifferenceToOverall, suffixRatioToOverall
	}
	of := func(m, kind string) (float64, bool) {
		if len(vals[m]) == 0 {
			return 0, false
		}
		overall, hasOverall := s.Overall[m]
		if toOverall && !hasOverall {
			return 0, false
		}
		return aggregate(kind, vals[m], overall), true
	}
	switch name {
	case DemographicParityDifference:
		return of(selectionRate, kindDiff)
	case DemographicParityRatio:
		return of(selectionRate, kindRatio)
	case EqualOpportunityDifference:
		return of(truePositiveRate, kindDiff)
	case EqualOpportunityRatio:
		return of(truePositiveRate, kindRatio)
	case EqualizedOddsDifference, EqualizedOddsRatio:
		kind := kindDiff
		if name == EqualizedOddsRatio {
			kind = kindRatio
		}
		tpr, ok1 := of(truePositiveRate, kind)
		fpr, ok2 := of(falsePositiveRate, kind)
		if !ok1 || !ok2 {
			return 0, false
		}
		if name == EqualizedOddsRatio {
			return pyMin(tpr, fpr), true
		}
		return pyMax(tpr, fpr), true
	}
	return 0, false
}

// intervalPoints serves the bootstrap confidence bounds asked for by name: <name>_ci_lower and
// <name>_ci_upper are the first and last quantile of by-group and overall values and of the
// disparities (<metric>_difference, _ratio and their _to_overall forms).
func (em *emitter) intervalPoints(s *Stratum, labels trust.Labels, e *Evaluation) []trust.Point {
	ci := s.CI
	if ci == nil || len(em.requested) == 0 {
		return nil
	}
	var out []trust.Point
	bounds := func(name string, qs []float64, group string) {
		if len(qs) == 0 {
			return
		}
		for _, b := range []struct {
			suffix string
			v      float64
		}{{suffixCILower, qs[0]}, {suffixCIUpper, qs[len(qs)-1]}} {
			if !em.onRequest(name + b.suffix) {
				continue
			}
			l := labels
			if group != "" {
				l = copyLabels(labels)
				l[trust.LabelGroup] = group
			}
			out = append(out, trust.Point{Time: e.Time, Dimension: trust.Fairness, Metric: name + b.suffix, Value: b.v, Labels: l, Link: e.Link})
		}
	}
	for _, g := range s.Groups {
		for m, qs := range ci.ByGroup[g.Label] {
			bounds(m, qs, g.Label)
		}
	}
	for m, qs := range ci.Overall {
		bounds(m, qs, "")
	}
	for m, kinds := range ci.Disparities {
		for kind, qs := range kinds {
			bounds(m+"_"+kind, qs, "")
		}
	}
	return out
}

func copyLabels(l trust.Labels) trust.Labels {
	out := make(trust.Labels, len(l)+1)
	for k, v := range l {
		out[k] = v
	}
	return out
}

func contains[T comparable](list []T, s T) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
