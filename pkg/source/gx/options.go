package gx

import (
	"context"
	"errors"
	"fmt"

	"github.com/dte-trust/dte-trust/pkg/source/internal/sourcekit"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

var _ trust.OptionsProvider = (*Provider)(nil)

// OptionKinds implements trust.OptionsProvider.
func (p *Provider) OptionKinds() []string { return []string{trust.VarModels, trust.VarVersions} }

// Options implements trust.OptionsProvider: the models and versions (of q.Model) of the results
// under gxPaths. Results in MLflow runs belong to registered versions, which the MLflow source
// lists already.
func (p *Provider) Options(ctx context.Context, kind string, q *trust.Query) ([]trust.Option, error) {
	if kind != trust.VarModels && kind != trust.VarVersions {
		return nil, fmt.Errorf("great_expectations: no %q options", kind)
	}
	l := &loaded{}
	p.loadFiles(ctx, l)
	if len(l.validations) == 0 && len(l.failed) > 0 {
		return nil, trust.Upstream(errors.Join(l.failed...))
	}
	model := sourcekit.CleanVar(q.Model)
	seen := map[string]bool{}
	var values []string
	for _, v := range l.validations {
		value := v.Model
		if kind == trust.VarVersions {
			if !sourcekit.MatchVar(v.Model, model) {
				continue
			}
			value = v.Version
		}
		if value != "" && !seen[value] {
			seen[value] = true
			values = append(values, value)
		}
	}
	return sourcekit.Options(values), nil
}
