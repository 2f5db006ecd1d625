package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/plugin"
	"github.com/dte-trust/dte-trust/pkg/trust/timerange"
)

// settingsFile is the provisioning shape of a datasource's settings.
type settingsFile struct {
	JSONData       json.RawMessage   `json:"jsonData"`
	SecureJSONData map[string]string `json:"secureJsonData"`
}

// loadSettings reads a settings file into Grafana's instance settings, as Grafana would hand them
// to the plugin after decrypting the secrets.
func loadSettings(path string) (backend.DataSourceInstanceSettings, error) {
	var s backend.DataSourceInstanceSettings
	b, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("settings file: %w", err)
	}
	var f settingsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return s, fmt.Errorf("settings file %s is not valid JSON: %w", path, err)
	}
	if len(f.JSONData) == 0 {
		f.JSONData = json.RawMessage("{}")
	}
	s = backend.DataSourceInstanceSettings{UID: "trustq", Name: "trustq", JSONData: f.JSONData, DecryptedSecureJSONData: f.SecureJSONData}
	return s, nil
}

func readFileOrStdin(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(path)
}

func runQuery(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("query", stderr)
	settingsPath := fs.String("settings", "", "datasource settings file (jsonData and secureJsonData)")
	queryPath := fs.String("query", "", "query model file, or - for stdin")
	from := fs.String("from", "now-7d", "start of the time range")
	to := fs.String("to", "now", "end of the time range")
	output := fs.String("output", "table", "table or json")
	if code, stop := parseFlags(fs, args, stdout, stderr); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "trustq query: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *settingsPath == "" || *queryPath == "" {
		fmt.Fprintln(stderr, "trustq query: --settings and --query are required")
		return 2
	}
	if *output != "table" && *output != "json" {
		fmt.Fprintf(stderr, "trustq query: --output must be table or json, not %q\n", *output)
		return 2
	}
	now := time.Now()
	tr, err := timerange.Parse(*from, *to, now)
	if err != nil {
		fmt.Fprintln(stderr, "trustq query:", err)
		return 2
	}
	settings, err := loadSettings(*settingsPath)
	if err != nil {
		fmt.Fprintln(stderr, "trustq query:", err)
		return 2
	}
	qb, err := readFileOrStdin(*queryPath)
	if err != nil {
		fmt.Fprintln(stderr, "trustq query: query file:", err)
		return 2
	}
	var head struct {
		QueryType string `json:"queryType"`
		RefID     string `json:"refId"`
	}
	_ = json.Unmarshal(qb, &head) // a malformed query is reported by QueryData, as in Grafana
	refID := head.RefID
	if refID == "" {
		refID = "A"
	}
	ctx := context.Background()
	inst, err := plugin.NewDatasource(ctx, settings)
	if err != nil {
		fmt.Fprintln(stderr, "trustq query:", err)
		return 1
	}
	ds := inst.(*plugin.Datasource)
	defer ds.Dispose()
	req := &backend.QueryDataRequest{
		PluginContext: backend.PluginContext{PluginID: plugin.PluginID, DataSourceInstanceSettings: &settings},
		Queries: []backend.DataQuery{{
			RefID: refID, QueryType: head.QueryType, JSON: qb,
			TimeRange: backend.TimeRange{From: tr.From, To: tr.To}, MaxDataPoints: 1000, Interval: time.Minute,
		}},
	}
	resp, err := ds.QueryData(ctx, req)
	if err != nil {
		fmt.Fprintln(stderr, "trustq query:", err)
		return 1
	}
	res := resp.Responses[refID]
	if *output == "json" {
		b, err := json.Marshal(resp)
		if err != nil {
			fmt.Fprintln(stderr, "trustq query: encoding the response:", err)
			return 1
		}
		fmt.Fprintln(stdout, string(b))
	} else {
		printTable(stdout, res.Frames)
	}
	if res.Error != nil {
		fmt.Fprintln(stderr, "error:", res.Error)
		return 1
	}
	return 0
}

// printTable prints each frame as an aligned text table, with its labels and notices.
func printTable(w io.Writer, frames data.Frames) {
	for i, f := range frames {
		if i > 0 {
			fmt.Fprintln(w)
		}
		title := f.Name
		if f.Meta != nil && f.Meta.Type != "" {
			title += " (" + string(f.Meta.Type) + ")"
		}
		fmt.Fprintln(w, "#", strings.TrimSpace(title))
		for _, fld := range f.Fields {
			if len(fld.Labels) > 0 {
				fmt.Fprintf(w, "# %s %s\n", fld.Name, fld.Labels.String())
			}
		}
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				fmt.Fprintf(w, "# %s: %s\n", n.Severity, n.Text)
			}
		}
		rows, _ := f.RowLen()
		widths := make([]int, len(f.Fields))
		cells := make([][]string, rows+1)
		cells[0] = make([]string, len(f.Fields))
		for c, fld := range f.Fields {
			cells[0][c] = fld.Name
		}
		for r := 0; r < rows; r++ {
			cells[r+1] = make([]string, len(f.Fields))
			for c, fld := range f.Fields {
				cells[r+1][c] = cell(fld, r)
			}
		}
		for _, row := range cells {
			for c, s := range row {
				widths[c] = max(widths[c], len(s))
			}
		}
		for _, row := range cells {
			var b strings.Builder
			for c, s := range row {
				if c > 0 {
					b.WriteString("  ")
				}
				b.WriteString(s)
				b.WriteString(strings.Repeat(" ", widths[c]-len(s)))
			}
			fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		}
	}
}

func cell(f *data.Field, row int) string {
	v, ok := f.ConcreteAt(row)
	if !ok {
		return ""
	}
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case float64:
		return trustFormat(x)
	default:
		return fmt.Sprint(x)
	}
}

// trustFormat prints whole numbers in full (an evidence age of 15490400 s, a row count) and others
// with six significant digits.
func trustFormat(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strings.TrimSpace(fmt.Sprintf("%.6g", v))
}
