package shap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/fsroot"
	"github.com/dte-trust/dte-trust/pkg/source/internal/sourcekit"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// maxFileBytes bounds one summary file or artifact; summaries are kilobytes.
const maxFileBytes = 8 << 20

// Tag is the run tag dte_trust_shap.log_to_mlflow sets: a JSON list of the run's summary artifact
// paths, so they are found with one runs search and no artifact listing.
const Tag = "dte_trust.shap"

// DefaultArtifactPath is where log_to_mlflow puts summaries, and where untagged runs of a queried
// model are looked for them.
const DefaultArtifactPath = "shap"

// DefaultMLflowRuns is how many tagged runs (newest first) a query reads at most without a limit.
const DefaultMLflowRuns = 500

// taggedFilter finds the runs log_to_mlflow logged to.
const taggedFilter = "tags.`" + Tag + "` LIKE '%'"

// problem is a location that could not be used and why.
type problem struct {
	location string
	err      error
}

// loaded is what reading every configured location found.
type loaded struct {
	summaries  []*Summary
	unreadable []problem
	ignored    []string // well-formed JSON that is not a SHAP summary
	files      int      // summaries read
	failed     []error  // configured entries that could not be read at all
}

func (l *loaded) add(location string, s *Summary, err error) {
	switch {
	case errors.Is(err, errNotSummary):
		l.ignored = append(l.ignored, fmt.Sprintf("%s (%v)", location, err))
	case err != nil:
		l.unreadable = append(l.unreadable, problem{location, err})
	default:
		l.files++
		l.summaries = append(l.summaries, s)
	}
}

// load reads every configured location.
func (p *Provider) load(ctx context.Context, q *trust.Query) *loaded {
	l := &loaded{}
	p.loadFiles(ctx, l)
	if p.mlflow != nil {
		p.loadMLflow(ctx, q, l)
	}
	return l
}

// parsed is what one file yielded: its summary or why it has none.
type parsed struct {
	s   *Summary
	err error
}

// candidate reports whether a file in a scanned directory may hold a summary.
func candidate(name string) bool {
	return !strings.HasPrefix(name, ".") && strings.EqualFold(filepath.Ext(name), ".json")
}

// loadFiles reads every .json file under the configured shapPaths (directories recursively),
// through the file-access layer: names stay inside their configured path, only regular files are
// read, within maxFileBytes and the query's deadline.
func (p *Provider) loadFiles(ctx context.Context, l *loaded) {
	sourcekit.Walk{
		Key:        "shapPaths",
		Keep:       candidate,
		File:       func(r *fsroot.Root, name, shown string) { p.loadFile(ctx, r, name, shown, l) },
		Unreadable: func(shown string, err error) { l.unreadable = append(l.unreadable, problem{shown, err}) },
		Failed:     func(err error) { l.failed = append(l.failed, err) },
	}.Run(ctx, p.cfg.Paths)
}

// loadFile reads one file of a configured path (name inside its root; path as shown), from the
// cache while its modification time and size are unchanged.
func (p *Provider) loadFile(ctx context.Context, r *fsroot.Root, name, path string, l *loaded) {
	info, err := r.Stat(name)
	if err == nil && !info.Mode().IsRegular() {
		err = fsroot.ErrNotRegular
	}
	if err != nil {
		l.unreadable = append(l.unreadable, problem{path, err})
		return
	}
	e, ok := p.cache.Get(path, info)
	if !ok {
		var b []byte
		b, _, e.err = r.ReadFile(ctx, name, maxFileBytes)
		if e.err == nil {
			e.s, e.err = Decode(b)
		}
		if e.err != nil && ctx.Err() != nil && errors.Is(e.err, ctx.Err()) {
			l.failed = append(l.failed, fmt.Errorf("shapPaths entry %s: %w", path, e.err))
			return // not cached: the next query reads the file again
		}
		if e.s != nil {
			e.s.Location, e.s.File = path, path
			e.s.Link = p.runLink("", e.s.RunID)
		}
		p.cache.Put(path, info, e)
	}
	l.add(path, e.s, e.err)
}

// mlRun is a run that may hold summaries, with the registry version it is the source of.
type mlRun struct {
	run            trust.ArtifactRun
	model, version string
}

// loadMLflow reads the summaries logged to the runs a query concerns: the runs tagged
// dte_trust.shap in the query's experiments (all experiments without any), and the source runs of
// the queried model's registered versions.
func (p *Provider) loadMLflow(ctx context.Context, q *trust.Query, l *loaded) {
	runs, err := p.runs(ctx, q)
	if err != nil {
		l.failed = append(l.failed, fmt.Errorf("MLflow runs: %w", err))
		return
	}
	results := make([]loaded, len(runs))
	sourcekit.EachRun(len(runs), func(i int) { p.loadRun(ctx, &runs[i], &results[i]) })
	for i := range results {
		r := &results[i]
		l.summaries = append(l.summaries, r.summaries...)
		l.unreadable = append(l.unreadable, r.unreadable...)
		l.ignored = append(l.ignored, r.ignored...)
		l.files += r.files
	}
}

// loadRun reads one run's summary artifacts: those its tag lists, else the .json files directly
// under each shapArtifactPaths directory.
func (p *Provider) loadRun(ctx context.Context, r *mlRun, l *loaded) {
	var paths []string
	if tag := r.run.Tags[Tag]; tag != "" {
		if err := json.Unmarshal([]byte(tag), &paths); err != nil {
			l.unreadable = append(l.unreadable, problem{"mlflow run " + r.run.ID, fmt.Errorf("tag %s is not a JSON list of artifact paths", Tag)})
			paths = nil
		}
	} else {
		for _, dir := range p.cfg.ArtifactPaths {
			files, err := p.mlflow.ListArtifacts(ctx, r.run.ID, strings.Trim(dir, "/"))
			if err != nil {
				continue // no such directory: the run holds no summaries
			}
			for _, f := range files {
				if !f.IsDir && candidate(path.Base(f.Path)) {
					paths = append(paths, f.Path)
				}
			}
		}
		sort.Strings(paths)
	}
	for _, ap := range paths {
		loc := fmt.Sprintf("mlflow run %s: %s", r.run.ID, ap)
		b, err := p.mlflow.ReadArtifact(ctx, r.run.ID, ap, maxFileBytes)
		if err != nil {
			l.unreadable = append(l.unreadable, problem{loc, err})
			continue
		}
		s, err := Decode(b)
		if s != nil {
			s.Location = loc
			if s.RunID == "" {
				s.RunID = r.run.ID
			}
			if s.Version == "" && s.Model == r.model {
				s.Version = r.version
			}
			s.ExperimentID = r.run.ExperimentID
			s.Link = p.runLink(r.run.ExperimentID, s.RunID)
		}
		l.add(loc, s, err)
	}
}

// runs lists the runs a query concerns, each once.
func (p *Provider) runs(ctx context.Context, q *trust.Query) ([]mlRun, error) {
	var out []mlRun
	seen := map[string]bool{}
	if q.Model != "" && !strings.HasPrefix(q.Model, "{") {
		vs, err := p.mlflow.ModelVersionRuns(ctx, "name='"+strings.ReplaceAll(q.Model, "'", "\\'")+"'")
		if err != nil {
			return nil, fmt.Errorf("model-versions/search: %w", err)
		}
		for _, v := range vs {
			if v.RunID == "" || seen[v.RunID] || !sourcekit.MatchVar(v.Version, q.Version) {
				continue
			}
			run, err := p.mlflow.GetRun(ctx, v.RunID)
			if err != nil {
				if errors.Is(err, trust.ErrNotFound) {
					continue // the version's run was deleted
				}
				return nil, fmt.Errorf("runs/get %s: %w", v.RunID, err)
			}
			seen[v.RunID] = true
			out = append(out, mlRun{run: *run, model: v.Model, version: v.Version})
		}
	}
	ids, err := p.experimentIDs(ctx, q.Experiments)
	if err != nil || len(ids) == 0 {
		return out, err
	}
	filter := taggedFilter
	if q.RunFilter != "" {
		filter += " AND " + q.RunFilter
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultMLflowRuns
	}
	var tagged []trust.ArtifactRun
	for start := 0; start < len(ids) && len(tagged) < limit; start += 100 {
		page, err := p.mlflow.SearchRuns(ctx, trust.RunSearch{ExperimentIDs: ids[start:min(start+100, len(ids))], Filter: filter, Limit: limit - len(tagged)})
		if err != nil {
			return nil, fmt.Errorf("runs/search: %w", err)
		}
		tagged = append(tagged, page...)
	}
	for _, r := range tagged {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, mlRun{run: r})
		}
	}
	return out, nil
}

func (p *Provider) experimentIDs(ctx context.Context, names []string) ([]string, error) {
	if len(names) == 0 {
		return p.mlflow.ExperimentIDs(ctx)
	}
	ids := make([]string, 0, len(names))
	for _, n := range names {
		id, _, err := p.mlflow.ExperimentByName(ctx, n)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}
