package policy

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// TestPackScore: pack_score is the share of each pack's rules passed, per model version, labelled
// with the pack; rules of no pack have none.
func TestPackScore(t *testing.T) {
	f := packFixture()
	delete(f.mv.Tags, "risk_register_ref") // fails eu-ai-act-risk-management only
	f.cfg.PolicyRules = "rules:\n  - id: my-rule\n    expr: \"false\"\n"
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.Collect(context.Background(), trust.Compliance, &trust.Query{Format: trust.FormatLatest, Metrics: []string{MetricPackScore}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]trust.Point{}
	for _, pt := range ev.Points {
		if pt.Metric != MetricPackScore || pt.Labels[trust.LabelModel] != "credit" || pt.Labels[trust.LabelVersion] != "3" {
			t.Fatalf("point %+v", pt)
		}
		got[pt.Labels[LabelPack]] = pt
	}
	if len(got) != 2 {
		t.Fatalf("pack_score points %v, want eu-ai-act-high-risk and nist-ai-rmf", got)
	}
	euRules := applying(t, f, PackEUAIActHighRisk)
	if eu := got[PackEUAIActHighRisk]; math.Abs(eu.Value-float64(euRules-1)/float64(euRules)) > 1e-9 || eu.Status != trust.StatusFail {
		t.Errorf("eu pack_score %v %s, want %d/%d fail", eu.Value, eu.Status, euRules-1, euRules)
	}
	if nist := got[PackNISTAIRMF]; nist.Value != 1 || nist.Status != trust.StatusOK {
		t.Errorf("nist pack_score %v %s, want 1 ok", nist.Value, nist.Status)
	}
}

// applying counts the rules of a pack that apply to the fixture's version.
func applying(t *testing.T, f *fixture, pack string) int {
	n := 0
	for _, r := range evaluate(t, f) {
		if r.Rule.Pack == pack {
			n++
		}
	}
	return n
}

// compliancePart returns the trust_compliance part of the fixture's version.
func compliancePart(t *testing.T, f *fixture) (Part, []trust.Notice) {
	t.Helper()
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	run, err := p.Evaluate(context.Background(), &trust.Query{}, []time.Time{testNow})
	if err != nil {
		t.Fatal(err)
	}
	ts, _ := p.Score(&run.Evaluations[0].Versions[0])
	for _, pt := range ts.Parts {
		if pt.Dimension == trust.Compliance {
			return pt, run.Notices
		}
	}
	t.Fatal("no compliance part")
	return Part{}, nil
}

// TestPackWeights: packWeights weighs each pack's rules in the compliance part of the trust score.
func TestPackWeights(t *testing.T) {
	f := packFixture()
	// one failing compliance rule in each pack
	delete(f.mv.Tags, "risk_register_ref") // eu-ai-act-risk-management
	delete(f.mv.Tags, "incident_channel")  // nist-manage-incident-channel
	counts := map[string]int{}
	for _, r := range evaluate(t, f) {
		if r.Rule.Dimension == trust.Compliance {
			counts[r.Rule.Pack]++
		}
	}
	eu, nist := float64(counts[PackEUAIActHighRisk]), float64(counts[PackNISTAIRMF])

	part, _ := compliancePart(t, f)
	if want := 100 * (eu + nist - 2) / (eu + nist); math.Abs(part.Score-want) > 1e-9 {
		t.Errorf("unweighted part %v, want %v (every rule once)", part.Score, want)
	}

	f.cfg.PackWeights = map[string]any{"EU-AI-Act-High-Risk": 2.0, "nist-ai-rmf": 0.5}
	part, notes := compliancePart(t, f)
	if want := 100 * (2*(eu-1) + 0.5*(nist-1)) / (2*eu + 0.5*nist); math.Abs(part.Score-want) > 1e-9 {
		t.Errorf("weighted part %v, want %v", part.Score, want)
	}
	if len(notes) != 0 {
		t.Errorf("notices for valid weights: %v", notes)
	}

	f.cfg.PackWeights = map[string]any{"nist-ai-rmf": 0.0}
	if part, _ = compliancePart(t, f); math.Abs(part.Score-100*(eu-1)/eu) > 1e-9 {
		t.Errorf("nist weighing 0: part %v, want the eu rules' share %v", part.Score, 100*(eu-1)/eu)
	}

	f.cfg.PackWeights = map[string]any{"nist-ai-rmf": 0.0, "eu-ai-act-high-risk": 0.0}
	if part, _ = compliancePart(t, f); part.Weight != 0 || math.Abs(part.Score-100*(eu+nist-2)/(eu+nist)) > 1e-9 {
		t.Errorf("every pack weighing 0: part %+v, want weight 0 and the plain share", part)
	}
}

// TestPackWeightsInvalid: an unknown pack, a negative weight and a weight that is not a number are
// each a notice naming packWeights, and the default 1 is used.
func TestPackWeightsInvalid(t *testing.T) {
	f := packFixture()
	delete(f.mv.Tags, "risk_register_ref")
	plain, _ := compliancePart(t, f)
	f.cfg.PackWeights = map[string]any{"iso-42001": 3.0, "eu-ai-act-high-risk": -1.0, "nist-ai-rmf": "two"}
	part, notes := compliancePart(t, f)
	if part.Score != plain.Score {
		t.Errorf("part %v with invalid weights, want the default %v", part.Score, plain.Score)
	}
	var msgs []string
	for _, n := range notes {
		if n.Location == "packWeights" {
			msgs = append(msgs, n.Message)
		}
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{`unknown pack "iso-42001"`, "weight of pack eu-ai-act-high-risk must be a number >= 0, not -1", `weight of pack nist-ai-rmf must be a number >= 0, not "two"`} {
		if !strings.Contains(all, want) {
			t.Errorf("notices %q lack %q", all, want)
		}
	}
	p, _, _ := f.provider()
	if _, err := p.CheckHealth(context.Background()); err == nil || !strings.Contains(err.Error(), "packWeights") {
		t.Errorf("health: %v", err)
	}
}

// TestComplianceDashboardPackView: the compliance dashboard's per-pack view shows a pack_score per
// shipped pack and model version, and failing rules with their pack, refs and a link to the evidence.
func TestComplianceDashboardPackView(t *testing.T) {
	b, err := os.ReadFile("../../dashboards/compliance.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string            `json:"title"`
			Targets []json.RawMessage `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	f := packFixture()
	delete(f.mv.Tags, "risk_register_ref")
	f.cfg.PolicyPacks = nil // the data source evaluates gdpr only; the view names every pack
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, panel := range dash.Panels {
		for _, raw := range panel.Targets {
			js := strings.NewReplacer(`"$model"`, `"credit"`, `"$version"`, `"3"`, `"$rule"`, `"$__all"`).Replace(string(raw))
			q, err := trust.ParseQuery([]byte(js), "")
			if err != nil || len(q.Packs) == 0 {
				continue
			}
			seen[panel.Title] = true
			ev, err := p.Collect(context.Background(), trust.Compliance, &q)
			if err != nil {
				t.Fatal(err)
			}
			packs := map[string]bool{}
			for _, pt := range ev.Points {
				packs[pt.Labels[LabelPack]] = true
				if q.Format == trust.FormatTable && pt.Status == trust.StatusFail && pt.Labels[trust.LabelRule] == "eu-ai-act-risk-management" {
					if pt.Labels[LabelRefs] == "" || pt.Link == "" {
						t.Errorf("%s: failing row without refs or link: %+v", panel.Title, pt)
					}
					seen["failing row"] = true
				}
			}
			for _, pk := range PackNames() {
				if !packs[pk] {
					t.Errorf("%s: no points of pack %s", panel.Title, pk)
				}
			}
		}
	}
	for _, want := range []string{"Score per pack", "Failing rules by pack", "failing row"} {
		if !seen[want] {
			t.Errorf("the per-pack view lacks %q (seen %v)", want, seen)
		}
	}
}
