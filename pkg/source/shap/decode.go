package shap

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dte-trust/dte-trust/pkg/jsonlimit"
	"github.com/dte-trust/dte-trust/pkg/pyjson"
)

// Format is the value of the format key of a DTE Trust SHAP summary (docs/shap-format.md).
const Format = "dte-trust-shap"

// SupportedMajor is the major format version this plugin reads; every 1.x document is read and
// keys unknown to 1.0 are ignored.
const SupportedMajor = 1

// errNotSummary marks well-formed JSON that is not a SHAP summary (another tool's file in a
// scanned directory): reported as information, not as an unreadable file.
var errNotSummary = errors.New("not a SHAP summary")

// Summary is one SHAP summary: the global attribution of one model version's output, computed
// over n_samples explained rows at one time.
type Summary struct {
	Model, Version string
	Time           time.Time
	RunID          string
	Dataset        string
	Explainer      string
	Output         string // the explained output of a multi-output model; "" for single-output
	Samples        int
	BaseValue      *float64
	Features       []Attribution // highest mean |SHAP| first, names breaking ties
	Groups         []GroupAttribution

	Location     string // file path or "mlflow run <id>: <artifact>", for notices
	File         string // the file path, for the table format's file column ("" for MLflow)
	ExperimentID string // set when read from an MLflow run
	Link         string // the MLflow run page, when known
}

// Attribution is the mean |SHAP| of one feature.
type Attribution struct {
	Feature     string
	MeanAbsSHAP float64
}

// GroupAttribution is the attribution within one group of a sensitive feature.
type GroupAttribution struct {
	SensitiveFeature, Group string
	Samples                 int
	Features                []Attribution
}

// Top is the feature with the highest mean |SHAP| ("" without features).
func (s *Summary) Top() string {
	if len(s.Features) == 0 {
		return ""
	}
	return s.Features[0].Feature
}

type rawDoc struct {
	Format        *string         `json:"format"`
	FormatVersion json.RawMessage `json:"format_version"`
	Model         json.RawMessage `json:"model"`
	Version       json.RawMessage `json:"version"`
	Timestamp     *string         `json:"timestamp"`
	RunID         string          `json:"run_id"`
	Dataset       string          `json:"dataset"`
	Explainer     string          `json:"explainer"`
	Output        json.RawMessage `json:"output"`
	Samples       *float64        `json:"n_samples"`
	BaseValue     *num            `json:"base_value"`
	Features      []rawFeature    `json:"features"`
	Groups        []rawGroup      `json:"groups"`
}

type rawFeature struct {
	Feature     json.RawMessage `json:"feature"`
	MeanAbsSHAP *num            `json:"mean_abs_shap"`
}

type rawGroup struct {
	SensitiveFeature json.RawMessage `json:"sensitive_feature"`
	Group            json.RawMessage `json:"group"`
	Samples          *float64        `json:"n_samples"`
	Features         []rawFeature    `json:"features"`
}

// num is a JSON number, or one of the strings "NaN", "Infinity", "-Infinity" that pyjson.Sanitize
// makes of Python's bare tokens (kept, so the reader can name the feature that holds one).
type num float64

func (n *num) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		switch s {
		case "NaN":
			*n = num(math.NaN())
		case "Infinity":
			*n = num(math.Inf(1))
		case "-Infinity":
			*n = num(math.Inf(-1))
		default:
			return fmt.Errorf("%q is not a number", s)
		}
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("%s is not a number", b)
	}
	*n = num(f)
	return nil
}

// scalarString reads a JSON string or number as text; ok is false for anything else.
func scalarString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s), true
	}
	var f json.Number
	if json.Unmarshal(raw, &f) == nil {
		return f.String(), true
	}
	return "", false
}

// Decode reads one SHAP summary document, checking every field the plugin relies on: an error
// says what is wrong (errNotSummary for JSON of another kind).
func Decode(b []byte) (*Summary, error) {
	if err := jsonlimit.CheckDepth(b); err != nil {
		return nil, err
	}
	var d rawDoc
	if err := json.Unmarshal(pyjson.Sanitize(b), &d); err != nil {
		var other any
		if json.Unmarshal(pyjson.Sanitize(b), &other) == nil {
			if _, isObject := other.(map[string]any); !isObject {
				return nil, fmt.Errorf("%w: not a JSON object", errNotSummary)
			}
		}
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if d.Format == nil {
		return nil, fmt.Errorf("%w: no format key", errNotSummary)
	}
	if *d.Format != Format {
		return nil, fmt.Errorf("%w: format %q (this plugin reads %q)", errNotSummary, *d.Format, Format)
	}
	v, ok := scalarString(d.FormatVersion)
	if !ok {
		return nil, fmt.Errorf("no format_version")
	}
	major, _, _ := strings.Cut(v, ".")
	if n, err := strconv.Atoi(major); err != nil || n != SupportedMajor {
		return nil, fmt.Errorf("format_version %q is not supported (this plugin reads %d.x)", v, SupportedMajor)
	}
	s := &Summary{RunID: strings.TrimSpace(d.RunID), Dataset: strings.TrimSpace(d.Dataset), Explainer: strings.TrimSpace(d.Explainer)}
	if s.Model, ok = scalarString(d.Model); !ok || s.Model == "" {
		return nil, fmt.Errorf("no model")
	}
	s.Version, _ = scalarString(d.Version)
	s.Output, _ = scalarString(d.Output)
	if d.Timestamp == nil {
		return nil, fmt.Errorf("no timestamp")
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(*d.Timestamp))
	if err != nil {
		return nil, fmt.Errorf("timestamp %q is not RFC 3339", *d.Timestamp)
	}
	s.Time = t.UTC()
	if d.Samples != nil {
		if *d.Samples < 0 || *d.Samples != math.Trunc(*d.Samples) || *d.Samples > math.MaxInt32 {
			return nil, fmt.Errorf("n_samples %v is not a count", *d.Samples)
		}
		s.Samples = int(*d.Samples)
	}
	if d.BaseValue != nil && !math.IsNaN(float64(*d.BaseValue)) && !math.IsInf(float64(*d.BaseValue), 0) {
		bv := float64(*d.BaseValue)
		s.BaseValue = &bv
	}
	if s.Features, err = attributions(d.Features, ""); err != nil {
		return nil, err
	}
	for i, g := range d.Groups {
		ga := GroupAttribution{}
		sf, ok1 := scalarString(g.SensitiveFeature)
		gv, ok2 := scalarString(g.Group)
		if !ok1 || !ok2 || sf == "" {
			return nil, fmt.Errorf("groups[%d]: needs sensitive_feature and group", i)
		}
		ga.SensitiveFeature, ga.Group = sf, gv
		if g.Samples != nil && *g.Samples >= 0 && *g.Samples <= math.MaxInt32 {
			ga.Samples = int(*g.Samples)
		}
		if ga.Features, err = attributions(g.Features, fmt.Sprintf("group %s=%s: ", sf, gv)); err != nil {
			return nil, err
		}
		s.Groups = append(s.Groups, ga)
	}
	return s, nil
}

// attributions checks and sorts a features list: names present and unique, values finite and
// not negative (a mean of absolute values).
func attributions(raw []rawFeature, where string) ([]Attribution, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("%sno features", where)
	}
	seen := map[string]bool{}
	out := make([]Attribution, 0, len(raw))
	for i, f := range raw {
		name, ok := scalarString(f.Feature)
		if !ok || name == "" {
			return nil, fmt.Errorf("%sfeatures[%d]: no feature name", where, i)
		}
		if seen[name] {
			return nil, fmt.Errorf("%sfeature %q appears twice", where, name)
		}
		seen[name] = true
		if f.MeanAbsSHAP == nil {
			return nil, fmt.Errorf("%sfeature %q: no mean_abs_shap", where, name)
		}
		v := float64(*f.MeanAbsSHAP)
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			return nil, fmt.Errorf("%sfeature %q: mean_abs_shap is %v (the explanation held NaN or infinite SHAP values)", where, name, v)
		case v < 0:
			return nil, fmt.Errorf("%sfeature %q: mean_abs_shap %v is negative (a mean of absolute values cannot be)", where, name, v)
		}
		out = append(out, Attribution{Feature: name, MeanAbsSHAP: v})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].MeanAbsSHAP != out[j].MeanAbsSHAP {
			return out[i].MeanAbsSHAP > out[j].MeanAbsSHAP
		}
		return out[i].Feature < out[j].Feature
	})
	return out, nil
}
