//go:build protocol

package protocol

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// scenario is one way a viewer sets a dashboard's variables.
type scenario struct {
	name string
	// pick chooses a variable's selection from its options.
	pick func(v TemplateVar, options []string) Variable
}

var scenarios = []scenario{
	{"all with the dashboards' custom all value", func(v TemplateVar, opts []string) Variable {
		return Variable{Name: v.Name, Current: []string{allValue}, Options: opts, AllValue: v.AllValue}
	}},
	// Grafana then sends every option as a glob ({a,b}). The model variable keeps the dashboards'
	// custom all value: the MLflow paths take one model name or All, not a list of names (a known
	// limit, said in the README).
	{"all without a custom all value", func(v TemplateVar, opts []string) Variable {
		if v.Name == "model" {
			return Variable{Name: v.Name, Current: []string{allValue}, Options: opts, AllValue: v.AllValue}
		}
		return Variable{Name: v.Name, Current: []string{allValue}, Options: opts}
	}},
	{"single value", func(v TemplateVar, opts []string) Variable {
		return Variable{Name: v.Name, Current: firstN(opts, 1), Options: opts, AllValue: v.AllValue}
	}},
	{"multi-value where allowed", func(v TemplateVar, opts []string) Variable {
		n := 1
		if v.Multi {
			n = 2
		}
		return Variable{Name: v.Name, Current: firstN(opts, n), Options: opts, AllValue: v.AllValue}
	}},
}

func firstN(opts []string, n int) []string {
	if len(opts) < n {
		n = len(opts)
	}
	if n == 0 {
		return []string{allValue}
	}
	return append([]string(nil), opts[:n]...)
}

// resolveVariables runs each variable's query in dashboard order, interpolating the variables
// before it (a chained variable such as version depends on model), as Grafana does on load.
func resolveVariables(t *testing.T, d *Dashboard, sc scenario, from, to time.Time) map[string]Variable {
	t.Helper()
	vars, n := resolveVariablesWith(t, shared, pluginContext(t, sharedDS), d, sc, from, to)
	counts["variable_queries"] += n
	return vars
}

// resolveVariablesWith resolves a dashboard's variables through plugin p as data source pc; n is
// the number of variable queries sent.
func resolveVariablesWith(t testing.TB, p *Plugin, pc *pluginv2.PluginContext, d *Dashboard, sc scenario, from, to time.Time) (vars map[string]Variable, n int) {
	t.Helper()
	vars = map[string]Variable{}
	for _, tv := range d.Templating.List {
		if tv.Type != "query" {
			continue
		}
		model := InterpolateTarget(tv.Query, vars)
		model["queryType"] = "variable"
		ans, err := p.Query(pc, []Request{{RefID: "variable", Model: model, From: from, To: to, MaxDataPoints: 1000, Interval: time.Minute}})
		if err != nil {
			t.Fatalf("%s: variable %s: %v", d.UID, tv.Name, err)
		}
		a := ans["variable"]
		if a.Error != "" {
			t.Fatalf("%s: variable %s (%s): %s", d.UID, tv.Name, mustJSON(model), a.Error)
		}
		n++
		opts := frameValues(a.Frames)
		vars[tv.Name] = sc.pick(tv, opts)
	}
	return vars, n
}

// panelRequest is what Grafana sends for one target of one panel.
func panelRequest(t testing.TB, d *Dashboard, p Panel, target map[string]any, vars map[string]Variable, now time.Time) Request {
	t.Helper()
	from, err := ParseRelative(d.Time.From, now)
	if err == nil && p.TimeFrom != "" {
		from, err = ParseRelative(p.TimeFrom, now)
	}
	if err != nil {
		t.Fatalf("%s panel %q: %v", d.UID, p.Title, err)
	}
	to, err := ParseRelative(d.Time.To, now)
	if err != nil {
		t.Fatal(err)
	}
	maxDP := p.MaxDataPoints
	if maxDP == 0 {
		maxDP = 1200 // a panel about 1200 px wide
	}
	ref, _ := target["refId"].(string)
	return Request{
		RefID: fmt.Sprintf("p%d-%s", p.ID, ref), Model: InterpolateTarget(target, vars),
		From: from, To: to, MaxDataPoints: maxDP, Interval: interval(from, to, maxDP, p.Interval),
	}
}

func dashboardFiles(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(repoRoot(), "dashboards", "*.json"))
	if len(files) != 7 {
		t.Fatalf("dashboards/: %d files, want the 7 shipped dashboards", len(files))
	}
	return files
}

// TestDashboardLoads sends every target of every panel of every shipped dashboard, all panels of
// a dashboard in one request, under each variable scenario; every answer must be an error-free
// frame set that keeps the dataplane contract.
func TestDashboardLoads(t *testing.T) {
	for _, file := range dashboardFiles(t) {
		d, err := LoadDashboard(file)
		if err != nil {
			t.Fatal(err)
		}
		counts["dashboards"]++
		for _, p := range d.AllPanels() {
			counts["panels"]++
			counts["targets"] += len(p.Targets)
		}
		for _, sc := range scenarios {
			t.Run(d.UID+"/"+sc.name, func(t *testing.T) { loadDashboard(t, d, sc) })
		}
	}
}

func loadDashboard(t *testing.T, d *Dashboard, sc scenario) {
	now := time.Now()
	from, _ := ParseRelative(d.Time.From, now)
	vars := resolveVariables(t, d, sc, from, now)
	var reqs []Request
	titles := map[string]string{}
	for _, p := range d.AllPanels() {
		for _, target := range p.Targets {
			if hide, _ := target["hide"].(bool); hide {
				continue
			}
			r := panelRequest(t, d, p, target, vars, now)
			reqs = append(reqs, r)
			titles[r.RefID] = p.Title
		}
	}
	if len(reqs) == 0 {
		t.Fatalf("%s has no targets", d.UID)
	}
	answers, err := shared.Query(pluginContext(t, sharedDS), reqs)
	if err != nil {
		t.Fatal(err)
	}
	counts["dashboard_queries"] += len(reqs)
	for _, r := range reqs {
		a := answers[r.RefID]
		if a.Error != "" {
			t.Errorf("panel %q (%s): error %q for %s", titles[r.RefID], r.RefID, a.Error, mustJSON(r.Model))
			continue
		}
		if err := CheckDataplane(a); err != nil {
			t.Errorf("panel %q (%s): %v", titles[r.RefID], r.RefID, err)
		}
	}
}

// TestPanelByPanel sends each panel on its own (Grafana's query runner sends one request per
// panel), with the dashboards' default variables, and expects the same frames as the joint load.
func TestPanelByPanel(t *testing.T) {
	for _, file := range dashboardFiles(t) {
		d, err := LoadDashboard(file)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		from, _ := ParseRelative(d.Time.From, now)
		vars := resolveVariables(t, d, scenarios[0], from, now)
		pc := pluginContext(t, sharedDS)
		for _, p := range d.AllPanels() {
			if len(p.Targets) == 0 {
				continue
			}
			var reqs []Request
			for _, target := range p.Targets {
				reqs = append(reqs, panelRequest(t, d, p, target, vars, now))
			}
			answers, err := shared.Query(pc, reqs)
			if err != nil {
				t.Fatalf("%s panel %q: %v", d.UID, p.Title, err)
			}
			counts["panel_requests"]++
			for _, r := range reqs {
				if a := answers[r.RefID]; a.Error != "" {
					t.Errorf("%s panel %q: %s", d.UID, p.Title, a.Error)
				} else if err := CheckDataplane(a); err != nil {
					t.Errorf("%s panel %q: %v", d.UID, p.Title, err)
				}
			}
		}
	}
}

// TestExplainabilityHasData: over the demo evidence (testdata/shap/demo moved to the present), every
// panel of the explainability dashboard answers with rows under its default variables, so a broken
// wiring of the SHAP summaries (shapPaths, the demo's copies) shows as a failure, not empty panels.
func TestExplainabilityHasData(t *testing.T) {
	d, err := LoadDashboard(filepath.Join(repoRoot(), "dashboards", "explainability.json"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	from, _ := ParseRelative(d.Time.From, now)
	vars := resolveVariables(t, d, scenarios[0], from, now)
	for _, name := range []string{"model", "version", "feature"} {
		if v, ok := vars[name]; !ok || len(v.Options) == 0 {
			t.Errorf("variable %s has no options over the demo evidence", name)
		}
	}
	var reqs []Request
	titles := map[string]string{}
	for _, p := range d.AllPanels() {
		for _, target := range p.Targets {
			r := panelRequest(t, d, p, target, vars, now)
			reqs = append(reqs, r)
			titles[r.RefID] = p.Title
		}
	}
	answers, err := shared.Query(pluginContext(t, sharedDS), reqs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		a := answers[r.RefID]
		rows := 0
		for _, f := range a.Frames {
			if n, err := f.RowLen(); err == nil {
				rows += n
			}
		}
		if a.Error != "" || rows == 0 {
			t.Errorf("panel %q: %d rows, error %q, for %s", titles[r.RefID], rows, a.Error, mustJSON(r.Model))
		}
		counts["explainability_rows"] += rows
	}
}
