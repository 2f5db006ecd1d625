//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// dashboard is the part of a dashboard JSON the tests read.
type dashboard struct {
	UID   string `json:"uid"`
	Title string `json:"title"`
	Time  struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"time"`
	Templating struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Name       string         `json:"name"`
			BuiltIn    int            `json:"builtIn"`
			Datasource *dsRef         `json:"datasource"`
			Target     map[string]any `json:"target"`
		} `json:"list"`
	} `json:"annotations"`
	Panels []panel `json:"panels"`
}

type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Datasource *dsRef          `json:"datasource"`
	Query      json.RawMessage `json:"query"`
	IncludeAll bool            `json:"includeAll"`
	AllValue   string          `json:"allValue"`
	Multi      bool            `json:"multi"`
	Current    struct {
		Value any `json:"value"`
	} `json:"current"`
	Options []struct {
		Value any `json:"value"`
	} `json:"options"`
}

type panel struct {
	ID          int              `json:"id"`
	Type        string           `json:"type"`
	Title       string           `json:"title"`
	Description string           `json:"description"`
	Datasource  *dsRef           `json:"datasource"`
	Targets     []map[string]any `json:"targets"`
	Panels      []panel          `json:"panels"` // collapsed rows
	GridPos     struct {
		X, Y, W, H int
	} `json:"gridPos"`
	FieldConfig struct {
		Defaults struct {
			Unit       string `json:"unit"`
			Thresholds *struct {
				Steps []any `json:"steps"`
			} `json:"thresholds"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
}

// shippedDashboards reads dashboards/*.json.
func shippedDashboards(t *testing.T) map[string]*dashboard {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards/*.json (%v)", err)
	}
	out := map[string]*dashboard{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = &d
	}
	return out
}

// flatPanels lists the panels of a dashboard, including those inside collapsed rows.
func flatPanels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, flatPanels(p.Panels)...)
	}
	return out
}

// TestDashboardsProvisioned: every shipped dashboard is in Grafana, provisioned from the file, in the
// "DTE Trust" folder.
func TestDashboardsProvisioned(t *testing.T) {
	g := newGrafana(t)
	for file, d := range shippedDashboards(t) {
		t.Run(file, func(t *testing.T) {
			var got struct {
				Meta struct {
					Provisioned bool   `json:"provisioned"`
					FolderTitle string `json:"folderTitle"`
				} `json:"meta"`
				Dashboard struct {
					Title string `json:"title"`
				} `json:"dashboard"`
			}
			g.getJSON(t, "/api/dashboards/uid/"+escape(d.UID), &got)
			if !got.Meta.Provisioned {
				t.Errorf("%s (%s) is not marked provisioned", d.UID, file)
			}
			if got.Meta.FolderTitle != folder {
				t.Errorf("%s is in folder %q, want %q", d.UID, got.Meta.FolderTitle, folder)
			}
			if got.Dashboard.Title != d.Title {
				t.Errorf("%s: Grafana has title %q, the file %q", d.UID, got.Dashboard.Title, d.Title)
			}
		})
	}
}

// TestDashboardPanels runs every query of every panel of every shipped dashboard through
// /api/ds/query the way Grafana's dashboard would: the template variables are resolved first (each
// variable query runs with the variables before it substituted; the saved current value is kept when
// the query offers it, else the first value, All counting as a value), then each panel's targets
// run with the variables substituted and the dashboard's time range. Every query must answer without
// error. A panel without rows is run again over the evidence window (the committed demo evidence has
// fixed dates that age out of a "last 30 days" dashboard); each dashboard must show some data.
func TestDashboardPanels(t *testing.T) {
	g := newGrafana(t)
	for file, d := range shippedDashboards(t) {
		t.Run(file, func(t *testing.T) {
			from, to := d.Time.From, d.Time.To
			if from == "" {
				from, to = "now-6h", "now"
			}
			vars := resolveVariables(t, g, d, from, to)
			t.Logf("%s: variables %v, time %s to %s", d.UID, vars, from, to)

			totalRows, queried := 0, 0
			var empty, outside []string
			for _, p := range flatPanels(d.Panels) {
				if len(p.Targets) == 0 {
					continue
				}
				var queries []map[string]any
				for _, tg := range p.Targets {
					if hide, _ := tg["hide"].(bool); hide {
						continue
					}
					q := substitute(tg, vars).(map[string]any)
					if q["datasource"] == nil && p.Datasource != nil {
						q["datasource"] = map[string]any{"type": p.Datasource.Type, "uid": p.Datasource.UID}
					}
					queries = append(queries, q)
				}
				if len(queries) == 0 {
					continue
				}
				queried++
				rows := runPanel(t, g, p, from, to, queries)
				if rows == 0 {
					// The committed demo evidence has fixed dates and ages out of a dashboard's default
					// range; the panel must still find it in the evidence window.
					rows = runPanel(t, g, p, evidenceFrom, evidenceTo, queries)
					outside = append(outside, fmt.Sprintf("%d %q", p.ID, p.Title))
				}
				totalRows += rows
				if rows == 0 {
					empty = append(empty, fmt.Sprintf("%d %q", p.ID, p.Title))
				}
			}
			if queried == 0 {
				t.Fatalf("%s has no panel with queries", d.UID)
			}
			sort.Strings(outside)
			sort.Strings(empty)
			if len(outside) > 0 {
				t.Logf("%s: panels with no rows in the default range %s to %s (the demo evidence is older), read over %s instead: %s",
					d.UID, from, to, evidenceFrom, strings.Join(outside, ", "))
			}
			if len(empty) > 0 {
				t.Logf("%s: panels without rows for the demo evidence at all: %s", d.UID, strings.Join(empty, ", "))
			}
			if totalRows == 0 {
				t.Errorf("%s: no panel returned any row for the demo evidence with the default variables", d.UID)
			}
			t.Logf("%s: %d panels queried, %d rows", d.UID, queried, totalRows)

			// Annotation queries of the dashboard, the same way.
			for _, a := range d.Annotations.List {
				if a.BuiltIn == 1 || a.Datasource == nil || a.Datasource.UID != dsUID || a.Target == nil {
					continue
				}
				q := substitute(a.Target, vars).(map[string]any)
				if q["refId"] == nil {
					q["refId"] = "Anno"
				}
				q["datasource"] = map[string]any{"type": pluginID, "uid": dsUID}
				r := g.queryOK(t, from, to, q)
				t.Logf("annotation %q: %d event(s)", a.Name, r.rows())
			}
		})
	}
}

// runPanel sends a panel's queries in one request, as the panel does, fails the test for every
// query that errs or answers no frame, and returns the rows of all answers.
func runPanel(t *testing.T, g *grafana, p panel, from, to string, queries []map[string]any) int {
	t.Helper()
	status, res, raw := g.query(t, from, to, queries...)
	rows := 0
	for _, q := range queries {
		ref, _ := q["refId"].(string)
		r, ok := res[ref]
		switch {
		case !ok:
			t.Errorf("panel %d %q (%s to %s): no result for refId %s (HTTP %d): %s", p.ID, p.Title, from, to, ref, status, snippet(raw))
		case r.Error != "":
			t.Errorf("panel %d %q (%s to %s): refId %s failed (HTTP %d): %s", p.ID, p.Title, from, to, ref, status, r.Error)
		case len(r.Frames) == 0:
			t.Errorf("panel %d %q (%s to %s): refId %s returned no frames", p.ID, p.Title, from, to, ref)
		default:
			rows += r.rows()
		}
	}
	return rows
}

// allValue is what a variable set to All interpolates to: its custom all value, else Grafana's
// $__all marker (the plugin treats both as "no filter").
func allValue(v *variable) string {
	if v.AllValue != "" {
		return v.AllValue
	}
	return "$__all"
}

// resolveVariables gives each template variable the value Grafana would start the dashboard with.
func resolveVariables(t *testing.T, g *grafana, d *dashboard, from, to string) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for i := range d.Templating.List {
		v := &d.Templating.List[i]
		current := fmt.Sprint(firstValue(v.Current.Value))
		switch v.Type {
		case "query":
		case "custom", "constant", "textbox", "interval":
			vars[v.Name] = current
			if v.Name != "" && current == "$__all" {
				vars[v.Name] = allValue(v)
			}
			continue
		default:
			vars[v.Name] = current
			continue
		}
		if v.Datasource == nil || v.Datasource.UID != dsUID {
			t.Errorf("variable %s of %s does not use the datasource uid %s", v.Name, d.UID, dsUID)
			continue
		}
		var q map[string]any
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Errorf("variable %s of %s: query is not a query object (%v): %s", v.Name, d.UID, err, string(v.Query))
			continue
		}
		q = substitute(q, vars).(map[string]any)
		q["refId"] = "var-" + v.Name
		q["datasource"] = map[string]any{"type": pluginID, "uid": dsUID}
		r := g.queryOK(t, from, to, q)
		var values []string
		for fi := range r.Frames {
			col := r.Frames[fi].column("value")
			if col == nil {
				col = r.Frames[fi].column("text")
			}
			for _, x := range col {
				values = append(values, fmt.Sprint(x))
			}
		}
		switch {
		case current == "$__all" && v.IncludeAll:
			vars[v.Name] = allValue(v)
		case current != "" && current != "<nil>" && contains(values, current):
			vars[v.Name] = current
		case v.IncludeAll:
			vars[v.Name] = allValue(v)
		case len(values) > 0:
			vars[v.Name] = values[0]
		default:
			vars[v.Name] = ""
			t.Logf("variable %s of %s has no values", v.Name, d.UID)
		}
	}
	return vars
}

func firstValue(v any) any {
	if l, ok := v.([]any); ok {
		if len(l) == 0 {
			return ""
		}
		return l[0]
	}
	if v == nil {
		return ""
	}
	return v
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// varRef matches $name, ${name}, ${name:format} and [[name]].
var varRef = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)\]\]`)

// substitute replaces dashboard variables in every string of v (a decoded JSON value), as the
// plugin's applyTemplateVariables does for the query fields. Unknown names (Grafana's own $__from,
// $__interval) are left alone.
func substitute(v any, vars map[string]string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = substitute(e, vars)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substitute(e, vars)
		}
		return out
	case string:
		return varRef.ReplaceAllStringFunc(x, func(m string) string {
			sub := varRef.FindStringSubmatch(m)
			name := sub[1] + sub[2] + sub[3]
			if val, ok := vars[name]; ok {
				return val
			}
			return m
		})
	default:
		return v
	}
}
