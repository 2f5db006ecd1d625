package policy

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Metric names of the compliance dimension.
const (
	MetricRulePassed      = "rule_passed"
	MetricComplianceScore = "compliance_score"
)

// Extra label keys of compliance points. reason is set in table format only: its text changes
// from one evaluation to the next and would split series and alert instances.
const (
	LabelSeverity = "severity"
	LabelReason   = "reason"
	// LabelPack names the shipped pack of a rule (absent for the data source's own rules).
	LabelPack = "pack"
	// LabelRefs lists what a rule evidences ("EU AI Act Art. 10(2)(f); ..."), in table format only:
	// documentation text that must not split series or alert instances when a pack's wording changes.
	LabelRefs = "refs"
)

// Dimensions lists the dimensions the policy source collects.
func (p *Provider) Dimensions() []trust.Dimension { return []trust.Dimension{trust.Compliance} }

// Collect evaluates the rules and returns, per model version and evaluation time, rule_passed per
// rule (1 passed, 0 failed or unknown; Status ok, fail or unknown), pack_score per shipped pack
// (share of the pack's rules passed) and compliance_score (share of rules passed). Time series evaluate at up to MaxSteps times across the query range; latest and
// table evaluate once, at the end of the range (or now).
func (p *Provider) Collect(ctx context.Context, dim trust.Dimension, q *trust.Query) (*trust.Evidence, error) {
	if dim != trust.Compliance {
		return nil, fmt.Errorf("policy: cannot collect %s evidence", dim)
	}
	return p.evaluatePoints(ctx, q, compliancePoints)
}

// evaluatePoints evaluates the rules at the query's evaluation times and turns each model
// version's result into points with pointsOf; the evaluation's notices ride along.
func (p *Provider) evaluatePoints(ctx context.Context, q *trust.Query, pointsOf func(*VersionResult, time.Time, *trust.Query) []trust.Point) (*trust.Evidence, error) {
	run, err := p.Evaluate(ctx, q, EvaluationTimes(q, p.Now()))
	if err != nil {
		return nil, err
	}
	ev := &trust.Evidence{Notices: run.Notices}
	for _, e := range run.Evaluations {
		for i := range e.Versions {
			ev.Add(pointsOf(&e.Versions[i], e.Time, q)...)
		}
	}
	return ev, nil
}

// baseLabels are the labels every point of a model version carries.
func baseLabels(v *VersionResult) trust.Labels {
	l := trust.Labels{trust.LabelModel: v.Model.Name, trust.LabelSource: trust.SourcePolicy}
	if v.Model.Version != "" {
		l[trust.LabelVersion] = v.Model.Version
	}
	if v.Alias != "" {
		l[trust.LabelAlias] = v.Alias
	}
	return l
}

func compliancePoints(v *VersionResult, t time.Time, q *trust.Query) []trust.Point {
	var out []trust.Point
	if q.WantsMetric(MetricRulePassed) {
		for _, r := range v.Results {
			l := baseLabels(v)
			l[trust.LabelRule] = r.Rule.ID
			l[LabelSeverity] = string(r.Rule.Severity)
			if r.Rule.Pack != "" {
				l[LabelPack] = r.Rule.Pack
			}
			if q.Format == trust.FormatTable {
				l[LabelReason] = r.Reason
				if len(r.Rule.Refs) > 0 {
					l[LabelRefs] = strings.Join(r.Rule.Refs, "; ")
				}
			}
			pt := trust.Point{Time: t, Dimension: trust.Compliance, Metric: MetricRulePassed, Labels: l, Link: r.Link}
			switch r.Outcome {
			case Pass:
				pt.Value, pt.Status = 1, trust.StatusOK
			case Fail:
				pt.Status = trust.StatusFail
			default:
				pt.Status = trust.StatusUnknown
			}
			out = append(out, pt)
		}
	}
	if q.WantsMetric(MetricPackScore) {
		out = append(out, packScorePoints(v, t)...)
	}
	if score, ok := v.Score(); ok && q.WantsMetric(MetricComplianceScore) {
		out = append(out, trust.Point{Time: t, Dimension: trust.Compliance, Metric: MetricComplianceScore, Value: score,
			Labels: baseLabels(v), Status: worstStatus(v.Results), Link: v.Model.Link})
	}
	return out
}

// worstStatus summarises results: fail when a rule of severity error failed, warn when any other
// rule failed or was unknown, unknown when no rule could be decided, ok when all passed.
func worstStatus(results []RuleResult) trust.Status {
	status := trust.StatusOK
	decided := false
	for _, r := range results {
		switch r.Outcome {
		case Pass:
			decided = true
		case Fail:
			decided = true
			if r.Rule.Severity == SeverityError {
				return trust.StatusFail
			}
			status = trust.StatusWarn
		default:
			status = trust.StatusWarn
		}
	}
	if !decided && len(results) > 0 {
		return trust.StatusUnknown
	}
	return status
}

// EvaluationTimes are the times a query is evaluated at: for latest and table the end of the
// range (never after now); for time series up to MaxSteps times across the range, aligned to the
// step so that refreshes reuse the same times, plus the end.
func EvaluationTimes(q *trust.Query, now time.Time) []time.Time {
	end := now
	if !q.To.IsZero() && q.To.Before(now) {
		end = q.To
	}
	if q.Format != trust.FormatTimeseries && q.Format != "" {
		return []time.Time{end}
	}
	return stepTimes(q.From, end)
}

func stepTimes(start, end time.Time) []time.Time {
	if start.IsZero() || !start.Before(end) {
		return []time.Time{end}
	}
	step := end.Sub(start) / (MaxSteps - 1)
	if step < time.Minute {
		step = time.Minute
	}
	step = step.Round(time.Minute)
	var out []time.Time
	t := start.Truncate(step)
	if t.Before(start) {
		t = t.Add(step)
	}
	for ; t.Before(end) && len(out) < MaxSteps-1; t = t.Add(step) {
		out = append(out, t)
	}
	return append(out, end)
}

// AnnotationKinds lists the annotation kinds the policy source answers.
func (p *Provider) AnnotationKinds() []string {
	return []string{trust.AnnotationCompliance, trust.AnnotationFreshness}
}

// Annotations marks, across the query range, the periods in which a rule failed for a model
// version: one region per failing stretch, from the first evaluation time it failed to the last.
// Freshness annotations (when evidence appeared or went stale) are freshness.go's.
func (p *Provider) Annotations(ctx context.Context, kind string, q *trust.Query) ([]trust.Annotation, error) {
	if kind == trust.AnnotationFreshness {
		return p.freshnessAnnotations(ctx, q)
	}
	if kind != trust.AnnotationCompliance {
		return nil, fmt.Errorf("policy: unknown annotation kind %q", kind)
	}
	now := p.Now()
	end := now
	if !q.To.IsZero() && q.To.Before(now) {
		end = q.To
	}
	run, err := p.Evaluate(ctx, q, stepTimes(q.From, end))
	if err != nil {
		return nil, err
	}
	type key struct{ model, version, rule string }
	type open struct {
		start, last time.Time
		res         RuleResult
		name        string
	}
	active := map[key]*open{}
	var out []trust.Annotation
	closeRun := func(k key, o *open) {
		a := trust.Annotation{
			Time:  o.start,
			Title: fmt.Sprintf("%s: rule %s failed", o.name, k.rule),
			Text:  fmt.Sprintf("%s (%s). %s", o.res.Rule.Title, o.res.Rule.Severity, o.res.Reason),
			Tags:  []string{"compliance", k.rule, string(o.res.Rule.Severity), k.model},
		}
		if o.last.After(o.start) {
			a.TimeEnd = o.last
		}
		out = append(out, a)
		delete(active, k)
	}
	for _, e := range run.Evaluations {
		failing := map[key]bool{}
		for _, v := range e.Versions {
			name := versionName(&v.Model)
			for _, r := range v.Results {
				if r.Outcome != Fail {
					continue
				}
				k := key{v.Model.Name, v.Model.Version, r.Rule.ID}
				failing[k] = true
				if o := active[k]; o != nil {
					o.last, o.res = e.Time, r
				} else {
					active[k] = &open{start: e.Time, last: e.Time, res: r, name: name}
				}
			}
		}
		for k, o := range active {
			if !failing[k] {
				closeRun(k, o)
			}
		}
	}
	for k, o := range active {
		closeRun(k, o)
	}
	sortAnnotations(out)
	return out, nil
}

func sortAnnotations(a []trust.Annotation) {
	sort.SliceStable(a, func(i, j int) bool {
		if !a[i].Time.Equal(a[j].Time) {
			return a[i].Time.Before(a[j].Time)
		}
		return a[i].Title < a[j].Title
	})
}
