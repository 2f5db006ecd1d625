package gx

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dte-trust/dte-trust/pkg/jsonlimit"
	"github.com/dte-trust/dte-trust/pkg/pyjson"
)

// errNotGX marks a well-formed JSON file that is not a Great Expectations result (another JSON
// file in a scanned directory, a GX suite or config): reported as information, not as unreadable.
var errNotGX = errors.New("not a Great Expectations validation result")

// Validation is one ExpectationSuiteValidationResult as the source reads it.
type Validation struct {
	GXVersion      string // meta.great_expectations_version
	Suite          string // suite_name (1.x) or meta.expectation_suite_name (0.18)
	Datasource     string // meta.active_batch_definition.datasource_name
	DataAsset      string // meta.active_batch_definition.data_asset_name (or batch_spec's)
	RunName        string // meta.run_id.run_name
	Checkpoint     string // meta.checkpoint_name (0.18) or the CheckpointResult's name
	RunTime        time.Time
	Success        bool
	Evaluated      float64 // statistics.evaluated_expectations
	Successful     float64 // statistics.successful_expectations
	SuccessPercent *float64
	Expectations   []Expectation

	// Filled by the reader: where the result was found and what it belongs to.
	Model, Version    string
	RunID, Experiment string // the MLflow run holding the result as an artifact
	Location, File    string
	Link              string
}

// Expectation is one expectation's outcome within a validation.
type Expectation struct {
	Type    string // expectation_config.type (1.x) or expectation_type (0.18)
	Column  string // kwargs.column; "" for table-level expectations
	Success bool
}

type rawResult struct {
	Success    *bool           `json:"success"`
	Results    []rawExpResult  `json:"results"`
	SuiteName  string          `json:"suite_name"`
	Statistics *rawStats       `json:"statistics"`
	Meta       json.RawMessage `json:"meta"`
}

type rawStats struct {
	Evaluated      *float64 `json:"evaluated_expectations"`
	Successful     *float64 `json:"successful_expectations"`
	SuccessPercent *float64 `json:"success_percent"`
}

type rawMeta struct {
	Version        string          `json:"great_expectations_version"`
	SuiteName      string          `json:"expectation_suite_name"`
	RunID          json.RawMessage `json:"run_id"`
	ValidationTime string          `json:"validation_time"`
	CheckpointName string          `json:"checkpoint_name"`
	ActiveBatch    *rawBatchDef    `json:"active_batch_definition"`
	BatchSpec      map[string]any  `json:"batch_spec"`
}

type rawBatchDef struct {
	Datasource string `json:"datasource_name"`
	DataAsset  string `json:"data_asset_name"`
}

type rawRunID struct {
	RunName *string `json:"run_name"`
	RunTime *string `json:"run_time"`
}

type rawExpResult struct {
	Success *bool `json:"success"`
	Config  *struct {
		Type            string                     `json:"type"`
		ExpectationType string                     `json:"expectation_type"`
		Kwargs          map[string]json.RawMessage `json:"kwargs"`
	} `json:"expectation_config"`
}

// Decode reads one Great Expectations result file: an ExpectationSuiteValidationResult (GX 1.x and
// 0.x, as the validation results store writes it or to_json_dict returns it) or a 0.x
// CheckpointResult (to_json_dict: run_id, run_results, checkpoint_config). A result of an unknown
// major version or without a run time is an error naming what is missing; GX 1.x's
// CheckpointResult.describe() output is refused with the reason (it carries no run time).
func Decode(b []byte) ([]*Validation, error) {
	if err := jsonlimit.CheckDepth(b); err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(pyjson.Sanitize(b), &top); err != nil {
		var list []json.RawMessage
		if json.Unmarshal(pyjson.Sanitize(b), &list) == nil {
			return nil, fmt.Errorf("%w: a JSON list", errNotGX)
		}
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	switch {
	case top["run_results"] != nil:
		return decodeCheckpoint(top)
	case top["validation_results"] != nil && top["results"] == nil:
		return nil, errors.New("GX 1.x CheckpointResult.describe() output: it carries no run time, run name or data asset; " +
			"keep the validation results instead (the validation results store, or ExpectationSuiteValidationResult.to_json_dict())")
	case top["results"] != nil && top["statistics"] != nil:
		v, err := decodeResult(top)
		if err != nil {
			return nil, err
		}
		return []*Validation{v}, nil
	}
	return nil, fmt.Errorf("%w: no results and statistics, nor run_results", errNotGX)
}

// decodeCheckpoint reads a 0.x CheckpointResult's validation results, in key order.
func decodeCheckpoint(top map[string]json.RawMessage) ([]*Validation, error) {
	var runs map[string]struct {
		ValidationResult map[string]json.RawMessage `json:"validation_result"`
	}
	if err := json.Unmarshal(top["run_results"], &runs); err != nil {
		return nil, fmt.Errorf("run_results: %w", err)
	}
	var cfg struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(top["checkpoint_config"], &cfg) // the name is optional
	keys := make([]string, 0, len(runs))
	for k := range runs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []*Validation
	for _, k := range keys {
		vr := runs[k].ValidationResult
		if vr == nil {
			return nil, fmt.Errorf("run_results %q: no validation_result", k)
		}
		v, err := decodeResult(vr)
		if err != nil {
			return nil, fmt.Errorf("run_results %q: %w", k, err)
		}
		if v.Checkpoint == "" {
			v.Checkpoint = cfg.Name
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, errors.New("run_results is empty")
	}
	return out, nil
}

// decodeResult reads one ExpectationSuiteValidationResult.
func decodeResult(top map[string]json.RawMessage) (*Validation, error) {
	var r rawResult
	b, _ := json.Marshal(top)
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("not a validation result: %w", err)
	}
	var meta rawMeta
	if len(r.Meta) > 0 && string(r.Meta) != "null" {
		if err := json.Unmarshal(r.Meta, &meta); err != nil {
			return nil, fmt.Errorf("meta: %w", err)
		}
	}
	if meta.Version == "" {
		return nil, fmt.Errorf("%w: no meta.great_expectations_version", errNotGX)
	}
	major, _, _ := strings.Cut(strings.TrimPrefix(meta.Version, "v"), ".")
	if major != "0" && major != "1" {
		return nil, fmt.Errorf("great_expectations_version %q: unknown major version (this plugin reads GX 0.x and 1.x results)", meta.Version)
	}
	v := &Validation{GXVersion: meta.Version, Suite: r.SuiteName, Checkpoint: meta.CheckpointName}
	if err := v.readMeta(&meta); err != nil {
		return nil, err
	}
	if r.Success == nil {
		return nil, errors.New("no success field")
	}
	v.Success = *r.Success
	if r.Statistics == nil || r.Statistics.Evaluated == nil || r.Statistics.Successful == nil {
		return nil, errors.New("statistics lack evaluated_expectations or successful_expectations")
	}
	v.Evaluated, v.Successful = *r.Statistics.Evaluated, *r.Statistics.Successful
	v.SuccessPercent = r.Statistics.SuccessPercent
	for i, er := range r.Results {
		if er.Config == nil || er.Success == nil {
			return nil, fmt.Errorf("results[%d]: no expectation_config or success", i)
		}
		e := Expectation{Type: er.Config.Type, Success: *er.Success}
		if e.Type == "" {
			e.Type = er.Config.ExpectationType
		}
		if e.Type == "" {
			return nil, fmt.Errorf("results[%d]: expectation_config has no type", i)
		}
		if c, ok := er.Config.Kwargs["column"]; ok {
			_ = json.Unmarshal(c, &e.Column) // a non-string column (a list) leaves it table-level
		}
		v.Expectations = append(v.Expectations, e)
	}
	return v, nil
}

// readMeta takes the suite, data asset, run name and run time from a result's meta.
func (v *Validation) readMeta(meta *rawMeta) error {
	if v.Suite == "" {
		v.Suite = meta.SuiteName
	}
	if meta.ActiveBatch != nil {
		v.Datasource, v.DataAsset = meta.ActiveBatch.Datasource, meta.ActiveBatch.DataAsset
	}
	if v.DataAsset == "" {
		if s, ok := meta.BatchSpec["data_asset_name"].(string); ok {
			v.DataAsset = s
		}
	}
	runTime := ""
	if len(meta.RunID) > 0 && string(meta.RunID) != "null" {
		var id rawRunID
		if err := json.Unmarshal(meta.RunID, &id); err == nil {
			if id.RunName != nil {
				v.RunName = *id.RunName
			}
			if id.RunTime != nil {
				runTime = *id.RunTime
			}
		} else if s, err := strconv.Unquote(string(meta.RunID)); err == nil {
			v.RunName = s // GX before 0.11 wrote run_id as a plain string
		}
	}
	if runTime == "" {
		runTime = meta.ValidationTime
	}
	if runTime == "" {
		return errors.New("no run time (meta.run_id.run_time or meta.validation_time)")
	}
	t, err := parseTime(runTime)
	if err == nil && t.IsZero() {
		err = errors.New("the zero time")
	}
	if err != nil {
		return fmt.Errorf("run time %q: %w", runTime, err)
	}
	v.RunTime = t
	return nil
}

// timeLayouts are the forms GX writes run and validation times in: ISO 8601 with an offset
// (run_id.run_time) and its compact store-key form (0.x validation_time, batch markers).
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "20060102T150405.000000Z", "20060102T150405Z"}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("not an ISO 8601 time")
}
