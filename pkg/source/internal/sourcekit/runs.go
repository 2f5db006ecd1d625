package sourcekit

import (
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// maxRunReaders bounds the MLflow runs read at once by one query of one source.
const maxRunReaders = 4

// EachRun calls read(i) for every i in [0, n), at most four at a time, and returns when all have
// returned. Each call writes only its own result (results[i]), so the caller merges them in order
// afterwards and the outcome does not depend on scheduling.
func EachRun(n int, read func(i int)) {
	var g errgroup.Group
	g.SetLimit(maxRunReaders)
	for i := range n {
		g.Go(func() error {
			read(i)
			return nil
		})
	}
	_ = g.Wait() // read returns no error
}

// RunLink is the MLflow UI page of a run (linker nil: MLflow not configured, no link). A run whose
// experiment is unknown gets MLflow's experiment-less run page, /#/runs/<id>.
func RunLink(linker trust.RunArtifacts, experimentID, runID string) string {
	if linker == nil || runID == "" {
		return ""
	}
	if experimentID != "" {
		return linker.RunURL(experimentID, runID)
	}
	return strings.Replace(linker.RunURL("", runID), "/#/experiments//runs/", "/#/runs/", 1)
}
