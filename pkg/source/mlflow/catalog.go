package mlflow

import (
	"context"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// ModelVersions lists registry metadata for compliance rules: the versions of q.Model (all models
// when empty), narrowed to q.Version or q.Alias, with the registered model's tags merged under the
// version's tags, aliases, stage, the source run's params and tags (runs/get) and a link to the
// version page.
func (p *Provider) ModelVersions(ctx context.Context, q *trust.Query) ([]trust.ModelVersion, error) {
	q = normalize(q)
	reg, vs, err := p.queryVersions(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]trust.ModelVersion, len(vs))
	for i := range vs {
		v := &vs[i]
		out[i] = trust.ModelVersion{
			Name:        v.Name,
			Version:     string(v.Version),
			Aliases:     reg.aliases(v),
			Stage:       v.CurrentStage,
			Tags:        reg.tags(v),
			Description: v.Description,
			Created:     millis(v.CreationTimestamp),
			Updated:     millis(v.LastUpdatedTimestamp),
			RunID:       v.RunID,
			Link:        p.c.ModelVersionURL(v.Name, string(v.Version)),
		}
	}
	// Source runs, each fetched once; a deleted run leaves params and tags empty.
	var ids []string
	seen := map[string]bool{}
	for _, v := range vs {
		if v.RunID != "" && !seen[v.RunID] {
			seen[v.RunID] = true
			ids = append(ids, v.RunID)
		}
	}
	runs := make(map[string]*Run, len(ids))
	got, err := p.c.GetRuns(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		if got[i] != nil {
			runs[id] = got[i]
		}
	}
	for i := range out {
		r := runs[out[i].RunID]
		if r == nil {
			continue
		}
		out[i].RunParams = kvMap(r.Data.Params)
		out[i].RunTags = kvMap(r.Data.Tags)
	}
	return out, nil
}

func kvMap(kvs []KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}
