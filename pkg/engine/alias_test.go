package engine

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// aliasEngine serves the demo Evidently workspace (credit-risk-classifier versions 1 and 2) and the
// demo fairness results with a registry where credit-risk-classifier's champion is version 2.
func aliasEngine(t *testing.T, withRegistry bool) *Engine {
	t.Helper()
	settings := map[string]any{
		"evidentlyWorkspaces": []string{"../../testdata/evidently/current/workspace"},
		"fairlearnPaths":      []string{"../../testdata/fairlearn/demo"},
	}
	if withRegistry {
		st := mlflowtest.Demo()
		st.Models = append(st.Models, &mlflowtest.Model{Name: "credit-risk-classifier", Created: mlflowtest.Base,
			Updated: mlflowtest.Base, Aliases: map[string]string{"champion": "2"}})
		for _, v := range []string{"1", "2"} {
			st.Versions = append(st.Versions, &mlflowtest.Version{Model: "credit-risk-classifier", Version: v,
				RunID: mlflowtest.RunBaseline, Created: mlflowtest.Base, Updated: mlflowtest.Base})
		}
		settings["mlflowUrl"] = mlflowtest.New(t, st, mlflowtest.Options{}).URL
	}
	return settingsEngine(t, settings)
}

func aliasQuery(t *testing.T, e *Engine, js string) *trust.Evidence {
	t.Helper()
	q, err := trust.ParseQuery(json.RawMessage(js), "")
	if err != nil {
		t.Fatal(err)
	}
	q.From, q.To = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	dim := trust.Dimension(q.QueryType)
	ev, err := e.CollectAll(context.Background(), dim, &q)
	if err != nil {
		t.Fatal(err)
	}
	ev.Flatten()
	return ev
}

// TestAliasSelectsItsVersionOnly: alias champion (version 2) serves the Evidently and Fairlearn
// evidence of version 2 only; before, Evidently served version 1's reports too.
func TestAliasSelectsItsVersionOnly(t *testing.T) {
	e := aliasEngine(t, true)
	for _, js := range []string{
		`{"queryType":"drift","model":"credit-risk-classifier","alias":"champion","metrics":["drift_share"]}`,
		`{"queryType":"fairness","model":"credit-risk-classifier","alias":"champion","metrics":["demographic_parity_difference"]}`,
		`{"queryType":"drift","alias":"champion","metrics":["drift_share"]}`,
	} {
		ev := aliasQuery(t, e, js)
		if len(ev.Points) == 0 {
			t.Errorf("%s: no evidence for version 2", js)
		}
		for _, p := range ev.Points {
			if p.Labels[trust.LabelModel] != "credit-risk-classifier" || p.Labels[trust.LabelVersion] != "2" {
				t.Errorf("%s: a point of %s v%s, want credit-risk-classifier v2 only", js, p.Labels[trust.LabelModel], p.Labels[trust.LabelVersion])
				break
			}
		}
	}
	// An alias the registry does not know is an error naming it, not every version's evidence.
	q, _ := trust.ParseQuery(json.RawMessage(`{"queryType":"drift","model":"credit-risk-classifier","alias":"nightly"}`), "")
	if _, err := e.CollectAll(context.Background(), trust.Drift, &q); err == nil || !strings.Contains(err.Error(), `"nightly"`) {
		t.Errorf("an alias no version carries: error %v, want one naming the alias", err)
	}
}

// TestAliasWithoutRegistry: without MLflow an alias cannot be resolved; the evidence of every
// version is served with a notice saying so.
func TestAliasWithoutRegistry(t *testing.T) {
	ev := aliasQuery(t, aliasEngine(t, false), `{"queryType":"drift","model":"credit-risk-classifier","alias":"champion","metrics":["drift_share"]}`)
	if len(ev.Points) == 0 || len(ev.Notices) == 0 || !strings.Contains(ev.Notices[len(ev.Notices)-1].Message, "cannot be resolved without an MLflow model registry") {
		t.Errorf("%d points, notices %v", len(ev.Points), ev.Notices)
	}
}
