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

// stratumPoints returns the points of one stratum of an evaluation, labelled with its control
// group: see points.
func (em *emitter) stratumPoints(e *Evaluation, s *Stratum, base trust.Labels) []trust.Point {
	labels := base
	if s.Control != "" {
		labels = copyLabels(base)
		labels[LabelControlGroup] = s.Control
	}
	c := &stratumCollector{em: em, e: e, s: s, labels: labels, metrics: s.metricNames()}
	c.groupValues()
	c.overallValues()
	for _, m := range c.disparityMetrics() {
		c.disparityPoints(m)
	}
	c.fairnessScalars()
	c.otherFairness()
	c.out = append(c.out, em.intervalPoints(s, labels, e)...)
	return c.out
}

// stratumCollector gathers the points of one stratum.
type stratumCollector struct {
	em      *emitter
	e       *Evaluation
	s       *Stratum
	labels  trust.Labels // the labels of the stratum's points; read-only
	metrics []string     // the stratum's metrics
	vals    map[string][]float64
	out     []trust.Point
}

// add appends a point of the stratum, with a group label when group is set.
func (c *stratumCollector) add(metric string, v float64, group string) {
	l := c.labels
	if group != "" {
		l = copyLabels(c.labels)
		l[trust.LabelGroup] = group
	}
	c.out = append(c.out, trust.Point{Time: c.e.Time, Dimension: trust.Fairness, Metric: metric, Value: v, Labels: l, Link: c.e.Link})
}

// groupValues adds the values by group, with the group counts, and keeps them in vals, one per
// group in group order (NaN where a group lacks the metric), to derive disparities from. Groups
// and values the disparities cannot use become notices.
func (c *stratumCollector) groupValues() {
	e, s := c.e, c.s
	c.vals = make(map[string][]float64, len(c.metrics))
	var undefined, missing []string
	for _, g := range s.Groups {
		if g.HasCnt {
			c.add(countMetric, g.Count, g.Label)
		}
		for _, m := range c.metrics {
			v, ok := g.Values[m]
			if !ok {
				missing = append(missing, fmt.Sprintf("%s of group %s", m, g.Label))
				v = math.NaN()
			} else {
				c.add(m, v, g.Label)
				if math.IsNaN(v) {
					undefined = append(undefined, fmt.Sprintf("%s of group %s", m, g.Label))
				}
			}
			c.vals[m] = append(c.vals[m], v)
		}
	}
	switch {
	case len(s.Groups) == 0 && e.Format != FormatSummaryCSV && e.Format != FormatMLflowKeys:
		c.em.note(e, s, "no by-group values: only the overall values and the disparities the source states are served")
	case len(s.Groups) == 1:
		c.em.note(e, s, "a single group (%s): every difference is 0 and every ratio 1 by definition", s.Groups[0].Label)
	}
	if len(undefined) > 0 {
		c.em.note(e, s, "undefined (NaN) values, e.g. a group with no positives, are skipped by the disparities: %s", strings.Join(undefined, "; "))
	}
	if len(missing) > 0 {
		c.em.note(e, s, "missing by-group values, treated as undefined: %s", strings.Join(missing, "; "))
	}
}

// overallValues adds the overall value of every metric that has one.
func (c *stratumCollector) overallValues() {
	for _, m := range c.metrics {
		if v, ok := c.s.Overall[m]; ok {
			c.add(m, v, "")
		}
	}
	// An overall count (MetricFrame.overall["count"]) has no point of its own: count is a by-group
	// metric (docs/fairness-format.md); say so when the query could have wanted it.
	if v, ok := c.s.Overall[countMetric]; ok && (len(c.em.requested) == 0 || c.em.requested[countMetric]) {
		c.em.note(c.e, c.s, "the overall count (%g rows) is not served: count is served per group (metric count with a group label)", v)
	}
}

// disparityMetrics lists the metrics to serve disparities of: the stratum's metrics, then, sorted,
// the other metrics the source states disparities of.
func (c *stratumCollector) disparityMetrics() []string {
	ms := append([]string(nil), c.metrics...)
	for m := range c.s.Disparities {
		if !contains(ms, m) {
			ms = append(ms, m)
		}
	}
	extra := ms[len(c.metrics):]
	sort.SliceStable(extra, func(i, j int) bool { return extra[i] < extra[j] })
	return ms
}

// disparityPoints adds the difference and ratio of metric m (and on request their _to_overall
// forms), as stated or else derived from the values by group, then its worst group.
func (c *stratumCollector) disparityPoints(m string) {
	d := c.s.Disparities[m]
	overall, hasOverall := c.s.Overall[m]
	for _, kind := range []string{suffixDifference, suffixRatio, suffixDifferenceToOverall, suffixRatioToOverall} {
		name := m + kind
		toOverall := kind == suffixDifferenceToOverall || kind == suffixRatioToOverall
		if toOverall && !c.em.onRequest(name) {
			continue
		}
		v := d.given(kind)
		if math.IsNaN(v) {
			if len(c.vals[m]) == 0 || toOverall && !hasOverall {
				continue // nothing stated, nothing to derive from
			}
			v = aggregate(kind, c.vals[m], overall)
		}
		c.add(name, v, "")
	}
	c.worstGroupPoint(m, d)
}

// worstGroupPoint adds the worst group of metric m when the values by group have one: the group
// the source states if any (with its value by group, NaN if it has none), else the worst by value.
func (c *stratumCollector) worstGroupPoint(m string, d *Disparity) {
	i := worstGroup(m, c.vals[m])
	if i < 0 {
		return
	}
	label, v := c.s.Groups[i].Label, c.vals[m][i]
	if d != nil && d.WorstGroup != "" {
		label, v = d.WorstGroup, math.NaN()
		for j, g := range c.s.Groups {
			if g.Label == d.WorstGroup {
				v = c.vals[m][j]
			}
		}
	}
	c.add(prefixWorstGroup+m, v, label)
}

// fairnessScalars adds the fairness scalars, stated or derived from selection rate, TPR and FPR by
// group, then on request their _to_overall forms.
func (c *stratumCollector) fairnessScalars() {
	for _, toOverall := range []bool{false, true} {
		stated := c.s.Fairness
		if toOverall {
			stated = c.s.FairnessToOverall
		}
		for _, name := range FairnessScalars {
			pointName := name
			if toOverall {
				pointName += suffixToOverall
				if !c.em.onRequest(pointName) {
					continue
				}
			}
			v, ok := stated[name]
			if !ok {
				v, ok = c.s.deriveScalar(name, c.vals, toOverall)
			}
			if ok {
				c.add(pointName, v, "")
			}
		}
	}
}

// otherFairness adds the other values a source states in its fairness summary, sorted by name and
// served under their own names.
func (c *stratumCollector) otherFairness() {
	var others []string
	for name := range c.s.Fairness {
		if !isFairnessScalar(name) {
			others = append(others, name)
		}
	}
	sort.Strings(others)
	for _, name := range others {
		c.add(name, c.s.Fairness[name], "")
	}
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
