package evidently

import (
	"context"
	"errors"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// mlflowSource reads Evidently JSON logged as MLflow run artifacts.
type mlflowSource struct {
	runs     []string
	path     string
	maxBytes int64
}

func newMLflowSource(mlflow trust.Provider, runs []string, path string, maxBytes int64) (*mlflowSource, error) {
	if mlflow == nil {
		return nil, errors.New("evidentlyMlflowRuns is set but the MLflow source is not configured (set mlflowUrl)")
	}
	return &mlflowSource{runs: runs, path: path, maxBytes: maxBytes}, nil
}

func (m *mlflowSource) each(ctx context.Context, q *trust.Query, f *filter, fn func(*Report, origin), ev *trust.Evidence) error {
	return errors.New("evidently: reading MLflow artifacts is not available yet")
}
