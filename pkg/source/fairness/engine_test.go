package fairness_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/engine"
	"github.com/dte-trust/dte-trust/pkg/source/fairness"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// The engine serves fairness queries from this source: frames per DESIGN.md.
func TestEngineQuery(t *testing.T) {
	raw, _ := json.Marshal(map[string]any{"fairlearnPaths": []string{filepath.Join("..", "..", "..", "testdata", "fairlearn", "demo")}})
	p, err := fairness.New(context.Background(), trust.Settings{JSONData: raw}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := engine.NewWith(10*time.Second, p)
	q, err := trust.ParseQuery([]byte(`{"queryType":"fairness","model":"credit-risk-classifier","metrics":["demographic_parity_difference"]}`), "")
	if err != nil {
		t.Fatal(err)
	}
	fr, err := e.Query(context.Background(), &q)
	if err != nil {
		t.Fatal(err)
	}
	if len(fr) != 1 || fr[0].Rows() != 8 {
		t.Fatalf("frames %d, rows %d", len(fr), fr[0].Rows())
	}
	if name := fr[0].Fields[1].Config.DisplayNameFromDS; name != "credit-risk-classifier v2 demographic_parity_difference {sensitive_feature=sex}" {
		t.Errorf("display name %q", name)
	}
}

// Every query of dashboards/fairness.json (panels, variables, annotations) answers from the demo
// evidence with "All" selected, without error and with data.
func TestDashboardQueries(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	b, err := os.ReadFile(filepath.Join(root, "dashboards", "fairness.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID    string `json:"uid"`
		Panels []struct {
			Title   string            `json:"title"`
			Targets []json.RawMessage `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string          `json:"name"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
		Annotations struct {
			List []struct {
				Name   string          `json:"name"`
				Target json.RawMessage `json:"target"`
			} `json:"list"`
		} `json:"annotations"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if d.UID != "dte-trust-fairness" {
		t.Errorf("uid %q", d.UID)
	}
	raw, _ := json.Marshal(map[string]any{"fairlearnPaths": []string{filepath.Join(root, "testdata", "fairlearn", "demo")}})
	p, err := fairness.New(context.Background(), trust.Settings{JSONData: raw}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := engine.NewWith(10*time.Second, p)
	run := func(name string, target json.RawMessage) {
		s := strings.NewReplacer(`"$model"`, `"$__all"`, `"$version"`, `"$__all"`, `"$sensitive_feature"`, `"$__all"`).Replace(string(target))
		q, err := trust.ParseQuery([]byte(s), "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		q.From, q.To = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		fr, err := e.Query(context.Background(), &q)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		rows := 0
		for _, f := range fr {
			rows += f.Rows()
			if f.Meta != nil && len(f.Meta.Notices) > 0 {
				t.Errorf("%s: notices %v", name, f.Meta.Notices)
			}
		}
		if rows == 0 {
			t.Errorf("%s: no data", name)
		}
	}
	n := 0
	for _, pnl := range d.Panels {
		for _, tg := range pnl.Targets {
			run(pnl.Title, tg)
			n++
		}
	}
	for _, v := range d.Templating.List {
		run("variable "+v.Name, v.Query)
	}
	for _, a := range d.Annotations.List {
		if len(a.Target) > 0 && strings.Contains(string(a.Target), "fairness_fail") {
			run("annotation "+a.Name, a.Target)
		}
	}
	if n < 9 {
		t.Errorf("%d panel queries", n)
	}
}
