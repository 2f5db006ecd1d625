package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// evalWithCatalog evaluates the fixture with a catalog the test keeps, to count artifact listings.
func evalWithCatalog(t *testing.T, f *fixture, cat *fakeCatalog) *Run {
	t.Helper()
	ev := &fakeEvidence{name: "fake", dims: []trust.Dimension{trust.Fairness, trust.Drift, trust.Accuracy, trust.Quality}, points: f.points}
	p, err := NewFromConfig(&fakeHost{providers: []trust.Provider{ev, cat}}, f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.Now = func() time.Time { return testNow }
	run, err := p.Evaluate(context.Background(), &trust.Query{}, []time.Time{testNow.Add(-time.Hour), testNow})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func resultOf(run *Run, id string) (RuleResult, bool) {
	e := run.Evaluations[len(run.Evaluations)-1]
	for _, v := range e.Versions {
		for _, r := range v.Results {
			if r.Rule.ID == id {
				return r, true
			}
		}
	}
	return RuleResult{}, false
}

// TestRunArtifactsListedOnlyWhenRead: the artifacts of a source run are listed only when a rule
// reads model.run.artifacts, once per run whatever the evaluation times and versions.
func TestRunArtifactsListedOnlyWhenRead(t *testing.T) {
	f := packFixture()
	v2 := f.mv
	v2.Version = "2"
	cat := &fakeCatalog{versions: []trust.ModelVersion{f.mv, v2}, files: f.files}

	f.cfg.PolicyPacks = []string{PackGDPR, PackNISTAIRMF}
	evalWithCatalog(t, f, cat)
	if cat.lists != 0 {
		t.Errorf("gdpr and nist-ai-rmf read no artifacts, yet %d listings were made", cat.lists)
	}

	f.cfg.PolicyPacks = []string{PackEUAIActHighRisk}
	run := evalWithCatalog(t, f, cat)
	// the root, docs and model directories of run r1, shared by versions 2 and 3
	if cat.lists != 3 {
		t.Errorf("%d listings, want 3 (the root and its two directories, once)", cat.lists)
	}
	if r, ok := resultOf(run, "eu-ai-act-model-card"); !ok || r.Outcome != Pass {
		t.Errorf("model card: %+v", r)
	}
}

// TestRunArtifactsListingFails: the rule reading the artifacts is unknown with the reason, a
// notice names the run, and the other rules are evaluated.
func TestRunArtifactsListingFails(t *testing.T) {
	f := packFixture()
	f.cfg.PolicyPacks = []string{PackEUAIActHighRisk}
	cat := &fakeCatalog{versions: []trust.ModelVersion{f.mv}, filesErr: errors.New("mlflow artifacts/list: HTTP 503")}
	run := evalWithCatalog(t, f, cat)
	r, ok := resultOf(run, "eu-ai-act-model-card")
	if !ok || r.Outcome != Unknown || !strings.Contains(r.Reason, "listing the source run's artifacts failed: mlflow artifacts/list: HTTP 503") {
		t.Errorf("model card: %s %q", r.Outcome, r.Reason)
	}
	if r, _ := resultOf(run, "eu-ai-act-risk-management"); r.Outcome != Pass {
		t.Errorf("risk management: %s %q (the other rules must be evaluated)", r.Outcome, r.Reason)
	}
	found := false
	for _, n := range run.Notices {
		found = found || (n.Location == "run r1 artifacts" && strings.Contains(n.Message, "HTTP 503"))
	}
	if !found {
		t.Errorf("no notice naming run r1's artifacts: %v", run.Notices)
	}
}

// TestRunArtifactsBounded: a huge artifact tree is listed up to the bounds, with a notice.
func TestRunArtifactsBounded(t *testing.T) {
	f := packFixture()
	f.cfg.PolicyPacks = []string{PackEUAIActHighRisk}
	root := []trust.ArtifactFile{}
	tree := map[string][]trust.ArtifactFile{}
	for i := range maxArtifactFiles + 10 {
		root = append(root, trust.ArtifactFile{Path: fmt.Sprintf("f%05d.bin", i)})
	}
	tree[""] = root
	// a deep chain of directories: never listed below maxArtifactDepth
	dir := ""
	for i := range maxArtifactDepth + 2 {
		child := strings.TrimPrefix(dir+"/d"+fmt.Sprint(i), "/")
		tree[dir] = append(tree[dir], trust.ArtifactFile{Path: child, IsDir: true})
		dir = child
	}
	cat := &fakeCatalog{versions: []trust.ModelVersion{f.mv}, files: map[string]map[string][]trust.ArtifactFile{"r1": tree}}
	run := evalWithCatalog(t, f, cat)
	if r, _ := resultOf(run, "eu-ai-act-model-card"); r.Outcome != Fail {
		t.Errorf("model card: %s %q", r.Outcome, r.Reason)
	}
	found := false
	for _, n := range run.Notices {
		found = found || (n.Location == "run r1 artifacts" && strings.Contains(n.Message, "rules see the first"))
	}
	if !found {
		t.Errorf("no notice about the bounded listing: %v", run.Notices)
	}
	if cat.lists > maxArtifactDepth {
		t.Errorf("%d listings for a chain of directories, want at most %d", cat.lists, maxArtifactDepth)
	}
}

// TestRunContextFields: model.run carries user, status, times and inputs, each readable by a rule.
func TestRunContextFields(t *testing.T) {
	f := packFixture()
	f.mv.RunStatus = "FINISHED"
	f.mv.RunEnd = f.mv.RunStart.Add(time.Hour)
	f.mv.RunInputs[0].Tags = map[string]string{"mlflow.data.context": "training"}
	f.cfg.PolicyPacks = []string{}
	f.cfg.PolicyRules = `
rules:
  - id: run-fields
    expr: >-
      model.run.user == "alice" && model.run.status == "FINISHED" && model.run.end - model.run.start == duration("1h") &&
      model.run.inputs[0].name == "loans-train" && model.run.inputs[0].digest == "a1" &&
      model.run.inputs[0].source_type == "s3" && model.run.inputs[0].tags["mlflow.data.context"] == "training" &&
      model.run.inputs[1].context == "testing" && size(model.run.inputs[1].tags) == 0
  - id: run-user-missing
    expr: model.run.user != ""
  - id: bad-run-field
    expr: model.run.owner == ""
`
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.BrokenRules() {
		if r.ID != "bad-run-field" || !strings.Contains(r.Err.Error(), "unknown field model.run.owner") {
			t.Errorf("broken %s: %v", r.ID, r.Err)
		}
	}
	res := evaluate(t, f)
	if r := res["run-fields"]; r.Outcome != Pass {
		t.Errorf("run-fields: %s %q", r.Outcome, r.Reason)
	}
	f.mv.RunUser = ""
	res = evaluate(t, f)
	if r := res["run-user-missing"]; r.Outcome != Unknown || r.Reason != "the source run records no user" {
		t.Errorf("run-user-missing: %s %q", r.Outcome, r.Reason)
	}
}
