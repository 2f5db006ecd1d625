package engine

import (
	"context"
	"strings"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// noticeSource names the engine in the notices it adds itself.
const noticeSource = "dte-trust"

// explainEmpty adds to an empty answer a notice saying why it is empty: evidence exists outside the
// time range (naming the newest), or no evidence matches the query's filters at all. For the
// evidence dimensions the sources are asked once more without the time range; compliance, which
// evaluates rules at every step of the range, is not re-evaluated.
func (e *Engine) explainEmpty(ctx context.Context, dim trust.Dimension, q *trust.Query, ev *trust.Evidence) {
	filters := describeFilters(q)
	if dim == trust.Compliance {
		ev.Info(noticeSource, "", "no compliance results%s: no model version matches the query in the model registry or the evidence", filters)
		return
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		wide := *q
		wide.From, wide.To = time.Time{}, time.Time{}
		if all, err := e.CollectAll(ctx, dim, &wide); err == nil {
			if newest, oldest := timeBounds(all); !newest.IsZero() {
				where := "before"
				if !q.To.IsZero() && oldest.After(q.To) {
					where = "after"
				}
				ev.Info(noticeSource, "", "no evidence in range: the newest %s evidence%s is from %s (%s the range %s to %s); widen the time range",
					dim, filters, newest.UTC().Format(time.RFC3339), where, rangeEnd(q.From, "the beginning"), rangeEnd(q.To, "now"))
				return
			}
		}
	}
	ev.Info(noticeSource, "", "no %s evidence%s in any configured source (%s)", dim, filters, strings.Join(e.sourcesOf(dim), ", "))
}

// describeFilters names the query's narrowing fields, for the notice: " for model x version 2".
func describeFilters(q *trust.Query) string {
	var parts []string
	add := func(name, v string) {
		if v = strings.TrimSpace(v); v != "" && v != "$__all" {
			parts = append(parts, name+" "+v)
		}
	}
	add("model", q.Model)
	add("version", q.Version)
	add("alias", q.Alias)
	if len(q.Metrics) > 0 {
		add("metrics", strings.Join(q.Metrics, ","))
	}
	add("source", q.Source)
	add("project", q.Project)
	add("feature", q.Feature)
	add("sensitive feature", q.SensitiveFeature)
	add("group", q.Group)
	if len(parts) == 0 {
		return ""
	}
	return " for " + strings.Join(parts, ", ")
}

// timeBounds returns the newest and oldest known times of the evidence (zero when none).
func timeBounds(ev *trust.Evidence) (newest, oldest time.Time) {
	see := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if newest.IsZero() || t.After(newest) {
			newest = t
		}
		if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	for i := range ev.Points {
		see(ev.Points[i].Time)
	}
	for i := range ev.Series {
		for _, ms := range ev.Series[i].Millis {
			if ms != 0 {
				see(time.UnixMilli(ms))
			}
		}
	}
	return newest, oldest
}

func rangeEnd(t time.Time, open string) string {
	if t.IsZero() {
		return open
	}
	return t.UTC().Format(time.RFC3339)
}

// sourcesOf names the configured sources that serve dim.
func (e *Engine) sourcesOf(dim trust.Dimension) []string {
	var out []string
	for _, p := range e.providers {
		if ep, ok := p.(trust.EvidenceProvider); ok && containsDim(ep.Dimensions(), dim) {
			out = append(out, p.Name())
		}
	}
	return out
}
