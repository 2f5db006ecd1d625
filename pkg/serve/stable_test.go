package serve

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// stableColumns are the label columns Tidy gives a query type whose evidence carries no label beyond
// its StableLabels, in Tidy's order.
func stableColumns(queryType string) []string {
	keys := trust.Labels{}
	for _, k := range StableLabels[queryType] {
		keys[k] = "x"
	}
	var out []string
	for _, k := range trust.SortedLabelKeys(keys) {
		out = append(out, LabelColumn(k))
	}
	return out
}

// labelColumns are the columns of a tidy table between the lead columns and link.
func labelColumns(t *testing.T, tb *Table) []string {
	t.Helper()
	names := columnNames(tb)
	if len(names) < len(tidyLead)+1 || names[len(names)-1] != colLink {
		t.Fatalf("not a tidy table: %v", names)
	}
	return names[len(tidyLead) : len(names)-1]
}

func TestStableLabelsCoverTheSources(t *testing.T) {
	// Every tidy query type over every source the repository has fixtures for (the MLflow demo
	// registry and runs, Evidently, Fairlearn, Great Expectations, SHAP), in every format: the label
	// columns are exactly the type's StableLabels. A label a source sets beyond them would be a column
	// that comes and goes with the evidence, which a Superset dataset (fixed columns) cannot follow.
	root, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	mlflow := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{Version: "3.1.0"})
	settings := fixtureSettings(t, map[string]any{
		"mlflowUrl": mlflow.URL, "cacheSeconds": 0,
		"gxPaths":   []string{filepath.Join(root, "gx/gx1")},
		"shapPaths": []string{filepath.Join(root, "shap/demo")},
	}, nil)
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	s, _ := newServer(t, settings, Options{Now: func() time.Time { return now }})

	// The labels each type's fixtures must show in some row (the check above would pass vacuously
	// over no evidence), the GX ones among quality's.
	seen := map[string][]string{
		trust.QueryAccuracy:       {"experiment", "run_id", "source"},
		trust.QueryDrift:          {"model", "source", "feature", "method", "label_threshold"},
		trust.QueryQuality:        {"model", "version", "source", "test", "dataset", "suite", "expectation", "column", "file"},
		trust.QueryFairness:       {"model", "version", "source", "sensitive_feature", "group", "control_group", "file"},
		trust.QueryCompliance:     {"model", "version", "source", "rule", "pack", "reason", "severity"},
		trust.QueryTrustScore:     {"model", "version", "source"},
		trust.QueryFreshness:      {"model", "version", "source"},
		trust.QueryExplainability: {"model", "version", "source", "dataset", "feature", "file", "top_feature", "previous_top_feature"},
	}
	if len(seen) != len(tidyQueryTypes) {
		t.Fatalf("seen covers %d query types, tidyQueryTypes has %d", len(seen), len(tidyQueryTypes))
	}
	for _, qt := range tidyQueryTypes {
		want := stableColumns(qt)
		nonNull := map[string]bool{}
		rows := 0
		for _, format := range []string{"latest", "table", "timeseries"} {
			body := fmt.Sprintf(`{"query":{"queryType":%q,"format":%q},"from":"2020-01-01T00:00:00Z","to":"now"}`, qt, format)
			tb := decodeTable(t, do(s, "POST", "/api/v1/query", body))
			got := labelColumns(t, tb)
			if !slices.Equal(got, want) {
				t.Errorf("%s (%s): label columns %v, want exactly StableLabels %v", qt, format, got, want)
				continue
			}
			for _, row := range tb.Rows {
				rows++
				for i, name := range got {
					if row[len(tidyLead)+i] != nil {
						nonNull[name] = true
					}
				}
			}
		}
		if rows == 0 {
			t.Errorf("%s: no rows over the fixtures", qt)
		}
		for _, name := range seen[qt] {
			if !slices.Contains(want, name) {
				t.Errorf("%s: %s is not among the stable label columns %v", qt, name, want)
			} else if !nonNull[name] {
				t.Errorf("%s: no row carries %s", qt, name)
			}
		}
	}
}

func TestSupersetDatasetsHaveTheStableColumns(t *testing.T) {
	// superset/bundle.py writes one dataset per evidence table it charts; Superset keeps a dataset's
	// columns, so they must be what trustq serve answers for that query type: the lead columns, the
	// StableLabels and link.
	files, err := filepath.Glob("../../superset/bundle/datasets/*/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no datasets in superset/bundle (%v)", err)
	}
	types := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ds struct {
			TableName string `yaml:"table_name"`
			Columns   []struct {
				Name string `yaml:"column_name"`
			} `yaml:"columns"`
		}
		if err := yaml.Unmarshal(b, &ds); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		qt, _, _ := strings.Cut(strings.TrimPrefix(ds.TableName, "dtetrust://"), "?")
		if !slices.Contains(tidyQueryTypes, qt) {
			continue
		}
		types[qt] = true
		var want []string
		for _, c := range tidyLead {
			want = append(want, c.Name)
		}
		want = append(append(want, stableColumns(qt)...), colLink)
		var got []string
		for _, c := range ds.Columns {
			got = append(got, c.Name)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s (%s): columns %v, want %v (StableLabels in rows.go, LABELS in superset/bundle.py)", filepath.Base(f), ds.TableName, got, want)
		}
	}
	for _, qt := range []string{trust.QueryQuality, trust.QueryFreshness, trust.QueryExplainability} {
		if !types[qt] {
			t.Errorf("superset/bundle has no %s dataset", qt)
		}
	}
}
