package mlflow

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/upstream"
)

// Limits of one answer.
const (
	maxJSONBytes        = 512 << 20 // a runs/search page of 1000 runs with many tags stays far below
	maxErrorBytes       = 64 << 10
	DefaultArtifactSize = 64 << 20 // ReadArtifact's limit when maxBytes <= 0
)

// Client is an MLflow REST client (tracking API 2.0, model registry, MLflow 3 logged models and
// artifacts). It is safe for concurrent use; requests in flight are bounded by the configured
// concurrency, and failed requests are retried on 429/502/503/504 and connection resets.
type Client struct {
	base     *url.URL
	baseURL  string // API base URL as shown in messages, no trailing slash
	linkBase string // UI base URL of links, no trailing slash
	hc       *http.Client
	auth     string // Authorization header value, "" for none
	authMode string
	headers  []Header
	secrets  []string
	timeout  time.Duration
	sem      chan struct{}

	maxAttempts  int
	backoffBase  time.Duration
	backoffMax   time.Duration
	maxRetryWait time.Duration

	bulk      atomic.Int32 // bulkUnknown, bulkYes or bulkNo: whether get-history-bulk exists
	bulkBatch atomic.Int32 // runs per bulk call the server accepts
	bulkLimit int          // values per bulk answer; an answer this long may be cut

	bufs  sync.Pool
	cache *upstream.Cache // answers of this client only: one per datasource instance
}

const (
	bulkUnknown int32 = iota
	bulkYes
	bulkNo
)

// NewClient validates cfg and builds a client.
func NewClient(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("mlflow: mlflowUrl: %w", err)
	}
	tc, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	conc := cfg.MaxConcurrency
	if conc <= 0 {
		conc = DefaultMaxConcurrency
	}
	hc, err := newHTTPClient(&cfg, tc, conc)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:         base,
		baseURL:      strings.TrimRight(base.String(), "/"),
		linkBase:     strings.TrimRight(cfg.UIURL, "/"),
		hc:           hc,
		authMode:     cfg.Auth,
		headers:      cfg.Headers,
		secrets:      cfg.secrets(),
		timeout:      cfg.timeout(),
		sem:          make(chan struct{}, conc),
		maxAttempts:  4,
		backoffBase:  250 * time.Millisecond,
		backoffMax:   4 * time.Second,
		maxRetryWait: 30 * time.Second,
	}
	if c.linkBase == "" {
		c.linkBase = c.baseURL
	}
	switch cfg.Auth {
	case "basic":
		c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.User+":"+cfg.Password))
		if len(c.auth) > 8 {
			c.secrets = append(c.secrets, c.auth[6:])
		}
	case "bearer":
		c.auth = "Bearer " + cfg.Token
	}
	c.bulkBatch.Store(maxBulkRuns)
	c.bulkLimit = bulkMaxResults
	// A shared call started without a deadline ends at the latest after every attempt and wait.
	c.cache = upstream.New(cfg.Cache.TTL, cfg.Cache.MaxBytes, time.Duration(c.maxAttempts)*(c.timeout+c.backoffMax)+c.maxRetryWait)
	return c, nil
}

// BaseURL is the server's base URL, as configured, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// RunURL is the MLflow UI page of a run.
func (c *Client) RunURL(experimentID, runID string) string {
	return c.linkBase + "/#/experiments/" + url.PathEscape(experimentID) + "/runs/" + url.PathEscape(runID)
}

// ExperimentURL is the MLflow UI page of an experiment.
func (c *Client) ExperimentURL(experimentID string) string {
	return c.linkBase + "/#/experiments/" + url.PathEscape(experimentID)
}

// ModelVersionURL is the MLflow UI page of a model version.
func (c *Client) ModelVersionURL(name, version string) string {
	return c.linkBase + "/#/models/" + url.PathEscape(name) + "/versions/" + url.PathEscape(version)
}

// Close releases idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// request describes one call.
type request struct {
	method   string
	path     string // below the base URL, starting with /
	name     string // endpoint name for messages, e.g. runs/search
	query    url.Values
	body     any   // sent as JSON
	api      bool  // a REST API endpoint: a 404 without an MLflow error body means "not MLflow"
	raw      bool  // the answer is bytes (artifacts, /version), not JSON
	maxBytes int64 // answer size limit
}

// api2 returns a request for an endpoint below /api/2.0/mlflow/.
func api2(method, endpoint string, query url.Values, body any) *request {
	return &request{method: method, path: "/api/2.0/mlflow/" + endpoint, name: endpoint, query: query, body: body, api: true}
}

// call performs r and decodes the JSON answer into out (which may be nil).
func (c *Client) call(ctx context.Context, r *request, out any) error {
	return c.exchange(ctx, r, func(_ http.Header, body []byte) error {
		if out == nil {
			return nil
		}
		if err := decodeAnswer(body, out); err != nil {
			return c.decodeError(r, err)
		}
		if !hasKnownKey(body, out) {
			return &Error{Endpoint: r.name, BaseURL: c.baseURL, Message: "got JSON without any field MLflow sends here", Hint: notMLflowHint}
		}
		return nil
	})
}

// callMetrics performs a request answered by {"metrics":[...], "next_page_token":"..."} through the
// fast decoder, falling back to encoding/json for shapes the fast decoder does not handle.
func (c *Client) callMetrics(ctx context.Context, r *request) (ms []Metric, next string, err error) {
	err = c.exchange(ctx, r, func(_ http.Header, body []byte) error {
		var ok bool
		if ms, next, ok = decodeMetricsPage(body); ok {
			return nil
		}
		var page struct {
			Metrics       []Metric `json:"metrics"`
			NextPageToken string   `json:"next_page_token"`
		}
		if err := decodeAnswer(body, &page); err != nil {
			return c.decodeError(r, err)
		}
		ms, next = page.Metrics, page.NextPageToken
		return nil
	})
	return ms, next, err
}

func (c *Client) decodeError(r *request, err error) error {
	return &Error{Endpoint: r.name, BaseURL: c.baseURL, Message: "the answer is not the JSON MLflow sends: " + c.scrub(oneLine(err.Error(), 200)), Hint: notMLflowHint, Err: err}
}

// exchange performs r and hands the body of a 2xx answer to handle: from the client's cache while
// the answer is fresh, else from MLflow (calls in flight with the same request are shared). An
// answer handle rejects is dropped from the cache. Every error returned is wrapped with
// trust.Upstream.
func (c *Client) exchange(ctx context.Context, r *request, handle func(h http.Header, body []byte) error) error {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("mlflow %s: encoding the request: %w", r.name, err)
		}
	}
	target := c.endpointURL(r)
	key := fmt.Sprintf("%s %s\x00%s\x00%d\x00%t", r.method, target, payload, r.maxBytes, r.raw)
	a, err := c.cache.Get(ctx, key, func(ctx context.Context) (*upstream.Answer, error) {
		return c.fetch(ctx, r, target, payload)
	})
	if err != nil {
		if !trust.IsUpstream(err) { // this caller's context ended while the shared call went on
			err = trust.Upstream(c.transportError(r, err))
		}
		return err
	}
	if err := handle(http.Header{"Content-Type": {a.ContentType}}, a.Body); err != nil {
		c.cache.Forget(key)
		return trust.Upstream(err)
	}
	return nil
}

// CacheStats are the counters of the client's answer cache.
func (c *Client) CacheStats() upstream.Stats { return c.cache.Stats() }

// fetch performs r with retries and returns a 2xx answer, its body copied out of the pooled
// buffer. Every error returned is wrapped with trust.Upstream.
func (c *Client) fetch(ctx context.Context, r *request, target string, payload []byte) (*upstream.Answer, error) {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, trust.Upstream(c.transportError(r, err))
		}
		resp, buf, err := c.once(ctx, r, target, payload)
		if err != nil {
			var ne net.Error
			switch {
			case ctx.Err() != nil:
				err = ctx.Err()
			case errors.As(err, &ne) && ne.Timeout():
				err = &clientTimeout{err}
			}
			if attempt < c.maxAttempts && isRetryableTransport(err) {
				if werr := c.sleep(ctx, c.backoff(attempt)); werr != nil {
					return nil, trust.Upstream(c.transportError(r, werr))
				}
				continue
			}
			return nil, trust.Upstream(c.transportError(r, err))
		}
		status, hdr := resp.StatusCode, resp.Header
		if status >= 200 && status < 300 {
			if !r.raw && looksLikeHTML(hdr.Get("Content-Type"), buf.Bytes()) {
				c.putBuf(buf)
				return nil, trust.Upstream(&Error{Endpoint: r.name, BaseURL: c.baseURL, Status: status, Message: "got an HTML page instead of JSON (a web UI, a login page or a proxy page?)", Hint: notMLflowHint})
			}
			return &upstream.Answer{Body: c.takeBody(buf), ContentType: hdr.Get("Content-Type")}, nil
		}
		apiErr := c.statusError(r, status, hdr.Get("Content-Type"), buf.Bytes())
		c.putBuf(buf)
		if !retryableStatus(status) || attempt >= c.maxAttempts {
			if retryableStatus(status) && attempt > 1 {
				apiErr.Hint = fmt.Sprintf("gave up after %d attempts; %s", attempt, apiErr.Hint)
			}
			return nil, trust.Upstream(apiErr)
		}
		wait := c.backoff(attempt)
		if ra, ok := retryAfter(hdr.Get("Retry-After"), time.Now()); ok {
			if ra > c.maxRetryWait {
				apiErr.Hint = fmt.Sprintf("the server asked to retry after %s, longer than this plugin waits", ra.Round(time.Second))
				return nil, trust.Upstream(apiErr)
			}
			wait = ra
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			apiErr.Hint = fmt.Sprintf("the server asked to retry after %s, beyond the query deadline", wait.Round(time.Millisecond))
			return nil, trust.Upstream(apiErr)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, trust.Upstream(c.transportError(r, err))
		}
	}
}

// once performs one attempt while holding a concurrency slot, and reads the whole answer.
func (c *Client) once(ctx context.Context, r *request, target string, payload []byte) (*http.Response, *bytes.Buffer, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return nil, nil, err
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if !r.raw {
		req.Header.Set("Accept", "application/json")
	}
	req.Header.Set("User-Agent", "dte-trust-datasource")
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	for _, h := range c.headers {
		req.Header.Set(h.Name, h.Value)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	limit := r.maxBytes
	if limit <= 0 {
		limit = maxJSONBytes
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		limit = maxErrorBytes // only a message is wanted from an error answer
	}
	buf := c.getBuf()
	if resp.ContentLength > 0 && resp.ContentLength <= limit {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		c.putBuf(buf)
		return nil, nil, err
	}
	if n > limit {
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			c.putBuf(buf)
			return nil, nil, &sizeError{limit: limit}
		}
		buf.Truncate(int(limit)) // the start of a long error page is enough for a message
	}
	return resp, buf, nil
}

// sizeError is an answer larger than the caller's limit.
type sizeError struct{ limit int64 }

func (e *sizeError) Error() string {
	return fmt.Sprintf("the answer is larger than %d bytes", e.limit)
}

func (c *Client) endpointURL(r *request) string {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + r.path
	u.RawPath = ""
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	return u.String()
}

func retryableStatus(s int) bool {
	return s == http.StatusTooManyRequests || s == http.StatusBadGateway || s == http.StatusServiceUnavailable || s == http.StatusGatewayTimeout
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 {
			secs = 0
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// backoff is the wait before attempt+1: exponential with jitter (half fixed, half random).
func (c *Client) backoff(attempt int) time.Duration {
	d := c.backoffBase << (attempt - 1)
	if d > c.backoffMax || d <= 0 {
		d = c.backoffMax
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// takeBody returns an answer's body for the caller to keep: a small one is copied and its buffer
// goes back to the pool; a large one read into a buffer sized from Content-Length keeps that
// buffer, which saves a copy of megabytes of JSON and keeps such buffers out of the pool.
func (c *Client) takeBody(buf *bytes.Buffer) []byte {
	if n := buf.Len(); n < 64<<10 || buf.Cap() > n+n/4 {
		// small, or read without a Content-Length into a buffer grown well past it
		b := bytes.Clone(buf.Bytes())
		c.putBuf(buf)
		return b
	}
	return buf.Bytes()
}

func (c *Client) getBuf() *bytes.Buffer {
	if b, ok := c.bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

func (c *Client) putBuf(b *bytes.Buffer) {
	if b == nil || b.Cap() > 32<<20 {
		return
	}
	c.bufs.Put(b)
}

// ServerVersion asks GET /version for the server's MLflow version; "" when the server does not
// offer it (Databricks, old servers).
func (c *Client) ServerVersion(ctx context.Context) (string, error) {
	var v string
	err := c.exchange(ctx, &request{method: http.MethodGet, path: "/version", name: "version", raw: true, maxBytes: 4096}, func(_ http.Header, body []byte) error {
		// Flask labels the plain version string text/html, so only the body tells.
		s := strings.TrimSpace(string(body))
		if len(s) > 64 || strings.ContainsAny(s, "{<\n \"") {
			return nil
		}
		v = s
		return nil
	})
	if err != nil {
		if s := StatusCode(err); s == http.StatusNotFound || s == http.StatusMethodNotAllowed {
			return "", nil
		}
		return "", err
	}
	return v, nil
}

// forEach runs fn(i) for i in [0,n) on up to workers goroutines and returns the first error; after
// an error or a cancellation the remaining items are skipped.
func forEach(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	if n == 0 {
		return nil
	}
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(ctx, i); err != nil {
				return err
			}
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		once     sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// workers is the number of goroutines worth running for requests: enough to keep every
// concurrency slot busy.
func (c *Client) workers() int { return cap(c.sem) }
