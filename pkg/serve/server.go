// Package serve is the HTTP JSON API of `trustq serve`. It answers queries through the plugin's
// QueryData, health through its CheckHealth and dropdown options through its resource route (the
// same calls Grafana makes), and turns the returned frames into rows (Rows). It is read-only: GET
// and POST on its three routes, nothing else.
package serve

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
	"unicode"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/plugin"
)

// DefaultMaxBody bounds a request body (1 MiB): a query model is a few hundred bytes.
const DefaultMaxBody = 1 << 20

// Routes of the API.
const (
	RouteQuery   = "/api/v1/query"
	RouteHealth  = "/api/v1/health"
	RouteOptions = "/api/v1/options/{kind}"
)

// Options configure a Server.
type Options struct {
	// Token is the bearer token every request must carry; empty: no token is asked for (the
	// command allows that on loopback addresses only).
	Token string
	// MaxBody bounds request bodies in bytes; 0 means DefaultMaxBody.
	MaxBody int64
	// Log receives one line per request and the stack of a recovered panic; nil: no log.
	Log *log.Logger
	// Now is the clock relative times (now-7d) are read against; nil: time.Now.
	Now func() time.Time
}

// Server is the API over one plugin datasource instance. It is safe for concurrent use.
type Server struct {
	ds       *plugin.Datasource
	settings backend.DataSourceInstanceSettings
	opts     Options
	token    [sha256.Size]byte
	mux      *http.ServeMux
	rows     func(queryType string, frames data.Frames) *Table
}

// New serves ds, built from settings with plugin.NewDatasource as trustq query builds it.
func New(ds *plugin.Datasource, settings backend.DataSourceInstanceSettings, opts Options) *Server {
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{ds: ds, settings: settings, opts: opts, rows: Rows}
	s.token = sha256.Sum256([]byte(opts.Token))
	s.mux = http.NewServeMux()
	s.mux.HandleFunc(RouteQuery, only(http.MethodPost, s.handleQuery))
	s.mux.HandleFunc(RouteHealth, only(http.MethodGet, s.handleHealth))
	s.mux.HandleFunc(RouteOptions, only(http.MethodGet, s.handleOptions))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, r, http.StatusNotFound, fmt.Sprintf("no route %s: use POST %s, GET %s or GET %s",
			r.URL.Path, RouteQuery, RouteHealth, RouteOptions))
	})
	return s
}

// Timeout is the limit of one request: the settings' timeoutSeconds.
func (s *Server) Timeout() time.Duration { return s.ds.Engine.Timeout }

// requestInfo is what a handler tells the wrapper about its request, for the log and a recovered
// panic.
type requestInfo struct {
	queryType string
	err       string
}

type infoKey struct{}

// info returns the requestInfo of a request served by ServeHTTP (a throwaway one otherwise).
func info(r *http.Request) *requestInfo {
	if ri, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}

// ServeHTTP checks the token, bounds the request by the settings' timeout and routes it. It never
// panics: a panic becomes a 500 JSON error naming the query type.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	ri := &requestInfo{}
	defer func() {
		if p := recover(); p != nil {
			s.logf("panic in %s %s: %v\n%s", r.Method, r.URL.Path, p, debug.Stack())
			what := r.Method + " " + r.URL.Path
			if ri.queryType != "" {
				what = ri.queryType + " query"
			}
			if !sw.wrote {
				writeError(sw, http.StatusInternalServerError, fmt.Sprintf("internal error in %s: %v", what, p))
			}
		}
		s.logRequest(r, sw.status, ri, time.Since(start))
	}()
	if !s.authorized(r) {
		sw.Header().Set("WWW-Authenticate", `Bearer realm="trustq"`)
		ri.err = s.unauthorizedMessage(r)
		writeError(sw, http.StatusUnauthorized, ri.err)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), infoKey{}, ri), s.Timeout())
	defer cancel()
	s.mux.ServeHTTP(sw, r.WithContext(ctx))
}

// authorized reports whether the request carries the configured token (always, when none is
// configured). The hashes compared have one length, so the comparison takes the same time
// whatever was sent.
func (s *Server) authorized(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
	return subtle.ConstantTimeCompare(sum[:], s.token[:]) == 1
}

func (s *Server) unauthorizedMessage(r *http.Request) string {
	if r.Header.Get("Authorization") == "" {
		return "missing bearer token: send the header Authorization: Bearer <token> with the token trustq serve was started with (--token-file or DTE_TRUST_TOKEN)"
	}
	return "wrong bearer token: send the header Authorization: Bearer <token> with the token trustq serve was started with (--token-file or DTE_TRUST_TOKEN)"
}

// only answers requests of one method with h, others with 405: the API is read-only.
func only(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			w.Header().Set("Allow", method)
			fail(w, r, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s: use %s (trustq serve is read-only)",
				r.Method, r.URL.Path, method))
			return
		}
		h(w, r)
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Log != nil {
		s.opts.Log.Printf(format, args...)
	}
}

// logRequest logs method, path (never the query string or headers), status, query type, duration
// and, for errors, the message the client got.
func (s *Server) logRequest(r *http.Request, status int, ri *requestInfo, d time.Duration) {
	if status == 0 {
		status = http.StatusOK
	}
	line := fmt.Sprintf("%s %s %d", oneLine(r.Method), oneLine(r.URL.Path), status)
	if ri.queryType != "" {
		line += " " + oneLine(ri.queryType)
	}
	line += " " + d.Round(time.Millisecond).String()
	if ri.err != "" {
		line += ": " + oneLine(ri.err)
	}
	s.logf("%s", line)
}

// oneLine keeps what a client sent on one log line: control characters become spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// statusWriter remembers the status written, for the log and for a panic after the header.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

// apiError is the body of every error answer.
type apiError struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// fail answers a request with an error and keeps the message for the log.
func fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	info(r).err = msg
	writeError(w, status, msg)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg, Status: status})
}

// writeJSON writes v as the JSON answer (HTML characters left as they are: no browser renders it).
func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		b.Reset()
		_ = enc.Encode(apiError{Error: "encoding the answer: " + err.Error(), Status: status})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
