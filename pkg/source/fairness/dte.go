package fairness

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SupportedMajor is the major version of the DTE Trust fairness result format this plugin reads;
// every 1.x document is read, keys unknown to 1.0 are ignored.
const SupportedMajor = 1

// dteDoc is a DTE Trust fairness result (docs/fairness-format.md).
type dteDoc struct {
	Format            string          `json:"format"`
	FormatVersion     json.RawMessage `json:"format_version"`
	Model             json.RawMessage `json:"model"`
	Version           json.RawMessage `json:"version"`
	RunID             string          `json:"run_id"`
	Timestamp         json.RawMessage `json:"timestamp"`
	Dataset           string          `json:"dataset"`
	SensitiveFeatures []string        `json:"sensitive_features"`
	ControlFeatures   []string        `json:"control_features"`
	Metrics           []string        `json:"metrics"`
	dteStratum
	Strata []dteStratum `json:"strata"`
}

type dteStratum struct {
	Control           map[string]json.RawMessage `json:"control"`
	Overall           map[string]num             `json:"overall"`
	ByGroup           []dteGroup                 `json:"by_group"`
	Disparities       map[string]dteDisparity    `json:"disparities"`
	Fairness          map[string]num             `json:"fairness"`
	FairnessToOverall map[string]num             `json:"fairness_to_overall"`
	CI                *dteIntervals              `json:"confidence_intervals"`
}

type dteGroup struct {
	Group  map[string]json.RawMessage `json:"group"`
	Count  *num                       `json:"count"`
	Values map[string]num             `json:"values"`
}

type dteDisparity struct {
	GroupMin            *num                       `json:"group_min"`
	GroupMax            *num                       `json:"group_max"`
	Difference          *num                       `json:"difference"`
	Ratio               *num                       `json:"ratio"`
	DifferenceToOverall *num                       `json:"difference_to_overall"`
	RatioToOverall      *num                       `json:"ratio_to_overall"`
	WorstGroup          map[string]json.RawMessage `json:"worst_group"`
}

type dteIntervals struct {
	Quantiles []float64                   `json:"quantiles"`
	Overall   map[string][]num            `json:"overall"`
	ByGroup   []dteGroupInterval          `json:"by_group"`
	Disparity map[string]map[string][]num `json:"disparities"`
}

type dteGroupInterval struct {
	Group  map[string]json.RawMessage `json:"group"`
	Values map[string][]num           `json:"values"`
}

// formatMajor reads the major number of format_version ("1.0", "1", 1).
func formatMajor(raw json.RawMessage) (int, string, error) {
	s, ok := scalarString(raw)
	if !ok {
		return 0, "", fmt.Errorf("no format_version")
	}
	major, _, _ := strings.Cut(s, ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return 0, s, fmt.Errorf("format_version %q is not major.minor", s)
	}
	return n, s, nil
}

// readDTE decodes a DTE Trust fairness result.
func readDTE(b []byte) (*Evaluation, error) {
	var d dteDoc
	if err := decodeJSON(b, &d); err != nil {
		return nil, fmt.Errorf("not a valid %s document: %w", FormatDTE, err)
	}
	major, version, err := formatMajor(d.FormatVersion)
	if err != nil {
		return nil, err
	}
	if major != SupportedMajor {
		return nil, fmt.Errorf("format_version %s is not supported (this plugin reads %d.x): skipped; upgrade the plugin", version, SupportedMajor)
	}
	if len(d.SensitiveFeatures) == 0 {
		return nil, fmt.Errorf("no sensitive_features")
	}
	e := &Evaluation{Format: FormatDTE, RunID: d.RunID, Dataset: d.Dataset, SensitiveFeatures: d.SensitiveFeatures}
	e.Model, _ = scalarString(d.Model)
	e.Version, _ = scalarString(d.Version)
	if ts, ok := scalarString(d.Timestamp); ok {
		t, err := parseTime(ts)
		if err != nil {
			return nil, fmt.Errorf("timestamp: %w", err)
		}
		e.Time, e.TimeKnown = t, true
	}
	metrics := make([]string, len(d.Metrics))
	for i, m := range d.Metrics {
		metrics[i] = canonMetric(m)
	}
	strata := d.Strata
	if len(strata) == 0 {
		if d.ByGroup == nil && d.Overall == nil && d.Fairness == nil {
			return nil, fmt.Errorf("neither by_group nor strata")
		}
		strata = []dteStratum{d.dteStratum}
	}
	for _, ds := range strata {
		s, err := ds.stratum(d.SensitiveFeatures, d.ControlFeatures, metrics)
		if err != nil {
			return nil, err
		}
		e.Strata = append(e.Strata, s)
	}
	return e, nil
}

// groupOf renders a group object in feature order.
func groupOf(features []string, g map[string]json.RawMessage) (string, error) {
	if len(g) == 0 {
		return "", fmt.Errorf("a group without feature values")
	}
	names := features
	if len(names) == 0 {
		for k := range g {
			names = append(names, k)
		}
		sort.Strings(names)
	}
	vals := make([]string, len(names))
	for i, f := range names {
		v, ok := scalarString(g[f])
		if !ok {
			return "", fmt.Errorf("a group without a value for %q", f)
		}
		vals[i] = v
	}
	return groupLabel(names, vals), nil
}

// stratum maps one stratum of a document (or the document itself when it has no strata), its
// metric names made canonical.
func (ds *dteStratum) stratum(features, controls, metrics []string) (*Stratum, error) {
	s := &Stratum{Metrics: metrics, Overall: map[string]float64{}}
	if len(ds.Control) > 0 {
		c, err := ds.controlGroup(controls)
		if err != nil {
			return nil, err
		}
		s.Control = c
	}
	for m, v := range ds.Overall {
		s.Overall[canonMetric(m)] = float64(v)
	}
	groups, err := ds.groups(features)
	if err != nil {
		return nil, err
	}
	s.Groups = groups
	for m, dd := range ds.Disparities {
		dd.fill(s.disparity(canonMetric(m)), features)
	}
	for name, v := range ds.Fairness {
		s.setGiven(canonMetric(name), float64(v))
	}
	for name, v := range ds.FairnessToOverall {
		s.setGiven(canonMetric(name)+suffixToOverall, float64(v))
	}
	if ds.CI != nil && len(ds.CI.Quantiles) > 0 {
		s.CI = ds.CI.intervals(features)
	}
	return s, nil
}

// controlGroup renders the stratum's control object as its control_group label: "feature=value"
// pairs, a bare value being given the first control feature's name.
func (ds *dteStratum) controlGroup(controls []string) (string, error) {
	c, err := groupOf(controls, ds.Control)
	if err != nil {
		return "", fmt.Errorf("strata: %w", err)
	}
	if !strings.Contains(c, "=") {
		c = controls[0] + "=" + c
	}
	return c, nil
}

// groups maps the by_group values, the group counts as the count metric.
func (ds *dteStratum) groups(features []string) ([]Group, error) {
	var out []Group
	for _, g := range ds.ByGroup {
		label, err := groupOf(features, g.Group)
		if err != nil {
			return nil, fmt.Errorf("by_group: %w", err)
		}
		grp := Group{Label: label}
		if g.Count != nil {
			grp.set(countMetric, float64(*g.Count))
		}
		for m, v := range g.Values {
			grp.set(canonMetric(m), float64(v))
		}
		if grp.Values == nil {
			grp.Values = map[string]float64{}
		}
		out = append(out, grp)
	}
	return out, nil
}

// fill copies the values a disparity states into d. A worst group that cannot be rendered is left
// out.
func (dd *dteDisparity) fill(d *Disparity, features []string) {
	for _, f := range []struct {
		dst *float64
		src *num
	}{
		{&d.GroupMin, dd.GroupMin}, {&d.GroupMax, dd.GroupMax}, {&d.Difference, dd.Difference},
		{&d.Ratio, dd.Ratio}, {&d.DifferenceToOverall, dd.DifferenceToOverall}, {&d.RatioToOverall, dd.RatioToOverall},
	} {
		if f.src != nil {
			*f.dst = float64(*f.src)
		}
	}
	if len(dd.WorstGroup) > 0 {
		if wg, err := groupOf(features, dd.WorstGroup); err == nil {
			d.WorstGroup = wg
		}
	}
}

// intervals maps the confidence intervals, metric names made canonical. A by-group interval whose
// group cannot be rendered is left out.
func (ci *dteIntervals) intervals(features []string) *Intervals {
	out := &Intervals{Quantiles: ci.Quantiles, Overall: map[string][]float64{}, ByGroup: map[string]map[string][]float64{}, Disparities: map[string]map[string][]float64{}}
	for m, qs := range ci.Overall {
		out.Overall[canonMetric(m)] = floats(qs)
	}
	for _, g := range ci.ByGroup {
		label, err := groupOf(features, g.Group)
		if err != nil {
			continue
		}
		vals := map[string][]float64{}
		for m, qs := range g.Values {
			vals[canonMetric(m)] = floats(qs)
		}
		out.ByGroup[label] = vals
	}
	for m, kinds := range ci.Disparity {
		byKind := map[string][]float64{}
		for kind, qs := range kinds {
			byKind[kind] = floats(qs)
		}
		out.Disparities[canonMetric(m)] = byKind
	}
	return out
}

func floats(ns []num) []float64 {
	out := make([]float64, len(ns))
	for i, n := range ns {
		out[i] = float64(n)
	}
	return out
}

// timeLayouts are the timestamp spellings accepted in files and CSV columns; times without a zone
// are UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
}

// parseTime reads RFC 3339 and the usual variants, and Unix seconds or milliseconds.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		if f > 1e11 { // milliseconds
			return time.UnixMilli(int64(f)).UTC(), nil
		}
		return time.Unix(0, int64(f*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("cannot read time %q: use RFC 3339", s)
}
