package mlflow

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Options answers template variables and query-editor dropdowns: experiments, models, versions and
// aliases (of q.Model), and metrics (the metric keys of the recent runs of q.Experiments, or of the
// source runs of q.Model's versions).
func (p *Provider) Options(ctx context.Context, kind string, q *trust.Query) ([]trust.Option, error) {
	q = normalize(q)
	var names []string
	var err error
	switch kind {
	case trust.VarExperiments:
		names, err = p.experimentOptions(ctx)
	case trust.VarModels:
		names, err = p.modelOptions(ctx)
	case trust.VarVersions:
		names, err = p.versionOptions(ctx, q.Model)
	case trust.VarAliases:
		names, err = p.aliasOptions(ctx, q.Model)
	case trust.VarMetrics:
		names, err = p.metricOptions(ctx, q)
	default:
		return nil, fmt.Errorf("mlflow: unknown variable kind %q", kind)
	}
	if err != nil {
		return nil, err
	}
	return options(names), nil
}

// experimentOptions lists the names of the active experiments.
func (p *Provider) experimentOptions(ctx context.Context) ([]string, error) {
	exps, err := p.c.SearchExperiments(ctx, "")
	if err != nil {
		return nil, err
	}
	names := make([]string, len(exps))
	for i, e := range exps {
		names[i] = e.Name
	}
	return names, nil
}

// modelOptions lists the names of the registered models.
func (p *Provider) modelOptions(ctx context.Context) ([]string, error) {
	ms, err := p.c.SearchRegisteredModels(ctx, "")
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	return names, nil
}

// versionOptions lists the versions of a registered model in version order. A model without
// versions is looked up, so that an unknown model is an error.
func (p *Provider) versionOptions(ctx context.Context, model string) ([]string, error) {
	if model == "" {
		return nil, errors.New("mlflow: the versions variable needs a model: set model (for example model=$model)")
	}
	vs, err := p.c.SearchModelVersions(ctx, NameFilter(model))
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		if _, err := p.c.GetRegisteredModel(ctx, model); err != nil {
			return nil, err
		}
	}
	sortVersions(vs)
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = string(v.Version)
	}
	return names, nil
}

// aliasOptions lists, sorted, the aliases of a registered model and of its latest versions.
func (p *Provider) aliasOptions(ctx context.Context, model string) ([]string, error) {
	if model == "" {
		return nil, errors.New("mlflow: the aliases variable needs a model: set model (for example model=$model)")
	}
	m, err := p.c.GetRegisteredModel(ctx, model)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, a := range m.Aliases {
		set[a.Alias] = true
	}
	for _, v := range m.LatestVersions {
		for _, a := range v.Aliases {
			set[a] = true
		}
	}
	return sortedSet(set), nil
}

// metricOptions lists, sorted, the metric keys of the runs the query selects.
func (p *Provider) metricOptions(ctx context.Context, q *trust.Query) ([]string, error) {
	sel, err := p.selectRuns(ctx, q, DefaultAccuracyRuns, nil)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, t := range sel.targets {
		for _, m := range t.latestMetrics() {
			set[m.Key] = true
		}
	}
	return sortedSet(set), nil
}

// sortedSet returns the members of a set, sorted.
func sortedSet(set map[string]bool) []string {
	names := make([]string, 0, len(set))
	for k := range set {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func options(values []string) []trust.Option {
	out := make([]trust.Option, 0, len(values))
	for _, v := range values {
		out = append(out, trust.Option{Text: v, Value: v})
	}
	return out
}
