package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// packFixture is a model version that satisfies every rule of the eu-ai-act-high-risk and
// nist-ai-rmf packs, evaluated with those two packs; tests break one thing at a time.
func packFixture() *fixture {
	f := newFixture()
	f.cfg.PolicyPacks = []string{PackEUAIActHighRisk, PackNISTAIRMF}
	for k, v := range map[string]string{
		"intended_purpose": "credit scoring of retail loan applications", "risk_register_ref": "RR-7",
		"residual_risk": "accepted", "risk_approver": "cro", "thresholds_declared_at": "2026-04-01",
		"declared_accuracy": "0.88", "data_origin": "core banking, 2019-2025", "data_original_purpose": "loan servicing",
		"data_gaps_ref": "DG-3", "bias_mitigation": "reweighing", "technical_documentation_ref": "https://docs/credit/3",
		"inference_log_uri": "s3://logs/credit", "log_retention_days": "365", "instructions_for_use_ref": "IFU-3",
		"oversight_mode": "human-in-the-loop", "override_mechanism": "true", "stop_procedure": "true",
		"pmm_plan_ref": "PMM-1", "monitoring_cadence_days": "7", "last_review_date": "2026-05-15",
		"review_cadence_days": "90", "security_assessment_ref": "SEC-9", "release_decision": "approved",
		"approver": "cro", "rollback_version": "2", "incident_channel": "#credit-incidents",
	} {
		f.mv.Tags[k] = v
	}
	f.mv.RunTags["mlflow.user"] = "alice"
	f.mv.RunUser = "alice"
	f.mv.RunStart = testNow.Add(-days(31))
	f.mv.RunInputs = []trust.DatasetInput{
		{Name: "loans-train", Digest: "a1", SourceType: "s3", Context: "training"},
		{Name: "loans-test", Digest: "b2", SourceType: "s3", Context: "testing"},
	}
	f.files = map[string]map[string][]trust.ArtifactFile{"r1": {
		"":      {{Path: "model", IsDir: true}, {Path: "docs", IsDir: true}, {Path: "metrics.json"}},
		"model": {{Path: "model/MLmodel"}, {Path: "model/model.pkl"}},
		"docs":  {{Path: "docs/Model_Card.md"}},
	}}
	f.points = append(f.points,
		point(trust.Fairness, "demographic_parity_ratio", 0.85, testNow.Add(-days(5)), trust.LabelSensitiveFeature, "sex"),
		point(trust.Quality, "tests_failed", 0, testNow.Add(-days(1))),
		point(trust.Quality, "validation_success", 1, testNow.Add(-days(1)), "suite", "applications", trust.LabelDataset, "credit_applications"),
		point(trust.Explainability, "mean_abs_shap", 0.42, testNow.Add(-days(20)), trust.LabelFeature, "income"))
	return f
}

func setDimensionAge(f *fixture, dim trust.Dimension, age time.Duration) {
	for i := range f.points {
		if f.points[i].Dimension == dim {
			f.points[i].Time = testNow.Add(-age)
		}
	}
}

// ratioHistory makes the fixture's demographic parity ratio a history of fairness evaluations 10
// days apart, oldest first, the newest 5 days old.
func ratioHistory(values ...float64) func(*fixture) {
	return func(f *fixture) {
		f.points = without(f.points, "demographic_parity_ratio")
		for i, v := range values {
			age := days(5 + 10*float64(len(values)-1-i))
			f.points = append(f.points, point(trust.Fairness, "demographic_parity_ratio", v, testNow.Add(-age), trust.LabelSensitiveFeature, "sex"))
		}
	}
}

func setFairnessAge(f *fixture, age time.Duration) {
	for i := range f.points {
		if f.points[i].Dimension == trust.Fairness {
			f.points[i].Time = testNow.Add(-age)
		}
	}
}

// TestPackRules checks every rule of the eu-ai-act-high-risk and nist-ai-rmf packs with a passing
// and a failing case, and the unknown and out-of-scope cases where the rule has them.
func TestPackRules(t *testing.T) {
	tag := func(k, v string) func(*fixture) { return func(f *fixture) { f.mv.Tags[k] = v } }
	untag := func(k string) func(*fixture) { return func(f *fixture) { delete(f.mv.Tags, k) } }
	tests := []struct {
		rule   string
		name   string
		change func(f *fixture)
		want   Outcome // "" means the rule does not apply
		reason string  // substring of the reason
	}{
		{"eu-ai-act-risk-management", "referenced", nil, Pass, `"RR-7"`},
		{"eu-ai-act-risk-management", "missing", untag("risk_register_ref"), Fail, "not set"},

		{"eu-ai-act-residual-risk-accepted", "accepted by cro", nil, Pass, `"cro"`},
		{"eu-ai-act-residual-risk-accepted", "not accepted", tag("residual_risk", "open"), Fail, `"open"`},
		{"eu-ai-act-residual-risk-accepted", "no approver", untag("risk_approver"), Fail, "risk_approver not set"},

		{"eu-ai-act-test-thresholds-predefined", "declared before the version", nil, Pass, `"2026-04-01"`},
		{"eu-ai-act-test-thresholds-predefined", "declared after the version", tag("thresholds_declared_at", "2026-05-20"), Fail, `"2026-05-20"`},
		{"eu-ai-act-test-thresholds-predefined", "declared after the run started, before registration", tag("thresholds_declared_at", "2026-05-01T18:00:00Z"), Fail, "model.run.start"},
		{"eu-ai-act-test-thresholds-predefined", "run start unknown: registration counts", func(f *fixture) {
			f.mv.RunStart = time.Time{}
			f.mv.Tags["thresholds_declared_at"] = "2026-05-01T18:00:00Z"
		}, Pass, "model.created"},
		{"eu-ai-act-test-thresholds-predefined", "no declaration date", untag("thresholds_declared_at"), Fail, "not set"},
		{"eu-ai-act-test-thresholds-predefined", "malformed date", tag("thresholds_declared_at", "spring"), Unknown, "is not a date"},

		{"eu-ai-act-test-threshold-met", "0.9 >= 0.8", nil, Pass, "0.9"},
		{"eu-ai-act-test-threshold-met", "0.75 < 0.8", func(f *fixture) { setMetric(f.points, "accuracy", 0.75, time.Time{}) }, Fail, "0.75"},
		{"eu-ai-act-test-threshold-met", "no threshold", untag("min_accuracy"), Unknown, `no "min_accuracy" tag`},
		{"eu-ai-act-test-threshold-met", "malformed threshold", tag("min_accuracy", "80%"), Unknown, `model.tags.min_accuracy = "80%" is not a number`},

		{"eu-ai-act-data-origin", "origin and purpose", nil, Pass, ""},
		{"eu-ai-act-data-origin", "no original purpose of personal data", untag("data_original_purpose"), Fail, "data_original_purpose not set"},
		{"eu-ai-act-data-origin", "no personal data, no purpose needed", func(f *fixture) {
			f.mv.Tags["gdpr_personal_data"] = "none"
			delete(f.mv.Tags, "data_original_purpose")
		}, Pass, ""},
		{"eu-ai-act-data-origin", "no origin", untag("data_origin"), Fail, "data_origin not set"},

		{"eu-ai-act-data-sets-identified", "training and testing inputs", nil, Pass, "model.run.inputs"},
		{"eu-ai-act-data-sets-identified", "validation counts as evaluation", func(f *fixture) { f.mv.RunInputs[1].Context = "Validation" }, Pass, ""},
		{"eu-ai-act-data-sets-identified", "no test set", func(f *fixture) { f.mv.RunInputs = f.mv.RunInputs[:1] }, Fail, "model.run.inputs"},
		{"eu-ai-act-data-sets-identified", "untagged inputs", func(f *fixture) {
			f.mv.RunInputs[0].Context, f.mv.RunInputs[1].Context = "", ""
		}, Fail, ""},
		{"eu-ai-act-data-sets-identified", "no dataset inputs", func(f *fixture) { f.mv.RunInputs = []trust.DatasetInput{} }, Fail, "model.run.inputs = []"},
		{"eu-ai-act-data-sets-identified", "run not read", func(f *fixture) { f.mv.RunInputs = nil }, Unknown, "dataset inputs are not known"},

		{"eu-ai-act-model-card", "docs/Model_Card.md", nil, Pass, "model.run.artifacts"},
		{"eu-ai-act-model-card", "model_card.json at the root", func(f *fixture) {
			f.files["r1"][""] = []trust.ArtifactFile{{Path: "model_card.json"}}
		}, Pass, ""},
		{"eu-ai-act-model-card", "no card", func(f *fixture) { f.files["r1"]["docs"] = nil }, Fail, "model.run.artifacts"},
		{"eu-ai-act-model-card", "a card-like name is not a card", func(f *fixture) {
			f.files["r1"]["docs"] = []trust.ArtifactFile{{Path: "docs/model_card_notes.txt"}}
		}, Fail, ""},
		{"eu-ai-act-model-card", "no source run", func(f *fixture) { f.mv.RunID = "" }, Unknown, "the model version has no source run"},

		{"eu-ai-act-bias-examination", "5 days old", nil, Pass, "5d 0h"},
		{"eu-ai-act-bias-examination", "100 days old", func(f *fixture) { setFairnessAge(f, days(100)) }, Fail, "100d 0h"},
		{"eu-ai-act-bias-examination", "never examined", func(f *fixture) { setFairnessAge(f, days(400)) }, Unknown, "no fairness evidence"},

		{"eu-ai-act-bias-within-tolerance", "0.08 and 0.07", nil, Pass, "0.08"},
		{"eu-ai-act-bias-within-tolerance", "equalized odds 0.15", func(f *fixture) { setMetric(f.points, "equalized_odds_difference", 0.15, time.Time{}) }, Fail, "0.15"},

		{"eu-ai-act-bias-measures-documented", "documented", nil, Pass, ""},
		{"eu-ai-act-bias-measures-documented", "no mitigation", tag("bias_mitigation", " "), Fail, ""},

		{"eu-ai-act-special-category-safeguards", "no special categories", nil, "", ""},
		{"eu-ai-act-special-category-safeguards", "safeguarded, deletion due later", func(f *fixture) {
			f.mv.Tags["special_category_data"] = "true"
			f.mv.Tags["art10_5_necessity_ref"] = "NEC-1"
			f.mv.Tags["pseudonymised"] = "true"
			f.mv.Tags["special_category_delete_by"] = "2026-12-31"
		}, Pass, ""},
		{"eu-ai-act-special-category-safeguards", "deletion overdue", func(f *fixture) {
			f.mv.Tags["special_category_data"] = "true"
			f.mv.Tags["art10_5_necessity_ref"] = "NEC-1"
			f.mv.Tags["pseudonymised"] = "true"
			f.mv.Tags["special_category_delete_by"] = "2026-01-31"
		}, Fail, `"2026-01-31"`},
		{"eu-ai-act-special-category-safeguards", "not pseudonymised", func(f *fixture) {
			f.mv.Tags["special_category_data"] = "true"
			f.mv.Tags["art10_5_necessity_ref"] = "NEC-1"
			f.mv.Tags["special_category_deleted"] = "true"
		}, Fail, "pseudonymised not set"},

		{"eu-ai-act-technical-documentation", "referenced", nil, Pass, ""},
		{"eu-ai-act-technical-documentation", "missing", untag("technical_documentation_ref"), Fail, "not set"},

		{"eu-ai-act-record-keeping", "log store named", nil, Pass, `"s3://logs/credit"`},
		{"eu-ai-act-record-keeping", "missing", untag("inference_log_uri"), Fail, "not set"},

		{"eu-ai-act-log-retention", "365 days", nil, Pass, `"365"`},
		{"eu-ai-act-log-retention", "90 days", tag("log_retention_days", "90"), Fail, `"90"`},
		{"eu-ai-act-log-retention", "malformed", tag("log_retention_days", "six months"), Unknown, "is not a number"},

		{"eu-ai-act-instructions-for-use", "referenced", nil, Pass, ""},
		{"eu-ai-act-instructions-for-use", "no intended purpose", untag("intended_purpose"), Fail, "intended_purpose not set"},

		{"eu-ai-act-accuracy-declared", "0.88", nil, Pass, `"0.88"`},
		{"eu-ai-act-accuracy-declared", "a percentage", tag("declared_accuracy", "88"), Fail, `"88"`},
		{"eu-ai-act-accuracy-declared", "missing", untag("declared_accuracy"), Fail, "not set"},
		{"eu-ai-act-accuracy-declared", "malformed", tag("declared_accuracy", "high"), Unknown, "is not a number"},

		{"eu-ai-act-accuracy-maintained", "0.9 >= 0.88 - 0.02", nil, Pass, "0.9"},
		{"eu-ai-act-accuracy-maintained", "0.85 < 0.86", func(f *fixture) { setMetric(f.points, "accuracy", 0.85, time.Time{}) }, Fail, "0.85"},
		{"eu-ai-act-accuracy-maintained", "no accuracy evidence", func(f *fixture) { f.points = without(f.points, "accuracy") }, Unknown, "no accuracy evidence"},

		{"eu-ai-act-human-oversight", "in the loop with override and stop", nil, Pass, ""},
		{"eu-ai-act-human-oversight", "no stop procedure", tag("stop_procedure", "false"), Fail, `"false"`},

		{"eu-ai-act-drift-within-tolerance", "0.1", nil, Pass, "0.1"},
		{"eu-ai-act-drift-within-tolerance", "0.4", func(f *fixture) { setMetric(f.points, "drift_share", 0.4, time.Time{}) }, Fail, "0.4"},

		{"eu-ai-act-data-tests-pass", "no failed test", nil, Pass, "tests_failed.value = 0"},
		{"eu-ai-act-data-tests-pass", "2 failed", func(f *fixture) { setMetric(f.points, "tests_failed", 2, time.Time{}) }, Fail, "tests_failed.value = 2"},

		{"eu-ai-act-data-validation-passed", "latest validation succeeded", nil, Pass, "validation_success.value = 1"},
		{"eu-ai-act-data-validation-passed", "latest validation failed", func(f *fixture) { setMetric(f.points, "validation_success", 0, time.Time{}) }, Fail, "validation_success.value = 0"},
		{"eu-ai-act-data-validation-passed", "one of two data assets failed", func(f *fixture) {
			f.points = append(f.points, point(trust.Quality, "validation_success", 0, testNow.Add(-days(2)), "suite", "applications", trust.LabelDataset, "bureau_scores"))
		}, Fail, "validation_success.value = 0"},
		{"eu-ai-act-data-validation-passed", "an older failure, newest run succeeded", func(f *fixture) {
			f.points = append(f.points, point(trust.Quality, "validation_success", 0, testNow.Add(-days(3)), "suite", "applications", trust.LabelDataset, "credit_applications"))
		}, Pass, "validation_success.value = 1"},
		{"eu-ai-act-data-validation-passed", "no GX validation", func(f *fixture) { f.points = without(f.points, "validation_success") }, Unknown, `no metric "validation_success"`},

		{"eu-ai-act-post-market-plan", "referenced", nil, Pass, ""},
		{"eu-ai-act-post-market-plan", "missing", untag("pmm_plan_ref"), Fail, "not set"},

		{"eu-ai-act-post-market-drift", "1 day old, cadence 7", nil, Pass, "1d 0h"},
		{"eu-ai-act-post-market-drift", "1 day old, cadence 0.5", tag("monitoring_cadence_days", "0.5"), Fail, `"0.5"`},
		{"eu-ai-act-post-market-drift", "8 days old, default cadence", func(f *fixture) {
			delete(f.mv.Tags, "monitoring_cadence_days")
			setMetric(f.points, "drift_share", 0.1, testNow.Add(-days(8)))
		}, Fail, "8d 0h"},
		{"eu-ai-act-post-market-drift", "malformed cadence", tag("monitoring_cadence_days", "weekly"), Unknown, "is not a number of days"},

		{"eu-ai-act-post-market-fairness", "5 days old, default 30", nil, Pass, "5d 0h"},
		{"eu-ai-act-explanations-present", "explained 20 days ago", nil, Pass, "20d 0h"},
		{"eu-ai-act-explanations-present", "explained 200 days ago", func(f *fixture) { setDimensionAge(f, trust.Explainability, days(200)) }, Fail, "200d 0h"},
		{"eu-ai-act-explanations-present", "never explained", func(f *fixture) { f.points = without(f.points, "mean_abs_shap") }, Fail, "explainability"},
		{"nist-measure-explained", "explained", nil, Pass, "count = 1"},
		{"nist-measure-explained", "never explained", func(f *fixture) { f.points = without(f.points, "mean_abs_shap") }, Fail, "explainability"},
		{"eu-ai-act-post-market-fairness", "5 days old, cadence 3", tag("fairness_monitoring_cadence_days", "3"), Fail, `"3"`},

		{"nist-govern-inventory", "owner, purpose, risk level", nil, Pass, ""},
		{"nist-govern-inventory", "no risk level", untag("risk_level"), Fail, "risk_level not set"},

		{"nist-govern-periodic-review", "reviewed 17 days ago, every 90", nil, Pass, `"2026-05-15"`},
		{"nist-govern-periodic-review", "overdue", tag("review_cadence_days", "10"), Fail, `"10"`},
		{"nist-govern-periodic-review", "malformed cadence", tag("review_cadence_days", "quarterly"), Unknown, "is not a number of days"},
		{"nist-govern-periodic-review", "never reviewed", untag("last_review_date"), Fail, "not set"},

		{"nist-govern-decommissioning", "not deprecated", nil, Pass, ""},
		{"nist-govern-decommissioning", "deprecated but champion", tag("lifecycle_status", "deprecated"), Fail, "model.aliases = [champion]"},
		{"nist-govern-decommissioning", "deprecated and retired", func(f *fixture) {
			f.mv.Tags["lifecycle_status"] = "Deprecated"
			f.mv.Aliases, f.mv.Stage = nil, "Archived"
		}, Pass, ""},

		{"nist-govern-third-party", "own model", nil, "", ""},
		{"nist-govern-third-party", "assessed vendor model", func(f *fixture) {
			f.mv.Tags["third_party"] = "true"
			f.mv.Tags["vendor_assessment_ref"] = "VA-1"
		}, Pass, ""},
		{"nist-govern-third-party", "unassessed vendor model", tag("third_party", "true"), Fail, "not set"},

		{"nist-map-risk-tolerance", "0.8", nil, Pass, `"0.8"`},
		{"nist-map-risk-tolerance", "missing", untag("min_accuracy"), Fail, "not set"},
		{"nist-map-risk-tolerance", "malformed", tag("min_accuracy", "good"), Unknown, "is not a number"},

		{"nist-map-human-oversight", "defined", nil, Pass, ""},
		{"nist-map-human-oversight", "missing", untag("oversight_mode"), Fail, "not set"},

		{"nist-measure-performance", "0.9 >= 0.8", nil, Pass, "0.9"},
		{"nist-measure-performance", "0.7", func(f *fixture) { setMetric(f.points, "accuracy", 0.7, time.Time{}) }, Fail, "0.7"},

		{"nist-measure-test-sets", "testing input", nil, Pass, ""},
		{"nist-measure-test-sets", "training input only", func(f *fixture) { f.mv.RunInputs = f.mv.RunInputs[:1] }, Fail, "model.run.inputs"},
		{"nist-measure-test-sets", "run not read", func(f *fixture) { f.mv.RunInputs = nil }, Unknown, "dataset inputs are not known"},

		{"nist-measure-monitoring-live", "1 day old", nil, Pass, "1d 0h"},
		{"nist-measure-monitoring-live", "10 days old", func(f *fixture) { setMetric(f.points, "drift_share", 0.1, testNow.Add(-days(10))) }, Fail, "10d 0h"},

		{"nist-measure-drift", "0.1", nil, Pass, ""},
		{"nist-measure-drift", "0.5", func(f *fixture) { setMetric(f.points, "drift_share", 0.5, time.Time{}) }, Fail, "0.5"},

		{"nist-measure-security", "assessed", nil, Pass, ""},
		{"nist-measure-security", "missing", untag("security_assessment_ref"), Fail, "not set"},

		{"nist-measure-privacy", "DPIA referenced", nil, Pass, ""},
		{"nist-measure-privacy", "personal data, no DPIA", untag("dpia_ref"), Fail, "dpia_ref not set"},
		{"nist-measure-privacy", "no personal data", func(f *fixture) {
			f.mv.Tags["gdpr_personal_data"] = "none"
			delete(f.mv.Tags, "dpia_ref")
		}, Pass, ""},

		{"nist-measure-fairness-evaluated", "5 days old", nil, Pass, ""},
		{"nist-measure-fairness-evaluated", "95 days old", func(f *fixture) { setFairnessAge(f, days(95)) }, Fail, "95d 0h"},

		{"nist-measure-fairness-ratio", "0.85", nil, Pass, "0.85"},
		{"nist-measure-fairness-ratio", "0.7", func(f *fixture) { setMetric(f.points, "demographic_parity_ratio", 0.7, time.Time{}) }, Fail, "0.7"},
		{"nist-measure-fairness-ratio", "not measured", func(f *fixture) { f.points = without(f.points, "demographic_parity_ratio") }, Unknown, `no metric "demographic_parity_ratio"`},

		{"nist-measure-fairness-sustained-breach", "one passing evaluation", nil, Pass, `history("nist-measure-fairness-ratio", 3) = [pass]`},
		{"nist-measure-fairness-sustained-breach", "failed in the last 3 evaluations", ratioHistory(0.7, 0.7, 0.7), Fail, "= [fail, fail, fail]"},
		{"nist-measure-fairness-sustained-breach", "failed in the last 2 of 3", ratioHistory(0.9, 0.7, 0.7), Pass, "= [fail, fail, pass]"},
		{"nist-measure-fairness-sustained-breach", "only 2 evaluations, both failed", ratioHistory(0.7, 0.7), Pass, "= [fail, fail]"},
		{"nist-measure-fairness-sustained-breach", "ratio not measured", func(f *fixture) { f.points = without(f.points, "demographic_parity_ratio") }, Unknown, `no metric "demographic_parity_ratio"`},

		{"nist-manage-release-decision", "approved by cro, trained by alice", nil, Pass, ""},
		{"nist-manage-release-decision", "approved by the trainer", tag("approver", "alice"), Fail, ""},
		{"nist-manage-release-decision", "approved by the run's user", func(f *fixture) {
			f.mv.RunUser = "carol"
			f.mv.Tags["approver"] = "carol"
		}, Fail, `model.run.user = "carol"`},
		{"nist-manage-release-decision", "run user unknown, mlflow.user tag is the approver", func(f *fixture) {
			f.mv.RunUser = ""
			f.mv.Tags["approver"] = "alice"
		}, Fail, ""},
		{"nist-manage-release-decision", "no run user recorded", func(f *fixture) {
			f.mv.RunUser = ""
			delete(f.mv.RunTags, "mlflow.user")
		}, Pass, ""},
		{"nist-manage-release-decision", "pending", tag("release_decision", "pending"), Fail, `"pending"`},

		{"nist-manage-residual-risk", "documented", nil, Pass, ""},
		{"nist-manage-residual-risk", "missing", untag("residual_risk"), Fail, "not set"},

		{"nist-manage-deactivation", "rollback and stop", nil, Pass, ""},
		{"nist-manage-deactivation", "no rollback target", untag("rollback_version"), Fail, "rollback_version not set"},

		{"nist-manage-monitoring-plan", "referenced", nil, Pass, ""},
		{"nist-manage-monitoring-plan", "missing", untag("pmm_plan_ref"), Fail, "not set"},

		{"nist-manage-incident-channel", "named", nil, Pass, ""},
		{"nist-manage-incident-channel", "missing", untag("incident_channel"), Fail, "not set"},
	}
	covered := map[string]map[Outcome]bool{}
	for _, tc := range tests {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			f := packFixture()
			if tc.change != nil {
				tc.change(f)
			}
			res := evaluate(t, f)
			r, ok := res[tc.rule]
			if tc.want == "" {
				if ok {
					t.Fatalf("rule applies: %+v", r)
				}
				return
			}
			if !ok {
				t.Fatalf("rule %s not evaluated", tc.rule)
			}
			if r.Outcome != tc.want || !containsText(r.Reason, tc.reason) {
				t.Fatalf("%s (%s), want %s with %q", r.Outcome, r.Reason, tc.want, tc.reason)
			}
			if covered[tc.rule] == nil {
				covered[tc.rule] = map[Outcome]bool{}
			}
			covered[tc.rule][r.Outcome] = true
		})
	}
	// every rule of both packs has a passing and a failing case, and the fixture passes them all
	all := evaluate(t, packFixture())
	for _, pk := range Packs() {
		if pk.Name == PackGDPR {
			continue
		}
		for _, ps := range pk.specs {
			id := ps.spec.ID
			if !covered[id][Pass] || !covered[id][Fail] {
				t.Errorf("rule %s: cases %v, want a passing and a failing one", id, covered[id])
			}
			if r, ok := all[id]; ok && r.Outcome != Pass {
				t.Errorf("the compliant fixture does not pass %s: %s", id, r.Reason)
			}
		}
	}
}

func containsText(s, sub string) bool { return sub == "" || strings.Contains(s, sub) }
