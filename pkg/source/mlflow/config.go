package mlflow

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dte-trust/dte-trust/pkg/httpx"
	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/upstream"
)

// Defaults of the client settings.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultMaxConcurrency = 4
)

// Config is the MLflow part of the datasource settings. JSON-tagged fields come from jsonData; the
// others from secureJsonData (see LoadConfig).
type Config struct {
	// URL is the tracking server base URL (jsonData mlflowUrl), without /api/2.0.
	URL string `json:"mlflowUrl"`
	// UIURL is the MLflow UI base URL used in links (jsonData mlflowUiUrl), for when Grafana reaches
	// MLflow at an address browsers cannot (http://mlflow:5000 inside a cluster); default URL.
	UIURL string `json:"mlflowUiUrl"`
	// Auth is none, basic or bearer (jsonData mlflowAuth). Empty means basic when a user is set,
	// bearer when a token is set, none otherwise.
	Auth string `json:"mlflowAuth"`
	// User is the basic-auth user (jsonData mlflowUser).
	User string `json:"mlflowUser"`
	// TLSSkipVerify disables server certificate checks (jsonData tlsSkipVerify); for testing only.
	TLSSkipVerify bool `json:"tlsSkipVerify"`
	// TLSAuthWithCACert trusts the PEM CA certificate in secureJsonData tlsCACert.
	TLSAuthWithCACert bool `json:"tlsAuthWithCACert"`
	// TLSAuth sends the client certificate in secureJsonData tlsClientCert and tlsClientKey.
	TLSAuth bool `json:"tlsAuth"`
	// TLSServerName overrides the name checked in the server certificate (jsonData serverName).
	TLSServerName string `json:"serverName"`
	// TimeoutSeconds bounds one HTTP request (jsonData timeoutSeconds); default 30.
	TimeoutSeconds float64 `json:"timeoutSeconds"`
	// MaxConcurrency bounds the requests in flight toward MLflow (jsonData mlflowMaxConcurrency);
	// default 4.
	MaxConcurrency int `json:"mlflowMaxConcurrency"`
	// Cache keeps MLflow's answers (jsonData cacheSeconds, cacheMaxMB). LoadConfig sets the
	// defaults (60 s, 64 MB); the zero value, as tests build it, keeps nothing.
	Cache upstream.CacheSettings `json:"-"`
	// HTTP are the outbound HTTP settings (maxResponseMB, allowedHosts, Grafana's HTTP options),
	// read by New; the zero value, as tests build it, means the defaults.
	HTTP httpx.Settings `json:"-"`

	// Secure values (secureJsonData).
	Password   string   `json:"-"` // mlflowPassword
	Token      string   `json:"-"` // mlflowToken (bearer; Databricks personal access or OAuth token)
	CACert     string   `json:"-"` // tlsCACert (PEM)
	ClientCert string   `json:"-"` // tlsClientCert (PEM)
	ClientKey  string   `json:"-"` // tlsClientKey (PEM)
	Headers    []Header `json:"-"` // httpHeaderName<N> (jsonData) with httpHeaderValue<N> (secureJsonData)
}

// Header is an extra HTTP header sent with every request, configured Grafana-style.
type Header struct {
	Name  string
	Value string
}

// LoadConfig reads the MLflow keys of the datasource settings. It does not validate them; see
// Config.Validate.
func LoadConfig(s trust.Settings) (Config, error) {
	var c Config
	if len(s.JSONData) == 0 {
		return c, nil
	}
	d := &jsonKeys{}
	if err := json.Unmarshal(s.JSONData, &d.raw); err != nil {
		return c, fmt.Errorf("mlflow: datasource settings (jsonData) are not a JSON object: %w", err)
	}
	c.URL = d.str("mlflowUrl")
	c.UIURL = d.str("mlflowUiUrl")
	c.Auth = d.str("mlflowAuth")
	c.User = d.str("mlflowUser")
	c.TLSServerName = d.str("serverName")
	c.TLSSkipVerify = d.boolean("tlsSkipVerify")
	c.TLSAuthWithCACert = d.boolean("tlsAuthWithCACert")
	c.TLSAuth = d.boolean("tlsAuth")
	c.TimeoutSeconds = d.number("timeoutSeconds")
	c.MaxConcurrency = int(d.number("mlflowMaxConcurrency"))

	c.Password = s.Secure["mlflowPassword"]
	c.Token = strings.TrimSpace(s.Secure["mlflowToken"])
	c.CACert = s.Secure["tlsCACert"]
	c.ClientCert = s.Secure["tlsClientCert"]
	c.ClientKey = s.Secure["tlsClientKey"]

	c.Headers = d.headers(s.Secure)
	cs, err := upstream.ReadCacheSettings(s.JSONData)
	if err != nil {
		d.errs = append(d.errs, fmt.Errorf("mlflow: %w", err))
	}
	c.Cache = cs
	return c, errors.Join(d.errs...)
}

// jsonKeys reads typed values from the keys of a jsonData object. A key of the wrong type reads as
// the zero value and adds an error naming the key to errs, in the order the keys are read.
type jsonKeys struct {
	raw  map[string]json.RawMessage
	errs []error
}

// value returns the raw value of key; false when it is absent or null.
func (d *jsonKeys) value(key string) (json.RawMessage, bool) {
	v, ok := d.raw[key]
	if !ok || string(v) == "null" {
		return nil, false
	}
	return v, true
}

// str reads a string key, trimmed.
func (d *jsonKeys) str(key string) string {
	v, ok := d.value(key)
	if !ok {
		return ""
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		d.errs = append(d.errs, fmt.Errorf("mlflow: jsonData %s must be a string", key))
		return ""
	}
	return strings.TrimSpace(s)
}

// boolean reads a boolean key, given as a JSON boolean or a string ("true", "1", "" for false).
func (d *jsonKeys) boolean(key string) bool {
	v, ok := d.value(key)
	if !ok {
		return false
	}
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return b
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		if b, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil || s == "" {
			return b
		}
	}
	d.errs = append(d.errs, fmt.Errorf("mlflow: jsonData %s must be true or false", key))
	return false
}

// number reads a numeric key, given as a JSON number or a string ("" for 0).
func (d *jsonKeys) number(key string) float64 {
	v, ok := d.value(key)
	if !ok {
		return 0
	}
	var f float64
	if json.Unmarshal(v, &f) == nil {
		return f
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		if s = strings.TrimSpace(s); s == "" {
			return 0
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	d.errs = append(d.errs, fmt.Errorf("mlflow: jsonData %s must be a number", key))
	return 0
}

// headers reads the extra headers: httpHeaderName1..N in jsonData, the values in secureJsonData.
// The numbering may have gaps after a header was removed in the UI, so every key is looked at;
// a header without a name is dropped.
func (d *jsonKeys) headers(secure map[string]string) []Header {
	var idx []int
	for k := range d.raw {
		if n, ok := strings.CutPrefix(k, "httpHeaderName"); ok {
			if i, err := strconv.Atoi(n); err == nil {
				idx = append(idx, i)
			}
		}
	}
	sort.Ints(idx)
	var out []Header
	for _, i := range idx {
		name := d.str("httpHeaderName" + strconv.Itoa(i))
		if name == "" {
			continue
		}
		out = append(out, Header{Name: name, Value: secure["httpHeaderValue"+strconv.Itoa(i)]})
	}
	return out
}

// Validate checks the settings and normalises the URL and the auth mode. Errors say which key to fix
// and never contain secret values.
func (c *Config) Validate() error {
	u, err := parseBaseURL(c.URL)
	if err != nil {
		return err
	}
	c.URL = u.String()
	if c.UIURL != "" {
		ui, err := parseBaseURL(c.UIURL)
		if err != nil {
			return errors.New(strings.Replace(err.Error(), "mlflowUrl", "mlflowUiUrl", -1))
		}
		c.UIURL = ui.String()
	}
	c.Auth = strings.ToLower(strings.TrimSpace(c.Auth))
	switch c.Auth {
	case "":
		switch {
		case c.Token != "":
			c.Auth = "bearer"
		case c.User != "":
			c.Auth = "basic"
		default:
			c.Auth = "none"
		}
	case "none", "basic", "bearer":
	case "token", "databricks":
		c.Auth = "bearer"
	default:
		return fmt.Errorf("mlflow: mlflowAuth %q is not known: use none, basic or bearer", c.Auth)
	}
	if c.Auth == "basic" && c.User == "" {
		return errors.New("mlflow: mlflowAuth is basic but mlflowUser is empty: set mlflowUser and mlflowPassword")
	}
	if c.Auth == "bearer" && c.Token == "" {
		return errors.New("mlflow: mlflowAuth is bearer but no token is set: set mlflowToken in the secure settings")
	}
	if c.TimeoutSeconds < 0 {
		return fmt.Errorf("mlflow: timeoutSeconds must be positive, not %g", c.TimeoutSeconds)
	}
	if c.MaxConcurrency < 0 {
		return fmt.Errorf("mlflow: mlflowMaxConcurrency must be positive, not %d", c.MaxConcurrency)
	}
	for _, h := range c.Headers {
		if !validHeaderName(h.Name) {
			return fmt.Errorf("mlflow: extra header name %q is not a valid HTTP header name", h.Name)
		}
	}
	if _, err := c.tlsConfig(); err != nil {
		return err
	}
	return nil
}

// parseBaseURL checks that raw is an http(s) URL with a host, strips a trailing /api/2.0 (or
// /ajax-api/2.0, /api/2.0/mlflow) and refuses credentials in the URL.
func parseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("mlflow: mlflowUrl is empty: set it to the tracking server URL, e.g. http://mlflow:5000")
	}
	shown := redactURL(raw)
	if !strings.Contains(raw, "://") {
		return nil, fmt.Errorf("mlflow: mlflowUrl %q has no scheme: write http://%s or https://%s", shown, shown, shown)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("mlflow: mlflowUrl %q is not a valid URL: use e.g. http://mlflow:5000", shown)
	}
	if u.User != nil {
		return nil, errors.New("mlflow: mlflowUrl must not contain credentials: set mlflowAuth basic with mlflowUser and mlflowPassword instead")
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		u.Scheme = strings.ToLower(u.Scheme)
	default:
		return nil, fmt.Errorf("mlflow: mlflowUrl %q has scheme %q: only http and https are supported", shown, u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("mlflow: mlflowUrl %q has no host: use e.g. http://mlflow:5000", shown)
	}
	// A URL copied from the browser carries the UI's #/ route; the API lives below the base.
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	p := strings.TrimRight(u.Path, "/")
	for _, suffix := range []string{"/api/2.0/mlflow", "/ajax-api/2.0/mlflow", "/api/2.0", "/ajax-api/2.0", "/api"} {
		if strings.HasSuffix(p, suffix) {
			p = strings.TrimSuffix(p, suffix)
			break
		}
	}
	u.Path = p
	u.RawPath = ""
	return u, nil
}

// redactURL hides userinfo and drops the query of a URL shown in a message: either may carry a
// credential.
func redactURL(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	if at := strings.LastIndex(raw, "@"); at >= 0 {
		if i := strings.Index(raw, "://"); i >= 0 && i < at {
			return raw[:i+3] + "***@" + raw[at+1:]
		}
		return "***@" + raw[at+1:]
	}
	return raw
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) {
			return false
		}
	}
	return true
}

// tlsConfig builds the TLS settings; nil means Go's defaults.
func (c *Config) tlsConfig() (*tls.Config, error) {
	if !c.TLSSkipVerify && !c.TLSAuthWithCACert && !c.TLSAuth && c.TLSServerName == "" {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.TLSServerName}
	if c.TLSSkipVerify {
		tc.InsecureSkipVerify = true //nolint:gosec // the user asked for it in the settings
	}
	if c.TLSAuthWithCACert {
		if strings.TrimSpace(c.CACert) == "" {
			return nil, errors.New("mlflow: tlsAuthWithCACert is on but tlsCACert is empty: paste the CA certificate (PEM)")
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(c.CACert)) {
			return nil, errors.New("mlflow: tlsCACert holds no PEM certificate: paste the CA certificate, -----BEGIN CERTIFICATE----- included")
		}
		tc.RootCAs = pool
	}
	if c.TLSAuth {
		cert, err := tls.X509KeyPair([]byte(c.ClientCert), []byte(c.ClientKey))
		if err != nil {
			return nil, errors.New("mlflow: tlsAuth is on but tlsClientCert/tlsClientKey are not a valid PEM certificate and key pair")
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// timeout is the per-request timeout.
func (c *Config) timeout() time.Duration {
	if c.TimeoutSeconds > 0 {
		return time.Duration(c.TimeoutSeconds * float64(time.Second))
	}
	return DefaultTimeout
}

// secrets lists the secret values, to scrub them from any text that could reach a user or a log.
func (c *Config) secrets() []string {
	var out []string
	for _, s := range []string{c.Password, c.Token, c.ClientKey} {
		if len(s) >= 3 {
			out = append(out, s)
		}
	}
	for _, h := range c.Headers {
		if len(h.Value) >= 3 {
			out = append(out, h.Value)
		}
	}
	return out
}
