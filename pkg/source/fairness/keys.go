package fairness

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Default MLflow metric key patterns: Go regular expressions with named groups. The group pattern
// needs (?P<group>...) and (?P<metric>...); the overall and disparity patterns need
// (?P<metric>...). Each may name (?P<sensitive_feature>...) too. The defaults read what the
// common practice logs (mlflow.log_metric(f"fairness_group_{group}_{metric}", ...),
// fairness_overall_<metric>, fairness_demographic_parity_diff); a group value holding "_" needs a
// pattern of its own.
const (
	DefaultMetricKeyPattern    = `^fairness_group_(?P<group>[^_]+)_(?P<metric>.+)$`
	DefaultOverallKeyPattern   = `^fairness_overall_(?P<metric>.+)$`
	DefaultDisparityKeyPattern = `^(?:fairness[_./])?(?P<metric>(?:demographic_parity|equalized_odds|equal_opportunity)_(?:diff|difference|ratio))$`
)

// helperKey is the key scheme dte_trust_fairness.log_metricframe logs (always recognised):
// fairness/<features>/<name>, fairness/<features>/overall/<metric> and
// fairness/<features>/group/<group>/<metric>, intersectional names and values joined with ".".
var helperKey = regexp.MustCompile(`^fairness/(?P<sensitive_feature>[^/]+)/(?:(?P<overall>overall)/|group/(?P<group>[^/]+)/)?(?P<metric>[^/]+)$`)

// keyPatterns are the compiled MLflow metric key patterns.
type keyPatterns struct {
	group, overall, disparity *regexp.Regexp
}

func compileKeyPatterns(group, overall, disparity string) (*keyPatterns, error) {
	compile := func(key, expr, def string, need ...string) (*regexp.Regexp, error) {
		if expr == "" {
			expr = def
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("fairlearn: jsonData %s is not a valid regular expression: %w", key, err)
		}
		for _, n := range need {
			if re.SubexpIndex(n) < 0 {
				return nil, fmt.Errorf("fairlearn: jsonData %s %q lacks the named group (?P<%s>...)", key, expr, n)
			}
		}
		return re, nil
	}
	var kp keyPatterns
	var err error
	if kp.group, err = compile("fairlearnMetricKeyPattern", group, DefaultMetricKeyPattern, "group", "metric"); err != nil {
		return nil, err
	}
	if kp.overall, err = compile("fairlearnOverallKeyPattern", overall, DefaultOverallKeyPattern, "metric"); err != nil {
		return nil, err
	}
	if kp.disparity, err = compile("fairlearnDisparityKeyPattern", disparity, DefaultDisparityKeyPattern, "metric"); err != nil {
		return nil, err
	}
	return &kp, nil
}

// submatch returns the named groups of a match, or nil.
func submatch(re *regexp.Regexp, s string) map[string]string {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return nil
	}
	out := map[string]string{}
	for i, name := range re.SubexpNames() {
		if name != "" && i < len(m) {
			out[name] = m[i]
		}
	}
	return out
}

// KeyValue is one latest metric value of an MLflow run.
type KeyValue struct {
	Key   string
	Value float64
	Time  time.Time
}

// hasFairnessKeys reports whether any key is a fairness metric under the patterns.
func (kp *keyPatterns) hasFairnessKeys(metrics []KeyValue) bool {
	for _, m := range metrics {
		if helperKey.MatchString(m.Key) || kp.group.MatchString(m.Key) || kp.overall.MatchString(m.Key) || kp.disparity.MatchString(m.Key) {
			return true
		}
	}
	return false
}

// evaluations reads the fairness metrics of one run: one evaluation per sensitive feature (the
// helper's scheme, or the patterns' sensitive_feature group), nil when no key matches.
func (kp *keyPatterns) evaluations(metrics []KeyValue) []*Evaluation {
	type acc struct {
		e      *Evaluation
		s      *Stratum
		groups map[string]*Group
	}
	byFeature := map[string]*acc{}
	var order []string
	get := func(feature string, helper bool) *acc {
		key := fmt.Sprintf("%t\x00%s", helper, feature)
		a, ok := byFeature[key]
		if !ok {
			e := &Evaluation{Format: FormatMLflowKeys}
			if feature != "" {
				if helper {
					e.SensitiveFeatures = strings.Split(feature, ".")
				} else {
					e.SensitiveFeatures = []string{feature}
				}
			}
			a = &acc{e: e, s: &Stratum{Overall: map[string]float64{}}, groups: map[string]*Group{}}
			e.Strata = []*Stratum{a.s}
			byFeature[key] = a
			order = append(order, key)
		}
		return a
	}
	touch := func(a *acc, t time.Time) {
		if t.After(a.e.Time) {
			a.e.Time, a.e.TimeKnown = t, true
		}
	}
	group := func(a *acc, label string) *Group {
		g, ok := a.groups[label]
		if !ok {
			g = &Group{Label: label, Values: map[string]float64{}}
			a.groups[label] = g
		}
		return g
	}
	for _, m := range metrics {
		if sm := submatch(helperKey, m.Key); sm != nil {
			a := get(sm["sensitive_feature"], true)
			touch(a, m.Time)
			metric := canonMetric(sm["metric"])
			switch {
			case sm["group"] != "":
				label := sm["group"]
				if vals := strings.Split(label, "."); len(a.e.SensitiveFeatures) > 1 && len(vals) == len(a.e.SensitiveFeatures) {
					label = groupLabel(a.e.SensitiveFeatures, vals)
				}
				group(a, label).set(metric, m.Value)
			case sm["overall"] != "":
				a.s.Overall[metric] = m.Value
			default:
				a.s.setGiven(metric, m.Value)
			}
			continue
		}
		if sm := submatch(kp.group, m.Key); sm != nil {
			a := get(sm["sensitive_feature"], false)
			touch(a, m.Time)
			group(a, sm["group"]).set(canonMetric(sm["metric"]), m.Value)
			continue
		}
		if sm := submatch(kp.overall, m.Key); sm != nil {
			a := get(sm["sensitive_feature"], false)
			touch(a, m.Time)
			a.s.Overall[canonMetric(sm["metric"])] = m.Value
			continue
		}
		if sm := submatch(kp.disparity, m.Key); sm != nil {
			a := get(sm["sensitive_feature"], false)
			touch(a, m.Time)
			a.s.setGiven(canonMetric(sm["metric"]), m.Value)
		}
	}
	var out []*Evaluation
	for _, k := range order {
		a := byFeature[k]
		labels := make([]string, 0, len(a.groups))
		for l := range a.groups {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		for _, l := range labels {
			a.s.Groups = append(a.s.Groups, *a.groups[l])
		}
		a.s.Metrics = orderedMetrics(a.s)
		out = append(out, a.e)
	}
	return out
}
