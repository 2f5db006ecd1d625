// Package httpx builds every outbound HTTP client of DTE Trust (MLflow, the Evidently UI service,
// fairlearnUrls) once, with grafana-plugin-sdk-go's backend/httpclient from the datasource's
// instance settings, so Grafana's standard HTTP settings apply (the secure SOCKS proxy, the TLS
// version policy, Grafana's response limit, tracing and metrics), and adds the plugin's own rules:
//
//   - redirects are followed only to the same scheme, host and port, and never turn one method
//     into another: a redirect elsewhere is an error naming it, so no credential ever reaches
//     another origin;
//   - one answer is at most maxResponseMB (default 64 MB), with an error saying so;
//   - with allowedHosts set, requests go only to the hosts it lists;
//   - credentials given to the client itself (userinfo taken out of a configured URL) are sent only
//     to their own origin.
//
// Extra headers, basic auth and forwarded headers of the SDK's options are left out on purpose:
// each source sets its own credentials on its own requests.
package httpx

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// DefaultMaxResponseMB bounds one answer when maxResponseMB is not set.
const DefaultMaxResponseMB = 64

// pluginID labels the SDK's request metrics when the settings do not carry the datasource type.
const pluginID = "dte-trust-datasource"

// maxRedirects is how many same-origin redirects one request follows.
const maxRedirects = 10

// Settings are the outbound HTTP settings of one datasource instance, shared by its clients. The
// zero value (as tests build it) means the defaults: 64 MB per answer, every host allowed, Go's
// proxy from the environment.
type Settings struct {
	// MaxResponseBytes bounds one answer (jsonData maxResponseMB); <= 0 means the default.
	MaxResponseBytes int64
	// AllowedHosts, when not empty, are the only hosts requests go to (jsonData allowedHosts):
	// "host" (any port), "host:port" or "*.domain" (any host below domain).
	AllowedHosts []string
	// base are the SDK's client options from the instance settings; nil: the SDK's defaults.
	base *httpclient.Options
}

// FromSettings reads maxResponseMB and allowedHosts and Grafana's HTTP client options (proxy, TLS
// policy) from the datasource settings. ctx carries Grafana's configuration when Grafana builds
// the instance.
func FromSettings(ctx context.Context, s trust.Settings) (Settings, error) {
	var hs Settings
	var raw map[string]json.RawMessage
	if len(s.JSONData) > 0 {
		if err := json.Unmarshal(s.JSONData, &raw); err != nil {
			return hs, fmt.Errorf("datasource settings (jsonData) are not a JSON object: %w", err)
		}
	}
	var errs []error
	if v, ok := raw["maxResponseMB"]; ok && string(v) != "null" {
		mb, err := number(v)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("jsonData maxResponseMB must be a number of megabytes"))
		case mb < 0:
			errs = append(errs, fmt.Errorf("jsonData maxResponseMB must be positive, not %g", mb))
		default:
			hs.MaxResponseBytes = int64(mb * (1 << 20))
		}
	}
	if v, ok := raw["allowedHosts"]; ok && string(v) != "null" {
		hosts, err := hostList(v)
		if err != nil {
			errs = append(errs, err)
		}
		hs.AllowedHosts = hosts
	}
	base, err := sdkOptions(ctx, s)
	if err != nil {
		errs = append(errs, err)
	}
	hs.base = base
	return hs, errors.Join(errs...)
}

// sdkOptions are the SDK's options for the instance settings. The SDK reads some keys with type
// assertions; a value of another type is reported instead of panicking.
func sdkOptions(ctx context.Context, s trust.Settings) (opts *httpclient.Options, err error) {
	defer func() {
		if r := recover(); r != nil {
			opts, err = nil, fmt.Errorf("Grafana's HTTP settings in jsonData have a value of the wrong type: %v", r)
		}
	}()
	is := &backend.DataSourceInstanceSettings{UID: s.UID, Name: s.Name, Type: s.Type, JSONData: s.JSONData, DecryptedSecureJSONData: s.Secure}
	o, err := is.HTTPClientOptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("Grafana's HTTP settings: %w", err)
	}
	return &o, nil
}

// number reads a JSON number or a string holding one.
func number(v json.RawMessage) (float64, error) {
	var f float64
	if err := json.Unmarshal(v, &f); err == nil {
		return f, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return 0, err
	}
	if s = strings.TrimSpace(s); s == "" {
		return 0, nil
	}
	return strconv.ParseFloat(s, 64)
}

// hostList reads allowedHosts: a JSON list of strings or one string with an entry per line or comma.
// An entry written as a URL counts for its host.
func hostList(v json.RawMessage) ([]string, error) {
	var list []string
	if err := json.Unmarshal(v, &list); err != nil {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, errors.New("jsonData allowedHosts must be a list of host names")
		}
		list = strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == ' ' })
	}
	var out []string
	for _, h := range list {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		if strings.Contains(h, "://") {
			u, err := url.Parse(h)
			if err != nil || u.Host == "" {
				return out, fmt.Errorf("jsonData allowedHosts entry %q is not a host name", trust.RedactURL(h))
			}
			h = u.Host
		}
		if strings.ContainsAny(h, "/?#@") {
			return out, fmt.Errorf("jsonData allowedHosts entry %q is not a host name (write host, host:port or *.domain)", h)
		}
		out = append(out, h)
	}
	return out, nil
}

// MaxResponse is the effective limit of one answer in bytes.
func (s Settings) MaxResponse() int64 {
	if s.MaxResponseBytes > 0 {
		return s.MaxResponseBytes
	}
	return DefaultMaxResponseMB << 20
}

// Credential is a header sent only on requests to Origin ("scheme://host:port").
type Credential struct {
	Origin string
	Header string
	Value  string
}

// ClientOptions describe one client.
type ClientOptions struct {
	// Setting names what the client talks to in messages, e.g. "mlflowUrl".
	Setting string
	// Timeout bounds one request; 0: the SDK's default (30 s).
	Timeout time.Duration
	// TLS, when not nil, is copied into the SDK's TLS configuration (certificates, CA, server name,
	// skip-verify); Grafana's TLS version policy is kept.
	TLS *tls.Config
	// MaxIdleConnsPerHost, when > 0, replaces the SDK's default.
	MaxIdleConnsPerHost int
	// Credentials are added by the client on requests to their own origin only.
	Credentials []Credential
}

// NewClient builds a client with the SDK's httpclient and the plugin's redirect, size, host and
// credential rules.
func (s Settings) NewClient(o ClientOptions) (*http.Client, error) {
	var opts httpclient.Options
	if s.base != nil {
		opts = *s.base
	}
	// credentials are each source's own business: none from the shared options (their extra
	// headers, basic auth and TLS client certificate are MLflow's settings, which the MLflow client
	// passes itself); of the shared TLS options only Grafana's version policy is kept
	opts.Header, opts.BasicAuth, opts.SigV4, opts.ForwardHTTPHeaders, opts.CustomOptions = nil, nil, nil, false, nil
	if opts.TLS != nil {
		opts.TLS = &httpclient.TLSOptions{MinVersion: opts.TLS.MinVersion, MaxVersion: opts.TLS.MaxVersion}
	}
	timeouts := httpclient.DefaultTimeoutOptions
	if opts.Timeouts != nil {
		timeouts = *opts.Timeouts
	}
	if o.Timeout > 0 {
		timeouts.Timeout = o.Timeout
	}
	if o.MaxIdleConnsPerHost > 0 {
		timeouts.MaxIdleConnsPerHost = o.MaxIdleConnsPerHost
	}
	opts.Timeouts = &timeouts
	labels := map[string]string{}
	for k, v := range opts.Labels {
		labels[k] = v
	}
	if labels["datasource_type"] == "" {
		labels["datasource_type"] = pluginID // the SDK's request metrics need it
	}
	opts.Labels = labels
	if o.TLS != nil {
		own := o.TLS
		opts.ConfigureTLSConfig = func(_ httpclient.Options, t *tls.Config) {
			t.InsecureSkipVerify = own.InsecureSkipVerify //nolint:gosec // the user's explicit choice (tlsSkipVerify)
			t.ServerName = own.ServerName
			t.RootCAs = own.RootCAs
			t.Certificates = own.Certificates
			if own.MinVersion > t.MinVersion {
				t.MinVersion = own.MinVersion
			}
		}
	}
	opts.ConfigureTransport = func(_ httpclient.Options, t *http.Transport) {
		t.ForceAttemptHTTP2 = true  // as http.DefaultTransport does
		t.ResponseHeaderTimeout = 0 // the client's Timeout bounds the whole request, as before
	}
	opts.ConfigureClient = func(_ httpclient.Options, c *http.Client) {
		c.CheckRedirect = checkRedirect
	}
	opts.Middlewares = append(sdkMiddlewares(),
		hostsMiddleware(s.AllowedHosts, o.Setting),
		credentialsMiddleware(o.Credentials),
		limitMiddleware(s.MaxResponse()),
	)
	c, err := httpclient.New(opts)
	if err != nil {
		return nil, fmt.Errorf("%s: building the HTTP client: %w", o.Setting, err)
	}
	return c, nil
}

// sdkMiddlewares are the SDK's default middlewares but the error-source one: it wraps transport
// errors in a type that hides net.Error's Timeout(), which the sources read to tell their own
// timeout from the query's deadline (the plugin marks the source of its errors itself).
func sdkMiddlewares() []httpclient.Middleware {
	var out []httpclient.Middleware
	for _, m := range httpclient.DefaultMiddlewares() {
		if n, ok := m.(httpclient.MiddlewareName); ok && n.MiddlewareName() == httpclient.ErrorSourceMiddlewareName {
			continue
		}
		out = append(out, m)
	}
	return out
}

// Origin is the scheme://host:port of a URL, the default port spelled out, lower case.
func Origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// RedirectError is a redirect the client refused to follow.
type RedirectError struct {
	From, To string // redacted URLs
	Reason   string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("refused to follow a redirect from %s to %s: %s", e.From, e.To, e.Reason)
}

// checkRedirect follows a redirect only within the origin of the first request and only with the
// same method, so a credential set on the request (Authorization, extra headers, the Evidently
// secret) never reaches another server and a POST is never answered by a GET page.
func checkRedirect(req *http.Request, via []*http.Request) error {
	first, last := via[0], via[len(via)-1]
	redirect := func(reason string) error {
		return &RedirectError{From: trust.RedactURL(last.URL.String()), To: trust.RedactURL(req.URL.String()), Reason: reason}
	}
	switch {
	case Origin(req.URL) != Origin(first.URL):
		return redirect("redirects are followed only to the same scheme, host and port, so credentials are never sent elsewhere; configure the final address instead")
	case req.Method != first.Method:
		return redirect(fmt.Sprintf("the redirect turns %s into %s, which no API answers; configure the final address instead", first.Method, req.Method))
	case len(via) >= maxRedirects:
		return redirect(fmt.Sprintf("stopped after %d redirects", maxRedirects))
	}
	return nil
}

// HostNotAllowedError is a request to a host allowedHosts does not list.
type HostNotAllowedError struct {
	Host, Setting string
}

func (e *HostNotAllowedError) Error() string {
	return fmt.Sprintf("%s: host %s is not in allowedHosts (datasource settings): no request was sent", e.Setting, e.Host)
}

// hostAllowed reports whether u's host matches an allowedHosts entry.
func hostAllowed(allowed []string, u *url.URL) bool {
	if len(allowed) == 0 {
		return true
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	for _, a := range allowed {
		ah, ap := a, ""
		if h, p, err := net.SplitHostPort(a); err == nil {
			ah, ap = h, p
		}
		ah = strings.Trim(ah, "[]")
		if ap != "" && ap != port {
			continue
		}
		if ah == host || (strings.HasPrefix(ah, "*.") && strings.HasSuffix(host, ah[1:])) {
			return true
		}
	}
	return false
}

func hostsMiddleware(allowed []string, setting string) httpclient.Middleware {
	return httpclient.NamedMiddlewareFunc("dte-trust-allowed-hosts", func(_ httpclient.Options, next http.RoundTripper) http.RoundTripper {
		if len(allowed) == 0 {
			return next
		}
		return httpclient.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
			if !hostAllowed(allowed, req.URL) {
				return nil, &HostNotAllowedError{Host: req.URL.Host, Setting: setting}
			}
			return next.RoundTrip(req)
		})
	})
}

func credentialsMiddleware(creds []Credential) httpclient.Middleware {
	return httpclient.NamedMiddlewareFunc("dte-trust-credentials", func(_ httpclient.Options, next http.RoundTripper) http.RoundTripper {
		if len(creds) == 0 {
			return next
		}
		return httpclient.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
			origin := Origin(req.URL)
			cloned := false
			for _, c := range creds {
				if c.Origin != origin || req.Header.Get(c.Header) != "" {
					continue
				}
				if !cloned {
					req, cloned = req.Clone(req.Context()), true
				}
				req.Header.Set(c.Header, c.Value)
			}
			return next.RoundTrip(req)
		})
	})
}

// TooLargeError is an answer over maxResponseMB.
type TooLargeError struct {
	URL   string // redacted
	Size  int64  // Content-Length when the server announced it, else -1
	Limit int64
}

func (e *TooLargeError) Error() string {
	size := "more than"
	if e.Size > 0 {
		size = fmt.Sprintf("%.1f MB, more than", float64(e.Size)/(1<<20))
	}
	return fmt.Sprintf("the answer of %s is %s the %s limit of one answer (maxResponseMB in the datasource settings): not read", e.URL, size, mb(e.Limit))
}

func mb(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%.2f MB", float64(n)/(1<<20))
}

func limitMiddleware(limit int64) httpclient.Middleware {
	return httpclient.NamedMiddlewareFunc("dte-trust-response-limit", func(_ httpclient.Options, next http.RoundTripper) http.RoundTripper {
		return httpclient.RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := next.RoundTrip(req)
			if err != nil || resp == nil || resp.Body == nil {
				return resp, err
			}
			tooLarge := &TooLargeError{URL: trust.RedactURL(req.URL.String()), Size: -1, Limit: limit}
			if resp.StatusCode/100 == 2 && resp.ContentLength > limit {
				resp.Body.Close()
				tooLarge.Size = resp.ContentLength
				return nil, tooLarge
			}
			resp.Body = &limitedBody{rc: resp.Body, left: limit, err: tooLarge}
			return resp, nil
		})
	})
}

// limitedBody returns err once more than left bytes were read.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
	err  error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, b.err
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n + int(b.left), b.err // the bytes within the limit, then the error
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
