package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/dte-trust/dte-trust/pkg/plugin"
	"github.com/dte-trust/dte-trust/pkg/trust/timerange"
)

// bodyExample is shown with every error about the shape of a query request.
const bodyExample = `{"query": {"queryType": "drift", "format": "latest"}, "from": "now-7d", "to": "now"}`

// Default time range of a query, as trustq query's --from and --to.
const (
	DefaultFrom = "now-7d"
	DefaultTo   = "now"
)

// queryBody is the body of POST /api/v1/query: the query model a panel sends and the time range
// in trustq query's syntax (RFC 3339, Unix milliseconds, now, now-7d).
type queryBody struct {
	Query json.RawMessage `json:"query"`
	From  json.RawMessage `json:"from"`
	To    json.RawMessage `json:"to"`
}

// queryRequest is a checked query request.
type queryRequest struct {
	queryType, refID string
	model            json.RawMessage
	from, to         time.Time
}

// handleQuery answers POST /api/v1/query through the plugin's QueryData, as trustq query does,
// and turns the frames into rows.
func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes: send one query model, "+bodyExample, tooBig.Limit))
			return
		}
		fail(w, r, http.StatusBadRequest, "reading the request body: "+err.Error())
		return
	}
	q, err := parseQueryBody(body, s.opts.Now())
	if err != nil {
		fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	info(r).queryType = q.queryType
	resp, err := s.ds.QueryData(r.Context(), s.dataRequest(q))
	if err != nil {
		fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	res, ok := resp.Responses[q.refID]
	if !ok {
		fail(w, r, http.StatusInternalServerError, "the plugin gave no answer to query "+q.refID)
		return
	}
	if res.Error != nil {
		status := int(res.Status)
		if status < 400 {
			status = http.StatusInternalServerError
		}
		fail(w, r, status, res.Error.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.rows(q.queryType, res.Frames))
}

// dataRequest is the QueryData request of a query, built as trustq query builds it.
func (s *Server) dataRequest(q queryRequest) *backend.QueryDataRequest {
	settings := s.settings
	return &backend.QueryDataRequest{
		PluginContext: backend.PluginContext{PluginID: plugin.PluginID, DataSourceInstanceSettings: &settings},
		Queries: []backend.DataQuery{{
			RefID: q.refID, QueryType: q.queryType, JSON: q.model,
			TimeRange: backend.TimeRange{From: q.from, To: q.to}, MaxDataPoints: 1000, Interval: time.Minute,
		}},
	}
}

// parseQueryBody checks a request body and reads its time range. The query model itself is read
// by the plugin, which reports a missing or unknown query type as Grafana shows it.
func parseQueryBody(body []byte, now time.Time) (queryRequest, error) {
	var q queryRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var b queryBody
	if err := dec.Decode(&b); err != nil {
		if errors.Is(err, io.EOF) {
			return q, errors.New("empty request body: send " + bodyExample)
		}
		if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return q, fmt.Errorf("unknown field %s in the request body: it holds query, from and to; send %s", field, bodyExample)
		}
		return q, fmt.Errorf("malformed JSON in the request body (%v): send %s", err, bodyExample)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return q, errors.New("malformed JSON in the request body: more than one JSON value; send " + bodyExample)
	}
	model := bytes.TrimSpace(b.Query)
	if len(model) == 0 || string(model) == "null" {
		return q, errors.New("the request body has no query: send " + bodyExample)
	}
	if model[0] != '{' {
		return q, errors.New("query must be a JSON object, the query model a panel sends: send " + bodyExample)
	}
	var head struct {
		QueryType string `json:"queryType"`
		RefID     string `json:"refId"`
	}
	_ = json.Unmarshal(model, &head) // a malformed query model is reported by QueryData, as in Grafana
	q.queryType, q.refID, q.model = head.QueryType, head.RefID, model
	if q.refID == "" {
		q.refID = "A"
	}
	var err error
	if q.from, err = parseTime("from", b.From, DefaultFrom, now); err != nil {
		return q, err
	}
	if q.to, err = parseTime("to", b.To, DefaultTo, now); err != nil {
		return q, err
	}
	if !q.from.Before(q.to) {
		return q, fmt.Errorf(`"from" (%s) is not before "to" (%s)`, q.from.UTC().Format(time.RFC3339), q.to.UTC().Format(time.RFC3339))
	}
	return q, nil
}

// parseTime reads a time of the request body: a string in trustq query's syntax or a number of
// Unix milliseconds; def when absent or null.
func parseTime(name string, raw json.RawMessage, def string, now time.Time) (time.Time, error) {
	s := def
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
	case raw[0] == '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, fmt.Errorf("bad %q: %v", name, err)
		}
	default:
		s = string(raw)
	}
	t, err := timerange.ParseTime(strings.TrimSpace(s), now)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad %q: %v", name, err)
	}
	return t, nil
}

// health is the body of GET /api/v1/health: the plugin's CheckHealth result.
type health struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// handleHealth answers GET /api/v1/health with the plugin's CheckHealth: 200 when every source
// works, 503 otherwise, the message naming what is wrong.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	settings := s.settings
	res, err := s.ds.CheckHealth(r.Context(), &backend.CheckHealthRequest{
		PluginContext: backend.PluginContext{PluginID: plugin.PluginID, DataSourceInstanceSettings: &settings},
	})
	if err != nil {
		fail(w, r, http.StatusInternalServerError, "health check: "+err.Error())
		return
	}
	status := http.StatusOK
	if res.Status != backend.HealthStatusOk {
		status = http.StatusServiceUnavailable
		info(r).err = res.Message
	}
	writeJSON(w, status, health{Status: res.Status.String(), Message: res.Message})
}

// handleOptions answers GET /api/v1/options/{kind} through the plugin's resource route
// options/{kind}, the one the Grafana query editors call, with its parameters (model, version,
// alias, experiments, project, feature, sensitiveFeature, source): [{"text": ..., "value": ...}].
func (s *Server) handleOptions(w http.ResponseWriter, r *http.Request) {
	path := "options/" + url.PathEscape(r.PathValue("kind"))
	u := path
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	settings := s.settings
	req := &backend.CallResourceRequest{
		PluginContext: backend.PluginContext{PluginID: plugin.PluginID, DataSourceInstanceSettings: &settings},
		Path:          path, Method: http.MethodGet, URL: u,
	}
	status := http.StatusOK
	var body bytes.Buffer
	sender := backend.CallResourceResponseSenderFunc(func(res *backend.CallResourceResponse) error {
		if res.Status != 0 {
			status = res.Status
		}
		body.Write(res.Body)
		return nil
	})
	if err := s.ds.CallResource(r.Context(), req, sender); err != nil {
		fail(w, r, http.StatusInternalServerError, "options: "+err.Error())
		return
	}
	if status >= 400 {
		var e struct{ Error string }
		if json.Unmarshal(body.Bytes(), &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(body.String())
		}
		fail(w, r, status, e.Error)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body.Bytes())
}
