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
	switch kind {
	case trust.VarExperiments:
		exps, err := p.c.SearchExperiments(ctx, "")
		if err != nil {
			return nil, err
		}
		names := make([]string, len(exps))
		for i, e := range exps {
			names[i] = e.Name
		}
		return options(names), nil
	case trust.VarModels:
		ms, err := p.c.SearchRegisteredModels(ctx, "")
		if err != nil {
			return nil, err
		}
		names := make([]string, len(ms))
		for i, m := range ms {
			names[i] = m.Name
		}
		return options(names), nil
	case trust.VarVersions:
		if q.Model == "" {
			return nil, errors.New("mlflow: the versions variable needs a model: set model (for example model=$model)")
		}
		vs, err := p.c.SearchModelVersions(ctx, NameFilter(q.Model))
		if err != nil {
			return nil, err
		}
		if len(vs) == 0 {
			if _, err := p.c.GetRegisteredModel(ctx, q.Model); err != nil {
				return nil, err
			}
		}
		sortVersions(vs)
		names := make([]string, len(vs))
		for i, v := range vs {
			names[i] = string(v.Version)
		}
		return options(names), nil
	case trust.VarAliases:
		if q.Model == "" {
			return nil, errors.New("mlflow: the aliases variable needs a model: set model (for example model=$model)")
		}
		m, err := p.c.GetRegisteredModel(ctx, q.Model)
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
		names := make([]string, 0, len(set))
		for a := range set {
			names = append(names, a)
		}
		sort.Strings(names)
		return options(names), nil
	case trust.VarMetrics:
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
		names := make([]string, 0, len(set))
		for k := range set {
			names = append(names, k)
		}
		sort.Strings(names)
		return options(names), nil
	}
	return nil, fmt.Errorf("mlflow: unknown variable kind %q", kind)
}

func options(values []string) []trust.Option {
	out := make([]trust.Option, 0, len(values))
	for _, v := range values {
		out = append(out, trust.Option{Text: v, Value: v})
	}
	return out
}
