package trust

import (
	"context"
	"errors"
	"time"
)

// RunArtifacts is what the sources that read results logged to MLflow runs (Evidently reports,
// Fairlearn evaluations) need from MLflow: find runs, list and read their artifacts, link to them.
// The MLflow source implements it; the engine passes it to those sources when they are built, so
// they depend on this interface and not on the MLflow package.
type RunArtifacts interface {
	// GetRun reads one run; an unknown run is an error that matches ErrNotFound.
	GetRun(ctx context.Context, runID string) (*ArtifactRun, error)
	// ExperimentByName resolves an experiment name to its id and stored name.
	ExperimentByName(ctx context.Context, name string) (id, stored string, err error)
	// ExperimentIDs lists the ids of every active experiment.
	ExperimentIDs(ctx context.Context) ([]string, error)
	// SearchRuns searches runs of the given experiments.
	SearchRuns(ctx context.Context, s RunSearch) ([]ArtifactRun, error)
	// ModelVersionRuns lists registry versions matching an MLflow model-versions filter ("" for all)
	// with their source runs.
	ModelVersionRuns(ctx context.Context, filter string) ([]VersionRun, error)
	// ListArtifacts lists the direct children of dir ("" for the root) of a run's artifacts.
	ListArtifacts(ctx context.Context, runID, dir string) ([]ArtifactFile, error)
	// ReadArtifact downloads one artifact file, failing when it exceeds maxBytes.
	ReadArtifact(ctx context.Context, runID, path string, maxBytes int64) ([]byte, error)
	// RunURL is the MLflow UI page of a run.
	RunURL(experimentID, runID string) string
}

// ErrNotFound matches the error of RunArtifacts.GetRun for a run that does not exist.
var ErrNotFound = errors.New("not found")

// ArtifactRun is a run as RunArtifacts returns it.
type ArtifactRun struct {
	ID, ExperimentID string
	StartMillis      int64 // start time, milliseconds since the epoch; 0 when unknown
	EndMillis        int64 // end time; 0 while the run is active
	Tags             map[string]string
	Metrics          []RunMetric // latest value of each metric
}

// RunMetric is the latest value of one metric of a run.
type RunMetric struct {
	Key   string
	Value float64
	Time  time.Time
}

// RunSearch is a runs search over experiments: an MLflow filter string, order_by clauses and a
// limit (0: all pages).
type RunSearch struct {
	ExperimentIDs []string
	Filter        string
	OrderBy       []string
	Limit         int
}

// VersionRun is a registered model version and its source run.
type VersionRun struct {
	Model, Version, RunID string
}

// ArtifactFile is one entry of an artifact listing.
type ArtifactFile struct {
	Path  string
	IsDir bool
	Size  int64
}
