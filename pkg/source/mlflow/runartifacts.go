package mlflow

import (
	"context"
	"fmt"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// runArtifacts serves trust.RunArtifacts over the client: what the Evidently and Fairlearn sources
// read of runs logged to MLflow, in source-neutral types.
type runArtifacts struct{ c *Client }

var _ trust.RunArtifacts = runArtifacts{}

// RunArtifacts is the provider's view for the sources that read results logged to MLflow runs.
func (p *Provider) RunArtifacts() trust.RunArtifacts { return runArtifacts{c: p.c} }

// notFound keeps the client's message and also matches trust.ErrNotFound.
type notFound struct{ err error }

func (e notFound) Error() string   { return e.err.Error() }
func (e notFound) Unwrap() []error { return []error{e.err, trust.ErrNotFound} }

func (a runArtifacts) GetRun(ctx context.Context, runID string) (*trust.ArtifactRun, error) {
	r, err := a.c.GetRun(ctx, runID)
	if err != nil {
		if IsNotFound(err) {
			return nil, notFound{err}
		}
		return nil, err
	}
	ar := artifactRun(r)
	return &ar, nil
}

func (a runArtifacts) ExperimentByName(ctx context.Context, name string) (string, string, error) {
	e, err := a.c.GetExperimentByName(ctx, name)
	if err != nil {
		return "", "", err
	}
	return string(e.ExperimentID), e.Name, nil
}

func (a runArtifacts) ExperimentIDs(ctx context.Context) ([]string, error) {
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

func (a runArtifacts) SearchRuns(ctx context.Context, s trust.RunSearch) ([]trust.ArtifactRun, error) {
	runs, err := a.c.SearchRuns(ctx, RunsSearch{ExperimentIDs: s.ExperimentIDs, Filter: s.Filter, OrderBy: s.OrderBy, Limit: s.Limit})
	if err != nil {
		return nil, err
	}
	out := make([]trust.ArtifactRun, len(runs))
	for i := range runs {
		out[i] = artifactRun(&runs[i])
	}
	return out, nil
}

func (a runArtifacts) ModelVersionRuns(ctx context.Context, filter string) ([]trust.VersionRun, error) {
	vs, err := a.c.SearchModelVersions(ctx, filter)
	if err != nil {
		return nil, err
	}
	out := make([]trust.VersionRun, len(vs))
	for i, v := range vs {
		out[i] = trust.VersionRun{Model: v.Name, Version: string(v.Version), RunID: v.RunID}
	}
	return out, nil
}

func (a runArtifacts) ListArtifacts(ctx context.Context, runID, dir string) ([]trust.ArtifactFile, error) {
	files, err := a.c.ListArtifacts(ctx, runID, dir)
	if err != nil {
		return nil, err
	}
	out := make([]trust.ArtifactFile, len(files))
	for i, f := range files {
		out[i] = trust.ArtifactFile{Path: f.Path, IsDir: f.IsDir, Size: int64(f.FileSize)}
	}
	return out, nil
}

func (a runArtifacts) ReadArtifact(ctx context.Context, runID, path string, maxBytes int64) ([]byte, error) {
	return a.c.ReadArtifact(ctx, runID, path, maxBytes)
}

func (a runArtifacts) RunURL(experimentID, runID string) string {
	return a.c.RunURL(experimentID, runID)
}

// artifactRun converts a run: its times, tags and the latest value of each metric.
func artifactRun(r *Run) trust.ArtifactRun {
	ar := trust.ArtifactRun{
		ID: r.Info.ID(), ExperimentID: string(r.Info.ExperimentID),
		StartMillis: int64(r.Info.StartTime), EndMillis: int64(r.Info.EndTime),
		Tags: make(map[string]string, len(r.Data.Tags)),
	}
	for _, t := range r.Data.Tags {
		ar.Tags[t.Key] = t.Value
	}
	for i := range r.Data.Metrics {
		m := &r.Data.Metrics[i]
		ar.Metrics = append(ar.Metrics, trust.RunMetric{Key: m.Key, Value: float64(m.Value), Time: m.Time()})
	}
	return ar
}
