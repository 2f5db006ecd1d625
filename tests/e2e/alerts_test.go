//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// stableModel is the Evidently workspace's healthy model: project churn of
// testdata/evidently/current/workspace, whose snapshots show no drift (drift share 0).
const stableModel = "churn-predictor"

// provisionedRule is what the test reads of provisioning/alerting/*.yaml.
type provisionedRule struct {
	UID    string `yaml:"uid"`
	Title  string `yaml:"title"`
	Folder string `yaml:"-"`
}

func provisionedRules(t *testing.T) []provisionedRule {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(repoRoot(t), "provisioning", "alerting", "*.y*ml"))
	if len(files) == 0 {
		t.Fatal("no provisioning/alerting/*.yaml")
	}
	var out []provisionedRule
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Groups []struct {
				Folder string            `yaml:"folder"`
				Rules  []provisionedRule `yaml:"rules"`
			} `yaml:"groups"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, g := range doc.Groups {
			for _, r := range g.Rules {
				r.Folder = g.Folder
				out = append(out, r)
			}
		}
	}
	return out
}

// ruleState is a rule of GET /api/prometheus/grafana/api/v1/rules.
type ruleState struct {
	Name           string `json:"name"`
	State          string `json:"state"`
	Health         string `json:"health"`
	LastError      string `json:"lastError"`
	LastEvaluation string `json:"lastEvaluation"`
	Alerts         []struct {
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		State       string            `json:"state"`
		Value       string            `json:"value"`
	} `json:"alerts"`
}

func (g *grafana) ruleStates(t *testing.T) map[string]ruleState {
	t.Helper()
	var resp struct {
		Data struct {
			Groups []struct {
				Name  string      `json:"name"`
				File  string      `json:"file"`
				Rules []ruleState `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	g.getJSON(t, "/api/prometheus/grafana/api/v1/rules", &resp)
	out := map[string]ruleState{}
	for _, grp := range resp.Data.Groups {
		for _, r := range grp.Rules {
			out[r.Name] = r
		}
	}
	return out
}

// evaluated reports whether Grafana has evaluated the rule at least once.
func (r *ruleState) evaluated() bool {
	return r.LastEvaluation != "" && !strings.HasPrefix(r.LastEvaluation, "0001-")
}

// TestAlertRules: the provisioned rules exist with file provenance, all evaluate without error
// within ~90 s, and the multi-dimensional rules split by model: the demo's biased model fires the
// fairness rule and the drifting one the drift rule, while the healthy model stays Normal.
func TestAlertRules(t *testing.T) {
	t.Parallel() // waits for evaluations while the other tests run
	g := newGrafana(t)
	rules := provisionedRules(t)
	if len(rules) < 4 {
		t.Fatalf("%d provisioned rules, want at least fairness, drift, accuracy and compliance", len(rules))
	}
	for _, r := range rules {
		var got struct {
			UID        string `json:"uid"`
			Title      string `json:"title"`
			Provenance string `json:"provenance"`
		}
		g.getJSON(t, "/api/v1/provisioning/alert-rules/"+escape(r.UID), &got)
		if got.Title != r.Title || got.Provenance != "file" {
			t.Errorf("rule %s: Grafana has title %q provenance %q, want %q from the file", r.UID, got.Title, got.Provenance, r.Title)
		}
		if r.Folder != folder {
			t.Errorf("rule %s is in folder %q, want %q", r.UID, r.Folder, folder)
		}
	}

	// Wait until every rule has been evaluated (the group interval is 1m; the first evaluation comes
	// within one interval of Grafana's start).
	deadline := time.Now().Add(100 * time.Second)
	var states map[string]ruleState
	for {
		states = g.ruleStates(t)
		pending := []string{}
		for _, r := range rules {
			s, ok := states[r.Title]
			if !ok || !s.evaluated() {
				pending = append(pending, r.Title)
			}
		}
		if len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rules not evaluated after 100 s: %s", strings.Join(pending, ", "))
		}
		time.Sleep(3 * time.Second)
	}

	for _, r := range rules {
		s := states[r.Title]
		var inst []string
		for _, a := range s.Alerts {
			inst = append(inst, a.State+" "+describe(a.Labels))
		}
		sort.Strings(inst)
		if len(inst) > 12 {
			inst = append(inst[:12], fmt.Sprintf("... %d more", len(inst)-12))
		}
		t.Logf("%s: state %s health %s, %d instance(s): %s", r.Title, s.State, s.Health, len(s.Alerts), strings.Join(inst, "; "))
		if s.Health == "error" || s.LastError != "" {
			t.Errorf("rule %q does not evaluate: health %s: %s", r.Title, s.Health, s.LastError)
		}
		for _, a := range s.Alerts {
			if a.State == "Error" {
				t.Errorf("rule %q: instance %s is in state Error", r.Title, describe(a.Labels))
			}
			// The summary template renders, with the instance's model in it.
			sum := a.Annotations["summary"]
			if m := a.Labels["model"]; m != "" && a.State == "Alerting" && !strings.Contains(sum, m) {
				t.Errorf("rule %q: instance %s: summary %q does not name the model", r.Title, describe(a.Labels), sum)
			}
			if strings.Contains(sum, "error executing template") || strings.Contains(sum, "<no value>") {
				t.Errorf("rule %q: instance %s: summary template failed: %q", r.Title, describe(a.Labels), sum)
			}
		}
	}

	// The annotation templates expanded at every evaluation so far (Grafana logs failures only).
	if path := os.Getenv("GRAFANA_LOG"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "Error in expanding template") && strings.Contains(line, "rule_uid=dte-trust-") {
				t.Errorf("an alert template failed: %s", line)
			}
		}
	}

	expect := []struct {
		rule            string
		firing, healthy string // model label values
	}{
		{"dte-trust-fairness-dpd", biasedModel, healthyModel},
		// The Evidently demo workspace: credit-risk-classifier drifts from day 6, churn-predictor
		// (its own project) does not drift at all.
		{"dte-trust-drift-share", driftingModel, stableModel},
	}
	for _, e := range expect {
		title := ""
		for _, r := range rules {
			if r.UID == e.rule {
				title = r.Title
			}
		}
		if title == "" {
			t.Errorf("no provisioned rule %s", e.rule)
			continue
		}
		s := states[title]
		if got := instanceStates(&s, e.firing); !anyOf(got, "Alerting", "Pending") {
			t.Errorf("%q: model %s should fire (Alerting/Pending), its instances are %v", title, e.firing, got)
		}
		if got := instanceStates(&s, e.healthy); len(got) == 0 || !allOf(got, "Normal") {
			t.Errorf("%q: model %s should be Normal, its instances are %v (no instance: the model has no evidence)", title, e.healthy, got)
		}
	}
}

// instanceStates lists the states of a rule's instances labelled model=m.
func instanceStates(s *ruleState, model string) []string {
	var out []string
	for _, a := range s.Alerts {
		if a.Labels["model"] == model {
			out = append(out, a.State)
		}
	}
	return out
}

func anyOf(states []string, want ...string) bool {
	for _, s := range states {
		for _, w := range want {
			if s == w {
				return true
			}
		}
	}
	return false
}

func allOf(states []string, want string) bool {
	for _, s := range states {
		if s != want {
			return false
		}
	}
	return true
}

// describe renders the labels that identify an instance.
func describe(l map[string]string) string {
	var parts []string
	for _, k := range []string{"model", "version", "alias", "project", "sensitive_feature", "feature", "run_id"} {
		if v := l[k]; v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// TestNoProvisioningErrors: Grafana's log has no error from provisioning (datasources, dashboards,
// alerting) and no rejection of the plugin.
func TestNoProvisioningErrors(t *testing.T) {
	path := os.Getenv("GRAFANA_LOG")
	if path == "" {
		t.Skip("GRAFANA_LOG is not set, so Grafana's log was not checked for provisioning errors (docker compose logs grafana > grafana.log; GRAFANA_LOG=grafana.log)")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.Contains(line, "logger=provisioning") && strings.Contains(line, "level=error"):
			bad = append(bad, line)
		case strings.Contains(line, pluginID) && strings.Contains(line, "level=error") &&
			(strings.Contains(line, "signature") || strings.Contains(line, "validation")):
			bad = append(bad, line)
		}
	}
	if len(bad) > 0 {
		t.Errorf("Grafana logged %d provisioning/plugin loading error(s):\n%s", len(bad), strings.Join(bad, "\n"))
	}
	if !strings.Contains(string(b), "Plugin registered") || !strings.Contains(string(b), pluginID) {
		t.Errorf("no \"Plugin registered\" line for %s in %s", pluginID, path)
	}

	// And Grafana agrees the datasource came from provisioning.
	g := newGrafana(t)
	status, body := g.do(t, http.MethodGet, "/api/datasources/uid/"+dsUID, nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"readOnly":true`) {
		t.Errorf("datasource %s: HTTP %d, want a provisioned (readOnly) datasource: %s", dsUID, status, snippet(body))
	}
}
