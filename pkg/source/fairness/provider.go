// Package fairness is the Fairlearn result store of DTE Trust: it reads fairness evaluations from
// files (fairlearnPaths), URLs (fairlearnUrls) and MLflow runs, in the DTE Trust fairness result
// format (docs/fairness-format.md) and in what practitioners write today (MetricFrame.by_group
// CSVs, hand-built JSON, per-attribute summary CSVs, MLflow metrics with the group in the key, the
// retired Fairlearn dashboard dictionary), and serves them as fairness evidence: values by group,
// disparities derived exactly as Fairlearn defines them, worst groups and threshold status.
package fairness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dte-trust/dte-trust/pkg/source/internal/sourcekit"
	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/upstream"
)

// Default thresholds: a difference passes at or below 0.1, a ratio at or above 0.8 (the
// four-fifths rule).
const (
	DefaultDifferenceMax = 0.1
	DefaultRatioMin      = 0.8
)

// Config holds the fairness keys of the datasource settings (jsonData).
type Config struct {
	Paths      []string       // fairlearnPaths: files or directories (searched recursively)
	URLs       []string       // fairlearnUrls: HTTP(S) URLs of fairness results
	CSVColumns CSVColumnsList // fairlearnCsvColumns: column mapping for CSVs with unfamiliar headers
	// MLflow metric key patterns (Go regular expressions with named groups, see keys.go).
	MetricKeyPattern    string   // fairlearnMetricKeyPattern: by-group values, default DefaultMetricKeyPattern
	OverallKeyPattern   string   // fairlearnOverallKeyPattern: overall values
	DisparityKeyPattern string   // fairlearnDisparityKeyPattern: fairness scalars
	ArtifactPaths       []string // fairlearnArtifactPaths: MLflow artifact directories holding fairness files
	MLflow              bool     // fairlearnMlflow: read fairness results from MLflow runs (default true when MLflow is configured)
	TLSSkipVerify       bool
	Timeout             time.Duration
	Cache               upstream.CacheSettings // cacheSeconds, cacheMaxMB: answers of fairlearnUrls
}

// LoadConfig reads the fairness keys of the settings. Lists may be JSON lists or strings holding
// one entry per line (or comma-separated).
func LoadConfig(s trust.Settings) (Config, error) {
	c := Config{MLflow: true, ArtifactPaths: []string{"fairness"}, Cache: upstream.CacheSettings{TTL: upstream.DefaultTTL, MaxBytes: upstream.DefaultMaxBytes}}
	if len(s.JSONData) == 0 {
		return c, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(s.JSONData, &raw); err != nil {
		return c, fmt.Errorf("fairlearn: datasource settings (jsonData) are not a JSON object: %w", err)
	}
	var errs []error
	list := func(key string) []string {
		v, err := stringList(raw[key])
		if err != nil {
			errs = append(errs, fmt.Errorf("fairlearn: jsonData %s: %w", key, err))
		}
		return v
	}
	str := func(key string) string {
		v, ok := scalarString(raw[key])
		if !ok {
			return ""
		}
		return strings.TrimSpace(v)
	}
	c.Paths = list("fairlearnPaths")
	c.URLs = list("fairlearnUrls")
	if ap := list("fairlearnArtifactPaths"); len(ap) > 0 {
		c.ArtifactPaths = ap
	}
	if v, ok := raw["fairlearnCsvColumns"]; ok && string(v) != "null" {
		if s, ok := scalarString(v); ok {
			v = json.RawMessage(s) // the mapping typed into a text box
		}
		if strings.TrimSpace(string(v)) != "" {
			if err := json.Unmarshal(v, &c.CSVColumns); err != nil {
				errs = append(errs, fmt.Errorf("fairlearn: jsonData fairlearnCsvColumns must be an object (or a list of objects) mapping names to CSV columns: %w", err))
			}
		}
	}
	c.MetricKeyPattern = str("fairlearnMetricKeyPattern")
	c.OverallKeyPattern = str("fairlearnOverallKeyPattern")
	c.DisparityKeyPattern = str("fairlearnDisparityKeyPattern")
	if v := str("fairlearnMlflow"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("fairlearn: jsonData fairlearnMlflow must be true or false"))
		}
		c.MLflow = b
	}
	if v := str("tlsSkipVerify"); v != "" {
		c.TLSSkipVerify, _ = strconv.ParseBool(v)
	}
	if v := str("timeoutSeconds"); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 {
			c.Timeout = time.Duration(f * float64(time.Second))
		}
	}
	for _, u := range c.URLs {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			errs = append(errs, fmt.Errorf("fairlearn: fairlearnUrls entry %q is not an HTTP(S) URL", redact(u)))
		}
	}
	if cs, err := upstream.ReadCacheSettings(s.JSONData); err != nil {
		errs = append(errs, fmt.Errorf("fairlearn: %w", err))
	} else {
		c.Cache = cs
	}
	return c, errors.Join(errs...)
}

// stringList reads a JSON list of strings, or a string with one entry per line or comma.
func stringList(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		s, ok := scalarString(raw)
		if !ok {
			return nil, fmt.Errorf("must be a list of strings")
		}
		list = strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' })
	}
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// Provider serves fairness evidence from the configured files, URLs and MLflow runs.
type Provider struct {
	cfg    Config
	http   *http.Client
	urls   *upstream.Cache              // answers of fairlearnUrls for this data source instance
	cache  sourcekit.FileCache[decoded] // parsed files between queries
	keys   *keyPatterns
	mlflow runSource      // nil: MLflow not configured or fairlearnMlflow false
	linker *mlflowAdapter // nil: MLflow not configured
}

var (
	_ trust.EvidenceProvider   = (*Provider)(nil)
	_ trust.OptionsProvider    = (*Provider)(nil)
	_ trust.AnnotationProvider = (*Provider)(nil)
	_ trust.HealthChecker      = (*Provider)(nil)
)

// New builds the fairness store from the settings. runs reads MLflow (nil when MLflow is not
// configured): it links evaluations with a run_id to their run page and, unless fairlearnMlflow
// is false, supplies fairness results logged to MLflow runs. New returns nil, nil when neither
// fairlearnPaths, fairlearnUrls nor MLflow are configured.
func New(ctx context.Context, s trust.Settings, runs trust.RunArtifacts) (*Provider, error) {
	cfg, err := LoadConfig(s)
	if err != nil {
		return nil, trust.Upstream(err)
	}
	p := &Provider{cfg: cfg}
	if runs != nil {
		p.linker = &mlflowAdapter{c: runs}
		if cfg.MLflow {
			p.mlflow = p.linker
		}
	}
	if len(cfg.Paths) == 0 && len(cfg.URLs) == 0 && p.mlflow == nil {
		return nil, nil
	}
	p.keys, err = compileKeyPatterns(cfg.MetricKeyPattern, cfg.OverallKeyPattern, cfg.DisparityKeyPattern)
	if err != nil {
		return nil, trust.Upstream(err)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	if p.http, err = newHTTPClient(ctx, s, cfg, timeout); err != nil {
		return nil, trust.Upstream(err)
	}
	p.urls = upstream.New(cfg.Cache.TTL, cfg.Cache.MaxBytes, timeout)
	return p, nil
}

// Name implements trust.Provider.
func (p *Provider) Name() string { return trust.SourceFairlearn }

// Dimensions implements trust.EvidenceProvider.
func (p *Provider) Dimensions() []trust.Dimension { return []trust.Dimension{trust.Fairness} }

// Close releases idle connections.
func (p *Provider) Close() { p.http.CloseIdleConnections() }

// runLink is the MLflow run page of an evaluation with a run_id, when MLflow is configured.
func (p *Provider) runLink(experimentID, runID string) string {
	if p.linker == nil || runID == "" {
		return ""
	}
	return p.linker.RunURL(experimentID, runID)
}

// load reads every configured location.
func (p *Provider) load(ctx context.Context, q *trust.Query) *loaded {
	out := &loaded{}
	p.loadFiles(ctx, out)
	p.loadURLs(ctx, out)
	if p.mlflow != nil {
		p.loadMLflow(ctx, q, out)
	}
	return out
}

// report turns what loading found into notices.
func (out *loaded) report(ev *trust.Evidence) {
	src := trust.SourceFairlearn
	for _, err := range out.failed {
		ev.Warn(src, "", "%v", err)
	}
	for _, u := range out.unreadable {
		loc, msg, _ := strings.Cut(u, ": ")
		ev.Warn(src, loc, "unreadable: %s", msg)
	}
	for _, n := range out.notes {
		loc, msg, _ := strings.Cut(n, ": ")
		ev.Warn(src, loc, "%s", msg)
	}
	if len(out.ignored) > 0 {
		ev.Info(src, "", "%d file(s) are not fairness results and were skipped: %s", len(out.ignored), sourcekit.FirstFew(out.ignored, 5))
	}
	if len(out.noTime) > 0 {
		ev.Info(src, "", "%d file(s) have no timestamp; their modification time stands in: %s", len(out.noTime), sourcekit.FirstFew(out.noTime, 5))
	}
}

// cleanQuery returns a copy of q whose model, version, sensitive feature and group filters have
// Grafana's "All" values ($__all, *) removed.
func cleanQuery(q *trust.Query) *trust.Query {
	c := *q
	c.Model, c.Version = sourcekit.CleanVar(q.Model), sourcekit.CleanVar(q.Version)
	c.SensitiveFeature, c.Group = sourcekit.CleanVar(q.SensitiveFeature), sourcekit.CleanVar(q.Group)
	return &c
}

// wanted reports whether an evaluation matches the query's model, version, sensitive feature and
// time range (q cleaned by cleanQuery).
func wanted(e *Evaluation, q *trust.Query) bool {
	return sourcekit.MatchVar(e.Model, q.Model) && sourcekit.MatchVar(e.Version, q.Version) &&
		sourcekit.MatchVar(e.SensitiveLabel(), q.SensitiveFeature) && q.InRange(e.Time)
}

// Collect implements trust.EvidenceProvider.
func (p *Provider) Collect(ctx context.Context, dim trust.Dimension, q *trust.Query) (*trust.Evidence, error) {
	ev := &trust.Evidence{}
	if dim != trust.Fairness {
		return ev, nil
	}
	q = cleanQuery(q)
	l := p.load(ctx, q)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if l.files == 0 && len(l.evals) == 0 && len(l.failed) > 0 && len(l.unreadable) == 0 {
		return nil, trust.Upstream(errors.Join(l.failed...))
	}
	l.report(ev)
	for _, e := range l.evals {
		if !wanted(e, q) {
			continue
		}
		ev.Add(p.evaluationPoints(e, q, ev)...)
	}
	if q.Format == trust.FormatLatest {
		ev.Points = latestWorstGroups(ev.Points)
	}
	return ev, nil
}

// evaluationPoints are the points of one evaluation that the query keeps, with thresholds.
func (p *Provider) evaluationPoints(e *Evaluation, q *trust.Query, ev *trust.Evidence) []trust.Point {
	em := &emitter{requested: map[string]bool{}}
	for _, m := range q.Metrics {
		em.requested[m] = true
	}
	pts := em.points(e)
	for _, n := range em.notices {
		ev.Warn(trust.SourceFairlearn, e.Location, "%s", n)
	}
	diffMax, ratioMin := thresholds(q)
	out := pts[:0]
	for _, pt := range pts {
		if !q.WantsMetric(pt.Metric) {
			continue
		}
		if q.Group != "" && !sourcekit.MatchVar(pt.Labels[trust.LabelGroup], q.Group) {
			continue
		}
		applyThreshold(&pt, diffMax, ratioMin)
		if q.Format == trust.FormatTable && e.File != "" {
			pt.Labels = copyLabels(pt.Labels)
			pt.Labels[LabelFile] = e.File
		}
		out = append(out, pt)
	}
	return out
}

// thresholds are the query's differenceMax and ratioMin, or the defaults.
func thresholds(q *trust.Query) (diffMax, ratioMin float64) {
	diffMax, ratioMin = DefaultDifferenceMax, DefaultRatioMin
	if q.DifferenceMax != nil {
		diffMax = *q.DifferenceMax
	}
	if q.RatioMin != nil {
		ratioMin = *q.RatioMin
	}
	return diffMax, ratioMin
}

// applyThreshold sets Threshold and Status on disparities: differences pass at or below
// differenceMax, ratios at or above ratioMin. Other points carry no threshold.
func applyThreshold(pt *trust.Point, diffMax, ratioMin float64) {
	m := strings.TrimSuffix(pt.Metric, suffixToOverall)
	switch {
	case strings.HasSuffix(m, suffixCILower), strings.HasSuffix(m, suffixCIUpper), strings.HasPrefix(m, prefixWorstGroup):
	case strings.HasSuffix(m, suffixDifference):
		pt.WithStatus(diffMax, false)
	case strings.HasSuffix(m, suffixRatio):
		pt.WithStatus(ratioMin, true)
	}
}

// latestWorstGroups keeps, for the latest format, only the worst-group points of the newest
// evaluation of each series: the worst group is a label, and a group that was worst once must not
// linger as a latest value (or an alert instance) after another group became the worst.
func latestWorstGroups(pts []trust.Point) []trust.Point {
	key := func(pt *trust.Point) string {
		l := copyLabels(pt.Labels)
		delete(l, trust.LabelGroup)
		k := trust.Point{Dimension: pt.Dimension, Metric: pt.Metric, Labels: l}
		return k.SeriesKey()
	}
	newest := map[string]time.Time{}
	for i := range pts {
		if strings.HasPrefix(pts[i].Metric, prefixWorstGroup) {
			k := key(&pts[i])
			if t, ok := newest[k]; !ok || pts[i].Time.After(t) {
				newest[k] = pts[i].Time
			}
		}
	}
	out := pts[:0]
	for _, pt := range pts {
		if strings.HasPrefix(pt.Metric, prefixWorstGroup) && pt.Time.Before(newest[key(&pt)]) {
			continue
		}
		out = append(out, pt)
	}
	return out
}

// redact removes credentials (userinfo, token parameters) from a URL for messages.
func redact(u string) string { return trust.RedactURL(u) }

// scrubURLError keeps an HTTP client error readable without repeating credentials.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
