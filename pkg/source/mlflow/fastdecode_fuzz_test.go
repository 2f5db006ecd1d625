package mlflow

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

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
