package mlflow

import (
	"context"
	"fmt"

	"github.com/dte-trust/dte-trust/pkg/httpx"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Provider is the MLflow source of DTE Trust.
type Provider struct {
	c *Client
}

// The interfaces Provider serves.
var (
	_ trust.EvidenceProvider   = (*Provider)(nil)
	_ trust.RunsProvider       = (*Provider)(nil)
	_ trust.ModelsProvider     = (*Provider)(nil)
	_ trust.OptionsProvider    = (*Provider)(nil)
	_ trust.AnnotationProvider = (*Provider)(nil)
	_ trust.HealthChecker      = (*Provider)(nil)
	_ trust.ModelCatalog       = (*Provider)(nil)
)

// New builds the MLflow provider from the datasource settings. It returns nil, nil when mlflowUrl
// is not set, and an upstream error naming the key to fix when the settings are invalid. It makes no
// request.
func New(ctx context.Context, s trust.Settings) (*Provider, error) {
	cfg, err := LoadConfig(s)
	if err != nil {
		return nil, trust.Upstream(err)
	}
	if cfg.URL == "" {
		return nil, nil
	}
	if cfg.HTTP, err = httpx.FromSettings(ctx, s); err != nil {
		return nil, trust.Upstream(fmt.Errorf("mlflow: %w", err))
	}
	c, err := NewClient(cfg)
	if err != nil {
		return nil, trust.Upstream(err)
	}
	return &Provider{c: c}, nil
}

// NewWithClient builds a provider around a ready client (tests, benchmarks).
func NewWithClient(c *Client) *Provider { return &Provider{c: c} }

// Name is the source name, "mlflow".
func (p *Provider) Name() string { return trust.SourceMLflow }

// ResolvesAliases implements trust.AliasResolver: queries with an alias are resolved here.
func (p *Provider) ResolvesAliases() bool { return true }

// Client is the provider's REST client, for other sources that read MLflow (artifacts, runs).
func (p *Provider) Client() *Client { return p.c }

// Close releases idle connections.
func (p *Provider) Close() { p.c.Close() }

// ListArtifacts lists the direct children of dir in a run's artifacts; see Client.ListArtifacts.
func (p *Provider) ListArtifacts(ctx context.Context, runID, dir string) ([]FileInfo, error) {
	return p.c.ListArtifacts(ctx, runID, dir)
}

// ReadArtifact downloads one artifact file of a run; see Client.ReadArtifact.
func (p *Provider) ReadArtifact(ctx context.Context, runID, path string, maxBytes int64) ([]byte, error) {
	return p.c.ReadArtifact(ctx, runID, path, maxBytes)
}

// Dimensions lists the evidence MLflow serves: accuracy (metrics of runs and model versions).
// Fairness metrics logged to MLflow with the group in the key are read by the fairness source.
func (p *Provider) Dimensions() []trust.Dimension { return []trust.Dimension{trust.Accuracy} }

// OptionKinds lists the template variable kinds the provider answers.
func (p *Provider) OptionKinds() []string {
	return []string{trust.VarExperiments, trust.VarModels, trust.VarVersions, trust.VarAliases, trust.VarMetrics}
}

// AnnotationKinds lists the annotation kinds the provider answers.
func (p *Provider) AnnotationKinds() []string {
	return []string{trust.AnnotationModelVersions, trust.AnnotationStages}
}
