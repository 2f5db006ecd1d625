//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The dashboards DESIGN.md names, by uid, and those of issue 16: data quality (Great Expectations)
// and explainability (SHAP summaries).
var wantDashboards = []string{
	"dte-trust-overview", "dte-trust-fairness", "dte-trust-drift", "dte-trust-accuracy", "dte-trust-compliance",
	"dte-trust-quality", "dte-trust-explainability",
}

// TestDashboardContract checks, without Grafana, what the plugin, the provisioning and the other
// dashboards rely on: plugin.json includes exactly the shipped files, every DESIGN.md uid is
// shipped, every query goes to the datasource {type dte-trust-datasource, uid dte-trust}, and every
// dashboard has the model and version variables. House-style differences (descriptions, units,
// thresholds, the model_versions annotation, cross-links) are logged, not failed.
func TestDashboardContract(t *testing.T) {
	root := repoRoot(t)
	dashboards := shippedDashboards(t)

	var plugin struct {
		Includes []struct {
			Type string `json:"type"`
			Path string `json:"path"`
		} `json:"includes"`
	}
	b, err := os.ReadFile(filepath.Join(root, "plugin.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &plugin); err != nil {
		t.Fatalf("plugin.json: %v", err)
	}
	included := map[string]bool{}
	for _, inc := range plugin.Includes {
		if inc.Type != "dashboard" {
			continue
		}
		name := strings.TrimPrefix(inc.Path, "dashboards/")
		included[name] = true
		if _, ok := dashboards[name]; !ok {
			t.Errorf("plugin.json includes %s, which is not in dashboards/", inc.Path)
		}
	}
	uids := map[string]string{}
	for file, d := range dashboards {
		if !included[file] {
			t.Errorf("dashboards/%s is not listed in plugin.json includes (the datasource's Dashboards tab)", file)
		}
		if prev, dup := uids[d.UID]; dup {
			t.Errorf("%s and %s share the uid %s", prev, file, d.UID)
		}
		uids[d.UID] = file
	}
	for _, uid := range wantDashboards {
		if _, ok := uids[uid]; !ok {
			t.Errorf("no shipped dashboard has the uid %s (DESIGN.md)", uid)
		}
	}

	files := make([]string, 0, len(dashboards))
	for f := range dashboards {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, file := range files {
		d := dashboards[file]
		t.Run(file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(root, "dashboards", file))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(raw), "${DS_") || strings.Contains(string(raw), `"__inputs"`) {
				t.Errorf("uses import placeholders (${DS_...}/__inputs): provisioning cannot resolve them")
			}
			vars := map[string]*variable{}
			for i := range d.Templating.List {
				vars[d.Templating.List[i].Name] = &d.Templating.List[i]
			}
			for _, name := range []string{"model", "version"} {
				v := vars[name]
				switch {
				case v == nil:
					t.Errorf("no template variable %q", name)
				case v.Type != "query" || v.Datasource == nil || v.Datasource.UID != dsUID || v.Datasource.Type != pluginID:
					t.Errorf("variable %q is not a query variable of the datasource %s", name, dsUID)
				case !v.IncludeAll:
					t.Errorf("variable %q has no All option", name)
				}
			}
			// Panels laid out side by side never overlap (Grafana would push one down, and an edit
			// appending a row would land inside another panel).
			top := d.Panels
			for i := range top {
				for j := i + 1; j < len(top); j++ {
					a, b := top[i].GridPos, top[j].GridPos
					if a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
						t.Errorf("panels %d %q and %d %q overlap (%+v, %+v)", top[i].ID, top[i].Title, top[j].ID, top[j].Title, a, b)
					}
				}
			}
			var style []string
			hasVersions := false
			for _, a := range d.Annotations.List {
				if a.Datasource != nil && a.Datasource.UID == dsUID && a.Target["annotation"] == "model_versions" {
					hasVersions = true
				}
			}
			if !hasVersions {
				style = append(style, "no model_versions annotation")
			}
			for _, p := range flatPanels(d.Panels) {
				if p.Type == "row" {
					continue
				}
				if p.Datasource != nil && (p.Datasource.UID != dsUID || p.Datasource.Type != pluginID) {
					t.Errorf("panel %d %q: datasource %+v, want {type %s, uid %s}", p.ID, p.Title, *p.Datasource, pluginID, dsUID)
				}
				for _, tg := range p.Targets {
					ds, _ := tg["datasource"].(map[string]any)
					if ds != nil && (ds["uid"] != dsUID || ds["type"] != pluginID) {
						t.Errorf("panel %d %q: target datasource %v, want {type %s, uid %s}", p.ID, p.Title, ds, pluginID, dsUID)
					}
					if qt, _ := tg["queryType"].(string); qt == "" {
						t.Errorf("panel %d %q: a target has no queryType", p.ID, p.Title)
					}
				}
				if p.Description == "" {
					style = append(style, "panel "+p.Title+": no description")
				}
				if p.Type == "text" || p.Type == "table" {
					continue
				}
				if p.FieldConfig.Defaults.Unit == "" {
					style = append(style, "panel "+p.Title+": no unit")
				}
				if p.FieldConfig.Defaults.Thresholds == nil || len(p.FieldConfig.Defaults.Thresholds.Steps) == 0 {
					style = append(style, "panel "+p.Title+": no thresholds")
				}
			}
			if len(style) > 0 {
				t.Logf("house-style differences: %s", strings.Join(style, "; "))
			}
		})
	}
}
