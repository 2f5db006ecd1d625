package mlflow

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/pyjson"
)

func TestFloatDecoding(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{`0.875`, 0.875},
		{`1e-3`, 0.001},
		{`-2`, -2},
		{`"0.5"`, 0.5},
		{`"NaN"`, math.NaN()},
		{`"Infinity"`, math.Inf(1)},
		{`"-Infinity"`, math.Inf(-1)},
		{`null`, math.NaN()},
	}
	for _, tt := range tests {
		var f Float
		if err := json.Unmarshal([]byte(tt.in), &f); err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		got := float64(f)
		if math.IsNaN(tt.want) {
			if !math.IsNaN(got) {
				t.Errorf("%s: got %v, want NaN", tt.in, got)
			}
		} else if got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{`"abc"`, `true`, `{}`} {
		var f Float
		if err := json.Unmarshal([]byte(bad), &f); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func TestInt64Decoding(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{`1686602849523`, 1686602849523},
		{`"1686602849523"`, 1686602849523},
		{`"0"`, 0},
		{`""`, 0},
		{`null`, 0},
		{`3.0`, 3},
		{`9007199254740993`, 9007199254740993}, // beyond float64 precision: must stay exact
		{`"9007199254740993"`, 9007199254740993},
	}
	for _, tt := range tests {
		var i Int64
		if err := json.Unmarshal([]byte(tt.in), &i); err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if int64(i) != tt.want {
			t.Errorf("%s: got %d, want %d", tt.in, i, tt.want)
		}
	}
	var i Int64
	if err := json.Unmarshal([]byte(`"soon"`), &i); err == nil {
		t.Error(`"soon": want an error`)
	}
}

func TestStringDecoding(t *testing.T) {
	for in, want := range map[string]string{`"3"`: "3", `3`: "3", `"a\/b"`: "a/b", `null`: ""} {
		var s String
		if err := json.Unmarshal([]byte(in), &s); err != nil || string(s) != want {
			t.Errorf("%s: got %q, %v; want %q", in, s, err, want)
		}
	}
}

func TestBareNaNDecodes(t *testing.T) {
	// The bulk endpoint's bare NaN decodes through Float.
	var resp struct{ Metrics []Metric }
	body := []byte(`{"metrics":[{"key":"f1","value":NaN,"timestamp":1,"step":0,"run_id":"r"},{"key":"f1","value":0.5,"timestamp":2,"step":1,"run_id":"r"}]}`)
	if err := json.Unmarshal(pyjson.Sanitize(body), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Metrics) != 2 || !math.IsNaN(float64(resp.Metrics[0].Value)) || resp.Metrics[1].Value != 0.5 {
		t.Errorf("decoded %+v", resp.Metrics)
	}
}

// TestDecodeRunsWithQuirks covers int64 as strings, "NaN" doubles and omitted lists in one answer.
func TestDecodeRunsWithQuirks(t *testing.T) {
	body := `{"runs":[
	 {"info":{"run_id":"r1","experiment_id":"7","status":"FINISHED","start_time":"1700000000000","end_time":"1700000060000"},
	  "data":{"metrics":[{"key":"accuracy","value":"NaN","timestamp":"1700000050000","step":"3"},
	                     {"key":"loss","value":"Infinity","timestamp":1700000050000}]}},
	 {"info":{"run_uuid":"r2","experiment_id":7,"start_time":1700000000001},"data":{}}]}`
	var page struct{ Runs []Run }
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	r1, r2 := page.Runs[0], page.Runs[1]
	if r1.Info.StartTime != 1700000000000 || r1.Info.EndTime != 1700000060000 {
		t.Errorf("times: %+v", r1.Info)
	}
	m := r1.Data.Metric("accuracy")
	if m == nil || !math.IsNaN(float64(m.Value)) || m.Step != 3 || m.Timestamp != 1700000050000 {
		t.Errorf("accuracy: %+v", m)
	}
	if l := r1.Data.Metric("loss"); l == nil || !math.IsInf(float64(l.Value), 1) || l.Step != 0 {
		t.Errorf("loss: %+v", l)
	}
	if r2.Info.ID() != "r2" || r2.Info.ExperimentID != "7" || r2.Data.Metrics != nil || r2.Data.Params != nil || r2.Data.Tags != nil {
		t.Errorf("r2: %+v", r2)
	}
}

// TestDecodeSamples reads the real Databricks runs/get answers in ../shared/samples/mlflow.
func TestDecodeSamples(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "samples", "mlflow")
	if _, err := os.Stat(dir); err != nil {
		dir = "/work/shared/samples/mlflow"
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("shared samples not found beside the repository or at %s: %v", dir, err)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "01_runs_get_response_databricks_raw_run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var resp struct{ Run Run }
	if err := json.Unmarshal(raw, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Run.Info.ID() != "38c0395ef5694d6aae3766cf3e1731e9" || resp.Run.Info.ExperimentID != "3336498746253572" {
		t.Errorf("info: %+v", resp.Run.Info)
	}
	if resp.Run.Data.Metrics != nil || len(resp.Run.Data.Tags) == 0 {
		t.Errorf("sample 01 has tags but no metrics key: %+v", resp.Run.Data)
	}
	raw, err = os.ReadFile(filepath.Join(dir, "02_run_object_with_metrics_params_tags_dataset_inputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var run Run
	if err := json.Unmarshal(raw, &run); err != nil {
		t.Fatal(err)
	}
	if m := run.Data.Metric("rmse"); m == nil || m.Value != 0.777493018409168 || m.Timestamp != 1686372182734 {
		t.Errorf("rmse: %+v", m)
	}
	if run.Data.Param("max_depth") != "1" || len(run.Inputs.DatasetInputs) == 0 || run.Inputs.DatasetInputs[0].Dataset.Name == "" {
		t.Errorf("params/inputs: %+v %+v", run.Data.Params, run.Inputs)
	}
}
