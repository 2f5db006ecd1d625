//go:build protocol

package protocol

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"go.yaml.in/yaml/v3"
)

const pluginID = "dte-trust-datasource"

// Datasource is one provisioned data source as Grafana hands it to the plugin.
type Datasource struct {
	ID       int64
	UID      string
	Name     string
	JSONData map[string]any
	Secure   map[string]string
	Updated  time.Time
}

// LoadProvisioned reads a provisioning/datasources file and expands $VAR and ${VAR} from the
// environment in its values as Grafana does (unset: empty; a value that becomes a number after
// expansion is sent as a number).
func LoadProvisioned(path string) ([]Datasource, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Datasources []struct {
			Name           string            `yaml:"name"`
			UID            string            `yaml:"uid"`
			Type           string            `yaml:"type"`
			JSONData       map[string]any    `yaml:"jsonData"`
			SecureJSONData map[string]string `yaml:"secureJsonData"`
		} `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []Datasource
	for i, d := range doc.Datasources {
		if d.Type != pluginID {
			continue
		}
		secure := map[string]string{}
		for k, v := range d.SecureJSONData {
			secure[k] = os.ExpandEnv(v)
		}
		out = append(out, Datasource{
			ID: int64(i + 1), UID: d.UID, Name: d.Name,
			JSONData: expandAll(d.JSONData).(map[string]any), Secure: secure, Updated: time.Now(),
		})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s provisions no %s data source", path, pluginID)
	}
	return out, nil
}

var envRef = regexp.MustCompile(`\$\{?\w+\}?`)

func expandAll(v any) any {
	switch x := v.(type) {
	case string:
		s := os.ExpandEnv(x)
		if envRef.MatchString(x) {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return f
			}
		}
		return s
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = expandAll(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = expandAll(e)
		}
		return out
	}
	return v
}

// PluginContext is what Grafana sends with every call for this data source.
func (d Datasource) PluginContext() (*pluginv2.PluginContext, error) {
	jd, err := json.Marshal(d.JSONData)
	if err != nil {
		return nil, err
	}
	return &pluginv2.PluginContext{
		OrgId:         1,
		PluginId:      pluginID,
		PluginVersion: "0.1.0",
		User:          &pluginv2.User{Login: "admin", Name: "admin", Email: "admin@localhost", Role: "Admin"},
		DataSourceInstanceSettings: &pluginv2.DataSourceInstanceSettings{
			Id:                      d.ID,
			Uid:                     d.UID,
			Name:                    d.Name,
			JsonData:                jd,
			DecryptedSecureJsonData: d.Secure,
			LastUpdatedMS:           d.Updated.UnixMilli(),
			ApiVersion:              "v0alpha1",
		},
		GrafanaConfig: map[string]string{"GF_APP_URL": "http://127.0.0.1:3000/"},
		UserAgent:     "Grafana/13.2.3 (linux; amd64)",
	}, nil
}
