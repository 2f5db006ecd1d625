package mlflow

import (
	"context"
	"net/http"
	"net/url"
)

// experimentsPageSize is the page size of experiments/search (the server default is 1000 too).
const experimentsPageSize = 1000

// SearchExperiments lists the active experiments matching filter ("" for all), following
// next_page_token to the end.
func (c *Client) SearchExperiments(ctx context.Context, filter string) ([]Experiment, error) {
	var out []Experiment
	token := ""
	for {
		body := map[string]any{"max_results": experimentsPageSize, "view_type": "ACTIVE_ONLY"}
		if filter != "" {
			body["filter"] = filter
		}
		if token != "" {
			body["page_token"] = token
		}
		var page struct {
			Experiments   []Experiment `json:"experiments"`
			NextPageToken string       `json:"next_page_token"`
		}
		if err := c.call(ctx, api2(http.MethodPost, "experiments/search", nil, body), &page); err != nil {
			return nil, err
		}
		out = append(out, page.Experiments...)
		if page.NextPageToken == "" || page.NextPageToken == token || len(page.Experiments) == 0 {
			return out, nil
		}
		token = page.NextPageToken
	}
}

// GetExperimentByName returns the experiment named name. An unknown name is an upstream error
// naming it.
func (c *Client) GetExperimentByName(ctx context.Context, name string) (*Experiment, error) {
	var resp struct {
		Experiment Experiment `json:"experiment"`
	}
	err := c.call(ctx, api2(http.MethodGet, "experiments/get-by-name", url.Values{"experiment_name": {name}}, nil), &resp)
	if err != nil {
		if IsNotFound(err) {
			return nil, c.notFound(err, "experiment "+quote(name), "check the experiment names in the query")
		}
		return nil, err
	}
	return &resp.Experiment, nil
}

// GetExperiment returns the experiment with the given id.
func (c *Client) GetExperiment(ctx context.Context, id string) (*Experiment, error) {
	var resp struct {
		Experiment Experiment `json:"experiment"`
	}
	if err := c.call(ctx, api2(http.MethodGet, "experiments/get", url.Values{"experiment_id": {id}}, nil), &resp); err != nil {
		return nil, err
	}
	return &resp.Experiment, nil
}
