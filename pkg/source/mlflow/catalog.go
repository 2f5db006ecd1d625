package mlflow

import (
	"context"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// ModelVersions lists registry metadata for compliance rules: the versions of q.Model (all models
// when empty), narrowed to q.Version or q.Alias, with the registered model's tags merged under the
// version's tags, aliases, stage, the source run's params and tags (runs/get) and a link to the
// version page. The source run's user, status, times and dataset inputs come with it.
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
		out[i].RunUser = r.Info.UserID
		out[i].RunStatus = r.Info.Status
		out[i].RunStart = millis(r.Info.StartTime)
		out[i].RunEnd = millis(r.Info.EndTime)
		out[i].RunInputs = datasetInputs(r.Inputs.DatasetInputs)
	}
	return out, nil
}

// contextTag is the dataset input tag MLflow's log_input writes the dataset's role into.
const contextTag = "mlflow.data.context"

// datasetInputs converts a run's dataset inputs; never nil, so that "used no dataset" differs from
// "run not read".
func datasetInputs(in []DatasetInput) []trust.DatasetInput {
	out := make([]trust.DatasetInput, 0, len(in))
	for _, d := range in {
		tags := kvMap(d.Tags)
		out = append(out, trust.DatasetInput{Name: d.Dataset.Name, Digest: d.Dataset.Digest, SourceType: d.Dataset.SourceType,
			Source: d.Dataset.Source, Context: tags[contextTag], Tags: tags})
	}
	return out
}

func kvMap(kvs []KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}
