package gx

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/source/internal/sourcekit"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Bounds of what one query reads from MLflow: runs searched, directory levels below an artifact
// path (GX's store nests suite/run_name/run_time/batch.json) and result files per run.
const (
	DefaultMLflowRuns = 200
	maxArtifactDepth  = 6
	maxRunFiles       = 500
)

// mlRun is a run whose artifacts may hold GX results, with the model version it belongs to.
type mlRun struct {
	ID, ExperimentID string
	Model, Version   string
}

// loadMLflow reads the GX results logged as artifacts (under gxArtifactPaths) of the runs a query
// concerns: the source runs of the registered versions of q.Model (of every registered model when
// the query names none) and the newest runs of q.Experiments. A result belongs to its run's model
// version.
func (p *Provider) loadMLflow(ctx context.Context, q *trust.Query, out *loaded) {
	runs, err := p.mlflowRuns(ctx, q)
	if err != nil {
		out.failed = append(out.failed, fmt.Errorf("MLflow runs: %w", err))
		return
	}
	results := make([]loaded, len(runs))
	sourcekit.EachRun(len(runs), func(i int) { p.loadRun(ctx, &runs[i], &results[i]) })
	for i := range results {
		r := &results[i]
		out.validations = append(out.validations, r.validations...)
		out.unreadable = append(out.unreadable, r.unreadable...)
		out.ignored = append(out.ignored, r.ignored...)
		out.files += r.files
	}
}

// mlflowRuns lists the runs a query concerns, each once.
func (p *Provider) mlflowRuns(ctx context.Context, q *trust.Query) ([]mlRun, error) {
	model, version := sourcekit.CleanVar(q.Model), sourcekit.CleanVar(q.Version)
	filter := ""
	if model != "" && !strings.HasPrefix(model, "{") {
		filter = "name='" + strings.ReplaceAll(model, "'", "\\'") + "'"
	}
	vs, err := p.runs.ModelVersionRuns(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("model-versions/search: %w", err)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultMLflowRuns
	}
	byRun := map[string]trust.VersionRun{}
	var out []mlRun
	seen := map[string]bool{}
	for _, v := range vs {
		if v.RunID == "" {
			continue
		}
		byRun[v.RunID] = v
		if seen[v.RunID] || !sourcekit.MatchVar(v.Model, model) || !sourcekit.MatchVar(v.Version, version) || len(out) >= limit {
			continue
		}
		seen[v.RunID] = true
		out = append(out, mlRun{ID: v.RunID, Model: v.Model, Version: v.Version})
	}
	for _, name := range q.Experiments {
		id, _, err := p.runs.ExperimentByName(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("experiment %q: %w", name, err)
		}
		found, err := p.runs.SearchRuns(ctx, trust.RunSearch{ExperimentIDs: []string{id}, Filter: q.RunFilter, Limit: limit})
		if err != nil {
			return nil, fmt.Errorf("runs/search: %w", err)
		}
		for _, r := range found {
			if seen[r.ID] {
				continue
			}
			v := byRun[r.ID]
			if !sourcekit.MatchVar(v.Model, model) || !sourcekit.MatchVar(v.Version, version) {
				continue
			}
			seen[r.ID] = true
			out = append(out, mlRun{ID: r.ID, ExperimentID: r.ExperimentID, Model: v.Model, Version: v.Version})
		}
	}
	return out, nil
}

// loadRun reads the GX results under the run's artifact paths.
func (p *Provider) loadRun(ctx context.Context, r *mlRun, out *loaded) {
	if r.ExperimentID == "" {
		if run, err := p.runs.GetRun(ctx, r.ID); err == nil {
			r.ExperimentID = run.ExperimentID
		} else if errors.Is(err, trust.ErrNotFound) {
			return // the version's run was deleted
		}
	}
	var files []string
	for _, dir := range p.cfg.ArtifactPaths {
		files = p.listJSON(ctx, r.ID, strings.Trim(dir, "/"), 0, files)
	}
	sort.Strings(files)
	link := p.runLink(r.ExperimentID, r.ID)
	for _, f := range files {
		loc := fmt.Sprintf("mlflow run %s: %s", r.ID, f)
		b, err := p.runs.ReadArtifact(ctx, r.ID, f, maxFileBytes)
		if err != nil {
			out.unreadable = append(out.unreadable, problem{loc, err.Error()})
			continue
		}
		vs, err := Decode(b)
		for _, v := range vs {
			v.Location, v.File, v.Link = loc, loc, link
			v.RunID = r.ID
			v.Model, v.Version = r.Model, r.Version
		}
		out.add(loc, vs, err)
	}
}

// listJSON appends the .json artifacts under dir, descending at most maxArtifactDepth levels and
// keeping at most maxRunFiles. A missing directory lists nothing: the run has no GX results.
func (p *Provider) listJSON(ctx context.Context, runID, dir string, depth int, acc []string) []string {
	entries, err := p.runs.ListArtifacts(ctx, runID, dir)
	if err != nil {
		return acc
	}
	for _, e := range entries {
		if len(acc) >= maxRunFiles || ctx.Err() != nil {
			return acc
		}
		switch {
		case e.IsDir && depth < maxArtifactDepth:
			acc = p.listJSON(ctx, runID, e.Path, depth+1, acc)
		case !e.IsDir && candidate(path.Base(e.Path)):
			acc = append(acc, e.Path)
		}
	}
	return acc
}

// runLink is the MLflow UI page of a run.
func (p *Provider) runLink(experimentID, runID string) string {
	return sourcekit.RunLink(p.linker, experimentID, runID)
}
