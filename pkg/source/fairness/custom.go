package fairness

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/pyjson"
)

// readCustom decodes the hand-built JSON practitioners write from a MetricFrame:
//
//	{"model": ..., "sensitive_feature": "sex" | {"feature": "sex", ...},
//	 "overall": {metric: v}, "by_group": {"<group>": {metric: v}}, "fairness": {name: v}}
//
// by_group may also be column-major (mf.by_group.to_dict(): {metric: {"<group>": v}}) or a list of
// {"group": ..., metric: v} objects. Bare NaN tokens (json.dump's default) are accepted.
func readCustom(top map[string]json.RawMessage) (*Evaluation, []string, error) {
	e := &Evaluation{Format: FormatCustomJSON}
	var notes []string
	str := func(keys ...string) string {
		for _, k := range keys {
			if v, ok := scalarString(top[k]); ok {
				return v
			}
		}
		return ""
	}
	e.Model = str("model", "model_name")
	e.Version = str("version", "model_version")
	e.RunID = str("run_id")
	e.Dataset = str("dataset")
	if ts := str("timestamp", "time", "evaluated_at", "created_at", "date"); ts != "" {
		t, err := parseTime(ts)
		if err != nil {
			return nil, nil, err
		}
		e.Time, e.TimeKnown = t, true
	}
	e.SensitiveFeatures = sensitiveFeatures(top)

	s := &Stratum{Overall: map[string]float64{}}
	if raw, ok := top["overall"]; ok {
		var ov map[string]num
		if err := decodeJSON(raw, &ov); err != nil {
			return nil, nil, fmt.Errorf("overall: %w", err)
		}
		for m, v := range ov {
			s.Overall[canonMetric(m)] = float64(v)
		}
	}
	if raw, ok := top["by_group"]; ok && string(raw) != "null" {
		groups, err := customGroups(raw, s.Overall, e.SensitiveFeatures)
		if err != nil {
			return nil, nil, fmt.Errorf("by_group: %w", err)
		}
		s.Groups = groups
	}
	if raw, ok := top["fairness"]; ok {
		var fair map[string]json.RawMessage
		if err := decodeJSON(raw, &fair); err != nil {
			return nil, nil, fmt.Errorf("fairness: %w", err)
		}
		names := make([]string, 0, len(fair))
		for k := range fair {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			var v num
			if err := decodeJSON(fair[k], &v); err != nil {
				notes = append(notes, fmt.Sprintf("fairness.%s is not a number: skipped", k))
				continue
			}
			s.setGiven(canonMetric(k), float64(v))
		}
	}
	if len(s.Groups) == 0 && len(s.Overall) == 0 && len(s.Fairness) == 0 && len(s.Disparities) == 0 {
		return nil, nil, fmt.Errorf("no values under overall, by_group or fairness")
	}
	s.Metrics = orderedMetrics(s)
	e.Strata = []*Stratum{s}
	return e, notes, nil
}

// sensitiveFeatures reads the feature name(s) from sensitive_feature(s): a string, a list, or an
// object with a feature or name key.
func sensitiveFeatures(top map[string]json.RawMessage) []string {
	for _, k := range []string{"sensitive_features", "sensitive_feature", "sensitive_attribute", "protected_attribute", "feature"} {
		raw, ok := top[k]
		if !ok {
			continue
		}
		if s, ok := scalarString(raw); ok && s != "" {
			return []string{s}
		}
		var list []string
		if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
			return list
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) == nil {
			for _, key := range []string{"feature", "name", "features"} {
				if s, ok := scalarString(obj[key]); ok && s != "" {
					return []string{s}
				}
				if json.Unmarshal(obj[key], &list) == nil && len(list) > 0 {
					return list
				}
			}
		}
	}
	return nil
}

// customGroups reads by_group in its row-major, column-major or list form.
func customGroups(raw json.RawMessage, overall map[string]float64, features []string) ([]Group, error) {
	raw = json.RawMessage(pyjson.Sanitize(raw))
	var list []map[string]json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		return groupList(list, features)
	}
	var obj map[string]map[string]num
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("expected {group: {metric: value}}: %w", err)
	}
	outer := sortedKeys(obj)
	if columnMajor(outer, obj, overall) {
		byGroup := map[string]*Group{}
		var order []string
		for _, m := range outer {
			for _, g := range sortedKeys(obj[m]) {
				grp, ok := byGroup[g]
				if !ok {
					grp = &Group{Label: g, Values: map[string]float64{}}
					byGroup[g] = grp
					order = append(order, g)
				}
				grp.set(canonMetric(m), float64(obj[m][g]))
			}
		}
		out := make([]Group, len(order))
		for i, g := range order {
			out[i] = *byGroup[g]
		}
		return out, nil
	}
	// Row-major keeps the file's group order: decode the keys again in order.
	out := make([]Group, 0, len(obj))
	for _, g := range orderedKeys(raw) {
		grp := Group{Label: g, Values: map[string]float64{}}
		for m, v := range obj[g] {
			grp.set(canonMetric(m), float64(v))
		}
		out = append(out, grp)
	}
	return out, nil
}

// columnMajor tells {metric: {group: v}} from {group: {metric: v}}: the outer keys are metrics when
// they are the overall metrics, or known metric names while the inner keys are not.
func columnMajor(outer []string, obj map[string]map[string]num, overall map[string]float64) bool {
	inOverall, known := 0, 0
	for _, k := range outer {
		if _, ok := overall[canonMetric(k)]; ok {
			inOverall++
		}
		if knownMetrics[canonMetric(k)] {
			known++
		}
	}
	if len(overall) > 0 && inOverall == len(outer) {
		return true
	}
	if known < len(outer) {
		return false
	}
	for _, k := range outer {
		for inner := range obj[k] {
			if knownMetrics[canonMetric(inner)] {
				return false
			}
		}
	}
	return true
}

func groupList(list []map[string]json.RawMessage, features []string) ([]Group, error) {
	var out []Group
	for i, item := range list {
		raw, ok := item["group"]
		if !ok {
			return nil, fmt.Errorf("item %d has no group", i)
		}
		label, ok := scalarString(raw)
		if !ok {
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(raw, &obj); err != nil {
				return nil, fmt.Errorf("item %d: group is neither a value nor an object", i)
			}
			l, err := groupOf(features, obj)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			label = l
		}
		g := Group{Label: label, Values: map[string]float64{}}
		values := item
		if raw, ok := item["values"]; ok {
			if err := json.Unmarshal(raw, &values); err != nil {
				return nil, fmt.Errorf("item %d: values: %w", i, err)
			}
		}
		for k, raw := range values {
			if k == "group" || k == "values" {
				continue
			}
			var v num
			if json.Unmarshal(raw, &v) != nil {
				continue
			}
			g.set(canonMetric(k), float64(v))
		}
		if raw, ok := item["count"]; ok {
			var v num
			if json.Unmarshal(raw, &v) == nil {
				g.set(countMetric, float64(v))
			}
		}
		out = append(out, g)
	}
	return out, nil
}

// orderedMetrics lists a stratum's metrics: overall first in sorted order, then any only groups name.
func orderedMetrics(s *Stratum) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range sortedKeys(s.Overall) {
		seen[m] = true
		out = append(out, m)
	}
	var extra []string
	for _, g := range s.Groups {
		for m := range g.Values {
			if !seen[m] {
				seen[m] = true
				extra = append(extra, m)
			}
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// orderedKeys returns the keys of a JSON object in document order.
func orderedKeys(raw json.RawMessage) []string {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}
