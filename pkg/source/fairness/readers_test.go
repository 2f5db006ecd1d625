package fairness

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// readString decodes one file's content as the store would, and renders its points as
// "metric[group]=value" lines (sorted) plus the emitter's notices.
func readString(t *testing.T, name, content string, cols CSVColumnsList) ([]string, []string, error) {
	t.Helper()
	p := &Provider{cfg: Config{CSVColumns: cols}}
	evals, notes, err := p.decode(name, name, []byte(content))
	if err != nil {
		return nil, notes, err
	}
	em := &emitter{requested: map[string]bool{}}
	var out []string
	for _, e := range evals {
		for _, pt := range em.points(e) {
			g := pt.Labels[trust.LabelGroup]
			if c := pt.Labels[LabelControlGroup]; c != "" {
				g = c + "|" + g
			}
			if m := pt.Labels[trust.LabelModel]; m != "" {
				g = m + ":" + g
			}
			v := strconv.FormatFloat(pt.Value, 'g', -1, 64)
			out = append(out, pt.Labels[trust.LabelSensitiveFeature]+" "+pt.Metric+"["+g+"]="+v)
		}
	}
	sort.Strings(out)
	return out, append(notes, em.notices...), nil
}

func has(list []string, want ...string) []string {
	var missing []string
	for _, w := range want {
		found := false
		for _, l := range list {
			if l == w {
				found = true
			}
		}
		if !found {
			missing = append(missing, w)
		}
	}
	return missing
}

func TestReaders(t *testing.T) {
	for _, tc := range []struct {
		name, file, content string
		cols                CSVColumnsList
		want                []string
		notice              string
		err                 string
	}{
		{
			name: "column-major by_group (mf.by_group.to_dict())", file: "a.json",
			content: `{"sensitive_feature":"sex","overall":{"accuracy":0.7,"selection_rate":0.4},
				"by_group":{"accuracy":{"F":0.6,"M":0.8},"selection_rate":{"F":0.3,"M":0.5}}}`,
			want: []string{"sex accuracy[F]=0.6", "sex selection_rate[M]=0.5", "sex demographic_parity_difference[]=0.2", "sex demographic_parity_ratio[]=0.6"},
		},
		{
			name: "list by_group with group objects", file: "a.json",
			content: `{"sensitive_features":["sex","race"],"by_group":[{"group":{"race":"B","sex":"F"},"count":10,"tpr":0.5,"fpr":0.1},
				{"group":{"sex":"M","race":"A"},"values":{"tpr":0.75,"fpr":0.3}}]}`,
			want: []string{"sex,race true_positive_rate[sex=F,race=B]=0.5", "sex,race count[sex=F,race=B]=10",
				"sex,race equalized_odds_difference[]=0.25", "sex,race equalized_odds_ratio[]=0.33333333333333337",
				"sex,race equal_opportunity_ratio[]=0.6666666666666666"},
		},
		{
			name: "missing by-group value", file: "a.json",
			content: `{"by_group":{"A":{"accuracy":0.5,"selection_rate":0.2},"B":{"selection_rate":0.3}}}`,
			want:    []string{" accuracy_difference[]=0", " selection_rate_difference[]=0.09999999999999998"},
			notice:  "missing by-group values, treated as undefined: accuracy of group B",
		},
		{
			name: "long CSV with overall and stated disparity", file: "long.csv",
			content: "model,sensitive_feature,group,metric,value\nm1,sex,F,accuracy,0.6\nm1,sex,M,accuracy,0.9\nm1,sex,,accuracy,0.75\nm1,sex,,demographic_parity_difference,0.05\n",
			want: []string{"sex accuracy[m1:F]=0.6", "sex accuracy[m1:]=0.75", "sex demographic_parity_difference[m1:]=0.05",
				"sex accuracy_ratio[m1:]=0.6666666666666666", "sex worst_group_accuracy[m1:F]=0.6"},
		},
		{
			name: "semicolon CSV with NaN as an empty cell (pandas to_csv)", file: "b.csv",
			content: "segment;recall;selection_rate\nA;0.5;0.2\nB;;0.4\n",
			want:    []string{"segment recall[A]=0.5", "segment recall[B]=NaN", "segment recall_difference[]=0", "segment selection_rate_ratio[]=0.5"},
			notice:  "undefined (NaN) values",
		},
		{
			name: "by-group CSV with control features, mapped", file: "c.csv",
			content: "region,sex,selection_rate\nEU,F,0.2\nEU,M,0.4\nUS,F,0.3\nUS,M,0.3\n",
			cols:    CSVColumnsList{{ControlFeatures: []string{"region"}, SensitiveFeatures: []string{"sex"}}},
			want:    []string{"sex demographic_parity_difference[region=EU|]=0.2", "sex demographic_parity_difference[region=US|]=0"},
		},
		{
			name: "integer group values in the index column", file: "d.csv",
			content: "sensitive_feature_0,accuracy\n0,0.9\n1,0.8\n",
			want:    []string{"sensitive_feature_0 accuracy[0]=0.9", "sensitive_feature_0 worst_group_accuracy[1]=0.8"},
		},
		{name: "unrelated CSV", file: "e.csv", content: "id,price\n1,2.5\n", err: "no column names a known metric"},
		{name: "unrelated JSON", file: "f.json", content: `{"hello":"world"}`, err: "not a fairness result"},
		{name: "other format", file: "g.json", content: `{"format":"something-else"}`, err: `format "something-else"`},
		{name: "DTE without features", file: "h.json", content: `{"format":"dte-trust-fairness","format_version":"1.0","by_group":[]}`, err: "no sensitive_features"},
		{name: "DTE bad timestamp", file: "h.json", content: `{"format":"dte-trust-fairness","format_version":"1.3","sensitive_features":["a"],"timestamp":"yesterday","by_group":[]}`, err: "cannot read time"},
		{
			name: "mapped column missing", file: "i.csv", content: "attr,dpd\nsex,0.1\n",
			cols: CSVColumnsList{{SensitiveFeature: "Protected attribute"}}, err: `lacks the columns fairlearnCsvColumns names: "Protected attribute"`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, notes, err := readString(t, tc.file, tc.content, tc.cols)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if missing := has(got, tc.want...); len(missing) > 0 {
				t.Errorf("missing %v in\n%s", missing, strings.Join(got, "\n"))
			}
			if tc.notice != "" && !strings.Contains(strings.Join(notes, "\n"), tc.notice) {
				t.Errorf("no notice %q in %v", tc.notice, notes)
			}
		})
	}
}

func TestSanitizeNonFinite(t *testing.T) {
	in := `{"a": NaN, "b": -Infinity, "c": Infinity, "s": "NaN and Infinity stay", "d": [NaN]}`
	var v map[string]any
	if err := decodeJSON([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if v["a"] != "NaN" || v["b"] != "-Infinity" || v["s"] != "NaN and Infinity stay" {
		t.Errorf("%v", v)
	}
}

func TestFixturesAreSmall(t *testing.T) {
	err := filepath.Walk(testdataDir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && info.Size() > 200<<10 {
			t.Errorf("%s is %d KiB", p, info.Size()>>10)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
