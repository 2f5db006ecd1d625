package mlflow

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Page sizes of the registry searches: the OSS ceiling of registered-models/search is 1000; the one
// of model-versions/search is far higher, but Databricks accepts at most 10 000.
const (
	registeredModelsPageSize = 1000
	modelVersionsPageSize    = 1000
	loggedModelsPageSize     = 50 // the server's ceiling
)

// SearchRegisteredModels lists the registered models matching filter ("" for all, e.g.
// "name = 'credit-risk'" or "name LIKE 'credit%'"), following pages to the end.
func (c *Client) SearchRegisteredModels(ctx context.Context, filter string) ([]RegisteredModel, error) {
	var out []RegisteredModel
	token := ""
	for {
		q := url.Values{"max_results": {strconv.Itoa(registeredModelsPageSize)}}
		if filter != "" {
			q.Set("filter", filter)
		}
		if token != "" {
			q.Set("page_token", token)
		}
		var page struct {
			RegisteredModels []RegisteredModel `json:"registered_models"`
			NextPageToken    string            `json:"next_page_token"`
		}
		if err := c.call(ctx, api2(http.MethodGet, "registered-models/search", q, nil), &page); err != nil {
			return nil, err
		}
		out = append(out, page.RegisteredModels...)
		if page.NextPageToken == "" || page.NextPageToken == token || len(page.RegisteredModels) == 0 {
			return out, nil
		}
		token = page.NextPageToken
	}
}

// GetRegisteredModel returns the registered model named name. An unknown name is an upstream error
// naming it.
func (c *Client) GetRegisteredModel(ctx context.Context, name string) (*RegisteredModel, error) {
	var resp struct {
		RegisteredModel RegisteredModel `json:"registered_model"`
	}
	err := c.call(ctx, api2(http.MethodGet, "registered-models/get", url.Values{"name": {name}}, nil), &resp)
	if err != nil {
		if IsNotFound(err) {
			return nil, c.notFound(err, "registered model "+quote(name), "check the model name")
		}
		return nil, err
	}
	return &resp.RegisteredModel, nil
}

// SearchModelVersions lists the model versions matching filter ("" for all, e.g. "name='x'" as
// built by NameFilter, or "run_id IN ('a','b')"), following pages to the end.
func (c *Client) SearchModelVersions(ctx context.Context, filter string) ([]ModelVersion, error) {
	var out []ModelVersion
	token := ""
	for {
		q := url.Values{"max_results": {strconv.Itoa(modelVersionsPageSize)}}
		if filter != "" {
			q.Set("filter", filter)
		}
		if token != "" {
			q.Set("page_token", token)
		}
		var page struct {
			ModelVersions []ModelVersion `json:"model_versions"`
			NextPageToken string         `json:"next_page_token"`
		}
		if err := c.call(ctx, api2(http.MethodGet, "model-versions/search", q, nil), &page); err != nil {
			return nil, err
		}
		out = append(out, page.ModelVersions...)
		if page.NextPageToken == "" || page.NextPageToken == token || len(page.ModelVersions) == 0 {
			return out, nil
		}
		token = page.NextPageToken
	}
}

// GetModelVersion returns one version of a registered model. An unknown model or version is an
// upstream error naming them.
func (c *Client) GetModelVersion(ctx context.Context, name, version string) (*ModelVersion, error) {
	var resp struct {
		ModelVersion ModelVersion `json:"model_version"`
	}
	err := c.call(ctx, api2(http.MethodGet, "model-versions/get", url.Values{"name": {name}, "version": {version}}, nil), &resp)
	if err != nil {
		if IsNotFound(err) || StatusCode(err) == http.StatusBadRequest {
			if _, merr := c.GetRegisteredModel(ctx, name); merr != nil && IsNotFound(merr) {
				return nil, merr
			}
			return nil, c.notFound(err, fmt.Sprintf("version %s of registered model %s", quote(version), quote(name)), "check the version")
		}
		return nil, err
	}
	return &resp.ModelVersion, nil
}

// GetModelVersionByAlias resolves an alias (champion, production, ...) of a registered model to
// its version. An unknown model or alias is an upstream error naming them.
func (c *Client) GetModelVersionByAlias(ctx context.Context, name, alias string) (*ModelVersion, error) {
	var resp struct {
		ModelVersion ModelVersion `json:"model_version"`
	}
	err := c.call(ctx, api2(http.MethodGet, "registered-models/alias", url.Values{"name": {name}, "alias": {alias}}, nil), &resp)
	if err != nil {
		// MLflow answers 404 for an unknown model and 400 or 404 for an unknown alias.
		if IsNotFound(err) || StatusCode(err) == http.StatusBadRequest {
			if _, merr := c.GetRegisteredModel(ctx, name); merr != nil && IsNotFound(merr) {
				return nil, merr
			}
			return nil, c.notFound(err, fmt.Sprintf("alias %s of registered model %s", quote(alias), quote(name)), "check the alias; MLflow aliases are set per model in the registry")
		}
		return nil, err
	}
	if len(resp.ModelVersion.Aliases) == 0 {
		resp.ModelVersion.Aliases = []string{alias}
	}
	return &resp.ModelVersion, nil
}

// LoggedModelsSearch is an MLflow 3 logged-models/search request.
type LoggedModelsSearch struct {
	ExperimentIDs []string
	Filter        string // e.g. "metrics.accuracy > 0.9"
	// Limit is the number of models wanted; 0 follows the pages to the end.
	Limit int
}

// SearchLoggedModels lists MLflow 3 logged models, 50 per page (the server's ceiling), following
// pages until Limit models were read or the server has no more.
func (c *Client) SearchLoggedModels(ctx context.Context, s LoggedModelsSearch) ([]LoggedModel, error) {
	type body struct {
		ExperimentIDs []string `json:"experiment_ids"`
		Filter        string   `json:"filter,omitempty"`
		MaxResults    int      `json:"max_results"`
		PageToken     string   `json:"page_token,omitempty"`
	}
	var out []LoggedModel
	token := ""
	for {
		n := loggedModelsPageSize
		if s.Limit > 0 && s.Limit-len(out) < n {
			n = s.Limit - len(out)
		}
		b := body{ExperimentIDs: s.ExperimentIDs, Filter: s.Filter, MaxResults: n, PageToken: token}
		if b.ExperimentIDs == nil {
			b.ExperimentIDs = []string{}
		}
		var page struct {
			Models        []LoggedModel `json:"models"`
			NextPageToken string        `json:"next_page_token"`
		}
		if err := c.call(ctx, api2(http.MethodPost, "logged-models/search", nil, b), &page); err != nil {
			return nil, err
		}
		out = append(out, page.Models...)
		if page.NextPageToken == "" || page.NextPageToken == token || len(page.Models) == 0 || (s.Limit > 0 && len(out) >= s.Limit) {
			return out, nil
		}
		token = page.NextPageToken
	}
}

// GetLoggedModel returns an MLflow 3 logged model by id (m-...).
func (c *Client) GetLoggedModel(ctx context.Context, modelID string) (*LoggedModel, error) {
	var resp struct {
		Model LoggedModel `json:"model"`
	}
	err := c.call(ctx, api2(http.MethodGet, "logged-models/"+modelID, nil, nil), &resp)
	if err != nil {
		if IsNotFound(err) {
			return nil, c.notFound(err, "logged model "+quote(modelID), "")
		}
		return nil, err
	}
	return &resp.Model, nil
}

// NameFilter builds the search filter name='x' for a model name, quoting it so that quotes in the
// name survive.
func NameFilter(name string) string { return "name=" + filterString(name) }

// filterString quotes s as a string constant of MLflow's search grammar.
func filterString(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

// notFound wraps an unknown-entity answer in a message naming the entity; IsNotFound still holds.
func (c *Client) notFound(err error, what, hint string) error {
	return trust.Upstream(&notFoundError{what: what, base: c.baseURL, hint: hint, err: err})
}

// notFoundError is an unknown entity, recognisable by IsNotFound through its cause.
type notFoundError struct {
	what, base, hint string
	err              error
}

func (e *notFoundError) Error() string {
	s := "mlflow: " + e.what + " not found at " + e.base
	if e.hint != "" {
		s += ": " + e.hint
	}
	return s
}

func (e *notFoundError) Unwrap() error { return e.err }
