package mlflowtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Options shape the fake server's behaviour.
type Options struct {
	// NoBulk makes /ajax-api/2.0/mlflow/metrics/get-history-bulk answer 404, like Databricks and
	// old servers.
	NoBulk bool
	// BulkMaxRuns is the run ids get-history-bulk accepts (default 100; old servers 20).
	BulkMaxRuns int
	// BulkMaxResults caps the values of one get-history-bulk answer (default 25 000).
	BulkMaxResults int
	// HistoryPageSize paginates get-history (MLflow 3 behaviour); 0 answers in one page.
	HistoryPageSize int
	// MaxRunsPerPage is the highest max_results runs/search accepts (default 50 000).
	MaxRunsPerPage int
	// Version is the answer of GET /version; empty makes it 404.
	Version string
	// User and Password require basic auth; Token requires bearer auth.
	User, Password, Token string
	// Int64AsString writes int64 fields as strings, as old servers do.
	Int64AsString bool
}

// Server is a running fake MLflow server.
type Server struct {
	*httptest.Server
	opts Options

	mu        sync.RWMutex
	store     *Store
	counts    map[string]int
	requests  []*http.Request
	intercept func(w http.ResponseWriter, r *http.Request) bool
}

// New starts a fake server over store, closed when the test ends.
func New(t testing.TB, store *Store, opts Options) *Server {
	t.Helper()
	s := NewUnstarted(store, opts)
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// NewUnstarted builds a fake server without starting it (for StartTLS).
func NewUnstarted(store *Store, opts Options) *Server {
	if opts.BulkMaxRuns == 0 {
		opts.BulkMaxRuns = 100
	}
	if opts.BulkMaxResults == 0 {
		opts.BulkMaxResults = 25000
	}
	if opts.MaxRunsPerPage == 0 {
		opts.MaxRunsPerPage = 50000
	}
	if store == nil {
		store = &Store{}
	}
	s := &Server{opts: opts, store: store, counts: map[string]int{}}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Server.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS tests make handshakes fail on purpose
	return s
}

// SetIntercept installs fn, called before normal handling; when it returns true it has answered.
// Use it to inject failures, delays and odd answers. nil removes it.
func (s *Server) SetIntercept(fn func(w http.ResponseWriter, r *http.Request) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.intercept = fn
}

// Update changes the store under the server's lock.
func (s *Server) Update(fn func(*Store)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.store)
}

// Count is the number of requests whose path ends with endpoint (e.g. "runs/search").
func (s *Server) Count(endpoint string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for p, c := range s.counts {
		if strings.HasSuffix(p, endpoint) {
			n += c
		}
	}
	return n
}

// Requests returns copies of the requests received so far (headers and URL; bodies are consumed).
func (s *Server) Requests() []*http.Request {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]*http.Request(nil), s.requests...)
}

// ResetCounts forgets the requests counted so far.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[string]int{}
	s.requests = nil
}

// apiError is MLflow's error answer.
type apiError struct {
	status int
	code   string
	msg    string
}

func badParam(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "INVALID_PARAMETER_VALUE", fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return &apiError{http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", fmt.Sprintf(format, args...)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.counts[r.URL.Path]++
	s.requests = append(s.requests, r.Clone(r.Context()))
	intercept := s.intercept
	s.mu.Unlock()
	if intercept != nil && intercept(w, r) {
		return
	}
	if !s.authorized(r) {
		if s.opts.Token == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="mlflow"`)
		}
		http.Error(w, "You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.", http.StatusUnauthorized)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	path := r.URL.Path
	var (
		out any
		err *apiError
	)
	switch {
	case path == "/version":
		if s.opts.Version == "" {
			notFoundPage(w)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8") // what Flask sends for a str
		_, _ = io.WriteString(w, s.opts.Version)
		return
	case path == "/health":
		_, _ = io.WriteString(w, "OK")
		return
	case path == "/get-artifact":
		s.getArtifact(w, r)
		return
	case path == "/ajax-api/2.0/mlflow/metrics/get-history-bulk":
		if s.opts.NoBulk {
			notFoundPage(w)
			return
		}
		if r.Method != http.MethodGet {
			methodNotAllowed(w)
			return
		}
		s.historyBulk(w, r)
		return
	case strings.HasPrefix(path, "/api/2.0/mlflow/") || strings.HasPrefix(path, "/ajax-api/2.0/mlflow/"):
		endpoint := path[strings.Index(path, "/mlflow/")+len("/mlflow/"):]
		h, ok := s.route(r.Method, endpoint)
		if !ok {
			if _, exists := s.route(http.MethodGet, endpoint); exists {
				methodNotAllowed(w)
			} else if _, exists := s.route(http.MethodPost, endpoint); exists {
				methodNotAllowed(w)
			} else {
				notFoundPage(w)
			}
			return
		}
		args, perr := requestArgs(r)
		if perr != nil {
			err = perr
		} else {
			out, err = h(args, endpoint)
		}
	default:
		notFoundPage(w)
		return
	}
	if err != nil {
		writeJSON(w, err.status, map[string]any{"error_code": err.code, "message": err.msg})
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) authorized(r *http.Request) bool {
	switch {
	case s.opts.Token != "":
		return r.Header.Get("Authorization") == "Bearer "+s.opts.Token
	case s.opts.User != "":
		u, p, ok := r.BasicAuth()
		return ok && u == s.opts.User && p == s.opts.Password
	}
	return true
}

func notFoundPage(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = io.WriteString(w, "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.</p>\n")
}

func methodNotAllowed(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusMethodNotAllowed)
	_, _ = io.WriteString(w, "<!doctype html>\n<title>405 Method Not Allowed</title>\n")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// args are a request's parameters: the query string for GET, the JSON body for POST.
type args map[string]any

func requestArgs(r *http.Request) (args, *apiError) {
	a := args{}
	if r.Method == http.MethodGet {
		for k, v := range r.URL.Query() {
			if len(v) == 1 {
				a[k] = v[0]
			} else {
				vs := make([]any, len(v))
				for i := range v {
					vs[i] = v[i]
				}
				a[k] = vs
			}
		}
		return a, nil
	}
	body, _ := io.ReadAll(r.Body)
	if len(body) == 0 {
		return a, nil
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, badParam("Malformed request body: %v", err)
	}
	return a, nil
}

func (a args) str(k string) string {
	switch v := a[k].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []any:
		if len(v) > 0 {
			if s, ok := v[0].(string); ok {
				return s
			}
		}
	}
	return ""
}

func (a args) list(k string) []string {
	switch v := a[k].(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// int reads an integer argument; def when absent.
func (a args) int(k string, def int) (int, *apiError) {
	s := a.str(k)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, badParam("Invalid value %q for parameter '%s' supplied", s, k)
	}
	return n, nil
}

// page cuts items[offset:offset+n] and returns the next token.
func pageToken(offset int) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf(`{"offset": %d}`, offset)))
}

func readToken(tok string) (int, *apiError) {
	if tok == "" {
		return 0, nil
	}
	raw, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		return 0, badParam("Invalid page token, could not base64-decode. Underlying error: %v", err)
	}
	var v struct {
		Offset int `json:"offset"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, badParam("Invalid page token, decoded value=%s", raw)
	}
	return v.Offset, nil
}

// pageJSON answers a search: one page of items under key, rendered by toJSON, with the token of
// the next page.
func pageJSON[T any](items []T, a args, def int, key string, toJSON func(T) obj) (any, *apiError) {
	page, next, err := paginate(items, a, def)
	if err != nil {
		return nil, err
	}
	list := make([]obj, 0, len(page))
	for _, it := range page {
		list = append(list, toJSON(it))
	}
	return obj{}.set(key, list).set("next_page_token", next), nil
}

func paginate[T any](items []T, a args, def int) ([]T, string, *apiError) {
	n, err := a.int("max_results", def)
	if err != nil {
		return nil, "", err
	}
	off, err := readToken(a.str("page_token"))
	if err != nil {
		return nil, "", err
	}
	if off > len(items) {
		off = len(items)
	}
	end := min(off+n, len(items))
	next := ""
	if end < len(items) {
		next = pageToken(end)
	}
	return items[off:end], next, nil
}

// Protobuf JSON values.

// i64 writes an int64 as MLflow does (number, or string on old servers).
func (s *Server) i64(v int64) any {
	if s.opts.Int64AsString {
		return strconv.FormatInt(v, 10)
	}
	return v
}

// pfloat is a double in protobuf JSON: NaN and infinities as strings.
type pfloat float64

func (f pfloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// bfloat is a double as Python's json module writes it: bare NaN and Infinity.
type bfloat float64

func (f bfloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`NaN`), nil
	case math.IsInf(v, 1):
		return []byte(`Infinity`), nil
	case math.IsInf(v, -1):
		return []byte(`-Infinity`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// obj is a JSON object whose empty lists and empty strings are omitted, as protobuf JSON does.
type obj map[string]any

func (o obj) set(k string, v any) obj {
	switch x := v.(type) {
	case string:
		if x == "" {
			return o
		}
	case []obj:
		if len(x) == 0 {
			return o
		}
	case []string:
		if len(x) == 0 {
			return o
		}
	case []any:
		if len(x) == 0 {
			return o
		}
	}
	o[k] = v
	return o
}

func kvs(m map[string]string) []obj {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]obj, len(keys))
	for i, k := range keys {
		out[i] = obj{"key": k, "value": m[k]}
	}
	return out
}

func (s *Server) metricJSON(m Metric) obj {
	o := obj{"key": m.Key, "value": pfloat(m.Value), "timestamp": s.i64(m.Timestamp), "step": s.i64(m.Step)}
	o.set("model_id", m.ModelID)
	o.set("dataset_name", m.Dataset)
	return o
}

func (s *Server) runJSON(r *Run) obj {
	status := r.Status
	if status == "" {
		status = "FINISHED"
	}
	info := obj{"run_id": r.ID, "run_uuid": r.ID, "experiment_id": r.ExperimentID, "status": status,
		"start_time": s.i64(r.Start), "lifecycle_stage": "active"}
	info.set("run_name", r.Name)
	info.set("artifact_uri", r.ArtifactURI)
	if r.End != 0 {
		info["end_time"] = s.i64(r.End)
	}
	var metrics []obj
	for _, m := range r.Latest() {
		metrics = append(metrics, s.metricJSON(m))
	}
	tags := map[string]string{}
	for k, v := range r.Tags {
		tags[k] = v
	}
	if r.User != "" {
		tags["mlflow.user"] = r.User
	}
	if r.Name != "" {
		tags["mlflow.runName"] = r.Name
	}
	data := obj{}
	data.set("metrics", metrics)
	data.set("params", kvs(r.Params))
	data.set("tags", kvs(tags))
	info.set("user_id", r.User)
	inputs := obj{}
	var ds []obj
	for _, d := range r.Datasets {
		in := obj{"dataset": obj{"name": d.Name, "digest": d.Digest, "source_type": d.SourceType, "source": d.Source}}
		if d.Context != "" {
			in["tags"] = kvs(map[string]string{"mlflow.data.context": d.Context})
		}
		ds = append(ds, in)
	}
	inputs.set("dataset_inputs", ds)
	return obj{"info": info, "data": data, "inputs": inputs}
}

func (s *Server) versionJSON(v *Version) obj {
	stage, status := v.Stage, v.Status
	if stage == "" {
		stage = "None"
	}
	if status == "" {
		status = "READY"
	}
	o := obj{"name": v.Model, "version": v.Version, "creation_timestamp": s.i64(v.Created),
		"last_updated_timestamp": s.i64(v.Updated), "current_stage": stage, "status": status}
	o.set("description", v.Description)
	o.set("run_id", v.RunID)
	o.set("model_id", v.ModelID)
	if v.RunID != "" {
		o["source"] = "mlflow-artifacts:/1/" + v.RunID + "/artifacts/model"
	}
	o.set("tags", kvs(v.Tags))
	var aliases []string
	if m := s.store.model(v.Model); m != nil {
		for a, ver := range m.Aliases {
			if ver == v.Version {
				aliases = append(aliases, a)
			}
		}
	}
	sort.Strings(aliases)
	o.set("aliases", aliases)
	return o
}

func (s *Server) modelJSON(m *Model) obj {
	o := obj{"name": m.Name, "creation_timestamp": s.i64(m.Created), "last_updated_timestamp": s.i64(m.Updated)}
	o.set("description", m.Description)
	o.set("tags", kvs(m.Tags))
	var aliases []obj
	names := make([]string, 0, len(m.Aliases))
	for a := range m.Aliases {
		names = append(names, a)
	}
	sort.Strings(names)
	for _, a := range names {
		aliases = append(aliases, obj{"alias": a, "version": m.Aliases[a]})
	}
	o.set("aliases", aliases)
	var latest []obj
	for _, v := range s.store.Versions {
		if v.Model == m.Name {
			latest = append(latest, s.versionJSON(v))
		}
	}
	o.set("latest_versions", latest)
	return o
}

func (s *Server) experimentJSON(e *Experiment) obj {
	o := obj{"experiment_id": e.ID, "name": e.Name, "lifecycle_stage": "active",
		"artifact_location": "mlflow-artifacts:/" + e.ID, "creation_time": s.i64(e.Created), "last_update_time": s.i64(e.Created)}
	o.set("tags", kvs(e.Tags))
	return o
}
