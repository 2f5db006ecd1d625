package gx_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/engine"
	"github.com/dte-trust/dte-trust/pkg/source/gx"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Every query of dashboards/quality.json (panels and variables) answers from the demo GX results
// with "All" selected, without error, without notices and with data.
func TestDashboardQueries(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	b, err := os.ReadFile(filepath.Join(root, "dashboards", "quality.json"))
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
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if d.UID != "dte-trust-quality" {
		t.Errorf("uid %q", d.UID)
	}
	raw, _ := json.Marshal(map[string]any{"gxPaths": []string{filepath.Join(root, "testdata", "gx", "gx1")}})
	p, err := gx.New(context.Background(), trust.Settings{JSONData: raw}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := engine.NewWith(10*time.Second, p)
	run := func(name string, target json.RawMessage) int {
		s := strings.NewReplacer(`"$model"`, `"$__all"`, `"$version"`, `"$__all"`).Replace(string(target))
		q, err := trust.ParseQuery([]byte(s), "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		q.From, q.To = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		fr, err := e.Query(context.Background(), &q)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return 0
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
		return rows
	}
	n := 0
	for _, pnl := range d.Panels {
		for _, tg := range pnl.Targets {
			run(pnl.Title, tg)
			n++
		}
	}
	if n < 7 {
		t.Errorf("%d panel queries", n)
	}
	if rows := run("variable model", d.Templating.List[0].Query); rows != 2 {
		t.Errorf("models variable: %d options, want credit-risk-classifier and churn-predictor", rows)
	}
	run("variable version", d.Templating.List[1].Query)
}
