package policy

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// The evaluation context of a rule for one model version at one time (docs/compliance-rules.md
// "Evaluation context"):
//
//	now       timestamp: the evaluation time
//	params    map: the rule's params
//	model     map: name, version, registered (bool), and with registry metadata: aliases, stage,
//	          tags, description, created, updated, run_id, link, and run (run_context.go: id,
//	          params, tags, user, status, start, end, inputs, artifacts)
//	evidence  map: fairness, drift, accuracy, quality, explainability, each present only when there is evidence:
//	          {time, age, count, link, sources, <metric>: {value, min, max, time, age, status,
//	           threshold, link, count, series: [{value, time, status, threshold, link, labels}]}}

// modelContext builds `model`. Without registry metadata (no model catalog) only name, version
// and registered=false are set, so rules reading tags are unknown rather than failing.
func modelContext(mv *trust.ModelVersion, registered bool) map[string]any {
	m := map[string]any{"name": mv.Name, "version": mv.Version, "registered": registered}
	if mv.Link != "" {
		m["link"] = mv.Link
	}
	if !registered {
		return m
	}
	m["aliases"] = nonNilList(mv.Aliases)
	m["stage"] = mv.Stage
	m["tags"] = nonNilMap(mv.Tags)
	m["description"] = mv.Description
	if !mv.Created.IsZero() {
		m["created"] = mv.Created
	}
	if !mv.Updated.IsZero() {
		m["updated"] = mv.Updated
	}
	m["run_id"] = mv.RunID
	m["run"] = runContext(mv)
	return m
}

func nonNilList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// dimEvidence is what one dimension's sources returned for one model version.
type dimEvidence struct {
	points []trust.Point // sorted by time, zero times first
	keys   []string      // series key of each point
	err    string        // why the evidence could not be read; empty when it was
}

func newDimEvidence(points []trust.Point) *dimEvidence {
	sort.SliceStable(points, func(i, j int) bool { return points[i].Time.Before(points[j].Time) })
	keys := make([]string, len(points))
	for i := range points {
		keys[i] = points[i].SeriesKey()
	}
	return &dimEvidence{points: points, keys: keys}
}

// latestAt returns the latest point of each series measured in (t-window, t]. Points without a
// time count as measured at any time.
func (d *dimEvidence) latestAt(t time.Time, window time.Duration) []trust.Point {
	idx := map[string]int{}
	var order []string
	for i := range d.points {
		pt := d.points[i].Time
		if pt.After(t) {
			break
		}
		if !pt.IsZero() && !pt.After(t.Add(-window)) {
			continue
		}
		if _, seen := idx[d.keys[i]]; !seen {
			order = append(order, d.keys[i])
		}
		idx[d.keys[i]] = i
	}
	sort.Strings(order)
	out := make([]trust.Point, len(order))
	for i, k := range order {
		out[i] = d.points[idx[k]]
	}
	return out
}

// higherIsBetter lists the metrics whose worst value is the lowest; for every other metric
// (differences, drift, errors, failed tests) the worst value is the highest.
var higherIsBetter = map[string]bool{
	"accuracy": true, "balanced_accuracy": true, "precision": true, "recall": true, "f1": true,
	"f1_score": true, "roc_auc": true, "pr_auc": true, "r2": true, "r2_score": true, "tpr": true,
	"tnr": true, "tests_passed": true, "tests_success_rate": true, "success_rate": true,
	// Great Expectations validation results (pkg/source/gx)
	"validation_success": true, "expectation_success": true, "success_percent": true, "expectations_successful": true,
}

// HigherIsBetter reports whether a metric's worst value is its lowest (accuracy-like metrics and
// every *_ratio).
func HigherIsBetter(metric string) bool {
	return higherIsBetter[metric] || strings.HasSuffix(metric, "_ratio")
}

// dimensionContext summarises the latest points of one dimension as the map described above.
// It returns nil when there are no points.
func dimensionContext(latest []trust.Point, now time.Time) map[string]any {
	if len(latest) == 0 {
		return nil
	}
	byMetric := map[string][]*trust.Point{}
	var metrics []string
	var newest *trust.Point
	sources := map[string]bool{}
	for i := range latest {
		p := &latest[i]
		if _, ok := byMetric[p.Metric]; !ok {
			metrics = append(metrics, p.Metric)
		}
		byMetric[p.Metric] = append(byMetric[p.Metric], p)
		if newest == nil || p.Time.After(newest.Time) || (newest.Link == "" && p.Link != "" && !p.Time.Before(newest.Time)) {
			newest = p
		}
		if s := p.Labels[trust.LabelSource]; s != "" {
			sources[s] = true
		}
	}
	dim := map[string]any{"count": int64(len(latest))}
	if !newest.Time.IsZero() {
		dim["time"] = newest.Time
		dim["age"] = now.Sub(newest.Time)
	}
	if link := firstLink(newest, latest); link != "" {
		dim["link"] = link
	}
	srcs := make([]string, 0, len(sources))
	for s := range sources {
		srcs = append(srcs, s)
	}
	sort.Strings(srcs)
	dim["sources"] = srcs
	for _, m := range metrics {
		if _, reserved := dimensionNode.fields[m]; reserved {
			continue // a metric cannot shadow time, age, count, link or sources
		}
		dim[m] = metricContext(m, byMetric[m], now)
	}
	return dim
}

func firstLink(p *trust.Point, all []trust.Point) string {
	if p.Link != "" {
		return p.Link
	}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Link != "" {
			return all[i].Link
		}
	}
	return ""
}

// metricContext summarises the latest point of each series of one metric: value is the worst
// value (see HigherIsBetter), min and max the range, time the newest measurement.
func metricContext(metric string, pts []*trust.Point, now time.Time) map[string]any {
	hib := HigherIsBetter(metric)
	var worst, newest *trust.Point
	lo, hi := math.Inf(1), math.Inf(-1)
	series := make([]any, 0, len(pts))
	for _, p := range pts {
		s := map[string]any{"status": string(p.Status), "labels": labelMap(p.Labels)}
		if !math.IsNaN(p.Value) {
			s["value"] = p.Value
			lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
			if worst == nil || (hib && p.Value < worst.Value) || (!hib && p.Value > worst.Value) {
				worst = p
			}
		}
		if !p.Time.IsZero() {
			s["time"] = p.Time
		}
		if p.Threshold != nil {
			s["threshold"] = *p.Threshold
		}
		if p.Link != "" {
			s["link"] = p.Link
		}
		series = append(series, s)
		if newest == nil || p.Time.After(newest.Time) {
			newest = p
		}
	}
	m := map[string]any{"count": int64(len(pts)), "series": series}
	if !newest.Time.IsZero() {
		m["time"] = newest.Time
		m["age"] = now.Sub(newest.Time)
	}
	rep := newest
	if worst != nil {
		rep = worst
		m["value"], m["min"], m["max"] = worst.Value, lo, hi
	}
	m["status"] = string(rep.Status)
	if rep.Threshold != nil {
		m["threshold"] = *rep.Threshold
	}
	if rep.Link != "" {
		m["link"] = rep.Link
	} else if newest.Link != "" {
		m["link"] = newest.Link
	}
	return m
}

func labelMap(l trust.Labels) map[string]string {
	out := make(map[string]string, len(l))
	for k, v := range l {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// resolve follows path through the Go values of the context. ok is false at the first missing
// segment, and n tells how many segments resolved.
func resolve(root map[string]any, path []string) (v any, n int, ok bool) {
	var cur any = root
	for i, seg := range path {
		switch m := cur.(type) {
		case map[string]any:
			cur, ok = m[seg]
		case map[string]string:
			cur, ok = m[seg]
		default:
			ok = false
		}
		if !ok {
			return nil, i, false
		}
	}
	return cur, len(path), true
}

// formatValue renders a context value for a reason.
func formatValue(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 60 {
			x = x[:57] + "..."
		}
		return strconv.Quote(x)
	case float64:
		return strconv.FormatFloat(x, 'g', 4, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case time.Duration:
		return formatDuration(x)
	case []string:
		if len(x) > 5 {
			return fmt.Sprintf("[%s, ... (%d)]", strings.Join(x[:5], ", "), len(x))
		}
		return "[" + strings.Join(x, ", ") + "]"
	case []any:
		if len(x) > 6 {
			return fmt.Sprintf("[%d entries]", len(x))
		}
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]string:
		return fmt.Sprintf("{%d entries}", len(x))
	case map[string]any:
		return fmt.Sprintf("{%d entries}", len(x))
	default:
		return fmt.Sprint(x)
	}
}

// formatDuration renders ages the way people say them: 45d 3h, 5h 12m, 40s.
func formatDuration(d time.Duration) string {
	neg := ""
	if d < 0 {
		neg, d = "-", -d
	}
	days := int64(d / (24 * time.Hour))
	hours := int64(d % (24 * time.Hour) / time.Hour)
	mins := int64(d % time.Hour / time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%s%dd %dh", neg, days, hours)
	case hours > 0:
		return fmt.Sprintf("%s%dh %dm", neg, hours, mins)
	case mins > 0:
		return fmt.Sprintf("%s%dm", neg, mins)
	default:
		return neg + d.Round(time.Second).String()
	}
}

// sortVersions orders model versions by name, newest version first.
func sortVersions(mvs []trust.ModelVersion) {
	sort.SliceStable(mvs, func(i, j int) bool {
		if mvs[i].Name != mvs[j].Name {
			return mvs[i].Name < mvs[j].Name
		}
		return versionLess(mvs[j].Version, mvs[i].Version)
	})
}

// versionLess orders numeric versions numerically and the rest as strings.
func versionLess(a, b string) bool {
	na, ea := strconv.Atoi(a)
	nb, eb := strconv.Atoi(b)
	if ea == nil && eb == nil {
		return na < nb
	}
	return a < b
}

// containsString reports whether list holds s.
func containsString(list []string, s string) bool { return slices.Contains(list, s) }
