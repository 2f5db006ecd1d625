package shap

import (
	"testing"

	"github.com/dte-trust/dte-trust/pkg/internal/fuzzseed"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// FuzzDecodeSummary feeds SHAP summaries (good and bad) to the decoder and the serving path in
// every format. No input may crash them.
func FuzzDecodeSummary(f *testing.F) {
	fuzzseed.Add(f, fuzzseed.Files([]string{fuzzseed.Testdata("shap")}, ".json")...)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Decode(b)
		if err != nil {
			return
		}
		for _, format := range []trust.Format{trust.FormatTimeseries, trust.FormatLatest, trust.FormatTable} {
			for _, pt := range Points([]*Summary{s, s}, &trust.Query{Format: format}) {
				if pt.Metric == "" || pt.Dimension != trust.Explainability {
					t.Fatalf("bad point %+v", pt)
				}
			}
		}
	})
}
