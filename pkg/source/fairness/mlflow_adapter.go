package fairness

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/source/internal/sourcekit"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// DefaultMLflowRuns is how many runs (newest first) a fairness query searches in its experiments
// for fairness results when it names no model and sets no limit.
const DefaultMLflowRuns = 500

// mlflowAdapter finds the runs a fairness query concerns and reads their artifacts through the
// MLflow runs the engine passes in (trust.RunArtifacts).
type mlflowAdapter struct {
	c trust.RunArtifacts
}

// RunURL is the MLflow UI page of a run; without an experiment id, MLflow's direct run route.
func (a *mlflowAdapter) RunURL(experimentID, runID string) string {
	if experimentID != "" {
		return a.c.RunURL(experimentID, runID)
	}
	return strings.Replace(a.c.RunURL("", runID), "/#/experiments//runs/", "/#/runs/", 1)
}

func (a *mlflowAdapter) listArtifacts(ctx context.Context, runID, dir string) ([]artifactFile, error) {
	return a.c.ListArtifacts(ctx, runID, trimSlash(dir))
}

func (a *mlflowAdapter) readArtifact(ctx context.Context, runID, path string, maxBytes int64) ([]byte, error) {
	return a.c.ReadArtifact(ctx, runID, path, maxBytes)
}

// taggedFilter finds the runs dte_trust_fairness.log_metricframe logged to.
const taggedFilter = "tags.`" + FairnessTag + "` LIKE '%'"

// fairnessRuns returns the runs a query concerns: the source runs of the versions of q.Model (and
// q.Version), plus the newest runs of q.Experiments matching q.RunFilter or, without experiments,
// the runs tagged dte_trust.fairness across all experiments (results logged with the Python
// helper, whose documents name their model). Runs holding only metrics with the group in the key
// are found by model or experiment, which bounds what a query reads. At most q.Limit runs are
// searched (DefaultMLflowRuns when unset). Model and version labels come from the registry.
func (a *mlflowAdapter) fairnessRuns(ctx context.Context, q *trust.Query) ([]mlRun, error) {
	var out []mlRun
	if q.Model != "" && !strings.HasPrefix(q.Model, "{") {
		runs, err := a.modelRuns(ctx, q)
		if err != nil {
			return nil, err
		}
		out = runs
	}
	searched, err := a.searchRuns(ctx, q)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, r := range out {
		seen[r.ID] = true
	}
	for _, r := range searched {
		if !seen[r.ID] {
			out = append(out, r)
		}
	}
	return out, nil
}

// searchRuns searches the query's experiments, or the tagged runs of all experiments.
func (a *mlflowAdapter) searchRuns(ctx context.Context, q *trust.Query) ([]mlRun, error) {
	filter := q.RunFilter
	if len(q.Experiments) == 0 {
		filter = taggedFilter
		if q.RunFilter != "" {
			filter += " AND " + q.RunFilter
		}
	}
	ids, err := a.experimentIDs(ctx, q.Experiments)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultMLflowRuns
	}
	var runs []trust.ArtifactRun
	for start := 0; start < len(ids) && len(runs) < limit; start += 100 {
		end := min(start+100, len(ids))
		page, err := a.c.SearchRuns(ctx, trust.RunSearch{ExperimentIDs: ids[start:end], Filter: filter, Limit: limit - len(runs)})
		if err != nil {
			return nil, fmt.Errorf("runs/search: %w", err)
		}
		runs = append(runs, page...)
	}
	versions := map[string]trust.VersionRun{}
	if vs, err := a.c.ModelVersionRuns(ctx, ""); err == nil {
		for _, v := range vs {
			if v.RunID != "" {
				versions[v.RunID] = v
			}
		}
	}
	out := make([]mlRun, 0, len(runs))
	for i := range runs {
		r := a.convert(&runs[i])
		if v, ok := versions[r.ID]; ok {
			r.Model, r.Version = v.Model, v.Version
		}
		out = append(out, r)
	}
	return out, nil
}

// modelRuns reads the source runs of a registered model's versions.
func (a *mlflowAdapter) modelRuns(ctx context.Context, q *trust.Query) ([]mlRun, error) {
	vs, err := a.c.ModelVersionRuns(ctx, "name='"+strings.ReplaceAll(q.Model, "'", "\\'")+"'")
	if err != nil {
		return nil, fmt.Errorf("model-versions/search: %w", err)
	}
	var out []mlRun
	for _, v := range vs {
		if v.RunID == "" || !sourcekit.MatchVar(v.Version, q.Version) {
			continue
		}
		run, err := a.c.GetRun(ctx, v.RunID)
		if err != nil {
			if errors.Is(err, trust.ErrNotFound) {
				continue // the version's run was deleted
			}
			return nil, fmt.Errorf("runs/get %s: %w", v.RunID, err)
		}
		r := a.convert(run)
		r.Model, r.Version = v.Model, v.Version
		out = append(out, r)
	}
	return out, nil
}

func (a *mlflowAdapter) experimentIDs(ctx context.Context, names []string) ([]string, error) {
	if len(names) == 0 {
		return a.c.ExperimentIDs(ctx)
	}
	ids := make([]string, 0, len(names))
	for _, n := range names {
		id, _, err := a.c.ExperimentByName(ctx, n)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (a *mlflowAdapter) convert(run *trust.ArtifactRun) mlRun {
	r := mlRun{ID: run.ID, ExperimentID: run.ExperimentID, Tags: run.Tags}
	if r.Tags == nil {
		r.Tags = map[string]string{}
	}
	for _, m := range run.Metrics {
		r.Metrics = append(r.Metrics, KeyValue{Key: m.Key, Value: m.Value, Time: m.Time})
	}
	r.Dataset = r.Tags["dataset"]
	r.Link = a.RunURL(r.ExperimentID, r.ID)
	return r
}
