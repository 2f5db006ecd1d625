package engine

import (
	"context"
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/trust/frames"
)

// runs: a table of MLflow runs with chosen metric, param and tag columns.
var runsRoute = route{
	queryType: trust.QueryRuns,
	handle:    runs,
	needs:     "set mlflowUrl",
}

func runs(ctx context.Context, e *Engine, q *trust.Query) (data.Frames, error) {
	rp, err := serving[trust.RunsProvider](e, q.QueryType)
	if err != nil {
		return nil, err
	}
	t, err := rp.Runs(ctx, q)
	if err != nil {
		return nil, err
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		// A runs table lists the runs the query selects (experiments, runFilter, model version)
		// whatever the time range: the run behind a model version stays visible however old.
		hint := "add attributes.start_time >= <Unix ms> to runFilter to narrow by time"
		if !q.From.IsZero() {
			hint = fmt.Sprintf("to list only runs started in the range, add to runFilter: attributes.start_time >= %d", q.From.UnixMilli())
		}
		t.Notices = append(t.Notices, trust.Notice{Source: rp.Name(), Message: fmt.Sprintf("the runs table ignores the time range (%d runs listed, whenever they started); %s", len(t.Runs), hint)})
	}
	return frames.Runs(t), nil
}
