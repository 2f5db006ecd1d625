// Package plugin is the Grafana host of DTE Trust: it turns Grafana's QueryData, CheckHealth and
// CallResource calls into engine calls. It holds no source-specific logic.
package plugin

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"

	"github.com/dte-trust/dte-trust/pkg/engine"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// PluginID is the id in plugin.json.
const PluginID = "dte-trust-datasource"

// Make sure Datasource implements the Grafana handler interfaces.
var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// Datasource is one configured DTE Trust datasource instance.
type Datasource struct {
	Engine    *engine.Engine
	mux       *datasource.QueryTypeMux
	resources backend.CallResourceHandler
}

// NewDatasource builds an instance from Grafana's settings: jsonData plus the decrypted
// secureJsonData, which never leave the backend.
func NewDatasource(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	return New(ctx, SettingsFrom(s))
}

// SettingsFrom extracts the trust settings from Grafana's instance settings.
func SettingsFrom(s backend.DataSourceInstanceSettings) trust.Settings {
	return trust.Settings{JSONData: json.RawMessage(s.JSONData), Secure: s.DecryptedSecureJSONData, UID: s.UID, Name: s.Name, Type: s.Type}
}

// New builds an instance from trust settings (used by Grafana through NewDatasource and by trustq).
func New(ctx context.Context, s trust.Settings) (*Datasource, error) {
	e, err := engine.New(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("dte-trust: %w", err)
	}
	return NewFromEngine(e), nil
}

// NewFromEngine wraps a ready engine (tests and benchmarks).
func NewFromEngine(e *engine.Engine) *Datasource {
	ds := &Datasource{Engine: e}
	ds.mux = ds.newMux()
	ds.resources = ds.newResourceHandler()
	return ds
}

// Dispose releases the instance's resources when Grafana replaces it after a settings change.
func (ds *Datasource) Dispose() { ds.Engine.Close() }
