// Package evidently reads Evidently drift, data-quality, test and model-quality results: exported
// files of every Evidently generation (legacy Report/TestSuite JSON and snapshots, new-API
// metric_id and metric_name+config output, 0.7 workspace snapshots), workspace directories, the
// Evidently UI service API and Evidently JSON logged as MLflow run artifacts. It maps them to
// trust points of the drift, quality and accuracy dimensions.
//
// Timestamps: Evidently writes naive timestamps (no zone); they are read as UTC. A file without a
// timestamp (as_dict() output, new-API save_json()) is dated by its modification time, and the
// query's frames carry a notice saying so.
package evidently

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/httpx"
	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/upstream"
)

// DefaultMaxFileMB is the per-file size limit when evidentlyMaxFileMB is not set.
const DefaultMaxFileMB = 64

// Config holds the datasource settings this source reads from jsonData.
type Config struct {
	Paths      stringList `json:"evidentlyPaths"`
	Workspaces stringList `json:"evidentlyWorkspaces"`
	UIURL      string     `json:"evidentlyUiUrl"`
	MaxFileMB  float64    `json:"evidentlyMaxFileMB"`
	// Cache keeps the UI service's answers (cacheSeconds, cacheMaxMB; read by New).
	Cache upstream.CacheSettings `json:"-"`
	// Evidently JSON logged as MLflow run artifacts: explicit run ids, and experiments whose
	// latest MLflowMaxRuns runs (default 100) are searched; MLflowArtifactPath is the artifact
	// directory searched in each run (default: all of it, recursively).
	MLflowRuns         stringList `json:"evidentlyMlflowRuns"`
	MLflowExperiments  stringList `json:"evidentlyMlflowExperiments"`
	MLflowArtifactPath string     `json:"evidentlyMlflowArtifactPath"`
	MLflowMaxRuns      int        `json:"evidentlyMlflowMaxRuns"`
	// HTTP are the outbound HTTP settings of the UI client (maxResponseMB, allowedHosts, Grafana's
	// HTTP options), read by New; the zero value means the defaults.
	HTTP httpx.Settings `json:"-"`
}

// stringList accepts a JSON list of strings or one string with one entry per line or comma.
type stringList []string

// UnmarshalJSON implements json.Unmarshaler.
func (l *stringList) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*l = clean(list)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("expected a list of strings: %w", err)
	}
	*l = clean(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' }))
	return nil
}

func clean(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Provider serves Evidently evidence from files, workspaces, the UI service and MLflow artifacts.
type Provider struct {
	cfg    Config
	files  *fileStore
	ui     *uiClient
	mlflow *mlflowSource
}

var (
	_ trust.EvidenceProvider   = (*Provider)(nil)
	_ trust.OptionsProvider    = (*Provider)(nil)
	_ trust.AnnotationProvider = (*Provider)(nil)
	_ trust.HealthChecker      = (*Provider)(nil)
)

// New builds the Evidently source from the datasource settings. It returns (nil, nil) when no
// Evidently key is set. runs reads MLflow (nil when MLflow is not configured), for Evidently JSON
// logged as run artifacts.
func New(ctx context.Context, s trust.Settings, runs trust.RunArtifacts) (*Provider, error) {
	var cfg Config
	if err := s.Decode(&cfg); err != nil {
		return nil, trust.Upstream(fmt.Errorf("evidently settings: %w", err))
	}
	if len(cfg.Paths) == 0 && len(cfg.Workspaces) == 0 && cfg.UIURL == "" && len(cfg.MLflowRuns) == 0 && len(cfg.MLflowExperiments) == 0 {
		return nil, nil
	}
	cs, err := upstream.ReadCacheSettings(s.JSONData)
	if err != nil {
		return nil, trust.Upstream(fmt.Errorf("evidently: %w", err))
	}
	cfg.Cache = cs
	if cfg.UIURL != "" {
		hs, err := httpx.FromSettings(ctx, s)
		if err != nil {
			return nil, trust.Upstream(fmt.Errorf("evidently settings: %w", err))
		}
		cfg.HTTP = hs
	}
	return NewFromConfig(cfg, s.Secure["evidentlyUiSecret"], runs)
}

// NewFromConfig builds a provider from a decoded configuration.
func NewFromConfig(cfg Config, uiSecret string, runs trust.RunArtifacts) (*Provider, error) {
	if cfg.MaxFileMB <= 0 {
		cfg.MaxFileMB = DefaultMaxFileMB
	}
	p := &Provider{cfg: cfg}
	if len(cfg.Paths) > 0 || len(cfg.Workspaces) > 0 {
		p.files = newFileStore(cfg.Paths, cfg.Workspaces, int64(cfg.MaxFileMB*(1<<20)))
	}
	if cfg.UIURL != "" {
		ui, err := newUIClient(cfg.UIURL, uiSecret, int64(cfg.MaxFileMB*(1<<20)), cfg.Cache, cfg.HTTP)
		if err != nil {
			return nil, trust.Upstream(err)
		}
		p.ui = ui
	}
	if len(cfg.MLflowRuns) > 0 || len(cfg.MLflowExperiments) > 0 {
		ms, err := newMLflowSource(runs, cfg.MLflowRuns, cfg.MLflowExperiments, cfg.MLflowArtifactPath, cfg.MLflowMaxRuns, int64(cfg.MaxFileMB*(1<<20)))
		if err != nil {
			return nil, trust.Upstream(err)
		}
		p.mlflow = ms
	}
	return p, nil
}

// Name implements trust.Provider.
func (p *Provider) Name() string { return trust.SourceEvidently }

// Dimensions implements trust.EvidenceProvider.
func (p *Provider) Dimensions() []trust.Dimension {
	return []trust.Dimension{trust.Drift, trust.Quality, trust.Accuracy}
}

// Close releases idle connections.
func (p *Provider) Close() {
	if p.ui != nil {
		p.ui.close()
	}
}

// queryExtras are query fields only this source reads (from the raw query JSON).
type queryExtras struct {
	// Path narrows file sources to a file or directory relative to a configured path.
	Path string `json:"path"`
}

func extrasOf(q *trust.Query) queryExtras {
	var x queryExtras
	if len(q.Raw) > 0 {
		_ = json.Unmarshal(q.Raw, &x)
	}
	return x
}

// origin says where a report came from, for labels, links and notices.
type origin struct {
	location   string // file path or URL, for notices
	project    *project
	link       string
	experiment string // MLflow experiment of an artifact
}

// Collect implements trust.EvidenceProvider.
func (p *Provider) Collect(ctx context.Context, dim trust.Dimension, q *trust.Query) (*trust.Evidence, error) {
	ev := &trust.Evidence{}
	f := newFilter(q)
	err := p.each(ctx, q, f, func(r *Report, o origin) {
		ev.Add(p.points(r, o, dim, f)...)
	}, ev)
	if err != nil {
		return nil, err
	}
	return ev, nil
}

// each calls fn for every report matching the query's time range and filters, from every
// configured kind of source (files and workspaces, UI service, MLflow artifacts). A kind that
// fails as a whole becomes a notice while the others are served; the error is returned only when
// every kind failed.
func (p *Provider) each(ctx context.Context, q *trust.Query, f *filter, fn func(*Report, origin), ev *trust.Evidence) error {
	type kind func(context.Context, *trust.Query, *filter, func(*Report, origin), *trust.Evidence) error
	var kinds []kind
	if p.files != nil {
		kinds = append(kinds, p.eachFile)
	}
	if p.ui != nil {
		kinds = append(kinds, p.ui.each)
	}
	if p.mlflow != nil {
		kinds = append(kinds, p.mlflow.each)
	}
	var errs []error
	for _, k := range kinds {
		if err := k(ctx, q, f, fn, ev); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var pe *pathError
			if errors.As(err, &pe) {
				return err // the query's path is wrong: a bad request, whatever the other kinds say
			}
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	if len(errs) == len(kinds) {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return trust.Upstreamf("%s", strings.Join(msgs, "; "))
	}
	for _, e := range errs {
		ev.Warn(trust.SourceEvidently, "", "%s", e.Error())
	}
	return nil
}

// maxNamedNotices caps how many files one kind of notice names before it summarises the rest.
const maxNamedNotices = 10

func (p *Provider) eachFile(ctx context.Context, q *trust.Query, f *filter, fn func(*Report, origin), ev *trust.Evidence) error {
	x := extrasOf(q)
	under, err := p.files.resolve(x.Path)
	if err != nil {
		return err // a *pathError: the user's query, not the upstream
	}
	sel := selection{from: q.From, to: q.To, under: under, keep: func(e *entry) bool {
		return f.keepHeader(e.project, e.hdr.model, e.hdr.version)
	}}
	files, err := p.files.load(ctx, sel)
	if err != nil {
		return err
	}
	for _, n := range p.files.walkNotices() {
		if n.warning {
			ev.Warn(trust.SourceEvidently, n.location, "%s", n.message)
		} else {
			ev.Info(trust.SourceEvidently, n.location, "%s", n.message)
		}
	}
	var noTime []string
	for _, l := range files {
		if l.err != nil {
			ev.Warn(trust.SourceEvidently, l.path, "skipped: %s", l.err.Error())
			continue
		}
		r := l.report
		if r.Format == FormatProject {
			continue
		}
		if !f.keepReport(r, l.project) || !q.InRange(r.Time) {
			continue
		}
		if r.TimeFromMtime {
			noTime = append(noTime, l.path)
		}
		if len(r.Unknown) > 0 {
			ev.Info(trust.SourceEvidently, l.path, "skipped metrics of types this plugin does not know (newer Evidently?): %s", strings.Join(r.Unknown, ", "))
		}
		id := r.ID
		if id == "" && l.project != nil {
			// workspace files are named by snapshot id; 0.7 snapshots hold no id of their own
			id = strings.TrimSuffix(filepath.Base(l.path), filepath.Ext(l.path))
		}
		fn(r, origin{location: l.path, project: l.project, link: p.snapshotLink(l.project, id)})
	}
	sort.Strings(noTime)
	for i, path := range noTime {
		if i == maxNamedNotices {
			ev.Info(trust.SourceEvidently, "", "%d more files have no timestamp; their modification time is used", len(noTime)-maxNamedNotices)
			break
		}
		ev.Info(trust.SourceEvidently, path, "no timestamp in the file (Evidently as_dict()/save_json() output): its modification time is used as the report time")
	}
	return nil
}

// snapshotLink is the Evidently UI page of a snapshot, when the UI URL is set.
func (p *Provider) snapshotLink(pr *project, snapshotID string) string {
	if p.ui == nil || pr == nil || snapshotID == "" {
		return ""
	}
	return uiSnapshotURL(p.ui.base, pr.ID, snapshotID) // the base URL without credentials
}

// uiSnapshotURL is the Evidently UI route of a report (projects/:projectId/reports/:snapshotId in
// the UI's router, served by the UI service for any /projects/... path).
func uiSnapshotURL(base, projectID, snapshotID string) string {
	return strings.TrimRight(base, "/") + "/projects/" + projectID + "/reports/" + snapshotID
}

// points turns a report's values of one dimension into points.
func (p *Provider) points(r *Report, o origin, dim trust.Dimension, f *filter) []trust.Point {
	var out []trust.Point
	th := f.q.DriftShareThreshold
	for _, v := range r.Values {
		if v.Dim != dim || !f.keepValue(&v) {
			continue
		}
		if th != nil && v.Dim == trust.Drift {
			v = withDriftShareThreshold(v, r.Values, *th)
		}
		l := trust.Labels{trust.LabelSource: trust.SourceEvidently}
		if o.project != nil {
			l[trust.LabelProject] = o.project.label()
		}
		if r.Model != "" {
			l[trust.LabelModel] = r.Model
		}
		if r.ModelVersion != "" {
			l[trust.LabelVersion] = r.ModelVersion
		}
		if o.experiment != "" {
			l[trust.LabelExperiment] = o.experiment
		}
		for _, x := range v.Labels {
			l[x.Key] = x.Value
		}
		out = append(out, trust.Point{
			Time: r.Time, Dimension: v.Dim, Metric: v.Metric, Value: v.Value, Labels: l,
			Threshold: v.Threshold, Status: v.Status, Link: o.link,
		})
	}
	return out
}

// withDriftShareThreshold applies a query's driftShareThreshold to a dataset-level drift value
// the way Evidently applies its drift_share parameter (dataset drift when the measured share
// reaches it): drift_share gets the threshold and status, dataset_drift is decided again from the
// report's drift_share of the same labels. Other values are returned as they are.
func withDriftShareThreshold(v Value, all []Value, th float64) Value {
	var share *float64
	switch v.Metric {
	case "drift_share":
		share = &v.Value
	case "dataset_drift":
		for i := range all {
			if all[i].Dim == trust.Drift && all[i].Metric == "drift_share" && slices.Equal(all[i].Labels, v.Labels) {
				share = &all[i].Value
				break
			}
		}
	}
	if share == nil {
		return v
	}
	drifted := *share >= th
	if v.Metric == "dataset_drift" {
		v.Value = b2f(drifted)
	}
	v.Threshold, v.Status = ptr(th), boolStatus(drifted)
	return v
}

// filter holds the query's filters in the form this source applies them.
type filter struct {
	q              *trust.Query
	model, version string
	projects       []string
	features       []string
}

func newFilter(q *trust.Query) *filter {
	return &filter{q: q, model: single(q.Model), version: single(q.Version), projects: splitCSV(q.Project), features: splitCSV(q.Feature)}
}

// single reads a single-value filter; Grafana's "All" ($__all, *) means no filter.
func single(s string) string {
	s = strings.TrimSpace(s)
	switch s {
	case "$__all", "*", "All", "{}":
		return ""
	}
	return s
}

// splitCSV reads a single value or a multi-value variable rendered as "a,b" or "{a,b}".
func splitCSV(s string) []string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" && x != "$__all" && x != "*" {
			out = append(out, x)
		}
	}
	return out
}

// keepHeader filters on what the index knows before parsing: project, model, version.
func (f *filter) keepHeader(pr *project, model, version string) bool {
	if len(f.projects) > 0 {
		if pr == nil || !(containsFold(f.projects, pr.Name) || containsFold(f.projects, pr.ID)) {
			return false
		}
	}
	// header model/version may be empty when the file puts them after the results; the report
	// filter decides then
	if f.model != "" && model != "" && model != f.model {
		return false
	}
	if f.version != "" && version != "" && version != f.version {
		return false
	}
	return true
}

// keepReport filters a parsed report on project, model and version.
func (f *filter) keepReport(r *Report, pr *project) bool {
	if !f.keepHeader(pr, r.Model, r.ModelVersion) {
		return false
	}
	if f.model != "" && r.Model != f.model {
		return false
	}
	if f.version != "" && r.ModelVersion != f.version {
		return false
	}
	return true
}

// keepValue filters on metric names and features.
func (f *filter) keepValue(v *Value) bool {
	if !f.q.WantsMetric(v.Metric) {
		return false
	}
	if len(f.features) > 0 && !contains(f.features, v.Labels.Get(trust.LabelFeature)) {
		return false
	}
	return true
}

func containsFold(list []string, s string) bool {
	if s == "" {
		return false
	}
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
