// Package shap is the SHAP explanation source of DTE Trust: it reads SHAP summaries (the DTE Trust
// SHAP summary format of docs/shap-format.md, written by the dte-trust-shap Python helper from a
// shap.Explanation) from files under shapPaths and from MLflow run artifacts, and serves them as
// explainability evidence: mean |SHAP| per feature (overall and per group), each feature's rank,
// and whether the top feature changed since the model's previous explanation.
package shap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/dte-trust/dte-trust/pkg/source/internal/sourcekit"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Metric names of the explainability dimension.
const (
	MetricMeanAbsSHAP       = "mean_abs_shap"       // mean |SHAP| of a feature over the explained rows
	MetricFeatureRank       = "feature_rank"        // 1 for the feature with the highest mean |SHAP|
	MetricTopFeatureChanged = "top_feature_changed" // 1 when the top feature differs from the model's previous explanation
)

// Labels of this source beyond pkg/trust's fixed list. output names the explained output of a
// multi-output model; the others appear in table format only, since they change with every
// explanation and would split series and alert instances.
const (
	LabelOutput             = "output"
	LabelFile               = "file"
	LabelTopFeature         = "top_feature"
	LabelPreviousTopFeature = "previous_top_feature"
)

// Config holds the SHAP keys of the datasource settings (jsonData).
type Config struct {
	Paths         []string // shapPaths: files or directories (searched recursively) holding SHAP summaries
	ArtifactPaths []string // shapArtifactPaths: MLflow artifact directories of untagged runs, default ["shap"]
	MLflow        bool     // shapMlflow: read summaries logged to MLflow runs (default true when MLflow is configured)
}

// LoadConfig reads the SHAP keys of the settings. Lists may be JSON lists or strings holding one
// entry per line (or comma-separated).
func LoadConfig(s trust.Settings) (Config, error) {
	c := Config{MLflow: true, ArtifactPaths: []string{DefaultArtifactPath}}
	if len(s.JSONData) == 0 {
		return c, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(s.JSONData, &raw); err != nil {
		return c, fmt.Errorf("shap: datasource settings (jsonData) are not a JSON object: %w", err)
	}
	var errs []error
	var err error
	if c.Paths, err = sourcekit.StringList(raw["shapPaths"]); err != nil {
		errs = append(errs, fmt.Errorf("shap: jsonData shapPaths: %w", err))
	}
	ap, err := sourcekit.StringList(raw["shapArtifactPaths"])
	if err != nil {
		errs = append(errs, fmt.Errorf("shap: jsonData shapArtifactPaths: %w", err))
	}
	if len(ap) > 0 {
		c.ArtifactPaths = ap
	}
	// The config editor saves a JSON boolean; provisioning files may hold "true"/"false".
	if b, set, err := sourcekit.Bool(raw["shapMlflow"]); err != nil {
		errs = append(errs, fmt.Errorf("shap: jsonData shapMlflow must be true or false"))
	} else if set {
		c.MLflow = b
	}
	return c, errors.Join(errs...)
}

// Provider serves explainability evidence from SHAP summaries in files and MLflow runs.
type Provider struct {
	cfg    Config
	cache  sourcekit.FileCache[parsed] // parsed files between queries
	mlflow trust.RunArtifacts          // nil: MLflow not configured or shapMlflow false
	linker trust.RunArtifacts          // nil: MLflow not configured
}

var (
	_ trust.EvidenceProvider = (*Provider)(nil)
	_ trust.OptionsProvider  = (*Provider)(nil)
	_ trust.HealthChecker    = (*Provider)(nil)
)

// New builds the SHAP source from the settings. runs reads MLflow (nil when it is not
// configured): it links summaries with a run_id to their run page and, unless shapMlflow is
// false, supplies summaries logged to MLflow runs. New returns nil, nil when neither shapPaths
// nor MLflow is configured.
func New(_ context.Context, s trust.Settings, runs trust.RunArtifacts) (*Provider, error) {
	cfg, err := LoadConfig(s)
	if err != nil {
		return nil, trust.Upstream(err)
	}
	p := &Provider{cfg: cfg, linker: runs}
	if runs != nil && cfg.MLflow {
		p.mlflow = runs
	}
	if len(cfg.Paths) == 0 && p.mlflow == nil {
		return nil, nil
	}
	return p, nil
}

// Name implements trust.Provider.
func (p *Provider) Name() string { return trust.SourceShap }

// Dimensions implements trust.EvidenceProvider.
func (p *Provider) Dimensions() []trust.Dimension { return []trust.Dimension{trust.Explainability} }

// runLink is the MLflow run page of a summary with a run_id, when MLflow is configured.
func (p *Provider) runLink(experimentID, runID string) string {
	return sourcekit.RunLink(p.linker, experimentID, runID)
}

// cleanQuery returns a copy of q with Grafana's "All" values removed from its filters.
func cleanQuery(q *trust.Query) *trust.Query {
	c := *q
	c.Model, c.Version, c.Feature = sourcekit.CleanVar(q.Model), sourcekit.CleanVar(q.Version), sourcekit.CleanVar(q.Feature)
	c.SensitiveFeature, c.Group = sourcekit.CleanVar(q.SensitiveFeature), sourcekit.CleanVar(q.Group)
	return &c
}

// Collect implements trust.EvidenceProvider.
func (p *Provider) Collect(ctx context.Context, dim trust.Dimension, q *trust.Query) (*trust.Evidence, error) {
	ev := &trust.Evidence{}
	if dim != trust.Explainability {
		return ev, nil
	}
	q = cleanQuery(q)
	l := p.load(ctx, q)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if l.files == 0 && len(l.summaries) == 0 && len(l.failed) > 0 && len(l.unreadable) == 0 {
		return nil, trust.Upstream(errors.Join(l.failed...))
	}
	l.report(ev)
	ev.Add(Points(l.summaries, q)...)
	return ev, nil
}

// Points are the points of the summaries that q keeps (q cleaned of "All" values). The top
// feature change of a summary is judged against the previous summary of the same model and
// output in time, whether or not that one is in the query's range or version selection.
func Points(summaries []*Summary, q *trust.Query) []trust.Point {
	prev := previousTops(summaries)
	var out []trust.Point
	for _, s := range summaries {
		if !sourcekit.MatchVar(s.Model, q.Model) || !sourcekit.MatchVar(s.Version, q.Version) || !q.InRange(s.Time) {
			continue
		}
		base := trust.Labels{trust.LabelModel: s.Model, trust.LabelSource: trust.SourceShap}
		set := func(k, v string) {
			if v != "" {
				base[k] = v
			}
		}
		set(trust.LabelVersion, s.Version)
		set(trust.LabelRunID, s.RunID)
		set(trust.LabelDataset, s.Dataset)
		set(LabelOutput, s.Output)
		if q.Format == trust.FormatTable {
			set(LabelFile, s.File)
		}
		point := func(metric string, v float64, extra ...string) {
			if !q.WantsMetric(metric) {
				return
			}
			l := make(trust.Labels, len(base)+len(extra)/2)
			for k, v := range base {
				l[k] = v
			}
			for i := 0; i+1 < len(extra); i += 2 {
				if extra[i+1] != "" {
					l[extra[i]] = extra[i+1]
				}
			}
			out = append(out, trust.Point{Time: s.Time, Dimension: trust.Explainability, Metric: metric, Value: v, Labels: l, Link: s.Link})
		}
		if q.SensitiveFeature == "" && q.Group == "" {
			for i, f := range s.Features {
				if !sourcekit.MatchVar(f.Feature, q.Feature) {
					continue
				}
				point(MetricMeanAbsSHAP, f.MeanAbsSHAP, trust.LabelFeature, f.Feature)
				point(MetricFeatureRank, float64(i+1), trust.LabelFeature, f.Feature)
			}
			if before, ok := prev[s]; ok && q.Feature == "" {
				changed := 0.0
				if before != s.Top() {
					changed = 1
				}
				var extra []string
				if q.Format == trust.FormatTable {
					extra = []string{LabelTopFeature, s.Top(), LabelPreviousTopFeature, before}
				}
				point(MetricTopFeatureChanged, changed, extra...)
			}
		}
		// Per-group attributions only when the query asks for groups: an overall panel or rule
		// would otherwise mix them with the overall values of the same feature.
		for _, g := range s.Groups {
			if q.SensitiveFeature == "" && q.Group == "" {
				break
			}
			if !sourcekit.MatchVar(g.SensitiveFeature, q.SensitiveFeature) || !sourcekit.MatchVar(g.Group, q.Group) {
				continue
			}
			for _, f := range g.Features {
				if sourcekit.MatchVar(f.Feature, q.Feature) {
					point(MetricMeanAbsSHAP, f.MeanAbsSHAP, trust.LabelFeature, f.Feature,
						trust.LabelSensitiveFeature, g.SensitiveFeature, trust.LabelGroup, g.Group)
				}
			}
		}
	}
	return out
}

// previousTops maps each summary that has a predecessor (the summary of the same model and output
// just before it in time; versions break ties) to that predecessor's top feature.
func previousTops(summaries []*Summary) map[*Summary]string {
	byModel := map[[2]string][]*Summary{}
	for _, s := range summaries {
		k := [2]string{s.Model, s.Output}
		byModel[k] = append(byModel[k], s)
	}
	out := map[*Summary]string{}
	for _, list := range byModel {
		sort.SliceStable(list, func(i, j int) bool {
			if !list[i].Time.Equal(list[j].Time) {
				return list[i].Time.Before(list[j].Time)
			}
			return versionLess(list[i].Version, list[j].Version)
		})
		for i := 1; i < len(list); i++ {
			out[list[i]] = list[i-1].Top()
		}
	}
	return out
}

// versionLess orders versions numerically when both are numbers, else as text.
func versionLess(a, b string) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	if err1 == nil && err2 == nil {
		return x < y
	}
	return a < b
}

// report turns what loading found into notices.
func (l *loaded) report(ev *trust.Evidence) {
	src := trust.SourceShap
	for _, err := range l.failed {
		ev.Warn(src, "", "%v", err)
	}
	for _, u := range l.unreadable {
		ev.Warn(src, u.location, "skipped: %v", u.err)
	}
	if len(l.ignored) > 0 {
		ev.Info(src, "", "%d file(s) are not SHAP summaries and were skipped: %s", len(l.ignored), sourcekit.FirstFew(l.ignored, 5))
	}
}
