package mlflow

import (
	"context"
	"sort"
	"strings"
)

// registryView is a snapshot of the model registry, or of one registered model.
type registryView struct {
	models   map[string]*RegisteredModel
	versions []ModelVersion // sorted by model, then version
}

// loadRegistry reads the registered models and their versions: all of them, or those of model.
// An unknown model is an upstream error naming it.
func (p *Provider) loadRegistry(ctx context.Context, model string) (*registryView, error) {
	filter := ""
	if model != "" {
		filter = NameFilter(model)
	}
	var models []RegisteredModel
	var versions []ModelVersion
	err := forEach(ctx, 2, 2, func(ctx context.Context, i int) error {
		var err error
		if i == 0 {
			models, err = p.c.SearchRegisteredModels(ctx, filter)
		} else {
			versions, err = p.c.SearchModelVersions(ctx, filter)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if model != "" && len(models) == 0 && len(versions) == 0 {
		if _, err := p.c.GetRegisteredModel(ctx, model); err != nil {
			return nil, err
		}
	}
	v := &registryView{models: make(map[string]*RegisteredModel, len(models)), versions: versions}
	for i := range models {
		v.models[models[i].Name] = &models[i]
	}
	sortVersions(v.versions)
	return v, nil
}

// aliases returns the aliases of a version: those the version reports and those its registered
// model maps to it, sorted.
func (r *registryView) aliases(mv *ModelVersion) []string {
	set := map[string]bool{}
	for _, a := range mv.Aliases {
		set[a] = true
	}
	if m := r.models[mv.Name]; m != nil {
		for _, a := range m.Aliases {
			if a.Version == mv.Version {
				set[a.Alias] = true
			}
		}
	}
	return sortedSet(set)
}

// tags returns the registered model's tags overridden by the version's tags.
func (r *registryView) tags(mv *ModelVersion) map[string]string {
	out := map[string]string{}
	if m := r.models[mv.Name]; m != nil {
		for _, t := range m.Tags {
			out[t.Key] = t.Value
		}
	}
	for _, t := range mv.Tags {
		out[t.Key] = t.Value
	}
	return out
}

// selectVersions narrows the versions to the query's version list or alias. An alias no version
// carries is an upstream error naming it.
func (p *Provider) selectVersions(ctx context.Context, r *registryView, model, version, alias string) ([]ModelVersion, error) {
	out := r.versions
	if vs := splitVar(version); len(vs) > 0 {
		want := map[string]bool{}
		for _, v := range vs {
			want[v] = true
		}
		var keep []ModelVersion
		for _, mv := range out {
			if want[string(mv.Version)] {
				keep = append(keep, mv)
			}
		}
		out = keep
	}
	if alias != "" && model != "" {
		var keep []ModelVersion
		for i := range out {
			for _, a := range r.aliases(&out[i]) {
				if a == alias {
					keep = append(keep, out[i])
				}
			}
		}
		if len(keep) == 0 {
			// Let the server say what is wrong (unknown alias, or an alias on another version).
			if _, err := p.c.GetModelVersionByAlias(ctx, model, alias); err != nil {
				return nil, err
			}
		}
		out = keep
	}
	return out, nil
}

// tagString renders tags as "k=v, k2=v2" in key order.
func tagString(tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(tags[k])
	}
	return b.String()
}
