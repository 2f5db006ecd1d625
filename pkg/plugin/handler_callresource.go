package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// CallResource serves the query editor's dropdowns: the browser never calls an upstream itself.
func (ds *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	return ds.resources.CallResource(ctx, req, sender)
}

func (ds *Datasource) newResourceHandler() backend.CallResourceHandler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /options/{kind}", ds.handleOptions)
	mux.HandleFunc("GET /option-kinds", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, ds.Engine.OptionKinds())
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no resource " + r.URL.Path + ": use /options/{kind}"})
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
