package mlflow

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// runsPageSize is the page size asked of runs/search. MLflow's default is 1000 and its ceiling
// 50 000; 1000 keeps each answer small enough to decode while the next page is on its way.
const runsPageSize = 1000

// RunsSearch is a runs/search request.
type RunsSearch struct {
	ExperimentIDs []string
	Filter        string   // MLflow search filter, e.g. "metrics.accuracy > 0.8"
	OrderBy       []string // e.g. "attributes.start_time DESC"; MLflow's default is start_time DESC
	ViewType      string   // ACTIVE_ONLY (default), DELETED_ONLY or ALL
	// Limit is the number of runs wanted; 0 follows the pages to the end.
	Limit int
	// PageSize overrides the page size (tests); 0 means 1000 or Limit when smaller.
	PageSize int
}

// SearchRuns returns the runs matching s, following next_page_token until Limit runs were read or
// the server has no more.
func (c *Client) SearchRuns(ctx context.Context, s RunsSearch) ([]Run, error) {
	var out []Run
	err := c.SearchRunsPages(ctx, s, func(page []Run) error {
		out = append(out, page...)
		return nil
	})
	return out, err
}

// SearchRunsPages is SearchRuns handing each page to fn as it arrives.
func (c *Client) SearchRunsPages(ctx context.Context, s RunsSearch, fn func(page []Run) error) error {
	size := s.PageSize
	if size <= 0 {
		size = runsPageSize
	}
	view := s.ViewType
	if view == "" {
		view = "ACTIVE_ONLY"
	}
	type body struct {
		ExperimentIDs []string `json:"experiment_ids"`
		Filter        string   `json:"filter,omitempty"`
		RunViewType   string   `json:"run_view_type"`
		MaxResults    int      `json:"max_results"`
		OrderBy       []string `json:"order_by,omitempty"`
		PageToken     string   `json:"page_token,omitempty"`
	}
	read := 0
	token := ""
	for {
		n := size
		if s.Limit > 0 && s.Limit-read < n {
			n = s.Limit - read
		}
		b := body{ExperimentIDs: s.ExperimentIDs, Filter: s.Filter, RunViewType: view, MaxResults: n, OrderBy: s.OrderBy, PageToken: token}
		if b.ExperimentIDs == nil {
			b.ExperimentIDs = []string{}
		}
		var page struct {
			Runs          []Run  `json:"runs"`
			NextPageToken string `json:"next_page_token"`
		}
		if err := c.call(ctx, api2(http.MethodPost, "runs/search", nil, b), &page); err != nil {
			return err
		}
		if len(page.Runs) > n {
			page.Runs = page.Runs[:n]
		}
		read += len(page.Runs)
		if err := fn(page.Runs); err != nil {
			return err
		}
		if page.NextPageToken == "" || page.NextPageToken == token || len(page.Runs) == 0 || (s.Limit > 0 && read >= s.Limit) {
			return nil
		}
		token = page.NextPageToken
	}
}

// GetRun returns one run with its latest metrics, params and tags. An unknown run is an upstream
// error naming it.
func (c *Client) GetRun(ctx context.Context, runID string) (*Run, error) {
	var resp struct {
		Run Run `json:"run"`
	}
	err := c.call(ctx, api2(http.MethodGet, "runs/get", url.Values{"run_id": {runID}}, nil), &resp)
	if err != nil {
		if IsNotFound(err) {
			return nil, c.notFound(err, "run "+quote(runID), "it may have been deleted")
		}
		return nil, err
	}
	return &resp.Run, nil
}

func quote(s string) string { return strconv.Quote(s) }

// GetRuns reads several runs, aligned with ids (nil: not found). Instead of one runs/get per run
// it searches the active experiments for the ids, 100 at a time (the experiment list and the
// answers are cached like every answer); runs the search does not find (deleted, or in a deleted
// experiment) and servers that refuse the search fall back to runs/get.
func (c *Client) GetRuns(ctx context.Context, ids []string) ([]*Run, error) {
	out := make([]*Run, len(ids))
	found := c.searchRunIDs(ctx, ids)
	var missing []int
	for i, id := range ids {
		if r, ok := found[id]; ok {
			out[i] = r
		} else {
			missing = append(missing, i)
		}
	}
	err := forEach(ctx, len(missing), c.workers(), func(ctx context.Context, j int) error {
		r, err := c.GetRun(ctx, ids[missing[j]])
		if err != nil {
			if IsNotFound(err) {
				return nil
			}
			return err
		}
		out[missing[j]] = r
		return nil
	})
	return out, err
}

// searchRunIDs finds runs by id with runs/search; on any failure it finds none (the caller then
// asks runs/get).
func (c *Client) searchRunIDs(ctx context.Context, ids []string) map[string]*Run {
	found := map[string]*Run{}
	if len(ids) < 2 {
		return found
	}
	exps, err := c.SearchExperiments(ctx, "")
	if err != nil || len(exps) == 0 {
		return found
	}
	expIDs := make([]string, len(exps))
	for i, e := range exps {
		expIDs[i] = string(e.ExperimentID)
	}
	for start := 0; start < len(ids); start += 100 {
		quoted := make([]string, 0, 100)
		for _, id := range ids[start:min(start+100, len(ids))] {
			quoted = append(quoted, "'"+strings.ReplaceAll(id, "'", "")+"'")
		}
		filter := "attributes.run_id IN (" + strings.Join(quoted, ",") + ")"
		for es := 0; es < len(expIDs); es += 100 {
			runs, err := c.SearchRuns(ctx, RunsSearch{ExperimentIDs: expIDs[es:min(es+100, len(expIDs))], Filter: filter})
			if err != nil {
				return map[string]*Run{}
			}
			for i := range runs {
				found[runs[i].Info.ID()] = &runs[i]
			}
		}
	}
	return found
}
