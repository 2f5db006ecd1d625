package mlflow

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// recorder is a server that records the requests it gets and answers {}.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen []http.Header
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.seen = append(r.seen, req.Header.Clone())
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.seen...)
}

// redirector answers every request with a redirect to target+path.
func redirector(t *testing.T, status int, target func(r *http.Request) string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target(r), status)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newFromSettings(t *testing.T, js map[string]any, secure map[string]string) *Provider {
	t.Helper()
	raw, _ := json.Marshal(js)
	p, err := New(context.Background(), trust.Settings{JSONData: raw, Secure: secure})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// Issue 12, defects 3 and 4: a redirect to another host or port received the Authorization header
// and the extra header values, and an answer of {} there made a broken MLflow look healthy
// ("connected, no experiments yet"). Redirects leave the origin no more, and the health check
// fails naming the redirect.
func TestRedirectToAnotherOriginIsRefused(t *testing.T) {
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
		other := newRecorder(t)
		srv := redirector(t, status, func(r *http.Request) string { return other.URL + r.URL.Path })
		p := newFromSettings(t, map[string]any{"mlflowUrl": srv.URL, "mlflowAuth": "bearer", "httpHeaderName1": "X-Extra"},
			map[string]string{"mlflowToken": testToken, "httpHeaderValue1": testHeader})
		msg, err := p.CheckHealth(context.Background())
		for _, h := range other.requests() {
			if h.Get("Authorization") != "" || h.Get("X-Extra") != "" {
				t.Errorf("%d: the other origin received credentials: Authorization %q, X-Extra %q", status, h.Get("Authorization"), h.Get("X-Extra"))
			}
		}
		if n := len(other.requests()); n != 0 {
			t.Errorf("%d: the other origin received %d requests", status, n)
		}
		if err == nil {
			t.Errorf("%d: a redirect to %s looks healthy: %s", status, other.URL, msg)
			continue
		}
		if !strings.Contains(err.Error(), "refused to follow a redirect from "+srv.URL) || !strings.Contains(err.Error(), other.URL) {
			t.Errorf("%d: the error does not name the redirect: %v", status, err)
		}
		assertNoSecrets(t, err)
	}
}

// A POST redirected within the server to a page answering {} (a login page, a proxy's landing
// page) is not MLflow either: a 302 would turn it into a GET.
func TestRedirectOfAPostToAPageIsRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			_, _ = io.WriteString(w, "{}")
			return
		}
		http.Redirect(w, r, "/login", http.StatusFound)
	}))
	defer srv.Close()
	p := newFromSettings(t, map[string]any{"mlflowUrl": srv.URL}, nil)
	msg, err := p.CheckHealth(context.Background())
	if err == nil || !strings.Contains(err.Error(), "turns POST into GET") {
		t.Errorf("health after a POST redirected to a page: %q, %v", msg, err)
	}
}

// Issue 12, defect 5: up to 512 MB of one MLflow answer was read into memory. Answers stop at
// maxResponseMB (default 64) with an error saying so.
func TestAnswerSizeIsLimited(t *testing.T) {
	const total = 100 << 20
	var written atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(strings.Repeat(" ", 1<<20))
		for i := 0; i < total>>20; i++ {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	p := newFromSettings(t, map[string]any{"mlflowUrl": srv.URL}, nil)
	_, err := p.CheckHealth(context.Background())
	if err == nil || !strings.Contains(err.Error(), "64 MB limit of one answer (maxResponseMB") {
		t.Errorf("a 100 MB answer: %v", err)
	}
	srv.CloseClientConnections()
	if w := written.Load(); w >= total {
		t.Errorf("the whole %d MB answer was read", w>>20)
	}
	p = newFromSettings(t, map[string]any{"mlflowUrl": srv.URL, "maxResponseMB": 1}, nil)
	if _, err := p.CheckHealth(context.Background()); err == nil || !strings.Contains(err.Error(), "1 MB limit of one answer (maxResponseMB") {
		t.Errorf("maxResponseMB 1: %v", err)
	}
}

// allowedHosts stops requests to any other host before they are sent.
func TestAllowedHosts(t *testing.T) {
	other := newRecorder(t)
	p := newFromSettings(t, map[string]any{"mlflowUrl": other.URL, "allowedHosts": []string{"mlflow.internal"}}, nil)
	_, err := p.CheckHealth(context.Background())
	if err == nil || !strings.Contains(err.Error(), "is not in allowedHosts") {
		t.Errorf("a host not allowed: %v", err)
	}
	if len(other.requests()) != 0 {
		t.Error("a request reached a host allowedHosts does not list")
	}
	p = newFromSettings(t, map[string]any{"mlflowUrl": other.URL, "allowedHosts": "127.0.0.1"}, nil)
	if _, err := p.CheckHealth(context.Background()); err != nil {
		t.Errorf("an allowed host: %v", err)
	}
}

// An answer nested deeper than jsonlimit.MaxDepth is refused with an error saying so.
func TestDeepAnswerIsRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"experiments": [{"tags": `+strings.Repeat("[", 600)+strings.Repeat("]", 600)+`}]}`)
	}))
	defer srv.Close()
	p := newFromSettings(t, map[string]any{"mlflowUrl": srv.URL}, nil)
	if _, err := p.CheckHealth(context.Background()); err == nil || !strings.Contains(err.Error(), "nested deeper than 512 levels") {
		t.Errorf("health: %v", err)
	}
}
