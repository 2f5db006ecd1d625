package mlflowtest

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"path"
	"sort"
	"strings"
)

type handler func(a args, endpoint string) (any, *apiError)

// route finds the handler of an endpoint below /api/2.0/mlflow/.
func (s *Server) route(method, endpoint string) (handler, bool) {
	get := map[string]handler{
		"experiments/search":       s.searchExperiments,
		"experiments/get-by-name":  s.experimentByName,
		"experiments/get":          s.getExperiment,
		"runs/get":                 s.getRun,
		"metrics/get-history":      s.history,
		"registered-models/search": s.searchModels,
		"registered-models/get":    s.getModel,
		"registered-models/alias":  s.alias,
		"model-versions/search":    s.searchVersions,
		"model-versions/get":       s.getVersion,
		"artifacts/list":           s.listArtifacts,
	}
	post := map[string]handler{
		"experiments/search":   s.searchExperiments,
		"runs/search":          s.searchRuns,
		"logged-models/search": s.searchLoggedModels,
	}
	switch method {
	case http.MethodGet:
		if h, ok := get[endpoint]; ok {
			return h, true
		}
		if strings.HasPrefix(endpoint, "logged-models/") && !strings.Contains(strings.TrimPrefix(endpoint, "logged-models/"), "/") && endpoint != "logged-models/search" {
			return s.getLoggedModel, true
		}
	case http.MethodPost:
		h, ok := post[endpoint]
		return h, ok
	}
	return nil, false
}

func (s *Server) searchExperiments(a args, _ string) (any, *apiError) {
	var exps []*Experiment
	name := nameFilter(a.str("filter"))
	for _, e := range s.store.Experiments {
		if name == "" || e.Name == name {
			exps = append(exps, e)
		}
	}
	return pageJSON(exps, a, 1000, "experiments", s.experimentJSON)
}

func (s *Server) experimentByName(a args, _ string) (any, *apiError) {
	name := a.str("experiment_name")
	for _, e := range s.store.Experiments {
		if e.Name == name {
			return obj{"experiment": s.experimentJSON(e)}, nil
		}
	}
	return nil, notFound("Could not find experiment with name '%s'", name)
}

func (s *Server) getExperiment(a args, _ string) (any, *apiError) {
	id := a.str("experiment_id")
	if e := s.store.experiment(id); e != nil {
		return obj{"experiment": s.experimentJSON(e)}, nil
	}
	return nil, notFound("No Experiment with id=%s exists", id)
}

func (s *Server) searchRuns(a args, _ string) (any, *apiError) {
	n, err := a.int("max_results", 1000)
	if err != nil {
		return nil, err
	}
	if n > s.opts.MaxRunsPerPage {
		return nil, badParam("Invalid value %d for parameter 'max_results' supplied. It must be at most %d", n, s.opts.MaxRunsPerPage)
	}
	exps := map[string]bool{}
	for _, id := range a.list("experiment_ids") {
		exps[id] = true
	}
	clauses, err := parseFilter(a.str("filter"))
	if err != nil {
		return nil, err
	}
	var runs []*Run
	for _, r := range s.store.Runs {
		if r.Deleted || !exps[r.ExperimentID] {
			continue
		}
		if matches(r, clauses) {
			runs = append(runs, r)
		}
	}
	order := a.list("order_by")
	if err := sortRuns(runs, order); err != nil {
		return nil, err
	}
	return pageJSON(runs, a, 1000, "runs", s.runJSON)
}

func (s *Server) getRun(a args, _ string) (any, *apiError) {
	id := a.str("run_id")
	if r := s.store.run(id); r != nil {
		return obj{"run": s.runJSON(r)}, nil
	}
	return nil, notFound("Run '%s' not found", id)
}

func (s *Server) history(a args, _ string) (any, *apiError) {
	id, key := a.str("run_id"), a.str("metric_key")
	r := s.store.run(id)
	if r == nil {
		return nil, notFound("Run '%s' not found", id)
	}
	var ms []Metric
	for _, m := range r.History {
		if m.Key == key {
			ms = append(ms, m)
		}
	}
	out := obj{}
	if s.opts.HistoryPageSize > 0 {
		var next string
		var err *apiError
		pa := args{"max_results": a["max_results"], "page_token": a["page_token"]}
		if n, _ := pa.int("max_results", 0); n == 0 || n > s.opts.HistoryPageSize {
			pa["max_results"] = float64(s.opts.HistoryPageSize)
		}
		ms, next, err = paginate(ms, pa, s.opts.HistoryPageSize)
		if err != nil {
			return nil, err
		}
		out.set("next_page_token", next)
	}
	var list []obj
	for _, m := range ms {
		list = append(list, s.metricJSON(m))
	}
	out.set("metrics", list)
	return out, nil
}

// historyBulk answers like MLflow's Flask handler: a plain dict, bare NaN, runs in sorted order,
// each run's values sorted by (timestamp, step, value), cut at max_results values in total.
func (s *Server) historyBulk(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ids := q["run_id"]
	key := q.Get("metric_key")
	switch {
	case len(ids) == 0:
		writeJSON(w, http.StatusBadRequest, obj{"error_code": "INVALID_PARAMETER_VALUE", "message": "GetMetricHistoryBulk request must specify at least one run_id."})
		return
	case len(ids) > s.opts.BulkMaxRuns:
		writeJSON(w, http.StatusBadRequest, obj{"error_code": "INVALID_PARAMETER_VALUE", "message": "GetMetricHistoryBulk request cannot specify more than " + itoa(s.opts.BulkMaxRuns) + " run_ids. Received " + itoa(len(ids)) + " run_ids."})
		return
	case key == "":
		writeJSON(w, http.StatusBadRequest, obj{"error_code": "INVALID_PARAMETER_VALUE", "message": "GetMetricHistoryBulk request must specify a metric_key."})
		return
	}
	maxResults := s.opts.BulkMaxResults
	if v := q.Get("max_results"); v != "" {
		if n := atoi(v); n > 0 && n < maxResults {
			maxResults = n
		}
	}
	sorted := append([]string(nil), ids...)
	sort.Strings(sorted)
	// Written by hand: encoding/json refuses the bare NaN Python writes.
	var b strings.Builder
	b.WriteString(`{"metrics": [`)
	n := 0
	for _, id := range sorted {
		run := s.store.run(id)
		if run == nil {
			continue
		}
		var ms []Metric
		for _, m := range run.History {
			if m.Key == key {
				ms = append(ms, m)
			}
		}
		sort.SliceStable(ms, func(i, j int) bool {
			if ms[i].Timestamp != ms[j].Timestamp {
				return ms[i].Timestamp < ms[j].Timestamp
			}
			if ms[i].Step != ms[j].Step {
				return ms[i].Step < ms[j].Step
			}
			return ms[i].Value < ms[j].Value || (math.IsNaN(ms[j].Value) && !math.IsNaN(ms[i].Value))
		})
		for _, m := range ms {
			if n == maxResults {
				break
			}
			if n > 0 {
				b.WriteString(", ")
			}
			n++
			v, _ := bfloat(m.Value).MarshalJSON()
			fmt.Fprintf(&b, `{"key": %q, "value": %s, "timestamp": %d, "step": %d, "run_id": %q}`, m.Key, v, m.Timestamp, m.Step, id)
		}
	}
	b.WriteString("]}")
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, b.String())
}

func (s *Server) searchModels(a args, _ string) (any, *apiError) {
	name := nameFilter(a.str("filter"))
	var ms []*Model
	for _, m := range s.store.Models {
		if name == "" || m.Name == name {
			ms = append(ms, m)
		}
	}
	n, err := a.int("max_results", 100)
	if err != nil {
		return nil, err
	}
	if n > 1000 {
		return nil, badParam("Invalid value for request parameter max_results. It must be at most 1000, but got value %d", n)
	}
	return pageJSON(ms, a, 100, "registered_models", s.modelJSON)
}

func (s *Server) getModel(a args, _ string) (any, *apiError) {
	name := a.str("name")
	if m := s.store.model(name); m != nil {
		return obj{"registered_model": s.modelJSON(m)}, nil
	}
	return nil, notFound("Registered Model with name=%s not found", name)
}

func (s *Server) alias(a args, _ string) (any, *apiError) {
	name, alias := a.str("name"), a.str("alias")
	m := s.store.model(name)
	if m == nil {
		return nil, notFound("Registered Model with name=%s not found", name)
	}
	ver, ok := m.Aliases[alias]
	if !ok {
		return nil, badParam("Registered model alias %s not found.", alias)
	}
	for _, v := range s.store.Versions {
		if v.Model == name && v.Version == ver {
			return obj{"model_version": s.versionJSON(v)}, nil
		}
	}
	return nil, notFound("Model Version (name=%s, version=%s) not found", name, ver)
}

func (s *Server) searchVersions(a args, _ string) (any, *apiError) {
	name := nameFilter(a.str("filter"))
	var vs []*Version
	for _, v := range s.store.Versions {
		if name == "" || v.Model == name {
			vs = append(vs, v)
		}
	}
	return pageJSON(vs, a, 1000, "model_versions", s.versionJSON)
}

func (s *Server) getVersion(a args, _ string) (any, *apiError) {
	name, ver := a.str("name"), a.str("version")
	for _, v := range s.store.Versions {
		if v.Model == name && v.Version == ver {
			return obj{"model_version": s.versionJSON(v)}, nil
		}
	}
	return nil, notFound("Model Version (name=%s, version=%s) not found", name, ver)
}

func (s *Server) loggedModelJSON(m *LoggedModel) obj {
	info := obj{"model_id": m.ID, "experiment_id": m.ExperimentID, "creation_timestamp_ms": s.i64(m.Created),
		"status": "LOGGED_MODEL_READY"}
	info.set("name", m.Name)
	info.set("source_run_id", m.SourceRunID)
	data := obj{}
	var ms []obj
	for _, x := range m.Metrics {
		ms = append(ms, s.metricJSON(x))
	}
	data.set("metrics", ms)
	data.set("params", kvs(m.Params))
	return obj{"info": info, "data": data}
}

func (s *Server) searchLoggedModels(a args, _ string) (any, *apiError) {
	n, err := a.int("max_results", 50)
	if err != nil {
		return nil, err
	}
	if n > 50 {
		return nil, badParam("max_results must be <= 50, got %d", n)
	}
	exps := map[string]bool{}
	for _, id := range a.list("experiment_ids") {
		exps[id] = true
	}
	var ms []*LoggedModel
	for _, m := range s.store.LoggedModels {
		if len(exps) == 0 || exps[m.ExperimentID] {
			ms = append(ms, m)
		}
	}
	return pageJSON(ms, a, 50, "models", s.loggedModelJSON)
}

func (s *Server) getLoggedModel(_ args, endpoint string) (any, *apiError) {
	id := strings.TrimPrefix(endpoint, "logged-models/")
	for _, m := range s.store.LoggedModels {
		if m.ID == id {
			return obj{"model": s.loggedModelJSON(m)}, nil
		}
	}
	return nil, notFound("Logged model with ID '%s' not found", id)
}

func (s *Server) listArtifacts(a args, _ string) (any, *apiError) {
	id := a.str("run_id")
	r := s.store.run(id)
	if r == nil {
		return nil, notFound("Run '%s' not found", id)
	}
	dir := strings.Trim(a.str("path"), "/")
	seen := map[string]bool{}
	var files []obj
	paths := make([]string, 0, len(r.Artifacts))
	for p := range r.Artifacts {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		rel := p
		if dir != "" {
			if !strings.HasPrefix(p, dir+"/") {
				continue
			}
			rel = strings.TrimPrefix(p, dir+"/")
		}
		child, _, isDir := strings.Cut(rel, "/")
		full := path.Join(dir, child)
		if seen[full] {
			continue
		}
		seen[full] = true
		f := obj{"path": full, "is_dir": isDir}
		if !isDir {
			f["file_size"] = s.i64(int64(len(r.Artifacts[p])))
		}
		files = append(files, f)
	}
	out := obj{"root_uri": r.ArtifactURI}
	out.set("files", files)
	return out, nil
}

func (s *Server) getArtifact(w http.ResponseWriter, r *http.Request) {
	id, p := r.URL.Query().Get("run_id"), r.URL.Query().Get("path")
	run := s.store.run(id)
	if run == nil {
		writeJSON(w, http.StatusNotFound, obj{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Run '" + id + "' not found"})
		return
	}
	data, ok := run.Artifacts[strings.Trim(p, "/")]
	if !ok {
		writeJSON(w, http.StatusNotFound, obj{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "File " + p + " does not exist"})
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", "attachment; filename="+path.Base(p))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
}
