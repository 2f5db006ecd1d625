package fairness

import (
	"context"
	"fmt"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/source/mlflow"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// DefaultMLflowRuns is how many runs (newest first) a fairness query searches in its experiments
// for fairness results when it names no model and sets no limit.
const DefaultMLflowRuns = 500

// mlflowAdapter reads fairness runs and artifacts through the MLflow source's client.
type mlflowAdapter struct {
	c *mlflow.Client
}

// adaptMLflow wraps the MLflow source, or returns nil when ml is not one.
func adaptMLflow(ml trust.Provider) runSource {
	mp, ok := ml.(*mlflow.Provider)
	if !ok || mp == nil || mp.Client() == nil {
		return nil
	}
	return &mlflowAdapter{c: mp.Client()}
}

// RunURL is the MLflow UI page of a run; without an experiment id, MLflow's direct run route.
func (a *mlflowAdapter) RunURL(experimentID, runID string) string {
	if experimentID != "" {
		return a.c.RunURL(experimentID, runID)
	}
	return strings.Replace(a.c.RunURL("", runID), "/#/experiments//runs/", "/#/runs/", 1)
}

func (a *mlflowAdapter) listArtifacts(ctx context.Context, runID, dir string) ([]artifactFile, error) {
	files, err := a.c.ListArtifacts(ctx, runID, trimSlash(dir))
	if err != nil {
		return nil, err
	}
	out := make([]artifactFile, len(files))
	for i, f := range files {
		out[i] = artifactFile{Path: f.Path, IsDir: f.IsDir, Size: int64(f.FileSize)}
	}
	return out, nil
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
	var runs []mlflow.Run
	for start := 0; start < len(ids) && len(runs) < limit; start += 100 {
		end := min(start+100, len(ids))
		page, err := a.c.SearchRuns(ctx, mlflow.RunsSearch{ExperimentIDs: ids[start:end], Filter: filter, Limit: limit - len(runs)})
		if err != nil {
			return nil, fmt.Errorf("runs/search: %w", err)
		}
		runs = append(runs, page...)
	}
	versions := map[string]mlflow.ModelVersion{}
	if vs, err := a.c.SearchModelVersions(ctx, ""); err == nil {
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
			r.Model, r.Version = v.Name, string(v.Version)
		}
		out = append(out, r)
	}
	return out, nil
}

// modelRuns reads the source runs of a registered model's versions.
func (a *mlflowAdapter) modelRuns(ctx context.Context, q *trust.Query) ([]mlRun, error) {
	vs, err := a.c.SearchModelVersions(ctx, "name='"+strings.ReplaceAll(q.Model, "'", "\\'")+"'")
	if err != nil {
		return nil, fmt.Errorf("model-versions/search: %w", err)
	}
	var out []mlRun
	for _, v := range vs {
		if v.RunID == "" || !matchVar(string(v.Version), q.Version) {
			continue
		}
		run, err := a.c.GetRun(ctx, v.RunID)
		if err != nil {
			if mlflow.IsNotFound(err) {
				continue // the version's run was deleted
			}
			return nil, fmt.Errorf("runs/get %s: %w", v.RunID, err)
		}
		r := a.convert(run)
		r.Model, r.Version = v.Name, string(v.Version)
		out = append(out, r)
	}
	return out, nil
}

func (a *mlflowAdapter) experimentIDs(ctx context.Context, names []string) ([]string, error) {
	if len(names) == 0 {
		exps, err := a.c.SearchExperiments(ctx, "")
		if err != nil {
			return nil, fmt.Errorf("experiments/search: %w", err)
		}
		ids := make([]string, len(exps))
		for i, e := range exps {
			ids[i] = string(e.ExperimentID)
		}
		return ids, nil
	}
	ids := make([]string, 0, len(names))
	for _, n := range names {
		e, err := a.c.GetExperimentByName(ctx, n)
		if err != nil {
			return nil, err
		}
		ids = append(ids, string(e.ExperimentID))
	}
	return ids, nil
}

func (a *mlflowAdapter) convert(run *mlflow.Run) mlRun {
	r := mlRun{ID: run.Info.ID(), ExperimentID: string(run.Info.ExperimentID), Tags: map[string]string{}}
	for _, t := range run.Data.Tags {
		r.Tags[t.Key] = t.Value
	}
	for _, m := range run.Data.Metrics {
		r.Metrics = append(r.Metrics, KeyValue{Key: m.Key, Value: float64(m.Value), Time: m.Time()})
	}
	r.Dataset = r.Tags["dataset"]
	r.Link = a.RunURL(r.ExperimentID, r.ID)
	return r
}
