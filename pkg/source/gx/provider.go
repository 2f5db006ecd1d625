// Package gx is the Great Expectations source of DTE Trust: it reads the validation results GX
// writes (GX 1.x and 0.x ExpectationSuiteValidationResult JSON, 0.x CheckpointResult JSON) from
// the configured directories (gxPaths) and from MLflow run artifacts, and serves them as quality
// evidence: per suite, data asset and run the expectations evaluated and successful, the success
// percent and the validation's success, and each expectation's success (docs/gx-format.md).
package gx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/source/internal/sourcekit"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Metric names of the quality points this source emits.
const (
	MetricEvaluated          = "expectations_evaluated"
	MetricSuccessful         = "expectations_successful"
	MetricSuccessPercent     = "success_percent"
	MetricValidationSuccess  = "validation_success"
	MetricExpectationSuccess = "expectation_success"
)

// Labels beyond the fixed list (ARCHITECTURE.md "Labels beyond the fixed list").
const (
	LabelSuite       = "suite"       // the expectation suite
	LabelExpectation = "expectation" // an expectation's type, e.g. expect_column_values_to_not_be_null
	LabelColumn      = "column"      // an expectation's column; absent for table-level expectations
	LabelFile        = "file"        // table format only: the file or artifact the result came from
)

// Config holds the Great Expectations keys of the datasource settings (jsonData).
type Config struct {
	Paths         []string // gxPaths: files or directories (searched recursively)
	ArtifactPaths []string // gxArtifactPaths: MLflow artifact directories holding GX results (default gx)
	MLflow        bool     // gxMlflow: read GX results from MLflow run artifacts (default true when MLflow is configured)
}

// LoadConfig reads the Great Expectations keys of the settings. Lists may be JSON lists or strings
// holding one entry per line (or comma-separated).
func LoadConfig(s trust.Settings) (Config, error) {
	c := Config{MLflow: true, ArtifactPaths: []string{"gx"}}
	if len(s.JSONData) == 0 {
		return c, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(s.JSONData, &raw); err != nil {
		return c, fmt.Errorf("great_expectations: datasource settings (jsonData) are not a JSON object: %w", err)
	}
	var errs []error
	list := func(key string) []string {
		v, err := sourcekit.StringList(raw[key])
		if err != nil {
			errs = append(errs, fmt.Errorf("great_expectations: jsonData %s: %w", key, err))
		}
		return v
	}
	c.Paths = list("gxPaths")
	if ap := list("gxArtifactPaths"); len(ap) > 0 {
		c.ArtifactPaths = ap
	}
	if b, set, err := sourcekit.Bool(raw["gxMlflow"]); err != nil {
		errs = append(errs, errors.New("great_expectations: jsonData gxMlflow must be true or false"))
	} else if set {
		c.MLflow = b
	}
	return c, errors.Join(errs...)
}

// Provider serves quality evidence from Great Expectations results in files and MLflow runs.
type Provider struct {
	cfg    Config
	runs   trust.RunArtifacts // nil: MLflow not configured or gxMlflow false
	linker trust.RunArtifacts // nil: MLflow not configured
}

var (
	_ trust.EvidenceProvider = (*Provider)(nil)
	_ trust.HealthChecker    = (*Provider)(nil)
)

// New builds the Great Expectations source from the settings. runs reads MLflow (nil when MLflow
// is not configured): unless gxMlflow is false, the GX results logged as artifacts of the runs a
// query concerns are read too. New returns nil, nil when gxPaths is not set and no MLflow is
// configured.
func New(ctx context.Context, s trust.Settings, runs trust.RunArtifacts) (*Provider, error) {
	cfg, err := LoadConfig(s)
	if err != nil {
		return nil, trust.Upstream(err)
	}
	p := &Provider{cfg: cfg, linker: runs}
	if runs != nil && cfg.MLflow {
		p.runs = runs
	}
	if len(cfg.Paths) == 0 && p.runs == nil {
		return nil, nil
	}
	return p, nil
}

// Name implements trust.Provider.
func (p *Provider) Name() string { return trust.SourceGreatExpectations }

// Dimensions implements trust.EvidenceProvider.
func (p *Provider) Dimensions() []trust.Dimension { return []trust.Dimension{trust.Quality} }

// load reads every configured location and, when MLflow is read, the runs the query concerns.
func (p *Provider) load(ctx context.Context, q *trust.Query) *loaded {
	out := &loaded{}
	p.loadFiles(ctx, out)
	if p.runs != nil && q != nil {
		p.loadMLflow(ctx, q, out)
	}
	return out
}

// report turns what loading found into notices naming the file.
func (out *loaded) report(ev *trust.Evidence) {
	src := trust.SourceGreatExpectations
	for _, err := range out.failed {
		ev.Warn(src, "", "%v", err)
	}
	for _, u := range out.unreadable {
		ev.Warn(src, u.loc, "unreadable: %s", u.msg)
	}
	if len(out.ignored) > 0 {
		ev.Info(src, "", "%d file(s) are not Great Expectations validation results and were skipped: %s", len(out.ignored), sourcekit.FirstFew(out.ignored, 5))
	}
}

// Collect implements trust.EvidenceProvider: the quality points of every validation matching the
// query's model, version and time range.
func (p *Provider) Collect(ctx context.Context, dim trust.Dimension, q *trust.Query) (*trust.Evidence, error) {
	ev := &trust.Evidence{}
	if dim != trust.Quality || strings.TrimSpace(q.Project) != "" {
		return ev, nil // an Evidently project narrows to Evidently evidence
	}
	model, version := sourcekit.CleanVar(q.Model), sourcekit.CleanVar(q.Version)
	l := p.load(ctx, q)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if l.files == 0 && len(l.failed) > 0 && len(l.unreadable) == 0 {
		return nil, trust.Upstream(errors.Join(l.failed...))
	}
	l.report(ev)
	for _, v := range l.validations {
		if !sourcekit.MatchVar(v.Model, model) || !sourcekit.MatchVar(v.Version, version) || !q.InRange(v.RunTime) {
			continue
		}
		for _, pt := range Points(v) {
			if !q.WantsMetric(pt.Metric) {
				continue
			}
			if q.Format == trust.FormatTable && v.File != "" {
				pt.Labels[LabelFile] = v.File
			}
			ev.Add(pt)
		}
	}
	return ev, nil
}

// Points are the quality points of one validation: its statistics, its success (status fail when
// the validation failed) and each expectation's success.
func Points(v *Validation) []trust.Point {
	base := trust.Labels{
		trust.LabelModel: v.Model, trust.LabelVersion: v.Version, trust.LabelRunID: v.RunID,
		trust.LabelExperiment: v.Experiment, trust.LabelSource: trust.SourceGreatExpectations,
		trust.LabelDataset: v.DataAsset, LabelSuite: v.Suite,
	}
	point := func(metric string, value float64, extra ...string) trust.Point {
		l := make(trust.Labels, len(base)+2)
		for k, x := range base {
			if x != "" {
				l[k] = x
			}
		}
		for i := 0; i+1 < len(extra); i += 2 {
			if extra[i+1] != "" {
				l[extra[i]] = extra[i+1]
			}
		}
		return trust.Point{Time: v.RunTime, Dimension: trust.Quality, Metric: metric, Value: value, Labels: l, Link: v.Link}
	}
	pts := []trust.Point{point(MetricEvaluated, v.Evaluated), point(MetricSuccessful, v.Successful)}
	if v.SuccessPercent != nil {
		pts = append(pts, point(MetricSuccessPercent, *v.SuccessPercent))
	}
	ok := point(MetricValidationSuccess, b2f(v.Success))
	ok.WithStatus(1, true)
	pts = append(pts, ok)
	seen := map[string]int{}
	for _, e := range v.Expectations {
		name := e.Type
		// two expectations of one type on one column (different ranges, say) stay two series
		if n := seen[e.Type+"\x00"+e.Column]; n > 0 {
			name = fmt.Sprintf("%s#%d", e.Type, n+1)
		}
		seen[e.Type+"\x00"+e.Column]++
		pt := point(MetricExpectationSuccess, b2f(e.Success), LabelExpectation, name, LabelColumn, e.Column)
		pt.WithStatus(1, true)
		pts = append(pts, pt)
	}
	return pts
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// CheckHealth implements trust.HealthChecker: it reads every gxPaths entry and reports what it
// found, naming the unreadable files and the entries that could not be read at all.
func (p *Provider) CheckHealth(ctx context.Context) (string, error) {
	if len(p.cfg.Paths) == 0 {
		return "Great Expectations: validation results logged to MLflow runs are read at query time (no gxPaths)", nil
	}
	l := &loaded{}
	p.loadFiles(ctx, l)
	models := map[string]bool{}
	for _, v := range l.validations {
		if v.Model != "" {
			models[v.Model] = true
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Great Expectations: %d validation result(s) in %d file(s)", len(l.validations), l.files)
	if len(models) > 0 {
		fmt.Fprintf(&b, " for %d model(s)", len(models))
	}
	if p.runs != nil {
		b.WriteString(", plus results logged to MLflow runs (read at query time)")
	}
	if len(l.unreadable) > 0 {
		list := make([]string, len(l.unreadable))
		for i, u := range l.unreadable {
			list[i] = u.loc + ": " + u.msg
		}
		fmt.Fprintf(&b, "; %d unreadable: %s", len(l.unreadable), sourcekit.FirstFew(list, 5))
	}
	if len(l.ignored) > 0 {
		fmt.Fprintf(&b, "; %d file(s) skipped as not GX validation results", len(l.ignored))
	}
	switch {
	case len(l.failed) > 0:
		return "", trust.Upstream(fmt.Errorf("%s; %w", b.String(), errors.Join(l.failed...)))
	case len(l.validations) == 0 && p.runs == nil:
		return "", trust.Upstreamf("%s: no Great Expectations validation results found under gxPaths", b.String())
	}
	return b.String(), nil
}
