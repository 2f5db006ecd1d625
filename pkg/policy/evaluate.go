package policy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Outcome is the result of one rule for one model version.
type Outcome string

// Outcomes. Unknown means the rule could not be decided: its data is missing (no evidence, no
// registry metadata) or its evaluation failed.
const (
	Pass    Outcome = "pass"
	Fail    Outcome = "fail"
	Unknown Outcome = "unknown"
)

// RuleResult is one rule's outcome for one model version, with a reason a person can act on and a
// link to the evidence the rule read (or to the model version).
type RuleResult struct {
	Rule    *Rule
	Outcome Outcome
	Reason  string
	Link    string
	// Malformed names the context field (e.g. model.tags.min_accuracy) whose text could not be
	// read as the number, duration or date the rule asked for: the rule is then unknown.
	Malformed string
}

// VersionResult is every applicable rule's outcome for one model version at one time.
type VersionResult struct {
	Model trust.ModelVersion
	// Registered is false when the version was derived from evidence labels (no model catalog).
	Registered bool
	// Alias is the alias the query asked for, if any.
	Alias   string
	Results []RuleResult
}

// Counts returns how many rules passed, failed and were unknown.
func (v *VersionResult) Counts() (pass, fail, unknown int) {
	for _, r := range v.Results {
		switch r.Outcome {
		case Pass:
			pass++
		case Fail:
			fail++
		default:
			unknown++
		}
	}
	return
}

// Score is the share of applicable rules that passed (unknown counts as not passed); ok is false
// when no rule applies.
func (v *VersionResult) Score() (score float64, ok bool) {
	pass, fail, unknown := v.Counts()
	n := pass + fail + unknown
	if n == 0 {
		return 0, false
	}
	return float64(pass) / float64(n), true
}

// Evaluation is the outcome of every rule for every model version at one time.
type Evaluation struct {
	Time     time.Time
	Versions []VersionResult
}

// Run is one evaluation of the rules at one or more times.
type Run struct {
	Evaluations []Evaluation // ascending time
	Notices     []trust.Notice
}

// MaxSteps bounds the evaluation times of a time-series query.
const MaxSteps = 48

// workers bounds the evidence requests in flight at once.
const workers = 4

// subject is one model version with its evidence.
type subject struct {
	mv         trust.ModelVersion
	registered bool
	alias      string
	dims       map[trust.Dimension]*dimEvidence
	files      *runFiles     // the source run's artifacts, listed when a rule reads them
	hist       *historyState // history() state of the current Evaluate
}

// Evaluate evaluates the enabled rules (narrowed by q.Rules) for the model versions q selects
// (q.Model, q.Version, q.Alias) at each of times (ascending). Evidence is read once, from
// times[0]-window to the last time, through the host's evidence collection.
func (p *Provider) Evaluate(ctx context.Context, q *trust.Query, times []time.Time) (*Run, error) {
	if len(times) == 0 {
		times = []time.Time{p.Now()}
	}
	sel := *q
	sel.Model, sel.Version, sel.Alias = single(q.Model), single(q.Version), single(q.Alias)
	q = &sel
	book, packNotes, err := p.bookFor(q.Packs)
	if err != nil {
		return &Run{Notices: packNotes}, err
	}
	run := &Run{Notices: append(p.problems(book), packNotes...)}
	rules := book.selected(q.Rules)
	for _, id := range q.Rules {
		if !containsRule(book.rules, id) {
			run.Notices = append(run.Notices, trust.Notice{Source: trust.SourcePolicy, Location: "rule " + id, Message: "no such rule", Warning: true})
		}
	}
	from, to := times[0].Add(-p.window()), times[len(times)-1]
	// the rules history() asks about read evidence too, and history needs its time series
	read, history := historyRules(book, rules)
	subjects, notices, err := p.subjects(ctx, q, p.dimsFor(read), from, to, len(times) > 1 || history)
	run.Notices = append(run.Notices, notices...)
	if err != nil {
		return run, err
	}
	if readsArtifacts(rules) {
		notes := newNoticeSet()
		p.listArtifacts(ctx, subjects, notes)
		run.Notices = append(run.Notices, notes.list()...)
	}
	for _, s := range subjects {
		s.hist = newHistoryState(book)
	}
	if len(subjects) == 0 {
		run.Notices = append(run.Notices, trust.Notice{Source: trust.SourcePolicy, Location: describeSelection(q),
			Message: "no model versions found to evaluate the rules on"})
	}
	malformed := newNoticeSet()
	defer func() { run.Notices = append(run.Notices, malformed.list()...) }()
	for _, t := range times {
		ev := Evaluation{Time: t}
		for _, s := range subjects {
			if err := ctx.Err(); err != nil {
				return run, err
			}
			if s.registered && !s.mv.Created.IsZero() && s.mv.Created.After(t) {
				continue // the version did not exist yet
			}
			vr := p.evaluateSubject(ctx, s, rules, t)
			malformed.addAll(malformedNotices(&vr))
			ev.Versions = append(ev.Versions, vr)
		}
		run.Evaluations = append(run.Evaluations, ev)
	}
	return run, nil
}

// single reads a single-value selection: Grafana's "All" ($__all, *) selects everything.
func single(s string) string {
	s = strings.TrimSpace(s)
	if s == "$__all" || s == "*" {
		return ""
	}
	return s
}

func containsRule(rules []*Rule, id string) bool {
	for _, r := range rules {
		if r.ID == id {
			return true
		}
	}
	return false
}

func describeSelection(q *trust.Query) string {
	switch {
	case q.Model == "":
		return "all models"
	case q.Alias != "":
		return q.Model + "@" + q.Alias
	case q.Version != "":
		return q.Model + " v" + q.Version
	default:
		return q.Model
	}
}

// dimsFor lists the evidence dimensions the rules read and some source serves.
func (p *Provider) dimsFor(rules []*Rule) []trust.Dimension {
	served := p.served()
	need := map[trust.Dimension]bool{}
	for _, r := range rules {
		if r.allEv {
			for _, d := range EvidenceDimensions {
				need[d] = true
			}
		}
		for _, d := range r.evDim {
			need[d] = true
		}
	}
	var out []trust.Dimension
	for _, d := range EvidenceDimensions {
		if need[d] && served[d] {
			out = append(out, d)
		}
	}
	return out
}

// evidenceQuery is the query the policy engine sends for one dimension's evidence.
func evidenceQuery(dim trust.Dimension, model, version, alias string, from, to time.Time, history bool) *trust.Query {
	q := &trust.Query{QueryType: string(dim), Format: trust.FormatLatest, Model: model, Version: version, Alias: alias, From: from, To: to}
	if history {
		q.Format = trust.FormatTimeseries
	} else {
		h := false
		q.History = &h
	}
	return q
}

// notServed recognises the engine's answer for a dimension no configured source serves.
func notServed(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no configured source serves")
}

// subjects finds the model versions to evaluate and reads their evidence. With a model catalog
// the versions come from it and evidence is read per version; without one, evidence is read once
// per dimension and the versions are the distinct model/version labels of the points.
func (p *Provider) subjects(ctx context.Context, q *trust.Query, dims []trust.Dimension, from, to time.Time, history bool) ([]*subject, []trust.Notice, error) {
	notes := newNoticeSet()
	var subjects []*subject
	if cat := p.catalog(); cat != nil {
		mvs, err := cat.ModelVersions(ctx, &trust.Query{QueryType: trust.QueryModels, Model: q.Model, Version: q.Version, Alias: q.Alias})
		if err != nil {
			return nil, nil, trust.Upstream(fmt.Errorf("policy: listing model versions from %s: %w", cat.Name(), err))
		}
		var keep []trust.ModelVersion
		for _, mv := range mvs {
			if (q.Model == "" || mv.Name == q.Model) && (q.Version == "" || mv.Version == q.Version) &&
				(q.Alias == "" || containsString(mv.Aliases, q.Alias)) {
				keep = append(keep, mv)
			}
		}
		sortVersions(keep)
		keep = p.capVersions(keep, notes)
		for _, mv := range keep {
			subjects = append(subjects, &subject{mv: mv, registered: true, alias: q.Alias, dims: map[trust.Dimension]*dimEvidence{}})
		}
		p.collectPerVersion(ctx, subjects, dims, from, to, history, notes)
		return subjects, notes.list(), ctx.Err()
	}

	// No catalog: one request per dimension, versions from the labels. When the rules read no
	// evidence, every served dimension is still read to find the versions.
	if len(dims) == 0 {
		for _, d := range EvidenceDimensions {
			if p.served()[d] {
				dims = append(dims, d)
			}
		}
	}
	byKey := map[[2]string]*subject{}
	perDim := map[trust.Dimension]map[[2]string][]trust.Point{}
	for _, d := range dims {
		ev, err := p.host.CollectAll(ctx, d, evidenceQuery(d, q.Model, q.Version, q.Alias, from, to, history))
		if err != nil {
			if !notServed(err) {
				notes.add(trust.Notice{Source: trust.SourcePolicy, Location: string(d) + " evidence", Message: err.Error(), Warning: true})
			}
			continue
		}
		notes.addAll(ev.Notices)
		ev.Flatten()
		groups := map[[2]string][]trust.Point{}
		for _, pt := range ev.Points {
			m := pt.Labels[trust.LabelModel]
			if m == "" {
				continue
			}
			k := [2]string{m, pt.Labels[trust.LabelVersion]}
			groups[k] = append(groups[k], pt)
			if byKey[k] == nil {
				byKey[k] = &subject{mv: trust.ModelVersion{Name: k[0], Version: k[1]}, alias: q.Alias, dims: map[trust.Dimension]*dimEvidence{}}
			}
		}
		perDim[d] = groups
	}
	mvs := make([]trust.ModelVersion, 0, len(byKey))
	for _, s := range byKey {
		mvs = append(mvs, s.mv)
	}
	sortVersions(mvs)
	mvs = p.capVersions(mvs, notes)
	for _, mv := range mvs {
		s := byKey[[2]string{mv.Name, mv.Version}]
		for d, groups := range perDim {
			if pts := groups[[2]string{mv.Name, mv.Version}]; len(pts) > 0 {
				s.dims[d] = newDimEvidence(pts)
			}
		}
		subjects = append(subjects, s)
	}
	return subjects, notes.list(), ctx.Err()
}

// capVersions keeps at most MaxModelVersions versions and says so when it drops some.
func (p *Provider) capVersions(mvs []trust.ModelVersion, notes *noticeSet) []trust.ModelVersion {
	if len(mvs) <= p.cfg.MaxModelVersions {
		return mvs
	}
	notes.add(trust.Notice{Source: trust.SourcePolicy, Warning: true, Message: fmt.Sprintf(
		"%d model versions match; evaluating the first %d (by name, newest version first): select a model or raise policyMaxModelVersions",
		len(mvs), p.cfg.MaxModelVersions)})
	return mvs[:p.cfg.MaxModelVersions]
}

// collectPerVersion reads each dimension's evidence for the versions in scope, a few requests at a
// time: once per model and dimension for all of a model's versions (the points are handed to each
// version by their version label), or once per version for a model with a single version in scope.
func (p *Provider) collectPerVersion(ctx context.Context, subjects []*subject, dims []trust.Dimension, from, to time.Time, history bool, notes *noticeSet) {
	type task struct {
		group []*subject // the versions of one model
		d     trust.Dimension
	}
	var groups [][]*subject
	byModel := map[string]int{}
	for _, s := range subjects {
		i, ok := byModel[s.mv.Name]
		if !ok {
			i = len(groups)
			byModel[s.mv.Name] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], s)
	}
	tasks := make(chan task)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(workers, len(groups)*len(dims)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range tasks {
				version := ""
				if len(t.group) == 1 {
					version = t.group[0].mv.Version
				}
				ev, err := p.host.CollectAll(ctx, t.d, evidenceQuery(t.d, t.group[0].mv.Name, version, "", from, to, history))
				mu.Lock()
				p.distribute(t.group, t.d, ev, err, notes)
				mu.Unlock()
			}
		}()
	}
	for _, g := range groups {
		for _, d := range dims {
			if ctx.Err() != nil {
				break
			}
			tasks <- task{g, d}
		}
	}
	close(tasks)
	wg.Wait()
}

// distribute hands one model's evidence of dimension d to each of its versions.
func (p *Provider) distribute(group []*subject, d trust.Dimension, ev *trust.Evidence, err error, notes *noticeSet) {
	switch {
	case notServed(err):
	case err != nil:
		for _, s := range group {
			s.dims[d] = &dimEvidence{err: err.Error()}
		}
		notes.add(trust.Notice{Source: trust.SourcePolicy, Location: string(d) + " evidence", Message: err.Error(), Warning: true})
	default:
		notes.addAll(ev.Notices)
		ev.Flatten()
		for _, s := range group {
			pts := ownPoints(ev.Points, s.mv)
			if len(group) > 1 {
				// Read for the whole model: a value counts for a version only when labelled with
				// it, as a query for that version would have selected it.
				pts = versionPoints(pts, s.mv.Version)
			}
			if len(pts) > 0 {
				s.dims[d] = newDimEvidence(pts)
			}
		}
	}
}

// versionPoints keeps the points labelled with version.
func versionPoints(points []trust.Point, version string) []trust.Point {
	out := points[:0:0]
	for _, pt := range points {
		if pt.Labels[trust.LabelVersion] == version {
			out = append(out, pt)
		}
	}
	return out
}

// ownPoints drops points labelled with another model or version than mv (a source that ignores
// the version filter); points without those labels are kept, the source selected them.
func ownPoints(points []trust.Point, mv trust.ModelVersion) []trust.Point {
	out := points[:0:0]
	for _, pt := range points {
		if m := pt.Labels[trust.LabelModel]; m != "" && m != mv.Name {
			continue
		}
		if v := pt.Labels[trust.LabelVersion]; v != "" && mv.Version != "" && v != mv.Version {
			continue
		}
		out = append(out, pt)
	}
	return out
}

// evaluateSubject evaluates the rules in scope for one model version at time t.
func (p *Provider) evaluateSubject(ctx context.Context, s *subject, rules []*Rule, t time.Time) VersionResult {
	vr := VersionResult{Model: s.mv, Registered: s.registered, Alias: s.alias}
	env := p.envAt(s, t)
	for _, r := range rules {
		if !r.Scope.matchesName(s.mv.Name) {
			continue
		}
		if !s.registered && r.Scope.needsRegistry() {
			vr.Results = append(vr.Results, RuleResult{Rule: r, Outcome: Unknown, Link: s.mv.Link,
				Reason: "the rule's scope needs registry metadata (aliases, stage or tags): no model registry is configured"})
			continue
		}
		if !r.Scope.matches(&s.mv) {
			continue
		}
		vr.Results = append(vr.Results, p.evalRule(ctx, s, r, env, 0))
	}
	return vr
}

// evalEnv is the evaluation context of one model version at one time, as Go values (for reasons
// and links) and as CEL values (built once for every rule).
type evalEnv struct {
	t                     time.Time
	model, evidence       map[string]any
	modelVal, evidenceVal ref.Val
}

// envAt builds the evaluation context of a model version at time t (kept for history() when the
// version has history state).
func (p *Provider) envAt(s *subject, t time.Time) *evalEnv {
	if s.hist != nil {
		if e := s.hist.envs[t.UnixNano()]; e != nil {
			return e
		}
	}
	evidence := map[string]any{}
	for d, de := range s.dims {
		if de.err != "" {
			continue
		}
		if m := dimensionContext(de.latestAt(t, p.window()), t); m != nil {
			evidence[string(d)] = m
		}
	}
	model := modelContext(&s.mv, s.registered)
	addArtifacts(model, s)
	e := &evalEnv{t: t, model: model, evidence: evidence,
		modelVal: types.DefaultTypeAdapter.NativeToValue(model), evidenceVal: types.DefaultTypeAdapter.NativeToValue(evidence)}
	if s.hist != nil {
		s.hist.envs[t.UnixNano()] = e
	}
	return e
}

// evalRule evaluates one rule in an evaluation context; depth counts the history() evaluations
// this one is nested in (0 for the rule a query asked for).
func (p *Provider) evalRule(ctx context.Context, s *subject, r *Rule, env *evalEnv, depth int) RuleResult {
	t := env.t
	params := r.Params
	if params == nil {
		params = map[string]any{}
	}
	hist := &historyScope{p: p, ctx: ctx, s: s, t: t, depth: depth}
	root := map[string]any{varModel: env.model, varEvidence: env.evidence, varParams: params, varNow: t}
	act := map[string]any{varModel: env.modelVal, varEvidence: env.evidenceVal, varParams: params, varNow: types.Timestamp{Time: t}, varHistory: hist}
	res := RuleResult{Rule: r, Link: ruleLink(r, root, s.mv.Link)}
	if r.Defect != "" {
		res.Outcome, res.Reason = Unknown, r.Defect
		return res
	}
	out, _, err := r.prg.ContextEval(ctx, act)
	switch {
	case err != nil:
		res.Outcome, res.Reason = Unknown, p.unknownReason(r, err, root, s, t)
		if field, value, why := malformedField(r, err, root); field != "" {
			res.Malformed = field
			res.Reason = fmt.Sprintf("%s = %s %s (%s)", field, value, why, err.Error())
		} else if msg := historyProblem(err); msg != "" {
			res.Malformed = "history()"
			res.Reason = msg
		}
	case out == types.True:
		res.Outcome, res.Reason = Pass, withHistory(observed(r, root, ""), hist.calls, "the expression is true")
	case out == types.False:
		res.Outcome, res.Reason = Fail, withHistory(observed(r, root, ""), hist.calls, "the expression is false")
	default:
		res.Outcome, res.Reason = Unknown, fmt.Sprintf("the expression returned %v (%s), not a bool", out, out.Type())
	}
	return res
}

// malformedNotices names, for each rule that was unknown because a field's text is not the
// number, duration or date it should hold, the rule, the model version and the field.
func malformedNotices(v *VersionResult) []trust.Notice {
	var out []trust.Notice
	name := versionName(&v.Model)
	for _, r := range v.Results {
		if r.Malformed != "" {
			out = append(out, trust.Notice{Source: trust.SourcePolicy, Location: "rule " + r.Rule.ID, Warning: true,
				Message: fmt.Sprintf("%s: %s: the rule is unknown", name, r.Reason)})
		}
	}
	return out
}

// conversions are the evaluation errors of reading a text as a number, duration or date, with
// what the text should have been and a parser telling whether a text is one.
var conversions = []struct {
	marker string
	want   string
	ok     func(string) bool
}{
	{"to 'double'", "is not a number", func(s string) bool { _, err := strconv.ParseFloat(s, 64); return err == nil }},
	{"to 'int'", "is not a whole number", func(s string) bool { _, err := strconv.ParseInt(s, 10, 64); return err == nil }},
	{"to 'uint'", "is not a whole number", func(s string) bool { _, err := strconv.ParseUint(s, 10, 64); return err == nil }},
	{"Duration", "is not a duration (like 720h)", func(s string) bool { _, err := time.ParseDuration(s); return err == nil }},
	{"not a number of days", "is not a number of days", func(s string) bool {
		_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		return err == nil
	}},
	{"use RFC 3339 or YYYY-MM-DD", "is not a date (RFC 3339 or YYYY-MM-DD)", func(s string) bool { _, err := parseDate(s); return err == nil }},
	{"timestamp", "is not an RFC 3339 timestamp", func(s string) bool { _, err := time.Parse(time.RFC3339Nano, s); return err == nil }},
}

// malformedField finds the field a conversion error came from: the first text the rule reads
// that its conversion refuses. It returns the field's path, its value and what is wrong, or "".
func malformedField(r *Rule, err error, root map[string]any) (field, value, why string) {
	msg := err.Error()
	for _, c := range conversions {
		if !strings.Contains(msg, c.marker) {
			continue
		}
		// the text the error quotes, else the first text the conversion refuses
		for _, quoted := range []bool{true, false} {
			for _, rf := range r.refs {
				v, _, ok := resolve(root, rf.path)
				text, isText := v.(string)
				if ok && isText && !rf.testOnly && !c.ok(text) && (!quoted || strings.Contains(msg, strconv.Quote(text))) {
					return rf.String(), formatValue(text), c.want
				}
			}
		}
		return "", "", ""
	}
	return "", "", ""
}

// maxObserved bounds the values a reason lists.
const maxObserved = 6

// observed renders the values the rule read: "evidence.fairness.age = 3d 2h, params.max_age_days = 30".
// When the rule reads no context, it says so with fallback.
func observed(r *Rule, root map[string]any, fallback string) string {
	var parts []string
	for _, rf := range r.refs {
		if len(parts) == maxObserved {
			parts = append(parts, "...")
			break
		}
		v, _, ok := resolve(root, rf.path)
		switch m, isMap := v.(map[string]any); {
		case !ok:
			parts = append(parts, rf.String()+" not set")
		case isMap && len(rf.path) <= 3 && rf.path[0] == varEvidence:
			parts = append(parts, rf.String()+" present ("+evidenceSummary(m)+")")
		default:
			parts = append(parts, rf.String()+" = "+formatValue(v))
		}
	}
	if len(parts) == 0 {
		return fallback
	}
	return strings.Join(parts, ", ")
}

// evidenceSummary describes a dimension or metric map: "3 series, latest 2026-05-30T06:00:00Z".
func evidenceSummary(m map[string]any) string {
	s := fmt.Sprintf("%v series", m["count"])
	if t, ok := m["time"].(time.Time); ok {
		s += ", latest " + t.UTC().Format(time.RFC3339)
	}
	return s
}

// unknownReason explains why a rule could not be decided: the first context path it reads that is
// missing, in words, or else the CEL error.
func (p *Provider) unknownReason(r *Rule, err error, root map[string]any, s *subject, t time.Time) string {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "evaluation interrupted: " + err.Error()
	}
	msg := err.Error()
	if strings.Contains(msg, "no such key") || strings.Contains(msg, "no such attribute") {
		// Blame the path whose missing segment the error names, else the first missing one.
		key := strings.TrimSpace(msg[strings.LastIndex(msg, ":")+1:])
		var first []string
		for _, rf := range r.refs {
			if rf.testOnly {
				continue
			}
			if _, n, ok := resolve(root, rf.path); !ok {
				if rf.path[n] == key {
					return p.explainMissing(rf.path[:n+1], root, s, t)
				}
				if first == nil {
					first = rf.path[:n+1]
				}
			}
		}
		if first != nil {
			return p.explainMissing(first, root, s, t)
		}
	}
	if strings.Contains(msg, "cost limit") {
		return fmt.Sprintf("evaluation stopped: %s (policyCostLimit %d)", msg, p.costLimit())
	}
	return "evaluation error: " + msg
}

func (p *Provider) costLimit() uint64 {
	if p.cfg.CostLimit == 0 {
		return DefaultCostLimit
	}
	return p.cfg.CostLimit
}

// explainMissing says in words what a missing context path means.
func (p *Provider) explainMissing(path []string, root map[string]any, s *subject, t time.Time) string {
	ps := pathString(path)
	switch path[0] {
	case varModel:
		if !s.registered && len(path) == 2 {
			return ps + ": no registry metadata (no model registry such as MLflow is configured)"
		}
		switch {
		case len(path) == 3 && path[1] == "tags":
			return fmt.Sprintf("the model version has no %q tag", path[2])
		case len(path) == 4 && path[1] == "run" && path[2] == "params":
			return fmt.Sprintf("the source run has no %q param", path[3])
		case len(path) == 4 && path[1] == "run" && path[2] == "tags":
			return fmt.Sprintf("the source run has no %q tag", path[3])
		case len(path) == 3 && path[1] == "run" && runMissing(path[2], s) != "":
			return runMissing(path[2], s)
		}
		return ps + " is not set for this model version"
	case varEvidence:
		if len(path) < 2 {
			break
		}
		dim := trust.Dimension(path[1])
		if len(path) == 2 {
			de := s.dims[dim]
			switch {
			case !p.served()[dim]:
				return fmt.Sprintf("no %s evidence: no configured source serves %s", dim, dim)
			case de != nil && de.err != "":
				return fmt.Sprintf("no %s evidence: reading it failed: %s", dim, de.err)
			default:
				return fmt.Sprintf("no %s evidence for this model version in the %g days before %s", dim, p.cfg.EvidenceDays, t.UTC().Format(time.RFC3339))
			}
		}
		dimMap, _ := root[varEvidence].(map[string]any)[path[1]].(map[string]any)
		if len(path) == 3 {
			if _, reserved := dimensionNode.fields[path[2]]; reserved {
				return fmt.Sprintf("the %s evidence has no %s (its points carry no timestamp or link)", dim, path[2])
			}
			return fmt.Sprintf("the %s evidence has no metric %q (it has: %s)", dim, path[2], strings.Join(metricNames(dimMap), ", "))
		}
		if len(path) == 4 {
			if path[3] == "value" || path[3] == "min" || path[3] == "max" {
				return fmt.Sprintf("%s has no numeric value (NaN)", pathString(path[:3]))
			}
			return fmt.Sprintf("%s has no %s", pathString(path[:3]), path[3])
		}
	case varParams:
		if len(path) == 2 {
			return fmt.Sprintf("the rule has no param %q", path[1])
		}
	}
	return ps + " is not set"
}

func metricNames(dim map[string]any) []string {
	var out []string
	for k := range dim {
		if _, reserved := dimensionNode.fields[k]; !reserved {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

// ruleLink links a result to the evidence the rule reads first (its metric's link, else its
// dimension's), else to the model version.
func ruleLink(r *Rule, root map[string]any, fallback string) string {
	for _, rf := range r.refs {
		if len(rf.path) < 2 || rf.path[0] != varEvidence {
			continue
		}
		if len(rf.path) >= 3 {
			if v, _, ok := resolve(root, append(rf.path[:3:3], "link")); ok {
				if s, _ := v.(string); s != "" {
					return s
				}
			}
		}
		if v, _, ok := resolve(root, []string{varEvidence, rf.path[1], "link"}); ok {
			if s, _ := v.(string); s != "" {
				return s
			}
		}
	}
	return fallback
}

// noticeSet collects notices once each, safe for concurrent use by its owner's lock.
type noticeSet struct {
	seen  map[string]bool
	items []trust.Notice
}

func newNoticeSet() *noticeSet { return &noticeSet{seen: map[string]bool{}} }

// maxNotices bounds the notices one evaluation reports.
const maxNotices = 20

func (n *noticeSet) add(x trust.Notice) {
	k := x.String()
	if n.seen[k] {
		return
	}
	n.seen[k] = true
	if len(n.items) == maxNotices {
		n.items = append(n.items, trust.Notice{Source: trust.SourcePolicy, Message: "more notices were left out", Warning: true})
	}
	if len(n.items) > maxNotices {
		return
	}
	n.items = append(n.items, x)
}

func (n *noticeSet) addAll(xs []trust.Notice) {
	for _, x := range xs {
		n.add(x)
	}
}

func (n *noticeSet) list() []trust.Notice { return n.items }
