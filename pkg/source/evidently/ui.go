package evidently

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dte-trust/dte-trust/pkg/httpx"
	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/upstream"
)

// uiListTTL is how long project and snapshot lists from the UI service are reused.
const uiListTTL = 10 * time.Second

// maxUIReports bounds the downloaded snapshots kept in memory (snapshots never change, so they
// are cached by id).
const maxUIReports = 5000

// uiClient reads the Evidently UI service API (/api/projects, /api/projects/{pid}/snapshots,
// /api/projects/{pid}/{sid}/download?report_format=json).
type uiClient struct {
	base     string
	secret   string
	maxBytes int64
	http     *http.Client
	cache    *upstream.Cache // answers of this data source instance (cacheSeconds, cacheMaxMB)

	mu       sync.Mutex
	projects []uiProject
	projAt   time.Time
	snaps    map[string]uiSnapList
	reports  map[string]*Report
	order    []string
	// noSeries is set once the service answered data_series_batch with 404/405 (servers before
	// 0.7 have no such route); queries then download snapshots.
	noSeries bool
}

type uiProject struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type uiSnapshot struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Metadata  map[string]any `json:"metadata"`
	Tags      []any          `json:"tags"`
	Timestamp string         `json:"timestamp"`
}

type uiSnapList struct {
	at    time.Time
	snaps []uiSnapshot
}

func newUIClient(base, secret string, maxBytes int64, cs upstream.CacheSettings, hs httpx.Settings) (*uiClient, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("evidentlyUiUrl %q is not an http(s) URL", trust.RedactURL(base))
	}
	hc, err := newUIHTTPClient(u, hs)
	if err != nil {
		return nil, err
	}
	return &uiClient{
		base: strings.TrimRight(u.String(), "/"), secret: secret, maxBytes: maxBytes,
		http:  hc,
		snaps: map[string]uiSnapList{}, reports: map[string]*Report{},
		cache: upstream.New(cs.TTL, cs.MaxBytes, 2*time.Minute),
	}, nil
}

func (c *uiClient) close() { c.http.CloseIdleConnections() }

// get returns the body of GET path: from the cache while fresh, else from the service (identical
// calls in flight are shared).
func (c *uiClient) get(ctx context.Context, path string) ([]byte, error) {
	return c.cache.Body(ctx, "GET "+path, func(ctx context.Context) ([]byte, error) { return c.fetchGet(ctx, path) })
}

// fetchGet fetches path and returns the body, bounded by maxBytes. Errors name the URL, never the
// secret.
func (c *uiClient) fetchGet(ctx context.Context, path string) ([]byte, error) {
	u := c.base + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if c.secret != "" {
		req.Header.Set("evidently-secret", c.secret)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("evidently UI %s: unreachable: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("evidently UI %s: %w", u, err)
	}
	if int64(len(b)) > c.maxBytes {
		return nil, fmt.Errorf("evidently UI %s: response over the %d MB limit (evidentlyMaxFileMB)", u, c.maxBytes>>20)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 { // litestar answers POST with 201
		msg := strings.TrimSpace(string(b))
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return nil, fmt.Errorf("evidently UI %s: HTTP %d: %s", u, resp.StatusCode, msg)
	}
	return b, nil
}

func (c *uiClient) listProjects(ctx context.Context) ([]uiProject, error) {
	c.mu.Lock()
	if time.Since(c.projAt) < uiListTTL && c.projects != nil {
		p := c.projects
		c.mu.Unlock()
		return p, nil
	}
	c.mu.Unlock()
	b, err := c.get(ctx, "/api/projects")
	if err != nil {
		return nil, err
	}
	var ps []uiProject
	if err := decodeJSON(b, &ps); err != nil {
		return nil, fmt.Errorf("evidently UI %s/api/projects: unexpected answer: %v", c.base, err)
	}
	c.mu.Lock()
	c.projects, c.projAt = ps, time.Now()
	c.mu.Unlock()
	return ps, nil
}

func (c *uiClient) listSnapshots(ctx context.Context, pid string) ([]uiSnapshot, error) {
	c.mu.Lock()
	if l, ok := c.snaps[pid]; ok && time.Since(l.at) < uiListTTL {
		c.mu.Unlock()
		return l.snaps, nil
	}
	c.mu.Unlock()
	b, err := c.get(ctx, "/api/projects/"+url.PathEscape(pid)+"/snapshots")
	if err != nil {
		return nil, err
	}
	var ss []uiSnapshot
	if err := decodeJSON(b, &ss); err != nil {
		return nil, fmt.Errorf("evidently UI %s/api/projects/%s/snapshots: unexpected answer: %v", c.base, pid, err)
	}
	c.mu.Lock()
	c.snaps[pid] = uiSnapList{at: time.Now(), snaps: ss}
	c.mu.Unlock()
	return ss, nil
}

// report downloads a snapshot as Snapshot.json() and maps it, dated and labelled from the
// snapshot list (the download itself carries no timestamp).
func (c *uiClient) report(ctx context.Context, pid string, s uiSnapshot, ts time.Time) (*Report, error) {
	c.mu.Lock()
	if r, ok := c.reports[s.ID]; ok {
		c.mu.Unlock()
		return r, nil
	}
	c.mu.Unlock()
	b, err := c.get(ctx, "/api/projects/"+url.PathEscape(pid)+"/"+url.PathEscape(s.ID)+"/download?report_format=json")
	if err != nil {
		return nil, err
	}
	r, err := Parse(b, ts)
	if err != nil {
		return nil, err
	}
	r.Time, r.TimeFromMtime, r.ID = ts, false, s.ID
	if r.Name == "" {
		r.Name = s.Name
	}
	r.Metadata = stringMap(s.Metadata)
	r.Tags = tagStrings(s.Tags)
	r.Model, r.ModelVersion = modelOf(r.Metadata, r.Tags)
	c.mu.Lock()
	if _, ok := c.reports[s.ID]; !ok {
		c.reports[s.ID] = r
		c.order = append(c.order, s.ID)
		if len(c.order) > maxUIReports {
			delete(c.reports, c.order[0])
			c.order = c.order[1:]
		}
	}
	c.mu.Unlock()
	return r, nil
}

// uiItem is a snapshot selected for a query.
type uiItem struct {
	pr   *project
	snap uiSnapshot
	ts   time.Time
}

// selectSnapshots lists the snapshots of the matching projects inside the query's time range.
func (c *uiClient) selectSnapshots(ctx context.Context, q *trust.Query, f *filter, ev *trust.Evidence) ([]uiItem, error) {
	ps, err := c.listProjects(ctx)
	if err != nil {
		return nil, err
	}
	var items []uiItem
	for _, p := range ps {
		pr := &project{ID: p.ID, Name: p.Name}
		if len(f.projects) > 0 && !(containsFold(f.projects, p.Name) || containsFold(f.projects, p.ID)) {
			continue
		}
		snaps, err := c.listSnapshots(ctx, p.ID)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			ev.Warn(trust.SourceEvidently, c.base+"/api/projects/"+p.ID+"/snapshots", "skipped project %s: %v", pr.label(), err)
			continue
		}
		for _, s := range snaps {
			ts, err := parseTimestamp(s.Timestamp)
			if err != nil {
				ev.Warn(trust.SourceEvidently, c.snapshotURL(p.ID, s.ID), "skipped: %v", err)
				continue
			}
			if !q.InRange(ts) {
				continue
			}
			model, version := modelOf(stringMap(s.Metadata), tagStrings(s.Tags))
			if (f.model != "" && model != f.model) || (f.version != "" && version != f.version) {
				continue
			}
			items = append(items, uiItem{pr: pr, snap: s, ts: ts})
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ts.Before(items[j].ts) })
	return items, nil
}

func (c *uiClient) snapshotURL(pid, sid string) string {
	return c.base + "/api/projects/" + pid + "/" + sid + "/download?report_format=json"
}

// each serves a query from the UI service: with one data_series_batch call per project when the
// server has the route and the query asks only for metrics the series carry, else by downloading
// (or reusing) every selected snapshot, four at a time.
func (c *uiClient) each(ctx context.Context, q *trust.Query, f *filter, fn func(*Report, origin), ev *trust.Evidence) error {
	if seriesAnswer(q) {
		c.mu.Lock()
		no := c.noSeries
		c.mu.Unlock()
		if !no {
			done, err := c.eachSeries(ctx, q, f, fn, ev)
			if done || err != nil {
				return err
			}
		}
	}
	items, err := c.selectSnapshots(ctx, q, f, ev)
	if err != nil {
		return err
	}
	reports := make([]*Report, len(items))
	errs := make([]error, len(items))
	if err := parallel(ctx, len(items), func(i int) {
		reports[i], errs[i] = c.report(ctx, items[i].pr.ID, items[i].snap, items[i].ts)
	}); err != nil {
		return err
	}
	failed := 0
	for i, it := range items {
		if errs[i] != nil {
			failed++
			ev.Warn(trust.SourceEvidently, c.snapshotURL(it.pr.ID, it.snap.ID), "skipped: %v", errs[i])
			continue
		}
		r := reports[i]
		if len(r.Unknown) > 0 {
			ev.Info(trust.SourceEvidently, c.snapshotURL(it.pr.ID, it.snap.ID), "skipped metrics of types this plugin does not know (newer Evidently?): %s", strings.Join(r.Unknown, ", "))
		}
		fn(r, origin{location: c.snapshotURL(it.pr.ID, it.snap.ID), project: it.pr, link: uiSnapshotURL(c.base, it.pr.ID, it.snap.ID)})
	}
	if failed > 0 && failed == len(items) {
		return fmt.Errorf("evidently UI %s: no snapshot could be read: %v", c.base, errs[0])
	}
	return nil
}

// version checks the service for the health check.
func (c *uiClient) version(ctx context.Context) (string, error) {
	b, err := c.get(ctx, "/api/version")
	if err != nil {
		return "", err
	}
	var v struct {
		Application string `json:"application"`
		Version     string `json:"version"`
	}
	if err := decodeJSON(b, &v); err != nil || v.Version == "" {
		return "", fmt.Errorf("evidently UI %s/api/version: not an Evidently UI service answer", c.base)
	}
	return v.Version, nil
}

// testMetrics need test statuses, which data_series_batch does not return.
var testMetrics = map[string]bool{
	"drift_detected": true, "tests_total": true, "tests_passed": true, "tests_failed": true,
	"tests_by_status": true, "test_failed": true,
}

// seriesAnswer reports whether the query's metrics can come from data_series_batch alone: it
// names its metrics and none of them needs a test status.
func seriesAnswer(q *trust.Query) bool {
	if len(q.Metrics) == 0 {
		return false
	}
	for _, m := range q.Metrics {
		if testMetrics[m] {
			return false
		}
	}
	return true
}

// seriesResponse is the answer of POST /api/v2/snapshots/{project}/data_series_batch.
type seriesResponse struct {
	Sources []struct {
		SnapshotID string         `json:"snapshot_id"`
		Timestamp  string         `json:"timestamp"`
		Tags       []any          `json:"tags"`
		Metadata   map[string]any `json:"metadata"`
	} `json:"sources"`
	Series []struct {
		MetricType string            `json:"metric_type"`
		Params     map[string]string `json:"params"`
		Values     []*float64        `json:"values"`
	} `json:"series"`
}

// eachSeries answers from data_series_batch. done is false when the server has no such route.
func (c *uiClient) eachSeries(ctx context.Context, q *trust.Query, f *filter, fn func(*Report, origin), ev *trust.Evidence) (done bool, err error) {
	ps, err := c.listProjects(ctx)
	if err != nil {
		return false, err
	}
	params := url.Values{}
	if !q.From.IsZero() {
		params.Set("timestamp_start", q.From.UTC().Format("2006-01-02T15:04:05.999999"))
	}
	if !q.To.IsZero() {
		params.Set("timestamp_end", q.To.UTC().Format("2006-01-02T15:04:05.999999"))
	}
	body := []byte(`{"series_filter":[{"tags":[],"metadata":{},"metric":"*","metric_labels":{}}]}`)
	for _, p := range ps {
		pr := &project{ID: p.ID, Name: p.Name}
		if len(f.projects) > 0 && !(containsFold(f.projects, p.Name) || containsFold(f.projects, p.ID)) {
			continue
		}
		path := "/api/v2/snapshots/" + url.PathEscape(p.ID) + "/data_series_batch?" + params.Encode()
		b, status, err := c.post(ctx, path, body)
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			c.mu.Lock()
			c.noSeries = true
			c.mu.Unlock()
			return false, nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return true, ctx.Err()
			}
			ev.Warn(trust.SourceEvidently, c.base+path, "skipped project %s: %v", pr.label(), err)
			continue
		}
		var sr seriesResponse
		if err := decodeJSON(b, &sr); err != nil {
			ev.Warn(trust.SourceEvidently, c.base+path, "skipped project %s: unexpected answer: %v", pr.label(), err)
			continue
		}
		for _, r := range seriesReports(&sr, ev, c.base+path) {
			if !f.keepReport(r, pr) || !q.InRange(r.Time) {
				continue
			}
			fn(r, origin{location: c.base + path, project: pr, link: uiSnapshotURL(c.base, p.ID, r.ID)})
		}
	}
	return true, nil
}

// seriesReports turns the series of a data_series_batch answer back into one report per source
// snapshot, through the same new-API mapping as downloaded snapshots: the parts of a value
// (value_type count/share, mean/std; label) are put together again per metric.
func seriesReports(sr *seriesResponse, ev *trust.Evidence, location string) []*Report {
	sm := &seriesMetrics{bySource: make([]map[seriesKey]*newMetric, len(sr.Sources)), seen: map[seriesKey]bool{}}
	for i := range sr.Sources {
		sm.bySource[i] = map[seriesKey]*newMetric{}
	}
	for _, se := range sr.Series {
		sm.add(se.MetricType, se.Params, se.Values)
	}
	out := make([]*Report, 0, len(sr.Sources))
	for i, src := range sr.Sources {
		ts, err := parseTimestamp(src.Timestamp)
		if err != nil {
			ev.Warn(trust.SourceEvidently, location, "snapshot %s skipped: %v", src.SnapshotID, err)
			continue
		}
		r := &Report{Format: FormatSnapshotModel, ID: src.SnapshotID, Time: ts, Metadata: stringMap(src.Metadata), Tags: tagStrings(src.Tags)}
		r.Model, r.ModelVersion = modelOf(r.Metadata, r.Tags)
		m := &mapper{r: r}
		m.newMetrics(sm.metrics(i), nil)
		out = append(out, r)
	}
	return out
}

// seriesKey identifies a metric in a data_series_batch answer: its type and its parameters other
// than value_type and label, as sorted "name=value" pairs.
type seriesKey struct{ typ, params string }

// seriesMetrics puts the series of a data_series_batch answer back together as new-API metrics,
// one set per source snapshot.
type seriesMetrics struct {
	bySource []map[seriesKey]*newMetric // by source index
	order    []seriesKey                // the metrics in the order the series first name them
	seen     map[seriesKey]bool
}

// add files the values of one series, one per source snapshot (nil where the snapshot has none),
// as a part of the metric the series belongs to.
func (sm *seriesMetrics) add(typ string, seriesParams map[string]string, values []*float64) {
	params := map[string]any{}
	var names []string
	valueType, label := seriesParams["value_type"], seriesParams["label"]
	for k, v := range seriesParams {
		if k == "value_type" || k == "label" {
			continue
		}
		params[k] = v
		names = append(names, k+"="+v)
	}
	sort.Strings(names)
	k := seriesKey{typ, strings.Join(names, ",")}
	if !sm.seen[k] {
		sm.seen[k] = true
		sm.order = append(sm.order, k)
	}
	for i, v := range values {
		if v == nil || i >= len(sm.bySource) {
			continue
		}
		nm := sm.bySource[i][k]
		if nm == nil {
			nm = &newMetric{id: k.typ + "(" + k.params + ")", typ: typ, class: shortType(typ), params: params}
			sm.bySource[i][k] = nm
		}
		setSeriesPart(nm, valueType, label, *v)
	}
}

// metrics returns the metrics of source i in series order.
func (sm *seriesMetrics) metrics(i int) []newMetric {
	var ms []newMetric
	for _, k := range sm.order {
		if nm := sm.bySource[i][k]; nm != nil {
			ms = append(ms, *nm)
		}
	}
	return ms
}

// setSeriesPart sets the part of a metric's value one series carries: a labelled count or share
// (under "counts" or "shares"), another labelled value, a value_type part (mean, std), or the
// whole value.
func setSeriesPart(nm *newMetric, valueType, label string, v float64) {
	switch {
	case label != "":
		mv := valueMap(nm)
		if valueType == "count" || valueType == "share" {
			sub, _ := mv[valueType+"s"].(map[string]any)
			if sub == nil {
				sub = map[string]any{}
				mv[valueType+"s"] = sub
			}
			sub[label] = v
		} else {
			mv[label] = v
		}
	case valueType != "":
		valueMap(nm)[valueType] = v
	default:
		nm.value = v
	}
}

// valueMap returns a metric's value as a map, replacing a value that is not one by an empty map.
func valueMap(nm *newMetric) map[string]any {
	mv, _ := nm.value.(map[string]any)
	if mv == nil {
		mv = map[string]any{}
		nm.value = mv
	}
	return mv
}

// post returns the answer and status of POST path with a JSON body: from the cache while fresh,
// else from the service. Failed calls are not kept.
func (c *uiClient) post(ctx context.Context, path string, body []byte) ([]byte, int, error) {
	status := 0
	a, err := c.cache.Get(ctx, "POST "+path+"\x00"+string(body), func(ctx context.Context) (*upstream.Answer, error) {
		b, st, err := c.fetchPost(ctx, path, body)
		status = st
		if err != nil {
			return nil, err
		}
		return &upstream.Answer{Body: b, Status: st}, nil
	})
	if err != nil {
		return nil, status, err
	}
	return a.Body, a.Status, nil
}

// fetchPost sends a JSON body and returns the answer and its status.
func (c *uiClient) fetchPost(ctx context.Context, path string, body []byte) ([]byte, int, error) {
	u := c.base + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.secret != "" {
		req.Header.Set("evidently-secret", c.secret)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, 0, fmt.Errorf("evidently UI %s: unreachable: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1))
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("evidently UI %s: %w", u, err)
	}
	if int64(len(b)) > c.maxBytes {
		return nil, resp.StatusCode, fmt.Errorf("evidently UI %s: response over the %d MB limit (evidentlyMaxFileMB)", u, c.maxBytes>>20)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 { // litestar answers POST with 201
		msg := strings.TrimSpace(string(b))
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return nil, resp.StatusCode, fmt.Errorf("evidently UI %s: HTTP %d: %s", u, resp.StatusCode, msg)
	}
	return b, resp.StatusCode, nil
}
