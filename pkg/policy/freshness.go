package policy

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Metric names of the freshness query type. Their points carry the dimension of the evidence
// they are about (fairness, drift, accuracy, quality, explainability), so frames label them dimension=fairness.
const (
	// MetricEvidenceAge is the age in seconds of the newest evidence of a dimension for a model
	// version at the evaluation time; absent when there is none within policyEvidenceDays.
	MetricEvidenceAge = "evidence_age_seconds"
	// MetricEvidencePresent is 1 when the model version has evidence of the dimension younger than
	// the query's staleAfter, else 0 (stale or absent).
	MetricEvidencePresent = "evidence_present"
)

var _ trust.FreshnessProvider = (*Provider)(nil)

// Freshness answers freshness queries: per model version (the registry's, or the versions the
// evidence names) and evidence dimension, evidence_age_seconds (threshold staleAfter, status fail
// beyond it) and evidence_present (1 or 0, status ok or fail), at the evaluation times of the
// query's format: the end of the range for latest and table, up to MaxSteps times across the
// range for time series (the age then rises between evaluations and drops when evidence arrives).
func (p *Provider) Freshness(ctx context.Context, q *trust.Query) (*trust.Evidence, error) {
	stale, err := q.StaleAfterDuration()
	if err != nil {
		return nil, err
	}
	times := EvaluationTimes(q, p.Now())
	subjects, dims, notices, err := p.freshnessSubjects(ctx, q, times[0].Add(-p.window()), times[len(times)-1], len(times) > 1)
	ev := &trust.Evidence{Notices: notices}
	if err != nil {
		return ev, err
	}
	for _, t := range times {
		for _, s := range subjects {
			if s.registered && !s.mv.Created.IsZero() && s.mv.Created.After(t) {
				continue // the version did not exist yet
			}
			labels := baseLabels(&VersionResult{Model: s.mv, Alias: s.alias})
			for _, d := range dims {
				de := s.dims[d]
				if de != nil && de.err != "" {
					continue // reading it failed: a notice says so, and neither fresh nor stale is known
				}
				newest, ok := p.newestAt(de, t)
				present := trust.Point{Time: t, Dimension: d, Metric: MetricEvidencePresent, Labels: labels, Link: s.mv.Link}
				if ok && t.Sub(newest.Time) <= stale {
					present.Value = 1
				}
				present.WithStatus(1, true)
				if ok {
					present.Link = cmp.Or(newest.Link, s.mv.Link)
					age := trust.Point{Time: t, Dimension: d, Metric: MetricEvidenceAge, Value: t.Sub(newest.Time).Seconds(),
						Labels: labels, Link: present.Link}
					age.WithStatus(stale.Seconds(), false)
					if q.WantsMetric(MetricEvidenceAge) {
						ev.Add(age)
					}
				}
				if q.WantsMetric(MetricEvidencePresent) {
					ev.Add(present)
				}
			}
		}
	}
	return ev, nil
}

// freshnessSubjects finds the model versions a freshness query selects and reads their evidence of
// the dimensions it asks about, from..to (the time series when history).
func (p *Provider) freshnessSubjects(ctx context.Context, q *trust.Query, from, to time.Time, history bool) ([]*subject, []trust.Dimension, []trust.Notice, error) {
	sel := *q
	sel.Model, sel.Version, sel.Alias = single(q.Model), single(q.Version), single(q.Alias)
	dims, notices := p.freshnessDims(q.Dimensions)
	if len(dims) == 0 {
		return nil, nil, notices, nil
	}
	subjects, more, err := p.subjects(ctx, &sel, dims, from, to, history)
	notices = append(notices, more...)
	if err == nil && len(subjects) == 0 {
		notices = append(notices, trust.Notice{Source: trust.SourcePolicy, Location: describeSelection(&sel),
			Message: "no model versions found to report evidence freshness for"})
	}
	for _, s := range subjects {
		for _, d := range dims {
			if de := s.dims[d]; de != nil && slices.ContainsFunc(de.points, func(pt trust.Point) bool { return pt.Time.IsZero() }) {
				notices = append(notices, trust.Notice{Source: trust.SourcePolicy, Location: string(d) + " evidence", Warning: true,
					Message: fmt.Sprintf("some %s evidence of %s carries no time: it does not count as fresh", d, versionName(&s.mv))})
			}
		}
	}
	return subjects, dims, notices, err
}

// freshnessDims reads a query's dimensions: the evidence dimensions some configured source serves
// (all of them when names is empty), with a notice for each name that is not one.
func (p *Provider) freshnessDims(names []string) ([]trust.Dimension, []trust.Notice) {
	served := p.served()
	var out []trust.Dimension
	var notes []trust.Notice
	if len(names) == 0 {
		for _, d := range EvidenceDimensions {
			if served[d] {
				out = append(out, d)
			}
		}
		return out, notes
	}
	for _, n := range names {
		d := trust.Dimension(strings.ToLower(strings.TrimSpace(n)))
		switch {
		case !slices.Contains(EvidenceDimensions, d):
			notes = append(notes, trust.Notice{Source: trust.SourcePolicy, Location: "dimensions", Warning: true,
				Message: fmt.Sprintf("%q is not an evidence dimension (use fairness, drift, accuracy, quality or explainability): the others are reported", n)})
		case !served[d]:
			notes = append(notes, trust.Notice{Source: trust.SourcePolicy, Location: "dimensions", Warning: true,
				Message: fmt.Sprintf("no configured source serves %s evidence", d)})
		case !slices.Contains(out, d):
			out = append(out, d)
		}
	}
	return out, notes
}

// newestAt returns the newest timed point at or before t within the evidence window.
func (p *Provider) newestAt(de *dimEvidence, t time.Time) (trust.Point, bool) {
	if de == nil {
		return trust.Point{}, false
	}
	for i := len(de.points) - 1; i >= 0; i-- {
		pt := de.points[i]
		if pt.Time.IsZero() {
			break // sorted: zero times first
		}
		if pt.Time.After(t) {
			continue
		}
		if !pt.Time.After(t.Add(-p.window())) {
			break
		}
		return pt, true
	}
	return trust.Point{}, false
}

// freshnessAnnotations marks, per model version and evidence dimension, when evidence appeared
// (the first evidence, or evidence after a stale stretch) and when it went stale (the newest
// evidence's time plus staleAfter, when nothing newer came by then), within the query's range.
func (p *Provider) freshnessAnnotations(ctx context.Context, q *trust.Query) ([]trust.Annotation, error) {
	stale, err := q.StaleAfterDuration()
	if err != nil {
		return nil, err
	}
	end := p.Now()
	if !q.To.IsZero() && q.To.Before(end) {
		end = q.To
	}
	start := q.From
	if start.IsZero() || !start.Before(end) {
		start = end.Add(-p.window())
	}
	subjects, dims, _, err := p.freshnessSubjects(ctx, q, start.Add(-p.window()), end, true)
	if err != nil {
		return nil, err
	}
	in := func(t time.Time) bool { return !t.Before(start) && !t.After(end) }
	var out []trust.Annotation
	for _, s := range subjects {
		name := versionName(&s.mv)
		for _, d := range dims {
			de := s.dims[d]
			if de == nil || de.err != "" {
				continue
			}
			var times []time.Time
			for _, pt := range de.points {
				if !pt.Time.IsZero() && !pt.Time.After(end) && (len(times) == 0 || !pt.Time.Equal(times[len(times)-1])) {
					times = append(times, pt.Time)
				}
			}
			for i, t := range times {
				if (i == 0 || t.Sub(times[i-1]) > stale) && in(t) {
					out = append(out, trust.Annotation{Time: t,
						Title: fmt.Sprintf("%s: %s evidence appeared", name, d),
						Text:  fmt.Sprintf("%s evidence of %s measured at %s (after none for more than %s)", d, name, t.UTC().Format(time.RFC3339), formatDuration(stale)),
						Tags:  []string{"freshness", string(d), "appeared", s.mv.Name}})
				}
				if goes := t.Add(stale); (i == len(times)-1 || times[i+1].Sub(t) > stale) && in(goes) {
					out = append(out, trust.Annotation{Time: goes,
						Title: fmt.Sprintf("%s: %s evidence went stale", name, d),
						Text:  fmt.Sprintf("the newest %s evidence of %s, measured at %s, is now older than %s (staleAfter)", d, name, t.UTC().Format(time.RFC3339), formatDuration(stale)),
						Tags:  []string{"freshness", string(d), "stale", s.mv.Name}})
				}
			}
		}
	}
	sortAnnotations(out)
	return out, ctx.Err()
}

// versionName renders "credit v3" (or the model name alone).
func versionName(mv *trust.ModelVersion) string {
	if mv.Version == "" {
		return mv.Name
	}
	return mv.Name + " v" + mv.Version
}
