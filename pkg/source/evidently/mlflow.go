package evidently

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Limits of the MLflow artifact walk: runs searched per experiment (evidentlyMlflowMaxRuns), the
// directory depth and the JSON files read per run.
const (
	defaultMLflowMaxRuns = 100
	maxArtifactDepth     = 4
	maxArtifactsPerRun   = 200
	artifactListTTL      = 60 * time.Second
)

// mlflowSource reads Evidently JSON logged as MLflow run artifacts (mlflow.log_artifact of a
// Report.save_json, Snapshot.save_json, TestSuite JSON ...), through the MLflow runs the engine
// passes in (trust.RunArtifacts).
// Runs come from evidentlyMlflowRuns (run ids) and evidentlyMlflowExperiments (experiment names,
// the latest evidentlyMlflowMaxRuns runs each); their artifacts under evidentlyMlflowArtifactPath
// (default: all) are searched for .json files, and files that are not Evidently are ignored.
type mlflowSource struct {
	mf          trust.RunArtifacts
	runs        []string
	experiments []string
	dir         string
	maxRuns     int
	maxBytes    int64

	mu      sync.Mutex
	lists   map[string]artifactList // run id -> JSON artifacts
	reports map[string]*Report      // run id, path, size -> report (artifacts do not change)
	ignored map[string]bool         // artifacts that are JSON but not Evidently
}

type artifactList struct {
	at    time.Time
	files []trust.ArtifactFile
}

func newMLflowSource(mf trust.RunArtifacts, runs, experiments []string, dir string, maxRuns int, maxBytes int64) (*mlflowSource, error) {
	if mf == nil {
		return nil, errors.New("evidently: evidentlyMlflowRuns or evidentlyMlflowExperiments is set but the MLflow source is not configured (set mlflowUrl)")
	}
	if maxRuns <= 0 {
		maxRuns = defaultMLflowMaxRuns
	}
	return &mlflowSource{
		mf: mf, runs: runs, experiments: experiments, dir: strings.Trim(dir, "/"), maxRuns: maxRuns, maxBytes: maxBytes,
		lists: map[string]artifactList{}, reports: map[string]*Report{}, ignored: map[string]bool{},
	}, nil
}

// mlRun is a run whose artifacts are searched.
type mlRun struct {
	id, experimentID, experiment string
	time                         time.Time
	tags                         map[string]string
}

func (m *mlflowSource) selectRuns(ctx context.Context, q *trust.Query, ev *trust.Evidence) ([]mlRun, error) {
	c := m.mf
	var out []mlRun
	names := map[string]string{}
	add := func(r *trust.ArtifactRun) {
		t := time.UnixMilli(r.EndMillis)
		if r.EndMillis == 0 {
			t = time.UnixMilli(r.StartMillis)
		}
		tags := r.Tags
		if tags == nil {
			tags = map[string]string{}
		}
		out = append(out, mlRun{id: r.ID, experimentID: r.ExperimentID, experiment: names[r.ExperimentID], time: t.UTC(), tags: tags})
	}
	for _, id := range m.runs {
		r, err := c.GetRun(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			ev.Warn(trust.SourceEvidently, "mlflow run "+id, "skipped: %v", err)
			continue
		}
		add(r)
	}
	var ids []string
	for _, name := range m.experiments {
		id, stored, err := c.ExperimentByName(ctx, name)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			ev.Warn(trust.SourceEvidently, "mlflow experiment "+strconv.Quote(name), "skipped: %v", err)
			continue
		}
		ids = append(ids, id)
		names[id] = stored
	}
	if len(ids) > 0 {
		s := trust.RunSearch{ExperimentIDs: ids, OrderBy: []string{"attributes.start_time DESC"}, Limit: m.maxRuns}
		if !q.To.IsZero() {
			// a report is logged after its run starts
			s.Filter = fmt.Sprintf("attributes.start_time <= %d", q.To.UnixMilli())
		}
		runs, err := c.SearchRuns(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("evidently: searching MLflow runs for Evidently artifacts: %w", err)
		}
		for i := range runs {
			add(&runs[i])
		}
	}
	return out, nil
}

// jsonArtifacts lists a run's .json artifacts under the configured directory, recursively.
func (m *mlflowSource) jsonArtifacts(ctx context.Context, runID string) ([]trust.ArtifactFile, error) {
	m.mu.Lock()
	if l, ok := m.lists[runID]; ok && time.Since(l.at) < artifactListTTL {
		m.mu.Unlock()
		return l.files, nil
	}
	m.mu.Unlock()
	var files []trust.ArtifactFile
	var walk func(dir string, depth int) error
	walk = func(dir string, depth int) error {
		entries, err := m.mf.ListArtifacts(ctx, runID, dir)
		if err != nil {
			return err
		}
		for _, f := range entries {
			if len(files) >= maxArtifactsPerRun {
				return nil
			}
			if f.IsDir {
				if depth < maxArtifactDepth {
					if err := walk(f.Path, depth+1); err != nil {
						return err
					}
				}
				continue
			}
			if strings.EqualFold(path.Ext(f.Path), ".json") {
				files = append(files, f)
			}
		}
		return nil
	}
	if err := walk(m.dir, 0); err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.lists[runID] = artifactList{at: time.Now(), files: files}
	m.mu.Unlock()
	return files, nil
}

func (m *mlflowSource) each(ctx context.Context, q *trust.Query, f *filter, fn func(*Report, origin), ev *trust.Evidence) error {
	runs, err := m.selectRuns(ctx, q, ev)
	if err != nil {
		return err
	}
	c := m.mf
	var noTime []string
	for _, run := range runs {
		files, err := m.jsonArtifacts(ctx, run.id)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			ev.Warn(trust.SourceEvidently, "mlflow run "+run.id, "cannot list artifacts: %v", err)
			continue
		}
		for _, af := range files {
			loc := "mlflow run " + run.id + " artifact " + af.Path
			key := run.id + "\x00" + af.Path + "\x00" + strconv.FormatInt(af.Size, 10)
			m.mu.Lock()
			r, cached := m.reports[key]
			skip := m.ignored[key]
			m.mu.Unlock()
			if skip {
				continue
			}
			if !cached {
				b, err := m.mf.ReadArtifact(ctx, run.id, af.Path, m.maxBytes)
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					ev.Warn(trust.SourceEvidently, loc, "skipped: %v", err)
					continue
				}
				r, err = Parse(b, run.time)
				if errors.Is(err, errNotEvidently) {
					// runs hold other JSON artifacts (MLflow's own, model signatures): not a problem
					m.mu.Lock()
					m.ignored[key] = true
					m.mu.Unlock()
					continue
				}
				if err != nil {
					ev.Warn(trust.SourceEvidently, loc, "skipped: %v", err)
					continue
				}
				if r.Format == FormatProject {
					continue
				}
				labelFromRun(r, run.tags)
				m.mu.Lock()
				m.reports[key] = r
				m.mu.Unlock()
			}
			if !f.keepReport(r, nil) || !q.InRange(r.Time) || len(f.projects) > 0 {
				continue
			}
			if r.TimeFromMtime {
				noTime = append(noTime, loc)
			}
			if len(r.Unknown) > 0 {
				ev.Info(trust.SourceEvidently, loc, "skipped metrics of types this plugin does not know (newer Evidently?): %s", strings.Join(r.Unknown, ", "))
			}
			fn(r, origin{location: loc, link: c.RunURL(run.experimentID, run.id), experiment: run.experiment})
		}
	}
	sort.Strings(noTime)
	for i, loc := range noTime {
		if i == maxNamedNotices {
			ev.Info(trust.SourceEvidently, "", "%d more MLflow artifacts have no timestamp; their run's end time is used", len(noTime)-maxNamedNotices)
			break
		}
		ev.Info(trust.SourceEvidently, loc, "no timestamp in the file: the run's end time is used as the report time")
	}
	return nil
}

// labelFromRun fills the model and version from run tags (model, model_name; model_version,
// version) when the report itself names none.
func labelFromRun(r *Report, tags map[string]string) {
	if r.Model == "" {
		for _, k := range []string{"model", "model_name"} {
			if v := tags[k]; v != "" {
				r.Model = v
				break
			}
		}
	}
	if r.ModelVersion == "" {
		for _, k := range []string{"model_version", "version"} {
			if v := tags[k]; v != "" {
				r.ModelVersion = v
				break
			}
		}
	}
}
