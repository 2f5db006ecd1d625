package policy

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

type dashTarget struct {
	Datasource map[string]string `json:"datasource"`
}

type dashboard struct {
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Datasource map[string]string `json:"datasource"`
			Target     json.RawMessage   `json:"target"`
		} `json:"list"`
	} `json:"annotations"`
	Panels []struct {
		Title       string            `json:"title"`
		Type        string            `json:"type"`
		Description string            `json:"description"`
		Targets     []json.RawMessage `json:"targets"`
	} `json:"panels"`
}

// TestComplianceDashboard runs every query of dashboards/compliance.json that the policy source
// answers against the fixture (a selected model and "All"), so that the dashboard and the backend
// speak the same query model.
func TestComplianceDashboard(t *testing.T) {
	b, err := os.ReadFile("../../dashboards/compliance.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash dashboard
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	if dash.UID != "dte-trust-compliance" {
		t.Errorf("uid %q", dash.UID)
	}
	vars := map[string]bool{}
	for _, v := range dash.Templating.List {
		vars[v.Name] = true
	}
	if !vars["model"] || !vars["version"] {
		t.Errorf("template variables %v: model and version are required", vars)
	}
	p, _, err := newFixture().provider()
	if err != nil {
		t.Fatal(err)
	}
	for _, interpolate := range []*strings.Replacer{
		strings.NewReplacer(`"$model"`, `"credit"`, `"$version"`, `"3"`, `"$rule"`, `"$__all"`),
		strings.NewReplacer(`"$model"`, `"$__all"`, `"$version"`, `"$__all"`, `"$rule"`, `"$__all"`),
	} {
		run := func(where string, target json.RawMessage) {
			q, err := trust.ParseQuery([]byte(interpolate.Replace(string(target))), "")
			if err != nil {
				t.Errorf("%s: %v", where, err)
				return
			}
			q.From, q.To = testNow.Add(-days(30)), testNow
			switch q.QueryType {
			case trust.QueryCompliance:
				ev, err := p.Collect(context.Background(), trust.Compliance, &q)
				if err != nil || len(ev.Points) == 0 {
					t.Errorf("%s: %v, no points", where, err)
				}
			case trust.QueryTrustScore:
				ev, err := p.TrustScore(context.Background(), &q)
				if err != nil || len(ev.Points) == 0 {
					t.Errorf("%s: %v, no points", where, err)
				}
			case trust.QueryFreshness:
				ev, err := p.Freshness(context.Background(), &q)
				if err != nil || len(ev.Points) == 0 {
					t.Errorf("%s: %v, no points", where, err)
				}
			case trust.QueryAnnotations:
				if _, err := p.Annotations(context.Background(), q.Annotation, &q); err != nil {
					t.Errorf("%s: %v", where, err)
				}
			case trust.QueryVariable:
				if q.Variable == trust.VarRules {
					if opts, err := p.Options(context.Background(), q.Variable, &q); err != nil || len(opts) == 0 {
						t.Errorf("%s: %v", where, err)
					}
				}
			default:
				t.Errorf("%s: query type %q is not served by the policy source", where, q.QueryType)
			}
		}
		for _, panel := range dash.Panels {
			if panel.Type == "row" {
				continue
			}
			if panel.Description == "" {
				t.Errorf("panel %q has no description", panel.Title)
			}
			for _, raw := range panel.Targets {
				var tg dashTarget
				_ = json.Unmarshal(raw, &tg)
				if tg.Datasource["uid"] != "dte-trust" || tg.Datasource["type"] != "dte-trust-datasource" {
					t.Errorf("panel %q: datasource %v", panel.Title, tg.Datasource)
				}
				run("panel "+panel.Title, raw)
			}
		}
		for _, a := range dash.Annotations.List {
			if a.Datasource["uid"] == "dte-trust" {
				run("annotation", a.Target)
			}
		}
		for _, v := range dash.Templating.List {
			run("variable "+v.Name, v.Query)
		}
	}
}
