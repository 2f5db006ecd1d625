package mlflow

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/pyjson"
)

// TestDecodeMetricsPageMatchesEncodingJSON checks that the fast path reads exactly what
// encoding/json reads, and declines what it does not handle.
func TestDecodeMetricsPageMatchesEncodingJSON(t *testing.T) {
	tests := []struct {
		name, body string
		fast       bool // the fast path handles it
	}{
		{"bulk, Flask style", `{"metrics": [{"key": "acc", "run_id": "r1", "step": 0, "timestamp": 1700000000000, "value": 0.5}, {"key": "acc", "run_id": "r2", "step": 3, "timestamp": 1700000000001, "value": NaN}]}`, true},
		{"protobuf style", `{"metrics":[{"key":"acc","value":"NaN","timestamp":"1700000000000","step":"2"},{"key":"acc","value":"-Infinity","timestamp":1}],"next_page_token":"eyJvZmZzZXQiOiAxMH0="}`, true},
		{"pretty, unknown fields", "{\n  \"metrics\": [\n    {\n      \"key\": \"f1\",\n      \"value\": 1e-3,\n      \"timestamp\": 5,\n      \"extra\": {\"a\": [1, \"}\"]},\n      \"model_id\": \"m-1\",\n      \"dataset_name\": \"test\",\n      \"dataset_digest\": \"abc\"\n    }\n  ],\n  \"other\": [\"x\"]\n}\n", true},
		{"empty object", `{}`, true},
		{"empty list", `{"metrics": []}`, true},
		{"null value", `{"metrics":[{"key":"a","value":null,"timestamp":1}]}`, true},
		{"escaped key", `{"metrics":[{"key":"a\u00e9","value":1,"timestamp":1}]}`, false},
		{"timestamp as double", `{"metrics":[{"key":"a","value":1,"timestamp":1.7e12}]}`, false},
		{"trailing garbage", `{"metrics":[]} x`, false},
		{"truncated", `{"metrics":[{"key":"a","value":1`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, next, ok := decodeMetricsPage([]byte(tt.body))
			if ok != tt.fast {
				t.Fatalf("fast path ok=%v, want %v", ok, tt.fast)
			}
			if !ok {
				return
			}
			var page struct {
				Metrics       []Metric `json:"metrics"`
				NextPageToken string   `json:"next_page_token"`
			}
			if err := json.Unmarshal(pyjson.Sanitize([]byte(tt.body)), &page); err != nil {
				t.Fatal(err)
			}
			if next != page.NextPageToken || len(ms) != len(page.Metrics) {
				t.Fatalf("got %d values, next %q; encoding/json %d, %q", len(ms), next, len(page.Metrics), page.NextPageToken)
			}
			for i := range ms {
				a, b := ms[i], page.Metrics[i]
				if math.IsNaN(float64(a.Value)) && math.IsNaN(float64(b.Value)) {
					a.Value, b.Value = 0, 0
				}
				if !reflect.DeepEqual(a, b) {
					t.Errorf("value %d: fast %+v, encoding/json %+v", i, a, b)
				}
			}
		})
	}
}

func bulkBody(runs, steps int) []byte {
	var b strings.Builder
	b.WriteString(`{"metrics": [`)
	for r := 0; r < runs; r++ {
		for s := 0; s < steps; s++ {
			if r+s > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, `{"key": "accuracy", "run_id": "run%028d", "step": %d, "timestamp": %d, "value": %v}`, r, s, 1700000000000+int64(s)*1000, 0.5+float64(s)/100)
		}
	}
	b.WriteString("]}")
	return []byte(b.String())
}

func BenchmarkDecodeBulkFast(b *testing.B) {
	body := bulkBody(100, 10)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, ok := decodeMetricsPage(body); !ok {
			b.Fatal("not decoded")
		}
	}
}

func BenchmarkDecodeBulkEncodingJSON(b *testing.B) {
	body := bulkBody(100, 10)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var page struct{ Metrics []Metric }
		if err := json.Unmarshal(pyjson.Sanitize(body), &page); err != nil {
			b.Fatal(err)
		}
	}
}
