package shap

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/source/internal/sourcekit"
	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/upstream"
)

// OptionKinds implements trust.OptionsProvider.
func (p *Provider) OptionKinds() []string {
	return []string{trust.VarModels, trust.VarVersions, trust.VarFeatures, trust.VarSensitiveFeatures, trust.VarGroups}
}

// Options implements trust.OptionsProvider: the models, versions (of q.Model), features,
// sensitive features and groups (of q.Model and q.Version) found in the SHAP summaries.
func (p *Provider) Options(ctx context.Context, kind string, q *trust.Query) ([]trust.Option, error) {
	if !slices.Contains(p.OptionKinds(), kind) {
		return nil, fmt.Errorf("shap: no %q options", kind)
	}
	q = cleanQuery(q)
	l := p.load(ctx, q)
	if len(l.summaries) == 0 && len(l.failed) > 0 {
		return nil, trust.Upstream(errors.Join(l.failed...))
	}
	seen := map[string]bool{}
	add := func(v string) {
		if v != "" {
			seen[v] = true
		}
	}
	for _, s := range l.summaries {
		if kind != trust.VarModels && !sourcekit.MatchVar(s.Model, q.Model) {
			continue
		}
		if kind != trust.VarModels && kind != trust.VarVersions && !sourcekit.MatchVar(s.Version, q.Version) {
			continue
		}
		switch kind {
		case trust.VarModels:
			add(s.Model)
		case trust.VarVersions:
			add(s.Version)
		case trust.VarFeatures:
			for _, f := range s.Features {
				add(f.Feature)
			}
		case trust.VarSensitiveFeatures:
			for _, g := range s.Groups {
				add(g.SensitiveFeature)
			}
		case trust.VarGroups:
			for _, g := range s.Groups {
				if sourcekit.MatchVar(g.SensitiveFeature, q.SensitiveFeature) {
					add(g.Group)
				}
			}
		}
	}
	values := make([]string, 0, len(seen))
	for v := range seen {
		values = append(values, v)
	}
	return sourcekit.Options(values), nil
}

// CheckHealth implements trust.HealthChecker: it reads every file under shapPaths, counts the
// summaries found and names each location it could not read with what is wrong.
func (p *Provider) CheckHealth(ctx context.Context) (string, error) {
	ctx = upstream.Fresh(ctx)
	if len(p.cfg.Paths) == 0 {
		return "SHAP: summaries logged to MLflow runs are read at query time (no shapPaths)", nil
	}
	l := &loaded{}
	p.loadFiles(ctx, l)
	models := map[string]bool{}
	for _, s := range l.summaries {
		models[s.Model] = true
	}
	var b strings.Builder
	fmt.Fprintf(&b, "SHAP: %d summary file(s) for %d model(s) under shapPaths", l.files, len(models))
	if p.mlflow != nil {
		b.WriteString(", plus summaries logged to MLflow runs (read at query time)")
	}
	if len(l.unreadable) > 0 {
		list := make([]string, len(l.unreadable))
		for i, u := range l.unreadable {
			list[i] = fmt.Sprintf("%s: %v", u.location, u.err)
		}
		fmt.Fprintf(&b, "; %d unreadable: %s", len(l.unreadable), sourcekit.FirstFew(list, 5))
	}
	if len(l.ignored) > 0 {
		fmt.Fprintf(&b, "; %d file(s) skipped as not SHAP summaries", len(l.ignored))
	}
	switch {
	case len(l.failed) > 0:
		return "", trust.Upstream(fmt.Errorf("%s; %w", b.String(), errors.Join(l.failed...)))
	case len(l.summaries) == 0 && p.mlflow == nil:
		return "", trust.Upstreamf("%s: no SHAP summaries found under shapPaths", b.String())
	}
	return b.String(), nil
}
