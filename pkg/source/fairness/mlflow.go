package fairness

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/source/internal/sourcekit"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// FairnessTag is the run tag dte_trust_fairness.log_metricframe sets: a JSON list of the run's
// fairness artifact paths, so they are found without listing artifacts.
const FairnessTag = "dte_trust.fairness"

// mlRun is an MLflow run as the fairness store reads it.
type mlRun struct {
	ID, ExperimentID string
	Model, Version   string // from the model registry or the run's tags; "" when unknown
	Dataset          string
	Metrics          []KeyValue // latest value of each metric
	Tags             map[string]string
	Link             string // the run page
}

// artifactFile is one entry of an artifact listing.
type artifactFile = trust.ArtifactFile

// runSource is what the fairness store needs from MLflow: the runs a query concerns, and their
// artifacts. mlflowAdapter implements it over the MLflow source.
type runSource interface {
	fairnessRuns(ctx context.Context, q *trust.Query) ([]mlRun, error)
	listArtifacts(ctx context.Context, runID, dir string) ([]artifactFile, error)
	readArtifact(ctx context.Context, runID, path string, maxBytes int64) ([]byte, error)
}

// loadMLflow reads the fairness results of the runs the query concerns. A run's fairness artifacts
// (listed in its dte_trust.fairness tag, or found under fairlearnArtifactPaths when its metrics
// show fairness keys) take precedence over its flat metrics, which repeat the same numbers.
func (p *Provider) loadMLflow(ctx context.Context, q *trust.Query, out *loaded) {
	runs, err := p.mlflow.fairnessRuns(ctx, q)
	if err != nil {
		out.failed = append(out.failed, fmt.Errorf("MLflow runs: %w", err))
		return
	}
	results := make([]loaded, len(runs))
	sourcekit.EachRun(len(runs), func(i int) {
		r := &runs[i]
		if r.Tags[FairnessTag] == "" && !p.keys.hasFairnessKeys(r.Metrics) {
			return // neither tagged nor showing fairness keys: nothing to read
		}
		p.loadRun(ctx, r, &results[i])
	})
	for i := range results {
		r := &results[i]
		out.evals = append(out.evals, r.evals...)
		out.unreadable = append(out.unreadable, r.unreadable...)
		out.ignored = append(out.ignored, r.ignored...)
		out.notes = append(out.notes, r.notes...)
		out.files += r.files
	}
}

// loadRun reads one run: its fairness artifacts, else its fairness metrics.
func (p *Provider) loadRun(ctx context.Context, r *mlRun, out *loaded) {
	paths := p.artifactPaths(ctx, r, out)
	for _, ap := range paths {
		loc := fmt.Sprintf("mlflow run %s: %s", r.ID, ap)
		b, err := p.mlflow.readArtifact(ctx, r.ID, ap, maxFileBytes)
		if err != nil {
			out.unreadable = append(out.unreadable, fmt.Sprintf("%s: %v", loc, err))
			continue
		}
		evals, notes, err := p.decode(ap, ap, b)
		for _, e := range evals {
			p.fromRun(e, r, loc)
		}
		out.add(loc, decoded{evals: evals, notes: notes, err: err})
	}
	if len(out.evals) > 0 {
		return
	}
	evals := p.keys.evaluations(r.Metrics)
	for _, e := range evals {
		p.fromRun(e, r, fmt.Sprintf("mlflow run %s: metrics", r.ID))
	}
	out.evals = append(out.evals, evals...)
}

// fromRun fills what a run knows and a file may not say.
func (p *Provider) fromRun(e *Evaluation, r *mlRun, loc string) {
	e.Location = loc
	if e.RunID == "" {
		e.RunID = r.ID
	}
	if e.Model == "" {
		e.Model, e.Version = r.Model, r.Version
	}
	if e.Dataset == "" {
		e.Dataset = r.Dataset
	}
	e.ExperimentID = r.ExperimentID
	if !e.TimeKnown {
		for _, m := range r.Metrics {
			if m.Time.After(e.Time) {
				e.Time = m.Time
			}
		}
	}
	e.Link = r.Link
}

// artifactPaths are the run's fairness files: from its dte_trust.fairness tag, else the .json and
// .csv files directly under each fairlearnArtifactPaths directory.
func (p *Provider) artifactPaths(ctx context.Context, r *mlRun, out *loaded) []string {
	if tag := r.Tags[FairnessTag]; tag != "" {
		var list []string
		if err := json.Unmarshal([]byte(tag), &list); err == nil {
			return list
		}
		out.notes = append(out.notes, fmt.Sprintf("mlflow run %s: tag %s is not a JSON list of artifact paths: ignored", r.ID, FairnessTag))
	}
	var paths []string
	for _, dir := range p.cfg.ArtifactPaths {
		files, err := p.mlflow.listArtifacts(ctx, r.ID, dir)
		if err != nil {
			continue // no such directory: the run keeps its results in metrics only
		}
		for _, f := range files {
			if !f.IsDir && candidate(path.Base(f.Path)) {
				paths = append(paths, f.Path)
			}
		}
	}
	sort.Strings(paths)
	return paths
}

// trimSlash cleans an artifact directory.
func trimSlash(s string) string { return strings.Trim(s, "/") }
