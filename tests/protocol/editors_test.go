//go:build protocol

package protocol

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

// variableKinds are the kinds the variable editor and the query editors' dropdowns offer
// (src/types.ts VariableKind); each must answer with options for the demo evidence.
var variableKinds = []string{"experiments", "models", "versions", "aliases", "metrics", "projects", "features", "sensitive_features", "groups", "rules"}

// TestVariableQueries: every variable kind answers as a variable query (the VariableQueryEditor's
// path through QueryData) with a typed frame and at least one option; versions and aliases are
// asked for a model as a chained variable would.
func TestVariableQueries(t *testing.T) {
	pc := pluginContext(t, sharedDS)
	now := time.Now()
	for _, kind := range variableKinds {
		model := map[string]any{"queryType": "variable", "variable": kind}
		if kind == "versions" || kind == "aliases" || kind == "groups" {
			model["model"] = biasedModel
		}
		ans, err := shared.Query(pc, []Request{{RefID: "v", Model: model, From: now.AddDate(-1, 0, 0), To: now, MaxDataPoints: 1000, Interval: time.Minute}})
		if err != nil {
			t.Fatal(err)
		}
		a := ans["v"]
		if a.Error != "" {
			t.Errorf("variable %s: %s", kind, a.Error)
			continue
		}
		if len(a.Frames) == 0 || a.Frames[0].Meta == nil || a.Frames[0].Meta.Type == "" {
			t.Errorf("variable %s: no typed frame", kind)
			continue
		}
		counts["variable_queries"]++
		if vals := frameValues(a.Frames); len(vals) == 0 {
			t.Errorf("variable %s: no option for the demo evidence", kind)
		}
	}
}

// TestResourceOptions: GET options/{kind} through CallResource, as the editors' dropdowns load
// them, answers 200 with a JSON list of {text, value}; an unknown route answers 404 with a message.
func TestResourceOptions(t *testing.T) {
	pc := pluginContext(t, sharedDS)
	for _, kind := range variableKinds {
		q := url.Values{}
		if kind == "versions" || kind == "aliases" || kind == "groups" {
			q.Set("model", biasedModel)
		}
		status, body, err := shared.Resource(pc, "options/"+kind, q)
		if err != nil {
			t.Fatal(err)
		}
		counts["resource_calls"]++
		var items []struct {
			Text  any `json:"text"`
			Value any `json:"value"`
		}
		if status != 200 || json.Unmarshal(body, &items) != nil || len(items) == 0 {
			t.Errorf("options/%s: HTTP %d %s, want 200 and a non-empty [{text, value}] list", kind, status, body)
		}
	}
	status, body, err := shared.Resource(pc, "no-such-route", nil)
	if err != nil {
		t.Fatal(err)
	}
	counts["resource_calls"]++
	if status != 404 || !strings.Contains(string(body), "options") {
		t.Errorf("unknown route: HTTP %d %s, want 404 pointing at /options/{kind}", status, body)
	}
}

// TestAnnotations: every annotation query of the shipped dashboards (with the dashboards' All
// values) answers with a typed frame, and every annotation kind the editor offers works.
func TestAnnotations(t *testing.T) {
	pc := pluginContext(t, sharedDS)
	now := time.Now()
	kinds := map[string]bool{"model_versions": false, "stages": false, "drift_detected": false, "fairness_fail": false, "compliance_fail": false, "freshness": false}
	for _, file := range dashboardFiles(t) {
		d, err := LoadDashboard(file)
		if err != nil {
			t.Fatal(err)
		}
		from, _ := ParseRelative(d.Time.From, now)
		vars := resolveVariables(t, d, scenarios[0], from, now)
		for _, an := range d.Annotations.List {
			if an.Target == nil || an.Datasource["uid"] != sharedDS.UID {
				continue
			}
			model := InterpolateTarget(an.Target, vars)
			ans, err := shared.Query(pc, []Request{{RefID: "Anno", Model: model, From: from, To: now, MaxDataPoints: 1000, Interval: time.Hour}})
			if err != nil {
				t.Fatal(err)
			}
			counts["annotation_queries"]++
			a := ans["Anno"]
			if a.Error != "" {
				t.Errorf("%s annotation %q: %s", d.UID, an.Name, a.Error)
			} else if len(a.Frames) == 0 || a.Frames[0].Meta == nil {
				t.Errorf("%s annotation %q: no typed frame", d.UID, an.Name)
			}
			kind, _ := model["annotation"].(string)
			kinds[kind] = true
		}
	}
	for kind, seen := range kinds {
		if seen {
			continue
		}
		ans, err := shared.Query(pc, []Request{{RefID: "Anno", Model: map[string]any{"queryType": "annotations", "annotation": kind},
			From: now.AddDate(-1, 0, 0), To: now, MaxDataPoints: 1000, Interval: time.Hour}})
		if err != nil {
			t.Fatal(err)
		}
		counts["annotation_queries"]++
		if a := ans["Anno"]; a.Error != "" {
			t.Errorf("annotation %s: %s", kind, a.Error)
		}
	}
}
