// Command gpx_dte_trust is the backend of the DTE Trust Grafana data source.
package main

import (
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/dte-trust/dte-trust/pkg/plugin"
)

func main() {
	if err := datasource.Manage(plugin.PluginID, plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error("dte-trust backend stopped", "error", err.Error())
		os.Exit(1)
	}
}
