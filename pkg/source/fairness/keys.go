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

// submatch returns the named groups of a match, or nil. A match whose metric group is empty (a
// pattern that lets it be) names no metric and is no match.
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
	if out["metric"] == "" {
		return nil
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
	ke := &keyEvaluations{byFeature: map[string]*keyFeature{}}
	for _, m := range metrics {
		kp.add(ke, m)
	}
	evals := ke.finish()
	for _, e := range evals {
		e.dropUnnamed() // a metric group that normalises to nothing names no metric
	}
	return evals
}

// add files one metric value under the first scheme its key matches: the helper's, then the group,
// overall and disparity patterns. A key that matches none is not a fairness metric.
func (kp *keyPatterns) add(ke *keyEvaluations, m KeyValue) {
	if sm := submatch(helperKey, m.Key); sm != nil {
		ke.addHelper(sm, m)
		return
	}
	if sm := submatch(kp.group, m.Key); sm != nil {
		f := ke.get(sm["sensitive_feature"], false)
		f.touch(m.Time)
		f.group(sm["group"]).set(canonMetric(sm["metric"]), m.Value)
		return
	}
	if sm := submatch(kp.overall, m.Key); sm != nil {
		f := ke.get(sm["sensitive_feature"], false)
		f.touch(m.Time)
		f.s.Overall[canonMetric(sm["metric"])] = m.Value
		return
	}
	if sm := submatch(kp.disparity, m.Key); sm != nil {
		f := ke.get(sm["sensitive_feature"], false)
		f.touch(m.Time)
		f.s.setGiven(canonMetric(sm["metric"]), m.Value)
	}
}

// keyEvaluations collects the evaluations of one run's metric keys, one per sensitive feature and
// key scheme, in the order they are first met.
type keyEvaluations struct {
	byFeature map[string]*keyFeature
	order     []string
}

// keyFeature is the evaluation of one sensitive feature being read: its single stratum, and its
// groups by label.
type keyFeature struct {
	e      *Evaluation
	s      *Stratum
	groups map[string]*Group
}

// get returns the evaluation of a feature, creating it; helper tells the helper's scheme, where an
// intersectional feature is the feature names joined with ".".
func (ke *keyEvaluations) get(feature string, helper bool) *keyFeature {
	key := fmt.Sprintf("%t\x00%s", helper, feature)
	f, ok := ke.byFeature[key]
	if !ok {
		e := &Evaluation{Format: FormatMLflowKeys}
		if feature != "" {
			if helper {
				e.SensitiveFeatures = strings.Split(feature, ".")
			} else {
				e.SensitiveFeatures = []string{feature}
			}
		}
		f = &keyFeature{e: e, s: &Stratum{Overall: map[string]float64{}}, groups: map[string]*Group{}}
		e.Strata = []*Stratum{f.s}
		ke.byFeature[key] = f
		ke.order = append(ke.order, key)
	}
	return f
}

// addHelper files a value logged under the helper's scheme: a group value (an intersectional
// group's values joined with "."), an overall value, or a stated disparity or fairness scalar.
func (ke *keyEvaluations) addHelper(sm map[string]string, m KeyValue) {
	f := ke.get(sm["sensitive_feature"], true)
	f.touch(m.Time)
	metric := canonMetric(sm["metric"])
	switch {
	case sm["group"] != "":
		label := sm["group"]
		if vals := strings.Split(label, "."); len(f.e.SensitiveFeatures) > 1 && len(vals) == len(f.e.SensitiveFeatures) {
			label = groupLabel(f.e.SensitiveFeatures, vals)
		}
		f.group(label).set(metric, m.Value)
	case sm["overall"] != "":
		f.s.Overall[metric] = m.Value
	default:
		f.s.setGiven(metric, m.Value)
	}
}

// touch dates the evaluation by its latest value.
func (f *keyFeature) touch(t time.Time) {
	if t.After(f.e.Time) {
		f.e.Time, f.e.TimeKnown = t, true
	}
}

// group returns the group with a label, creating it.
func (f *keyFeature) group(label string) *Group {
	g, ok := f.groups[label]
	if !ok {
		g = &Group{Label: label, Values: map[string]float64{}}
		f.groups[label] = g
	}
	return g
}

// finish returns the evaluations in the order their features were met, each with its groups
// sorted by label and its metrics ordered; nil when there are none.
func (ke *keyEvaluations) finish() []*Evaluation {
	var out []*Evaluation
	for _, k := range ke.order {
		f := ke.byFeature[k]
		labels := make([]string, 0, len(f.groups))
		for l := range f.groups {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		for _, l := range labels {
			f.s.Groups = append(f.s.Groups, *f.groups[l])
		}
		f.s.Metrics = orderedMetrics(f.s)
		out = append(out, f.e)
	}
	return out
}
