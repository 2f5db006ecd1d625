// Package mlflowtest is an in-memory fake of an MLflow tracking server and model registry for unit
// tests: the REST endpoints DTE Trust reads, with page tokens, a subset of the runs/search filter
// grammar, the optional bulk history endpoint, artifacts, basic and bearer auth, request counting
// and fault injection. It writes JSON the way MLflow does: snake_case keys, empty lists omitted,
// NaN as the string "NaN" (bare NaN on the bulk endpoint, which bypasses protobuf), int64 as
// numbers or, optionally, strings.
package mlflowtest

import (
	"fmt"
	"math"
	"sort"
)

// Metric is one logged metric value.
type Metric struct {
	Key       string
	Value     float64
	Timestamp int64 // Unix milliseconds
	Step      int64
	ModelID   string // MLflow 3: the logged model the value belongs to
	Dataset   string // MLflow 3: the dataset the value was computed on
}

// Run is a run with its full metric history; runs/search and runs/get report the latest value of
// each key.
type Run struct {
	ID           string
	Name         string
	ExperimentID string
	Status       string // FINISHED when empty
	User         string // written as the mlflow.user tag
	Start, End   int64  // Unix milliseconds; End 0 while running
	Params       map[string]string
	Tags         map[string]string
	History      []Metric
	ArtifactURI  string
	Artifacts    map[string][]byte // artifact path -> content
	Datasets     []Dataset         // dataset inputs (inputs.dataset_inputs)
	Deleted      bool
}

// Dataset is one dataset input of a run; Context is written as the mlflow.data.context input tag.
type Dataset struct {
	Name, Digest, SourceType, Source, Context string
}

// Latest returns the latest value of each metric key, MLflow's way: the greatest (step, timestamp,
// value), NaN counting as the smallest value. Keys are sorted.
func (r *Run) Latest() []Metric {
	best := map[string]Metric{}
	for _, m := range r.History {
		b, ok := best[m.Key]
		if !ok || later(m, b) {
			best[m.Key] = m
		}
	}
	out := make([]Metric, 0, len(best))
	for _, m := range best {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func later(a, b Metric) bool {
	if a.Step != b.Step {
		return a.Step > b.Step
	}
	if a.Timestamp != b.Timestamp {
		return a.Timestamp > b.Timestamp
	}
	av, bv := a.Value, b.Value
	if math.IsNaN(bv) {
		return !math.IsNaN(av)
	}
	return av > bv
}

// Experiment is an experiment.
type Experiment struct {
	ID      string
	Name    string
	Created int64
	Tags    map[string]string
}

// Model is a registered model. Aliases maps alias to version.
type Model struct {
	Name        string
	Description string
	Created     int64
	Updated     int64
	Tags        map[string]string
	Aliases     map[string]string
}

// Version is a model version.
type Version struct {
	Model       string
	Version     string
	Stage       string // None when empty
	Status      string // READY when empty
	RunID       string
	ModelID     string // MLflow 3 logged model
	Description string
	Created     int64
	Updated     int64
	Tags        map[string]string
}

// LoggedModel is an MLflow 3 logged model.
type LoggedModel struct {
	ID           string
	ExperimentID string
	Name         string
	SourceRunID  string
	Created      int64
	Metrics      []Metric
	Params       map[string]string
}

// Store is the fake server's data. Fill it before the server starts answering, or under
// Server.Update.
type Store struct {
	Experiments  []*Experiment
	Runs         []*Run
	Models       []*Model
	Versions     []*Version
	LoggedModels []*LoggedModel
}

func (s *Store) experiment(id string) *Experiment {
	for _, e := range s.Experiments {
		if e.ID == id {
			return e
		}
	}
	return nil
}

func (s *Store) run(id string) *Run {
	for _, r := range s.Runs {
		if r.ID == id && !r.Deleted {
			return r
		}
	}
	return nil
}

func (s *Store) model(name string) *Model {
	for _, m := range s.Models {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// Base is the time of the demo data: 2025-01-01T00:00:00Z in Unix milliseconds.
const Base int64 = 1735689600000

const (
	minute = int64(60_000)
	hour   = 60 * minute
	day    = 24 * hour
)

// Demo run ids.
const (
	RunBaseline = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
	RunXGB1     = "b2c3d4e5f60718293a4b5c6d7e8f90a1"
	RunXGB2     = "c3d4e5f60718293a4b5c6d7e8f90a1b2"
	RunChurn    = "d4e5f60718293a4b5c6d7e8f90a1b2c3"
)

// Demo is a small deterministic registry: experiments credit-risk (3 runs with accuracy, f1 and
// roc_auc histories, one NaN) and churn (1 run with rmse), model credit-risk with versions 1-3
// (stages Archived, Production, Staging; aliases champion -> 3, challenger -> 2) and model churn
// with version 1.
func Demo() *Store {
	hist := func(key string, start int64, vals ...float64) []Metric {
		out := make([]Metric, len(vals))
		for i, v := range vals {
			out[i] = Metric{Key: key, Value: v, Timestamp: start + int64(i)*10*minute, Step: int64(i)}
		}
		return out
	}
	cat := func(parts ...[]Metric) []Metric {
		var out []Metric
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	t1, t2, t3, t4 := Base+hour, Base+2*day, Base+5*day, Base+3*day
	return &Store{
		Experiments: []*Experiment{
			{ID: "1", Name: "credit-risk", Created: Base},
			{ID: "2", Name: "churn", Created: Base},
		},
		Runs: []*Run{
			{
				ID: RunBaseline, Name: "baseline", ExperimentID: "1", User: "alice", Start: t1, End: t1 + 30*minute,
				Params:      map[string]string{"model_type": "logreg", "C": "1.0"},
				Tags:        map[string]string{"team": "risk"},
				History:     cat(hist("accuracy", t1, 0.80, 0.82, 0.84), hist("f1", t1, 0.70, 0.72, 0.75), hist("roc_auc", t1+20*minute, 0.88)),
				ArtifactURI: "mlflow-artifacts:/1/" + RunBaseline + "/artifacts",
				Artifacts: map[string][]byte{
					"evidently/report.json":  []byte(`{"metrics":[]}`),
					"fairness/fairness.json": []byte(`{"overall":{}}`),
					"model/MLmodel":          []byte("flavors: {}\n"),
				},
			},
			{
				ID: RunXGB1, Name: "xgb-v1", ExperimentID: "1", User: "bob", Start: t2, End: t2 + 45*minute,
				Params:  map[string]string{"model_type": "xgb", "max_depth": "4"},
				Tags:    map[string]string{"team": "risk"},
				History: cat(hist("accuracy", t2, 0.86, 0.88, 0.90), hist("f1", t2, 0.80, 0.81, math.NaN()), hist("roc_auc", t2+20*minute, 0.93)),
			},
			{
				ID: RunXGB2, Name: "xgb-v2", ExperimentID: "1", User: "bob", Start: t3, Status: "RUNNING",
				Params:  map[string]string{"model_type": "xgb", "max_depth": "6"},
				Tags:    map[string]string{"team": "risk"},
				History: cat(hist("accuracy", t3, 0.91, 0.92), hist("f1", t3, 0.84), hist("roc_auc", t3+10*minute, 0.95)),
			},
			{
				ID: RunChurn, Name: "churn-gbm", ExperimentID: "2", User: "carol", Start: t4, End: t4 + 20*minute,
				Params:  map[string]string{"model_type": "gbm"},
				History: cat(hist("rmse", t4, 0.31, 0.29), hist("accuracy", t4, 0.77)),
			},
		},
		Models: []*Model{
			{
				Name: "credit-risk", Description: "Credit default risk", Created: Base + hour, Updated: Base + 6*day,
				Tags:    map[string]string{"owner": "risk-team", "gdpr.personal_data": "income,age"},
				Aliases: map[string]string{"champion": "3", "challenger": "2"},
			},
			{Name: "churn", Created: Base + 3*day, Updated: Base + 3*day, Tags: map[string]string{"owner": "growth"}},
		},
		Versions: []*Version{
			{Model: "credit-risk", Version: "1", Stage: "Archived", RunID: RunBaseline, Created: Base + 2*hour, Updated: Base + 4*day},
			{Model: "credit-risk", Version: "2", Stage: "Production", RunID: RunXGB1, Created: Base + 2*day + hour, Updated: Base + 4*day,
				Tags: map[string]string{"validated": "true"}},
			{Model: "credit-risk", Version: "3", Stage: "Staging", RunID: RunXGB2, Created: Base + 5*day + hour, Updated: Base + 6*day,
				Description: "depth 6", Tags: map[string]string{"gdpr.lawful_basis": "contract", "owner": "ml-platform"}},
			{Model: "churn", Version: "1", RunID: RunChurn, Created: Base + 3*day + hour, Updated: Base + 3*day + hour},
		},
	}
}

// Many is a large store for pagination tests and benchmarks: one experiment "bench" with runs runs,
// each logging metrics keys (metric_0, metric_1, ...) over steps steps.
func Many(runs, metrics, steps int) *Store {
	s := &Store{Experiments: []*Experiment{{ID: "1", Name: "bench", Created: Base}}}
	s.Runs = make([]*Run, runs)
	for i := 0; i < runs; i++ {
		r := &Run{
			ID:           fmt.Sprintf("run%028d", i),
			Name:         fmt.Sprintf("run-%d", i),
			ExperimentID: "1",
			Start:        Base + int64(i)*minute,
			End:          Base + int64(i)*minute + 30_000,
			Params:       map[string]string{"i": fmt.Sprint(i)},
		}
		r.History = make([]Metric, 0, metrics*steps)
		for k := 0; k < metrics; k++ {
			for st := 0; st < steps; st++ {
				r.History = append(r.History, Metric{
					Key:       fmt.Sprintf("metric_%d", k),
					Value:     float64(i%100)/100 + float64(st)/1000,
					Timestamp: r.Start + int64(st)*1000,
					Step:      int64(st),
				})
			}
		}
		s.Runs[i] = r
	}
	return s
}
