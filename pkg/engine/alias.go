package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// aliasVersions is a query's alias resolved to the model versions carrying it, for the providers
// that do not know aliases (Evidently, Fairlearn): they are asked for those versions, so that
// alias: champion never serves another version's evidence.
type aliasVersions struct {
	alias      string
	versions   []trust.ModelVersion
	err        error // the registry could not be asked
	noRegistry bool
}

// resolveAliases resolves q.Alias when one of ps does not resolve aliases itself; nil when there is
// nothing to resolve.
func (e *Engine) resolveAliases(ctx context.Context, ps []trust.EvidenceProvider, q *trust.Query) *aliasVersions {
	alias := strings.TrimSpace(q.Alias)
	switch alias {
	case "", "$__all", "*", "All", "{}":
		return nil
	}
	need := false
	for _, p := range ps {
		if r, ok := p.(trust.AliasResolver); !ok || !r.ResolvesAliases() {
			need = true
		}
	}
	if !need {
		return nil
	}
	a := &aliasVersions{alias: alias}
	var cat trust.ModelCatalog
	for _, p := range e.providers {
		if c, ok := p.(trust.ModelCatalog); ok {
			cat = c
			break
		}
	}
	if cat == nil {
		a.noRegistry = true
		return a
	}
	mvs, err := cat.ModelVersions(ctx, &trust.Query{QueryType: trust.QueryModels, Model: q.Model, Alias: alias})
	if err != nil {
		a.err = err
		return a
	}
	for _, mv := range mvs {
		for _, x := range mv.Aliases {
			if x == alias {
				a.versions = append(a.versions, mv)
				break
			}
		}
	}
	return a
}

// collect asks p for the evidence of every version carrying the alias.
func (a *aliasVersions) collect(ctx context.Context, p trust.EvidenceProvider, dim trust.Dimension, q *trust.Query) (*trust.Evidence, error) {
	switch {
	case a.noRegistry:
		ev, err := safeCollect(ctx, p, dim, q)
		if err == nil {
			ev.Warn(p.Name(), "", "alias %q cannot be resolved without an MLflow model registry (set mlflowUrl): the %s evidence of every version is shown", a.alias, dim)
		}
		return ev, err
	case a.err != nil:
		return nil, fmt.Errorf("%s: alias %q could not be resolved to a model version: %w", p.Name(), a.alias, a.err)
	}
	out := &trust.Evidence{}
	if len(a.versions) == 0 {
		out.Info(p.Name(), "", "no registered model version carries the alias %q, so no %s evidence matches it", a.alias, dim)
		return out, nil
	}
	var failed []error
	for _, mv := range a.versions {
		vq := *q
		vq.Model, vq.Version, vq.Alias = mv.Name, mv.Version, ""
		ev, err := safeCollect(ctx, p, dim, &vq)
		if err != nil {
			failed = append(failed, err)
			continue
		}
		out.Merge(ev)
	}
	if len(failed) == len(a.versions) {
		return nil, failed[0]
	}
	for _, err := range failed {
		out.Notices = append(out.Notices, trust.Notice{Source: p.Name(), Message: err.Error(), Warning: true})
	}
	return out, nil
}
