package fairness

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/source/internal/sourcekit"
	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/upstream"
)

// OptionKinds implements trust.OptionsProvider.
func (p *Provider) OptionKinds() []string {
	return []string{trust.VarModels, trust.VarVersions, trust.VarSensitiveFeatures, trust.VarGroups}
}

// Options implements trust.OptionsProvider: models, versions (of q.Model), sensitive features (of
// q.Model/q.Version) and groups (of q.SensitiveFeature too) found in the fairness results.
func (p *Provider) Options(ctx context.Context, kind string, q *trust.Query) ([]trust.Option, error) {
	if !contains(p.OptionKinds(), kind) {
		return nil, fmt.Errorf("fairlearn: no %q options", kind)
	}
	q = cleanQuery(q)
	l := p.load(ctx, q)
	if len(l.evals) == 0 && len(l.failed) > 0 {
		return nil, trust.Upstream(errors.Join(l.failed...))
	}
	filter := *q
	seen := map[string]bool{}
	var values []string
	addValue := func(v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			values = append(values, v)
		}
	}
	for _, e := range l.evals {
		f := filter
		switch kind {
		case trust.VarModels:
			f.Model, f.Version, f.SensitiveFeature = "", "", ""
		case trust.VarVersions:
			f.Version, f.SensitiveFeature = "", ""
		case trust.VarSensitiveFeatures:
			f.SensitiveFeature = ""
		}
		if !wanted(e, &f) {
			continue
		}
		switch kind {
		case trust.VarModels:
			addValue(e.Model)
		case trust.VarVersions:
			addValue(e.Version)
		case trust.VarSensitiveFeatures:
			addValue(e.SensitiveLabel())
		case trust.VarGroups:
			for _, s := range e.Strata {
				for _, g := range s.Groups {
					addValue(g.Label)
				}
			}
		}
	}
	return sourcekit.Options(values), nil
}

// AnnotationKinds implements trust.AnnotationProvider.
func (p *Provider) AnnotationKinds() []string { return []string{trust.AnnotationFairness} }

// Annotations implements trust.AnnotationProvider: one fairness_fail event per evaluation in the
// time range whose fairness scalars (or the metrics the query names) breach the query's
// thresholds (differenceMax, ratioMin; defaults 0.1 and 0.8).
func (p *Provider) Annotations(ctx context.Context, kind string, q *trust.Query) ([]trust.Annotation, error) {
	if kind != trust.AnnotationFairness {
		return nil, fmt.Errorf("fairlearn: no %q annotations", kind)
	}
	q = cleanQuery(q)
	l := p.load(ctx, q)
	if len(l.evals) == 0 && len(l.failed) > 0 {
		return nil, trust.Upstream(errors.Join(l.failed...))
	}
	checked := q.Metrics
	if len(checked) == 0 {
		checked = FairnessScalars
	}
	diffMax, ratioMin := thresholds(q)
	var out []trust.Annotation
	for _, e := range l.evals {
		if !wanted(e, q) {
			continue
		}
		em := &emitter{requested: map[string]bool{}}
		var breaches []string
		for _, pt := range em.points(e) {
			if !contains(checked, pt.Metric) || !sourcekit.MatchVar(pt.Labels[trust.LabelGroup], q.Group) {
				continue
			}
			applyThreshold(&pt, diffMax, ratioMin)
			if pt.Status != trust.StatusFail {
				continue
			}
			op := ">"
			if strings.HasSuffix(strings.TrimSuffix(pt.Metric, suffixToOverall), suffixRatio) {
				op = "<"
			}
			where := ""
			if c := pt.Labels[LabelControlGroup]; c != "" {
				where = " [" + c + "]"
			}
			breaches = append(breaches, fmt.Sprintf("%s%s %s %s %s", pt.Metric, where, trust.FormatValue(pt.Value), op, trust.FormatValue(*pt.Threshold)))
		}
		if len(breaches) == 0 {
			continue
		}
		subject := e.Model
		if subject == "" {
			subject = "model unknown"
		}
		if e.Version != "" {
			subject += " v" + e.Version
		}
		if sf := e.SensitiveLabel(); sf != "" {
			subject += " (" + sf + ")"
		}
		text := strings.Join(breaches, "; ")
		if e.Link != "" {
			text += fmt.Sprintf(` <a href="%s">evidence</a>`, e.Link)
		} else {
			text += " — " + e.Location
		}
		tags := []string{trust.AnnotationFairness, trust.SourceFairlearn}
		for _, t := range []string{e.Model, e.SensitiveLabel()} {
			if t != "" {
				tags = append(tags, t)
			}
		}
		out = append(out, trust.Annotation{Time: e.Time, Title: "Fairness threshold breached: " + subject, Text: text, Tags: tags})
	}
	return out, nil
}

// CheckHealth implements trust.HealthChecker: it reads every configured file and URL, counts the
// fairness results found and names the files it could not read.
func (p *Provider) CheckHealth(ctx context.Context) (string, error) {
	ctx = upstream.Fresh(ctx) // health sees the upstream as it is now, never a cached answer
	if len(p.cfg.Paths)+len(p.cfg.URLs) == 0 {
		return "Fairlearn: fairness results logged to MLflow runs are read at query time (no fairlearnPaths or fairlearnUrls)", nil
	}
	l := &loaded{}
	p.loadFiles(ctx, l)
	p.loadURLs(ctx, l)
	models := map[string]bool{}
	for _, e := range l.evals {
		if e.Model != "" {
			models[e.Model] = true
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Fairlearn: %d fairness result(s) in %d file(s)/URL(s)", len(l.evals), l.files)
	if len(models) > 0 {
		fmt.Fprintf(&b, " for %d model(s)", len(models))
	}
	if p.mlflow != nil {
		b.WriteString(", plus results logged to MLflow runs (read at query time)")
	}
	if len(l.unreadable) > 0 {
		fmt.Fprintf(&b, "; %d unreadable: %s", len(l.unreadable), sourcekit.FirstFew(l.unreadable, 5))
	}
	if len(l.ignored) > 0 {
		fmt.Fprintf(&b, "; %d file(s) skipped as not fairness results", len(l.ignored))
	}
	configured := len(p.cfg.Paths) + len(p.cfg.URLs)
	switch {
	case len(l.failed) > 0:
		return "", trust.Upstream(fmt.Errorf("%s; %w", b.String(), errors.Join(l.failed...)))
	case configured > 0 && len(l.evals) == 0 && p.mlflow == nil:
		return "", trust.Upstreamf("%s: no fairness results found under fairlearnPaths/fairlearnUrls", b.String())
	}
	return b.String(), nil
}
