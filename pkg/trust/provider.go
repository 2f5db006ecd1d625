package trust

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Settings is what a provisioned datasource holds: the raw jsonData object and the decrypted
// secureJsonData values. Each source decodes its own keys from JSONData.
type Settings struct {
	JSONData json.RawMessage
	Secure   map[string]string
	// UID, Name and Type identify the datasource instance in Grafana (empty outside Grafana): the
	// HTTP clients need them for Grafana's secure SOCKS proxy (its default user is the UID) and
	// their request metrics.
	UID, Name, Type string
}

// Decode unmarshals the jsonData object into v (a source's own config struct).
func (s Settings) Decode(v any) error {
	if len(s.JSONData) == 0 {
		return nil
	}
	if err := json.Unmarshal(s.JSONData, v); err != nil {
		return fmt.Errorf("datasource settings (jsonData) are not valid: %w", err)
	}
	return nil
}

// Provider is one upstream of evidence (MLflow, Evidently, Fairlearn, the policy engine). A provider
// implements the optional interfaces below for what it serves.
type Provider interface {
	// Name is the source name: mlflow, evidently, fairlearn or policy.
	Name() string
}

// EvidenceProvider serves the dimension query types (accuracy, drift, quality, fairness, compliance).
type EvidenceProvider interface {
	Provider
	// Dimensions lists the dimensions the provider can collect.
	Dimensions() []Dimension
	// Collect returns the points of dimension dim matching q (model, version, alias, metrics, time
	// range and the per-type fields). Problems with single files or items become notices; an error
	// means the provider as a whole failed (unreachable, misconfigured, unknown model).
	Collect(ctx context.Context, dim Dimension, q *Query) (*Evidence, error)
}

// RunsProvider serves the runs query type: a table of runs (MLflow).
type RunsProvider interface {
	Provider
	Runs(ctx context.Context, q *Query) (*RunTable, error)
}

// ModelsProvider serves the models query type: the registry's model versions (MLflow).
type ModelsProvider interface {
	Provider
	Models(ctx context.Context, q *Query) ([]ModelRow, error)
}

// ScoreProvider serves the trust_score query type: per model version the trust score and its
// parts, as evidence points (the policy source).
type ScoreProvider interface {
	Provider
	TrustScore(ctx context.Context, q *Query) (*Evidence, error)
}

// FreshnessProvider serves the freshness query type: per model version and evidence dimension the
// age of the newest evidence and whether fresh evidence is present, as evidence points (the policy
// source).
type FreshnessProvider interface {
	Provider
	Freshness(ctx context.Context, q *Query) (*Evidence, error)
}

// Option is one entry of a dropdown or template variable.
type Option struct {
	Text  string `json:"text"`
	Value string `json:"value"`
}

// OptionsProvider serves template variables and query-editor dropdowns for the variable kinds it
// knows (see the Var* constants).
type OptionsProvider interface {
	Provider
	OptionKinds() []string
	Options(ctx context.Context, kind string, q *Query) ([]Option, error)
}

// Annotation is one event shown on a time axis.
type Annotation struct {
	Time    time.Time
	TimeEnd time.Time // zero for a point event
	Title   string
	Text    string
	Tags    []string
}

// AnnotationProvider serves annotation queries of the kinds it knows.
type AnnotationProvider interface {
	Provider
	AnnotationKinds() []string
	Annotations(ctx context.Context, kind string, q *Query) ([]Annotation, error)
}

// HealthChecker is implemented by providers that can check their upstream.
type HealthChecker interface {
	Provider
	// CheckHealth returns a short user-facing summary of what works ("MLflow 3.1.0 at http://...: 4
	// experiments") or an error saying what is wrong and how to fix it.
	CheckHealth(ctx context.Context) (string, error)
}

// ModelVersion is registry metadata for one model version, the subject of compliance rules.
type ModelVersion struct {
	Name        string
	Version     string
	Aliases     []string
	Stage       string
	Tags        map[string]string // model version tags merged over registered model tags
	Description string
	Created     time.Time
	Updated     time.Time
	RunID       string
	RunParams   map[string]string
	RunTags     map[string]string
	// The source run's user (MLflow info.user_id), status, start and end times; empty or zero
	// when the registry does not say.
	RunUser   string
	RunStatus string
	RunStart  time.Time
	RunEnd    time.Time
	// RunInputs are the datasets the source run used (MLflow dataset inputs); nil when the run was
	// not read, empty when it used none.
	RunInputs []DatasetInput
	Link      string
}

// DatasetInput is a dataset a run used, as MLflow's dataset inputs record it.
type DatasetInput struct {
	Name       string
	Digest     string
	SourceType string // e.g. local, s3, http, delta
	Source     string // the source's description, often JSON with a uri
	// Context is the dataset's role in the run (the input tag mlflow.data.context): training,
	// validation, testing, evaluation... or "" when untagged.
	Context string
	Tags    map[string]string
}

// ModelCatalog lists model versions (MLflow registry).
type ModelCatalog interface {
	Provider
	ModelVersions(ctx context.Context, q *Query) ([]ModelVersion, error)
}

// AliasResolver is implemented by evidence providers that resolve Query.Alias themselves (MLflow,
// whose registry holds the aliases; the policy source). For every other provider the engine
// resolves an alias to model versions through the ModelCatalog and asks for those versions.
type AliasResolver interface {
	ResolvesAliases() bool
}

// EvidenceSource is how the policy engine reads the other sources' evidence: the same collection
// path a dimension query takes.
type EvidenceSource interface {
	CollectAll(ctx context.Context, dim Dimension, q *Query) (*Evidence, error)
}

// UpstreamError marks an error caused by the upstream or by the user's configuration rather than by
// the plugin (Grafana calls such errors "downstream").
type UpstreamError struct{ Err error }

func (e *UpstreamError) Error() string { return e.Err.Error() }
func (e *UpstreamError) Unwrap() error { return e.Err }

// Upstream wraps err as an UpstreamError; nil stays nil.
func Upstream(err error) error {
	if err == nil {
		return nil
	}
	var ue *UpstreamError
	if errors.As(err, &ue) {
		return err
	}
	return &UpstreamError{Err: err}
}

// Upstreamf formats an UpstreamError.
func Upstreamf(format string, args ...any) error {
	return &UpstreamError{Err: fmt.Errorf(format, args...)}
}

// IsUpstream reports whether err is an UpstreamError.
func IsUpstream(err error) bool {
	var ue *UpstreamError
	return errors.As(err, &ue)
}
