package policy

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// The source run under model.run (docs/compliance-rules.md "Evaluation context"):
//
//	id, params, tags        always (params and tags empty when the run could not be read)
//	user                    the run's user (MLflow info.user_id), when recorded
//	status, start, end      the run's status and times, when recorded
//	inputs                  the datasets the run used: [{name, digest, source_type, source,
//	                        context, tags}], context being the role (training, validation, testing,
//	                        ...; "" untagged); absent when the run could not be read
//	artifacts               the paths of the run's artifact files (e.g. "model_card.json",
//	                        "model/MLmodel"); listed only when a rule reads model.run.artifacts

// runContext builds model.run from the registry metadata.
func runContext(mv *trust.ModelVersion) map[string]any {
	run := map[string]any{"id": mv.RunID, "params": nonNilMap(mv.RunParams), "tags": nonNilMap(mv.RunTags)}
	if mv.RunUser != "" {
		run["user"] = mv.RunUser
	}
	if mv.RunStatus != "" {
		run["status"] = mv.RunStatus
	}
	if !mv.RunStart.IsZero() {
		run["start"] = mv.RunStart
	}
	if !mv.RunEnd.IsZero() {
		run["end"] = mv.RunEnd
	}
	if mv.RunInputs != nil {
		inputs := make([]any, len(mv.RunInputs))
		for i, d := range mv.RunInputs {
			inputs[i] = map[string]any{"name": d.Name, "digest": d.Digest, "source_type": d.SourceType,
				"source": d.Source, "context": d.Context, "tags": nonNilMap(d.Tags)}
		}
		run["inputs"] = inputs
	}
	return run
}

// runFiles is what listing a subject's run artifacts gave: the file paths, or why there are none.
type runFiles struct {
	paths []string
	err   string
}

// addArtifacts puts the listed artifact paths under model.run.artifacts.
func addArtifacts(model map[string]any, s *subject) {
	run, ok := model["run"].(map[string]any)
	if !ok || s.files == nil || s.files.err != "" {
		return
	}
	run["artifacts"] = s.files.paths
}

// Bounds of one run's artifact listing: a model card sits near the root; a run with a huge tree
// is listed up to these bounds (and a notice says so).
const (
	maxArtifactDepth = 4
	maxArtifactFiles = 2000
	maxArtifactLists = 200
)

// readsArtifacts reports whether a rule reads model.run.artifacts: only then are they listed.
func readsArtifacts(rules []*Rule) bool {
	for _, r := range rules {
		for _, rf := range r.refs {
			if len(rf.path) >= 3 && rf.path[0] == varModel && rf.path[1] == "run" && rf.path[2] == "artifacts" {
				return true
			}
		}
	}
	return false
}

// artifactLister is a model catalog that can list its runs' artifacts (MLflow).
type artifactLister interface {
	RunArtifacts() trust.RunArtifacts
}

// listArtifacts lists the artifacts of each registered subject's source run, each run once, a few
// at a time, through the catalog's client (its upstream cache included).
func (p *Provider) listArtifacts(ctx context.Context, subjects []*subject, notes *noticeSet) {
	var lister trust.RunArtifacts
	if al, ok := p.catalog().(artifactLister); ok {
		lister = al.RunArtifacts()
	}
	byRun := map[string][]*subject{}
	var runs []string
	for _, s := range subjects {
		switch {
		case !s.registered:
		case s.mv.RunID == "":
			s.files = &runFiles{err: "the model version has no source run"}
		case lister == nil:
			s.files = &runFiles{err: "the model registry does not list run artifacts"}
		default:
			if _, seen := byRun[s.mv.RunID]; !seen {
				runs = append(runs, s.mv.RunID)
			}
			byRun[s.mv.RunID] = append(byRun[s.mv.RunID], s)
		}
	}
	// Each listing writes only its own slot; the results are applied in run order afterwards.
	type listing struct {
		files     []string
		truncated bool
		err       error
	}
	listed := make([]listing, len(runs))
	var g errgroup.Group
	g.SetLimit(workers)
	for i, id := range runs {
		g.Go(func() error {
			if ctx.Err() == nil {
				listed[i].files, listed[i].truncated, listed[i].err = walkArtifacts(ctx, lister, id)
			} else {
				listed[i].err = ctx.Err()
			}
			return nil
		})
	}
	_ = g.Wait() // the listings return no error to the group
	for i, id := range runs {
		l := listed[i]
		f := &runFiles{paths: l.files}
		switch {
		case l.err != nil:
			f = &runFiles{err: fmt.Sprintf("listing the source run's artifacts failed: %v", l.err)}
			notes.add(trust.Notice{Source: trust.SourcePolicy, Location: "run " + id + " artifacts", Message: l.err.Error(), Warning: true})
		case l.truncated:
			notes.add(trust.Notice{Source: trust.SourcePolicy, Location: "run " + id + " artifacts", Warning: true, Message: fmt.Sprintf(
				"more than %d files or %d directories (or deeper than %d levels): rules see the first %d paths", maxArtifactFiles, maxArtifactLists, maxArtifactDepth, len(l.files))})
		}
		for _, s := range byRun[id] {
			s.files = f
		}
	}
}

// walkArtifacts lists a run's artifact files breadth first, within the bounds above.
func walkArtifacts(ctx context.Context, lister trust.RunArtifacts, runID string) (files []string, truncated bool, err error) {
	type dir struct {
		path  string
		depth int
	}
	queue := []dir{{"", 0}}
	files = []string{}
	for lists := 0; len(queue) > 0; lists++ {
		if lists == maxArtifactLists {
			return files, true, nil
		}
		d := queue[0]
		queue = queue[1:]
		entries, err := lister.ListArtifacts(ctx, runID, d.path)
		if err != nil {
			if d.path == "" {
				return nil, false, err
			}
			return nil, false, fmt.Errorf("%s: %w", d.path, err)
		}
		for _, e := range entries {
			switch {
			case e.IsDir && d.depth+1 < maxArtifactDepth:
				queue = append(queue, dir{e.Path, d.depth + 1})
			case e.IsDir:
				truncated = true
			case len(files) == maxArtifactFiles:
				return files, true, nil
			default:
				files = append(files, e.Path)
			}
		}
	}
	slices.Sort(files)
	return files, truncated, nil
}

// runMissing explains a missing model.run field.
func runMissing(field string, s *subject) string {
	switch field {
	case "artifacts":
		if s.files != nil && s.files.err != "" {
			return "no artifact list: " + s.files.err
		}
		return "the source run's artifacts were not listed"
	case "inputs":
		return "the source run's dataset inputs are not known (the run could not be read)"
	case "user":
		return "the source run records no user"
	case "start", "end", "status":
		return fmt.Sprintf("the source run records no %s", field)
	}
	return ""
}
