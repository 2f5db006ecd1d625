package mlflow

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/internal/fuzzseed"
	"github.com/dte-trust/dte-trust/pkg/pyjson"
)

// sameAsEncodingJSON checks the fast decoder against the reference path of callMetrics
// (encoding/json over pyjson.Sanitize): when the fast path accepts a body, encoding/json must accept
// it too and read the same values. Declining is always allowed.
func sameAsEncodingJSON(body []byte) error {
	ms, next, ok := decodeMetricsPage(body)
	if !ok {
		return nil
	}
	var page struct {
		Metrics       []Metric `json:"metrics"`
		NextPageToken string   `json:"next_page_token"`
	}
	if err := json.Unmarshal(pyjson.Sanitize(body), &page); err != nil {
		return fmt.Errorf("the fast path accepted what encoding/json rejects (%v)", err)
	}
	if next != page.NextPageToken || len(ms) != len(page.Metrics) {
		return fmt.Errorf("fast: %d values, next %q; encoding/json: %d, %q", len(ms), next, len(page.Metrics), page.NextPageToken)
	}
	for i := range ms {
		a, b := ms[i], page.Metrics[i]
		va, vb := float64(a.Value), float64(b.Value)
		if !(math.IsNaN(va) && math.IsNaN(vb)) && math.Float64bits(va) != math.Float64bits(vb) {
			return fmt.Errorf("value %d: fast %v, encoding/json %v", i, va, vb)
		}
		a.Value, b.Value = 0, 0
		if a != b {
			return fmt.Errorf("value %d: fast %+v, encoding/json %+v", i, a, b)
		}
	}
	return nil
}

// Issue 12, defect 9: the fast history decoder accepted invalid JSON that encoding/json rejects
// ({"":A}), and read some bodies differently. Every case here is declined or read the same.
func TestFastDecoderAgreesWithEncodingJSON(t *testing.T) {
	for _, body := range []string{
		`{"":A}`,
		`{"x":tru}`,
		`{"x":[1,,2]}`,
		`{"x":{]}`,
		`{"x":[1}`,
		`{"x":{"a"}}`,
		`{"x":{"a":1,}}`,
		`{"x":-}`,
		`{"x":01}`,
		`{"x":1.}`,
		`{"x":.5}`,
		`{"x":1e}`,
		`{"x":+1}`,
		`{"x":-NaN}`,
		`{"metrics":[{"key":"a","value":nan,"timestamp":1}]}`,
		`{"metrics":[{"key":"a","value":inf,"timestamp":1}]}`,
		`{"metrics":[{"key":"a","value":+1,"timestamp":1}]}`,
		`{"metrics":[{"key":"a","value":0x10,"timestamp":1}]}`,
		`{"metrics":[{"key":"a","value":1,"timestamp":01}]}`,
		`{"metrics":[{"key":"a","value":1,"timestamp":+1}]}`,
		"{\"metrics\":[{\"key\":\"a\tb\",\"value\":1,\"timestamp\":1}]}",
		"{\"metrics\":[{\"key\":\"a\xffb\",\"value\":1,\"timestamp\":1}]}",
		`{"METRICS":[{"key":"a","value":1,"timestamp":1}]}`,
		`{"metrics":[{"Key":"a","value":1,"timestamp":1}]}`,
		`{"metrics":[{"key":"a","value":1,"timestamp":1,"KEY":"b"}]}`,
		`{"metrics":[{"key":"a","value":1,"timestamp":1,"step":5},{"key":"a","value":1,"timestamp":1,"step":6}],"metrics":[{"key":"b","value":2,"timestamp":2}]}`,
		`{"metrics":[{"key":"a","value":1,"timestamp":1}],"next_page_token":"x","next_page_token":"y"}`,
		`{"metrics":[{"key":"a","value":"nan","timestamp":"1"}]}`,
		`{"metrics":[{"key":"a","value":NaN,"timestamp":1,"x":[NaN,-Infinity,{"y":Infinity}]}]}`,
	} {
		if err := sameAsEncodingJSON([]byte(body)); err != nil {
			t.Errorf("%q: %v", body, err)
		}
	}
}

// metricPageSeeds are history answers: the shapes of TestDecodeMetricsPageMatchesEncodingJSON, a
// generated bulk answer and the shared MLflow samples (JSON of other shapes).
func metricPageSeeds() [][]byte {
	seeds := [][]byte{
		[]byte(`{"metrics": [{"key": "acc", "run_id": "r1", "step": 0, "timestamp": 1700000000000, "value": 0.5}, {"key": "acc", "run_id": "r2", "step": 3, "timestamp": 1700000000001, "value": NaN}]}`),
		[]byte(`{"metrics":[{"key":"acc","value":"NaN","timestamp":"1700000000000","step":"2"},{"key":"acc","value":"-Infinity","timestamp":1}],"next_page_token":"eyJvZmZzZXQiOiAxMH0="}`),
		[]byte("{\n  \"metrics\": [\n    {\n      \"key\": \"f1\",\n      \"value\": 1e-3,\n      \"timestamp\": 5,\n      \"extra\": {\"a\": [1, \"}\"]},\n      \"model_id\": \"m-1\",\n      \"dataset_name\": \"test\",\n      \"dataset_digest\": \"abc\"\n    }\n  ],\n  \"other\": [\"x\"]\n}\n"),
		[]byte(`{"metrics":[{"key":"a","value":null,"timestamp":1}]}`),
		[]byte(`{"":A}`),
		bulkBody(3, 2),
	}
	return append(seeds, fuzzseed.Files([]string{fuzzseed.Samples("mlflow")}, ".json")...)
}

// FuzzDecodeMetricsPage is the differential check of the fast history decoder against
// encoding/json (after pyjson.Sanitize), the path callMetrics falls back to: whatever the fast
// path accepts, encoding/json accepts and reads the same. hasKnownKey must not crash either.
func FuzzDecodeMetricsPage(f *testing.F) {
	fuzzseed.Add(f, metricPageSeeds()...)
	f.Fuzz(func(t *testing.T, body []byte) {
		if err := sameAsEncodingJSON(body); err != nil {
			t.Fatal(err)
		}
		hasKnownKey(body, &struct {
			Metrics []Metric `json:"metrics"`
		}{})
	})
}

// FuzzDecodeAnswer decodes a body as each kind of MLflow answer the client reads (through
// decodeAnswer: depth limit, bare NaN tokens) and as an error answer.
func FuzzDecodeAnswer(f *testing.F) {
	fuzzseed.Add(f, metricPageSeeds()...)
	f.Add([]byte(`{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Run 'x' not found, see http://u:p@h/?token=t"}`))
	f.Add([]byte(`{"registered_models":[{"name":"m","latest_versions":[{"name":"m","version":1,"run_id":"r"}],"aliases":[{"alias":"champion","version":"1"}]}]}`))
	f.Add([]byte(`{"files":[{"path":"a/b.json","is_dir":false,"file_size":"12"}],"root_uri":"x"}`))
	c, err := NewClient(Config{URL: "http://mlflow:5000"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var runs struct {
			Runs          []Run  `json:"runs"`
			NextPageToken string `json:"next_page_token"`
		}
		if decodeAnswer(body, &runs) == nil {
			for i := range runs.Runs {
				_ = runs.Runs[i].Info.ID()
				_ = runs.Runs[i].Info.StartTime
			}
		}
		var one struct {
			Run Run `json:"run"`
		}
		_ = decodeAnswer(body, &one)
		var exps struct {
			Experiments []Experiment `json:"experiments"`
		}
		_ = decodeAnswer(body, &exps)
		var models struct {
			RegisteredModels []RegisteredModel `json:"registered_models"`
			ModelVersions    []ModelVersion    `json:"model_versions"`
		}
		_ = decodeAnswer(body, &models)
		var files struct {
			Files []FileInfo `json:"files"`
		}
		_ = decodeAnswer(body, &files)
		hasKnownKey(body, &runs)
		r := api2(http.MethodGet, "runs/get", nil, nil)
		for _, status := range []int{400, 404, 503} {
			e := c.statusError(r, status, "application/json", body)
			if e.Error() == "" {
				t.Fatal("an empty error")
			}
		}
	})
}
