//go:build protocol

package protocol

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.yaml.in/yaml/v3"
)

// alertRule is what the harness reads of a provisioned Grafana-managed rule.
type alertRule struct {
	UID   string `yaml:"uid"`
	Title string `yaml:"title"`
	Data  []struct {
		RefID             string `yaml:"refId"`
		DatasourceUID     string `yaml:"datasourceUid"`
		RelativeTimeRange struct {
			From int64 `yaml:"from"`
			To   int64 `yaml:"to"`
		} `yaml:"relativeTimeRange"`
		Model map[string]any `yaml:"model"`
	} `yaml:"data"`
}

func loadRules(t *testing.T) []alertRule {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), "provisioning", "alerting", "dte-trust-rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Rules []alertRule `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var out []alertRule
	for _, g := range doc.Groups {
		out = append(out, g.Rules...)
	}
	if len(out) < 4 {
		t.Fatalf("%d provisioned rules, want at least fairness, drift, accuracy and compliance", len(out))
	}
	return out
}

// threshold is the rule's threshold expression: evaluator type and params.
func (r alertRule) threshold(t *testing.T) (string, []float64) {
	for _, d := range r.Data {
		if d.Model["type"] != "threshold" {
			continue
		}
		conds, _ := d.Model["conditions"].([]any)
		if len(conds) == 0 {
			break
		}
		ev, _ := conds[0].(map[string]any)["evaluator"].(map[string]any)
		kind, _ := ev["type"].(string)
		var params []float64
		for _, p := range ev["params"].([]any) {
			switch x := p.(type) {
			case float64:
				params = append(params, x)
			case int:
				params = append(params, float64(x))
			}
		}
		return kind, params
	}
	t.Fatalf("rule %s has no threshold expression", r.UID)
	return "", nil
}

// fires applies a Grafana threshold evaluator to a value.
func fires(kind string, params []float64, v float64) (bool, error) {
	switch {
	case kind == "gt" && len(params) > 0:
		return v > params[0], nil
	case kind == "lt" && len(params) > 0:
		return v < params[0], nil
	case kind == "within_range" && len(params) > 1:
		return v > params[0] && v < params[1], nil
	case kind == "outside_range" && len(params) > 1:
		return v < params[0] || v > params[1], nil
	}
	return false, fmt.Errorf("unsupported evaluator %s %v", kind, params)
}

// instance is one alert instance: its labels and its value.
type instance struct {
	labels map[string]string
	key    string
	value  float64
}

// instances turns a numeric-long answer into alert instances, one per row.
func instances(t *testing.T, a Answer) []instance {
	t.Helper()
	var out []instance
	for _, f := range a.Frames {
		var num *data.Field
		for _, fld := range f.Fields {
			if fld.Type().Numeric() {
				num = fld
			}
		}
		for row := 0; row < f.Rows(); row++ {
			labels := map[string]string{}
			for _, fld := range f.Fields {
				if fld.Type() == data.FieldTypeString || fld.Type() == data.FieldTypeNullableString {
					v, _ := fld.ConcreteAt(row)
					labels[fld.Name] = fmt.Sprint(v)
				}
			}
			v, err := num.FloatAt(row)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, instance{labels: labels, key: InstanceKey(f, row), value: v})
		}
	}
	return out
}

// TestAlertRules evaluates every provisioned rule's data source query as Grafana's scheduler
// does (the rule's relativeTimeRange, no template variables), checks the frame forms one alert
// instance per label set, applies the rule's own threshold, and checks which models fire.
func TestAlertRules(t *testing.T) {
	expect := map[string]struct{ firing, normal string }{
		"dte-trust-fairness-dpd": {biasedModel, healthyModel},
		"dte-trust-drift-share":  {biasedModel, healthyModel},
		// testdata/gx/gx1: the latest credit_applications validation fails, churn_events passes
		"dte-trust-gx-validation-failed": {biasedModel, healthyModel},
	}
	for _, r := range loadRules(t) {
		t.Run(r.UID, func(t *testing.T) {
			counts["alert_rules"]++
			kind, params := r.threshold(t)
			now := time.Now()
			var reqs []Request
			for _, d := range r.Data {
				if d.DatasourceUID != sharedDS.UID {
					continue
				}
				reqs = append(reqs, Request{RefID: d.RefID, Model: d.Model, MaxDataPoints: 43200, Interval: time.Second,
					From: now.Add(-time.Duration(d.RelativeTimeRange.From) * time.Second),
					To:   now.Add(-time.Duration(d.RelativeTimeRange.To) * time.Second)})
			}
			if len(reqs) != 1 {
				t.Fatalf("rule %s has %d DTE Trust queries, want 1", r.UID, len(reqs))
			}
			answers, err := shared.Query(pluginContext(t, sharedDS), reqs)
			if err != nil {
				t.Fatal(err)
			}
			a := answers[reqs[0].RefID]
			if a.Error != "" {
				t.Fatalf("rule %s: query error: %s", r.UID, a.Error)
			}
			if err := CheckDataplane(a); err != nil {
				t.Fatalf("rule %s: %v", r.UID, err)
			}
			if a.Frames[0].Meta.Type != data.FrameTypeNumericLong {
				t.Fatalf("rule %s: frame type %s, want numeric-long (one alert instance per row)", r.UID, a.Frames[0].Meta.Type)
			}
			insts := instances(t, a)
			if len(insts) == 0 {
				t.Fatalf("rule %s: no alert instance for the demo evidence", r.UID)
			}
			byModel := map[string][]bool{}
			var lines []string
			for _, in := range insts {
				f, err := fires(kind, params, in.value)
				if err != nil {
					t.Fatal(err)
				}
				byModel[in.labels["model"]] = append(byModel[in.labels["model"]], f)
				state := "normal"
				if f {
					state = "FIRING"
					counts["instances_firing"]++
				} else {
					counts["instances_normal"]++
				}
				lines = append(lines, fmt.Sprintf("%s %s = %g", state, in.key, in.value))
			}
			sort.Strings(lines)
			t.Logf("rule %s (%s %v): %d instances\n  %s", r.UID, kind, params, len(insts), strings.Join(lines, "\n  "))
			if e, ok := expect[r.UID]; ok {
				if !anyTrue(byModel[e.firing]) {
					t.Errorf("rule %s: %s should fire, its instances: %v", r.UID, e.firing, byModel[e.firing])
				}
				if len(byModel[e.normal]) == 0 || anyTrue(byModel[e.normal]) {
					t.Errorf("rule %s: %s should have instances and all normal, got %v", r.UID, e.normal, byModel[e.normal])
				}
			}
		})
	}
}

func anyTrue(bs []bool) bool {
	for _, b := range bs {
		if b {
			return true
		}
	}
	return false
}
