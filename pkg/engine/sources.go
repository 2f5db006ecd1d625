package engine

import (
	"context"

	"github.com/dte-trust/dte-trust/pkg/policy"
	"github.com/dte-trust/dte-trust/pkg/source/evidently"
	"github.com/dte-trust/dte-trust/pkg/source/fairness"
	"github.com/dte-trust/dte-trust/pkg/source/gx"
	"github.com/dte-trust/dte-trust/pkg/source/mlflow"
	"github.com/dte-trust/dte-trust/pkg/source/shap"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// buildSources builds every source the settings configure, in dependency order: MLflow first,
// whose runs and artifacts (trust.RunArtifacts) the Evidently, Fairlearn and Great Expectations
// sources read; the
// policy source last, since it evaluates rules over the others. A source with invalid settings is
// kept as a setup error and the others are still built.
func (e *Engine) buildSources(ctx context.Context, s trust.Settings) {
	var runs trust.RunArtifacts
	if ml, err := mlflow.New(ctx, s); e.add(ml, ml == nil, err) {
		runs = ml.RunArtifacts()
	}
	ev, err := evidently.New(ctx, s, runs)
	e.add(ev, ev == nil, err)
	fa, err := fairness.New(ctx, s, runs)
	e.add(fa, fa == nil, err)
	ge, err := gx.New(ctx, s, runs)
	e.add(ge, ge == nil, err)
	sh, err := shap.New(ctx, s, runs)
	e.add(sh, sh == nil, err)
	pol, err := policy.New(ctx, s, e)
	e.add(pol, pol == nil, err)
}

// add keeps a built source, or its setup error; none (a nil pointer) means the source is not
// configured. It reports whether p was kept.
func (e *Engine) add(p trust.Provider, none bool, err error) bool {
	switch {
	case err != nil:
		e.setupErrors = append(e.setupErrors, err)
		return false
	case none:
		return false
	}
	e.providers = append(e.providers, p)
	return true
}
