package httpx

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

func newClient(t *testing.T, s Settings, o ClientOptions) *http.Client {
	t.Helper()
	if o.Setting == "" {
		o.Setting = "testUrl"
	}
	c, err := s.NewClient(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func get(c *http.Client, u string, header map[string]string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestRedirects(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		_, _ = io.WriteString(w, "{}")
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/final", http.StatusFound)
		case "/final":
			_, _ = io.WriteString(w, "final "+r.Header.Get("X-Secret"))
		case "/away":
			http.Redirect(w, r, other.URL+"/x?token=abc", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	}))
	defer srv.Close()
	c := newClient(t, Settings{}, ClientOptions{})
	if body, err := get(c, srv.URL+"/same", map[string]string{"X-Secret": "s"}); err != nil || body != "final s" {
		t.Errorf("same-origin redirect: %q %v", body, err)
	}
	_, err := get(c, srv.URL+"/away", map[string]string{"X-Secret": "s", "Authorization": "Bearer t"})
	var re *RedirectError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), other.URL+"/x?token=***") || !strings.Contains(err.Error(), "same scheme, host and port") {
		t.Errorf("redirect to another origin: %v", err)
	}
	if elsewhere.Load() != 0 {
		t.Errorf("the other origin received %d requests", elsewhere.Load())
	}
	if _, err := get(c, srv.URL+"/loop", nil); !errors.As(err, &re) || !strings.Contains(err.Error(), "stopped after 10 redirects") {
		t.Errorf("redirect loop: %v", err)
	}
	// a POST redirected with 302 would come back as a GET of another page
	resp, err := c.Post(srv.URL+"/same", "application/json", strings.NewReader("{}"))
	if err == nil {
		resp.Body.Close()
	}
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "turns POST into GET") {
		t.Errorf("POST turned into GET: %v", err)
	}
}

func TestResponseLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 3 << 20
		if r.URL.Path == "/small" {
			n = 1 << 20
		}
		if r.URL.Path == "/announced" {
			w.Header().Set("Content-Length", "3145728")
		}
		if r.URL.Path == "/error" {
			w.WriteHeader(http.StatusInternalServerError)
		}
		_, _ = w.Write([]byte(strings.Repeat(" ", n)))
	}))
	defer srv.Close()
	c := newClient(t, Settings{MaxResponseBytes: 2 << 20}, ClientOptions{})
	if body, err := get(c, srv.URL+"/small", nil); err != nil || len(body) != 1<<20 {
		t.Errorf("under the limit: %d %v", len(body), err)
	}
	for _, path := range []string{"/streamed", "/announced", "/error"} {
		body, err := get(c, srv.URL+path+"?sig=x", nil)
		var tl *TooLargeError
		if !errors.As(err, &tl) || !strings.Contains(err.Error(), "2 MB limit of one answer (maxResponseMB") || !strings.Contains(err.Error(), "sig=***") {
			t.Errorf("%s: %v", path, err)
		}
		if len(body) > 2<<20 {
			t.Errorf("%s: read %d bytes", path, len(body))
		}
	}
	if got := (Settings{}).MaxResponse(); got != 64<<20 {
		t.Errorf("default limit %d", got)
	}
}

func TestAllowedHostsAndCredentials(t *testing.T) {
	var gotAuth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth.Store(r.Header.Get("Authorization"))
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	c := newClient(t, Settings{AllowedHosts: []string{"example.com", "127.0.0.1:" + u.Port()}}, ClientOptions{
		Credentials: []Credential{{Origin: Origin(u), Header: "Authorization", Value: "Basic x"}, {Origin: "http://elsewhere:80", Header: "Authorization", Value: "Basic y"}},
	})
	if body, err := get(c, srv.URL+"/a", nil); err != nil || body != "ok" {
		t.Fatalf("allowed host: %q %v", body, err)
	}
	if gotAuth.Load() != "Basic x" {
		t.Errorf("credential for the origin: %v", gotAuth.Load())
	}
	_, err := get(c, "http://localhost:"+u.Port()+"/a", nil)
	var hn *HostNotAllowedError
	if !errors.As(err, &hn) || !strings.Contains(err.Error(), "testUrl: host localhost:"+u.Port()+" is not in allowedHosts") {
		t.Errorf("a host not allowed: %v", err)
	}
	for _, tt := range []struct {
		allowed []string
		u       string
		ok      bool
	}{
		{nil, "http://any/", true},
		{[]string{"mlflow"}, "http://MLflow:5000/", true},
		{[]string{"mlflow:5000"}, "http://mlflow:5001/", false},
		{[]string{"mlflow:443"}, "https://mlflow/", true},
		{[]string{"*.example.com"}, "https://a.b.example.com/", true},
		{[]string{"*.example.com"}, "https://example.com/", false},
		{[]string{"*.example.com"}, "https://badexample.com/", false},
		{[]string{"[::1]:5000"}, "http://[::1]:5000/", true},
		{[]string{"::1"}, "http://[::1]:5000/", true},
	} {
		pu, _ := url.Parse(tt.u)
		if got := hostAllowed(tt.allowed, pu); got != tt.ok {
			t.Errorf("allowed %v, %s: %v", tt.allowed, tt.u, got)
		}
	}
}

func TestFromSettings(t *testing.T) {
	read := func(js map[string]any) (Settings, error) {
		raw, _ := json.Marshal(js)
		return FromSettings(context.Background(), trust.Settings{JSONData: raw})
	}
	s, err := read(map[string]any{"maxResponseMB": 8, "allowedHosts": []string{" MLflow:5000 ", "https://blob.example.com/path", ""}})
	if err != nil || s.MaxResponse() != 8<<20 || strings.Join(s.AllowedHosts, ",") != "mlflow:5000,blob.example.com" {
		t.Errorf("settings: %+v %v", s, err)
	}
	s, err = read(map[string]any{"maxResponseMB": "0.5", "allowedHosts": "a\nb, c"})
	if err != nil || s.MaxResponse() != 1<<19 || strings.Join(s.AllowedHosts, ",") != "a,b,c" {
		t.Errorf("settings as strings: %+v %v", s, err)
	}
	for _, bad := range []map[string]any{
		{"maxResponseMB": -1},
		{"maxResponseMB": "lots"},
		{"allowedHosts": 5},
		{"allowedHosts": []string{"host/path"}},
		{"serverName": 5, "tlsAuth": true}, // the SDK would panic on this
	} {
		if _, err := read(bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
	if s, err := FromSettings(context.Background(), trust.Settings{}); err != nil || s.MaxResponse() != 64<<20 {
		t.Errorf("empty settings: %+v %v", s, err)
	}
}

// The client's timeout stays a net.Error whose Timeout() is true, as the sources tell their own
// timeout from the query's deadline by it.
func TestTimeoutIsANetError(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := newClient(t, Settings{}, ClientOptions{Timeout: 50 * time.Millisecond})
	for i := 0; i < 5; i++ {
		_, err := get(c, srv.URL, nil)
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("a timeout: %v", err)
		}
	}
}

// Grafana's secure SOCKS proxy settings reach the client's options; the proxy's user defaults to
// the datasource's UID, as Grafana's own data sources have it.
func TestSecureSocksProxyOptions(t *testing.T) {
	s, err := FromSettings(context.Background(), trust.Settings{UID: "ds-uid", Name: "trust", Type: "dte-trust-datasource",
		JSONData: json.RawMessage(`{"enableSecureSocksProxy": true}`), Secure: map[string]string{"secureSocksProxyPassword": "pw"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.base == nil || s.base.ProxyOptions == nil || !s.base.ProxyOptions.Enabled || s.base.ProxyOptions.Auth.Username != "ds-uid" || s.base.ProxyOptions.Auth.Password != "pw" {
		t.Errorf("proxy options: %+v", s.base.ProxyOptions)
	}
	if s.base.Labels["datasource_uid"] != "ds-uid" {
		t.Errorf("labels: %v", s.base.Labels)
	}
}

// selfSignedPEM returns a certificate and key in PEM for a client certificate.
func selfSignedPEM(t *testing.T) (string, string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "client"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}))
}

// The TLS client certificate of the settings (MLflow's tlsAuth) is presented only by a client given
// it in its own options, never by the Evidently UI or fairlearnUrls clients.
func TestClientCertificateOnlyWhereGiven(t *testing.T) {
	var certs atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		certs.Store(int32(len(r.TLS.PeerCertificates)))
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	defer srv.Close()
	certPEM, keyPEM := selfSignedPEM(t)
	s, err := FromSettings(context.Background(), trust.Settings{
		JSONData: json.RawMessage(`{"tlsAuth": true, "tlsSkipVerify": true}`),
		Secure:   map[string]string{"tlsClientCert": certPEM, "tlsClientKey": keyPEM},
	})
	if err != nil {
		t.Fatal(err)
	}
	// a client without TLS options of its own (the Evidently UI's): Go's defaults, so it does not
	// trust the test server either (tlsSkipVerify is MLflow's setting too)
	other := newClient(t, s, ClientOptions{})
	if _, err := get(other, srv.URL, nil); err == nil {
		t.Error("a client without TLS options skipped verification")
	}
	if certs.Load() != 0 {
		t.Error("a client not given the certificate presented it")
	}
	pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	own := newClient(t, s, ClientOptions{TLS: &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{pair}}}) //nolint:gosec // test server
	if _, err := get(own, srv.URL, nil); err != nil {
		t.Fatal(err)
	}
	if certs.Load() != 1 {
		t.Error("the client given the certificate did not present it")
	}
}
