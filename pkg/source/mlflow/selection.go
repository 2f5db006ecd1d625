package mlflow

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// DefaultAccuracyRuns is the number of runs an accuracy query selected by experiment reads when the
// query sets no limit.
const DefaultAccuracyRuns = 100

// maxExperimentsPerSearch bounds the experiment ids of one runs/search call (Databricks refuses
// long lists).
const maxExperimentsPerSearch = 100

// target is one run a query covers and the labels its points carry. A run that is the source of
// several selected model versions appears once per version.
type target struct {
	run     *Run          // nil for an MLflow 3 logged model without a source run
	logged  *LoggedModel  // the version's logged model when it has no run
	version *ModelVersion // nil when selected by experiment
	alias   string        // the alias the version was selected by
	exp     string        // experiment name
	expID   string
	labels  trust.Labels // shared by all points of the target: read-only
	link    string

	mu       sync.Mutex
	datasets map[string]trust.Labels // labels with a dataset label, by dataset name
}

// runID is the target's run id, or "".
func (t *target) runID() string {
	if t.run != nil {
		return t.run.Info.ID()
	}
	if t.logged != nil {
		return t.logged.Info.SourceRunID
	}
	return ""
}

// modelID is the MLflow 3 logged model the target's version registered, or "".
func (t *target) modelID() string {
	if t.version != nil {
		return t.version.ModelID
	}
	return ""
}

// keeps reports whether a metric value belongs to the target: MLflow 3 metrics logged for another
// model of the same run do not.
func (t *target) keeps(m *Metric) bool {
	id := t.modelID()
	return id == "" || m.ModelID == "" || m.ModelID == id
}

// labelsFor returns the labels of a value, with the dataset label when MLflow 3 logged it for a
// dataset.
func (t *target) labelsFor(dataset string) trust.Labels {
	if dataset == "" {
		return t.labels
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if l, ok := t.datasets[dataset]; ok {
		return l
	}
	l := make(trust.Labels, len(t.labels)+1)
	for k, v := range t.labels {
		l[k] = v
	}
	l[trust.LabelDataset] = dataset
	if t.datasets == nil {
		t.datasets = map[string]trust.Labels{}
	}
	t.datasets[dataset] = l
	return l
}

// selection is what a query covers.
type selection struct {
	targets  []*target
	notices  []trust.Notice
	scope    string // what was searched, for messages: `model "x"` or `experiments "a", "b"`
	expNames map[string]string
}

func (s *selection) warn(location, format string, args ...any) {
	s.notices = append(s.notices, trust.Notice{Source: trust.SourceMLflow, Location: location, Message: fmt.Sprintf(format, args...), Warning: true})
}

func (s *selection) info(format string, args ...any) {
	s.notices = append(s.notices, trust.Notice{Source: trust.SourceMLflow, Message: fmt.Sprintf(format, args...)})
}

// selectRuns resolves the runs a query covers: the source runs of a registered model's versions
// (model with version, alias or neither for all versions), or the runs of experiments (by name,
// all experiments when none) matching runFilter, most recent first, at most limit (0: all).
func (p *Provider) selectRuns(ctx context.Context, q *trust.Query, limit int, orderBy []string) (*selection, error) {
	if cleanVar(q.Model) != "" || cleanVar(q.Alias) != "" {
		return p.selectByModel(ctx, q, false)
	}
	return p.selectByExperiments(ctx, q, limit, orderBy)
}

// selectByExperiments searches the runs of the query's experiments.
func (p *Provider) selectByExperiments(ctx context.Context, q *trust.Query, limit int, orderBy []string) (*selection, error) {
	ids, names, err := p.resolveExperiments(ctx, q.Experiments)
	if err != nil {
		return nil, err
	}
	sel := &selection{expNames: names}
	if len(q.Experiments) > 0 {
		sel.scope = "experiments " + quoteList(q.Experiments)
	} else {
		sel.scope = "all experiments"
	}
	if len(ids) == 0 {
		sel.info("no experiments at %s", p.c.baseURL)
		return sel, nil
	}
	customOrder := len(orderBy) > 0
	if !customOrder {
		orderBy = []string{"attributes.start_time DESC"}
	}
	var runs []Run
	for start := 0; start < len(ids); start += maxExperimentsPerSearch {
		chunk := ids[start:min(start+maxExperimentsPerSearch, len(ids))]
		rs, err := p.c.SearchRuns(ctx, RunsSearch{ExperimentIDs: chunk, Filter: q.RunFilter, OrderBy: orderBy, Limit: limit})
		if err != nil {
			return nil, err
		}
		runs = append(runs, rs...)
	}
	if len(ids) > maxExperimentsPerSearch {
		if !customOrder {
			sort.SliceStable(runs, func(i, j int) bool { return runs[i].Info.StartTime > runs[j].Info.StartTime })
		}
		if limit > 0 && len(runs) > limit {
			runs = runs[:limit]
		}
	}
	sel.targets = make([]*target, len(runs))
	for i := range runs {
		r := &runs[i]
		expID := string(r.Info.ExperimentID)
		t := &target{run: r, expID: expID, exp: names[expID]}
		t.labels = trust.Labels{trust.LabelRunID: r.Info.ID(), trust.LabelSource: trust.SourceMLflow}
		if t.exp != "" {
			t.labels[trust.LabelExperiment] = t.exp
		}
		t.link = p.c.RunURL(expID, r.Info.ID())
		sel.targets[i] = t
	}
	if len(runs) == 0 {
		if q.RunFilter != "" {
			sel.info("no runs in %s match runFilter %q", sel.scope, q.RunFilter)
		} else {
			sel.info("no runs in %s", sel.scope)
		}
	}
	return sel, nil
}

// resolveExperiments maps experiment names to ids (all active experiments when names is empty).
// An unknown name is an upstream error naming it.
func (p *Provider) resolveExperiments(ctx context.Context, names []string) (ids []string, byID map[string]string, err error) {
	byID = map[string]string{}
	if len(names) == 0 {
		exps, err := p.c.SearchExperiments(ctx, "")
		if err != nil {
			return nil, nil, err
		}
		for _, e := range exps {
			ids = append(ids, string(e.ExperimentID))
			byID[string(e.ExperimentID)] = e.Name
		}
		return ids, byID, nil
	}
	exps := make([]*Experiment, len(names))
	err = forEach(ctx, len(names), p.c.workers(), func(ctx context.Context, i int) error {
		e, err := p.c.GetExperimentByName(ctx, names[i])
		exps[i] = e
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	for _, e := range exps {
		id := string(e.ExperimentID)
		if _, dup := byID[id]; !dup {
			ids = append(ids, id)
		}
		byID[id] = e.Name
	}
	return ids, byID, nil
}

// selectByModel resolves a registered model's versions to their source runs; with allModels (the
// query's model is Grafana's "All"), the versions of every registered model.
func (p *Provider) selectByModel(ctx context.Context, q *trust.Query, allModels bool) (*selection, error) {
	versions, alias, err := p.resolveVersions(ctx, q, allModels)
	if err != nil {
		return nil, err
	}
	sel := &selection{scope: modelScope(q, alias), expNames: map[string]string{}}
	if len(versions) == 0 {
		sel.info("registered model %q has no versions", q.Model)
		return sel, nil
	}
	ms := &modelSelector{p: p, sel: sel, versions: versions, alias: alias}
	if err := ms.readLoggedModels(ctx); err != nil {
		return nil, err
	}
	if err := ms.readSourceRuns(ctx); err != nil {
		return nil, err
	}
	if err := ms.nameExperiments(ctx); err != nil {
		return nil, err
	}
	wantExp := map[string]bool{}
	for _, e := range q.Experiments {
		wantExp[e] = true
	}
	for i := range versions {
		t := ms.versionTarget(i)
		if t == nil || (len(wantExp) > 0 && !wantExp[t.exp]) {
			continue
		}
		ms.label(t)
		sel.targets = append(sel.targets, t)
	}
	return sel, nil
}

// modelScope describes what a selection by model searched, for messages.
func modelScope(q *trust.Query, alias string) string {
	switch {
	case cleanVar(q.Model) == "" && alias != "":
		return "alias " + quote(alias) + " of every registered model"
	case cleanVar(q.Model) == "":
		return "every registered model"
	}
	return "model " + quote(q.Model)
}

// modelSelector holds the state of one selectByModel call: the selected versions, what was read
// about their sources, and the selection being built.
type modelSelector struct {
	p        *Provider
	sel      *selection
	versions []ModelVersion
	alias    string
	logged   []*LoggedModel // by version: the logged model of a version registered without a run
	runIDs   []string       // the distinct source runs, in version order
	index    map[string]int // position of a run id in runIDs
	runs     []*Run         // by position in runIDs; nil when the run was not found
}

// readLoggedModels reads the logged model of every MLflow 3 version registered from a logged model
// without a run. A logged model that is not found is left nil.
func (ms *modelSelector) readLoggedModels(ctx context.Context) error {
	ms.logged = make([]*LoggedModel, len(ms.versions))
	return forEach(ctx, len(ms.versions), ms.p.c.workers(), func(ctx context.Context, i int) error {
		v := &ms.versions[i]
		if v.RunID != "" || v.ModelID == "" {
			return nil
		}
		lm, err := ms.p.c.GetLoggedModel(ctx, v.ModelID)
		if err != nil {
			if IsNotFound(err) {
				return nil
			}
			return err
		}
		ms.logged[i] = lm
		return nil
	})
}

// sourceRunID is the run version i was registered from, directly or through its logged model, or "".
func (ms *modelSelector) sourceRunID(i int) string {
	id := ms.versions[i].RunID
	if id == "" && ms.logged[i] != nil {
		id = ms.logged[i].Info.SourceRunID
	}
	return id
}

// readSourceRuns fetches the source runs of the versions, each once. A run that is not found
// (deleted) is left nil.
func (ms *modelSelector) readSourceRuns(ctx context.Context) error {
	ms.index = map[string]int{}
	for i := range ms.versions {
		id := ms.sourceRunID(i)
		if _, ok := ms.index[id]; id != "" && !ok {
			ms.index[id] = len(ms.runIDs)
			ms.runIDs = append(ms.runIDs, id)
		}
	}
	runs, err := ms.p.c.GetRuns(ctx, ms.runIDs)
	ms.runs = runs
	return err
}

// nameExperiments fills sel.expNames with the names of the experiments of the source runs and of
// the logged models without a run. An experiment that cannot be read keeps an empty name.
func (ms *modelSelector) nameExperiments(ctx context.Context) error {
	var expIDs []string
	for _, r := range ms.runs {
		if r == nil {
			continue
		}
		id := string(r.Info.ExperimentID)
		if _, ok := ms.sel.expNames[id]; !ok {
			ms.sel.expNames[id] = ""
			expIDs = append(expIDs, id)
		}
	}
	for _, lm := range ms.logged {
		if lm != nil && lm.Info.SourceRunID == "" {
			id := string(lm.Info.ExperimentID)
			if _, ok := ms.sel.expNames[id]; !ok && id != "" {
				ms.sel.expNames[id] = ""
				expIDs = append(expIDs, id)
			}
		}
	}
	names := make([]string, len(expIDs))
	_ = forEach(ctx, len(expIDs), ms.p.c.workers(), func(ctx context.Context, i int) error {
		if e, err := ms.p.c.GetExperiment(ctx, expIDs[i]); err == nil {
			names[i] = e.Name
		}
		return nil
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, id := range expIDs {
		ms.sel.expNames[id] = names[i]
	}
	return nil
}

// versionTarget returns the target of version i, reading its source run or, lacking one, its
// logged model; nil, with a warning, when it has neither.
func (ms *modelSelector) versionTarget(i int) *target {
	v := &ms.versions[i]
	loc := ms.p.c.ModelVersionURL(v.Name, string(v.Version))
	t := &target{version: v, alias: ms.alias, link: loc}
	switch id := ms.sourceRunID(i); {
	case id != "":
		run := ms.runs[ms.index[id]]
		if run == nil {
			ms.sel.warn(loc, "source run %s of %s v%s not found (deleted?): skipped", id, v.Name, v.Version)
			return nil
		}
		t.run = run
		t.expID = string(run.Info.ExperimentID)
	case ms.logged[i] != nil:
		t.logged = ms.logged[i]
		t.expID = string(ms.logged[i].Info.ExperimentID)
	default:
		ms.sel.warn(loc, "%s v%s has no source run: no metrics to read", v.Name, v.Version)
		return nil
	}
	t.exp = ms.sel.expNames[t.expID]
	return t
}

// label sets the labels of a version's target: model, version, and the alias, run and experiment
// when known.
func (ms *modelSelector) label(t *target) {
	t.labels = trust.Labels{
		trust.LabelModel:   t.version.Name,
		trust.LabelVersion: string(t.version.Version),
		trust.LabelSource:  trust.SourceMLflow,
	}
	if ms.alias != "" {
		t.labels[trust.LabelAlias] = ms.alias
	}
	if rid := t.runID(); rid != "" {
		t.labels[trust.LabelRunID] = rid
	}
	if t.exp != "" {
		t.labels[trust.LabelExperiment] = t.exp
	}
}

// resolveVersions returns the versions a query selects: by alias, by version (a list is allowed,
// "1,2" or "{1,2}" as Grafana writes multi-value variables), or all versions of the model, in
// version order. The alias is returned when the selection was by alias.
func (p *Provider) resolveVersions(ctx context.Context, q *trust.Query, allModels bool) ([]ModelVersion, string, error) {
	if alias := cleanVar(q.Alias); alias != "" && cleanVar(q.Model) == "" {
		return p.versionsByAlias(ctx, alias)
	}
	if allModels && cleanVar(q.Model) == "" {
		vs, err := p.c.SearchModelVersions(ctx, "")
		if err != nil {
			return nil, "", err
		}
		if want := splitVar(q.Version); len(want) > 0 {
			keep := vs[:0]
			for _, v := range vs {
				for _, w := range want {
					if string(v.Version) == w {
						keep = append(keep, v)
						break
					}
				}
			}
			vs = keep
		}
		sortVersions(vs)
		return vs, "", nil
	}
	if alias := cleanVar(q.Alias); alias != "" {
		v, err := p.c.GetModelVersionByAlias(ctx, q.Model, alias)
		if err != nil {
			return nil, "", err
		}
		return []ModelVersion{*v}, alias, nil
	}
	if vs := splitVar(q.Version); len(vs) > 0 {
		refs := make([]versionRef, len(vs))
		for i, v := range vs {
			refs[i] = versionRef{q.Model, v}
		}
		out, err := p.getVersions(ctx, refs)
		return out, "", err
	}
	vs, err := p.c.SearchModelVersions(ctx, NameFilter(q.Model))
	if err != nil {
		return nil, "", err
	}
	if len(vs) == 0 {
		if _, err := p.c.GetRegisteredModel(ctx, q.Model); err != nil {
			return nil, "", err
		}
	}
	sortVersions(vs)
	return vs, "", nil
}

// versionsByAlias returns, for every registered model that has the alias, the version it points to:
// an alert on "the champion" then yields one instance per model. No model with the alias is an
// upstream error naming it.
func (p *Provider) versionsByAlias(ctx context.Context, alias string) ([]ModelVersion, string, error) {
	models, err := p.c.SearchRegisteredModels(ctx, "")
	if err != nil {
		return nil, "", err
	}
	var refs []versionRef
	for _, m := range models {
		for _, a := range m.Aliases {
			if a.Alias == alias {
				refs = append(refs, versionRef{m.Name, string(a.Version)})
			}
		}
	}
	if len(refs) == 0 {
		return nil, "", trust.Upstreamf("mlflow at %s: no registered model has the alias %q", p.c.baseURL, alias)
	}
	out, err := p.getVersions(ctx, refs)
	return out, alias, err
}

// versionRef names one model version.
type versionRef struct{ name, version string }

// getVersions reads the named versions concurrently, sorted by model and version.
func (p *Provider) getVersions(ctx context.Context, refs []versionRef) ([]ModelVersion, error) {
	out := make([]ModelVersion, len(refs))
	err := forEach(ctx, len(refs), p.c.workers(), func(ctx context.Context, i int) error {
		v, err := p.c.GetModelVersion(ctx, refs[i].name, refs[i].version)
		if err != nil {
			return err
		}
		out[i] = *v
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortVersions(out)
	return out, nil
}

// sortVersions orders versions by model name, then numerically by version.
func sortVersions(vs []ModelVersion) {
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].Name != vs[j].Name {
			return vs[i].Name < vs[j].Name
		}
		return versionLess(vs[i].Version, vs[j].Version)
	})
}

// versionLess orders version numbers numerically ("2" before "10"), other strings as strings.
func versionLess(x, y String) bool {
	a, aerr := strconv.Atoi(string(x))
	b, berr := strconv.Atoi(string(y))
	if aerr == nil && berr == nil {
		return a < b
	}
	return x < y
}

// queryVersions reads the registry for the query's model and selects the versions its version or
// alias names (all versions when neither is set).
func (p *Provider) queryVersions(ctx context.Context, q *trust.Query) (*registryView, []ModelVersion, error) {
	reg, err := p.loadRegistry(ctx, q.Model)
	if err != nil {
		return nil, nil, err
	}
	vs, err := p.selectVersions(ctx, reg, q.Model, q.Version, q.Alias)
	if err != nil {
		return nil, nil, err
	}
	return reg, vs, nil
}

// isAll reports whether s is one of the values Grafana sends for an "All" selection.
func isAll(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && cleanVar(s) == ""
}

// cleanVar drops the values Grafana sends for an "All" selection.
func cleanVar(s string) string {
	s = strings.TrimSpace(s)
	switch s {
	case "$__all", "*", "All", "all":
		return ""
	}
	return s
}

// splitVar splits a single-string field holding several values ("1,2", "{1,2}").
func splitVar(s string) []string {
	s = cleanVar(s)
	if s == "" {
		return nil
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = cleanVar(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, ", ")
}
