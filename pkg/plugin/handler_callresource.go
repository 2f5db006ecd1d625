package plugin

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/dte-trust/dte-trust/pkg/engine"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// CallResource serves the editors' dropdowns (GET options/{kind}) and checks of typed text (POST
// validate/{kind}): the browser never calls an upstream or parses a query's text itself.
func (ds *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	return ds.resources.CallResource(ctx, req, sender)
}

func (ds *Datasource) newResourceHandler() backend.CallResourceHandler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /options/{kind}", ds.handleOptions)
	mux.HandleFunc("GET /option-kinds", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, ds.Engine.OptionKinds())
	})
	mux.HandleFunc("POST /validate/{kind}", handleValidate)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no resource " + r.URL.Path + ": use GET /options/{kind} or POST /validate/{kind}"})
	})
	return httpadapter.New(mux)
}

// handleOptions answers GET /options/{kind}?model=&version=&alias=&experiments=a,b&project=&
// sensitiveFeature=&source= with [{text, value}].
func (ds *Datasource) handleOptions(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := trust.Query{
		QueryType:        trust.QueryVariable,
		Variable:         r.PathValue("kind"),
		Model:            v.Get("model"),
		Version:          v.Get("version"),
		Alias:            v.Get("alias"),
		Project:          v.Get("project"),
		Feature:          v.Get("feature"),
		SensitiveFeature: v.Get("sensitiveFeature"),
		Source:           v.Get("source"),
		Experiments:      splitList(v["experiments"]),
	}
	ctx, cancel := context.WithTimeout(r.Context(), ds.Engine.Timeout)
	defer cancel()
	opts, err := ds.Engine.Options(ctx, q.Variable, &q)
	if err != nil {
		status := http.StatusBadRequest
		if trust.IsUpstream(err) {
			status = http.StatusBadGateway
		}
		writeJSON(w, status, map[string]string{"error": trust.RedactText(err.Error())})
		return
	}
	if opts == nil {
		opts = []trust.Option{}
	}
	writeJSON(w, http.StatusOK, opts)
}

// maxValidateBody bounds the body of POST /validate/{kind}: the longest text checked, JSON-quoted.
const maxValidateBody = 2*engine.MaxValidateBytes + 1024

// validateAnswer is the answer of POST /validate/{kind}: ok, or the error the backend's parser gives.
type validateAnswer struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// handleValidate answers POST /validate/{kind} with body {"text": "..."} by checking the text with
// the parser that reads it when a query runs (engine.Validate): {"ok": true} or {"ok": false,
// "error": "..."}, both with status 200; an unknown kind is 404, a malformed body 400.
func handleValidate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Text *string `json:"text"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, maxValidateBody))
	if err := dec.Decode(&body); err != nil || body.Text == nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `the body must be {"text": "..."}`})
		return
	}
	known, err := engine.Validate(r.PathValue("kind"), *body.Text)
	switch {
	case !known:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no validation " + strconv.Quote(r.PathValue("kind")) + ": use " + strings.Join(engine.ValidationKinds(), " or ")})
	case err != nil:
		writeJSON(w, http.StatusOK, validateAnswer{Error: trust.RedactText(err.Error())})
	default:
		writeJSON(w, http.StatusOK, validateAnswer{OK: true})
	}
}

// splitList accepts repeated parameters and comma-separated values alike.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
