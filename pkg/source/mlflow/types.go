package mlflow

import "time"

// The types below mirror MLflow's protobuf messages (mlflow/protos/service.proto and
// model_registry.proto); JSON keys are the proto field names. Repeated fields that MLflow omits when
// empty decode as nil slices.

// KeyValue is a param or tag.
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Experiment is an MLflow experiment.
type Experiment struct {
	ExperimentID     String     `json:"experiment_id"`
	Name             string     `json:"name"`
	ArtifactLocation string     `json:"artifact_location,omitempty"`
	LifecycleStage   string     `json:"lifecycle_stage,omitempty"`
	LastUpdateTime   Int64      `json:"last_update_time,omitempty"`
	CreationTime     Int64      `json:"creation_time,omitempty"`
	Tags             []KeyValue `json:"tags,omitempty"`
}

// Run is an MLflow run. Data.Metrics holds only the latest value of each metric key.
type Run struct {
	Info    RunInfo    `json:"info"`
	Data    RunData    `json:"data"`
	Inputs  RunInputs  `json:"inputs"`
	Outputs RunOutputs `json:"outputs"`
}

// RunInfo is a run's metadata.
type RunInfo struct {
	RunID          string `json:"run_id"`
	RunUUID        string `json:"run_uuid,omitempty"` // deprecated duplicate of RunID
	RunName        string `json:"run_name,omitempty"`
	ExperimentID   String `json:"experiment_id"`
	UserID         string `json:"user_id,omitempty"`
	Status         string `json:"status,omitempty"`
	StartTime      Int64  `json:"start_time,omitempty"`
	EndTime        Int64  `json:"end_time,omitempty"`
	ArtifactURI    string `json:"artifact_uri,omitempty"`
	LifecycleStage string `json:"lifecycle_stage,omitempty"`
}

// ID returns the run id, reading the deprecated run_uuid when run_id is absent.
func (r *RunInfo) ID() string {
	if r.RunID != "" {
		return r.RunID
	}
	return r.RunUUID
}

// RunData holds a run's latest metrics, params and tags.
type RunData struct {
	Metrics []Metric   `json:"metrics,omitempty"`
	Params  []KeyValue `json:"params,omitempty"`
	Tags    []KeyValue `json:"tags,omitempty"`
}

// Tag returns the value of tag key, or "".
func (d *RunData) Tag(key string) string { return lookup(d.Tags, key) }

// Param returns the value of param key, or "".
func (d *RunData) Param(key string) string { return lookup(d.Params, key) }

// Metric returns the latest metric key, or nil.
func (d *RunData) Metric(key string) *Metric {
	for i := range d.Metrics {
		if d.Metrics[i].Key == key {
			return &d.Metrics[i]
		}
	}
	return nil
}

func lookup(kvs []KeyValue, key string) string {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// RunInputs are a run's dataset and (MLflow 3) model inputs.
type RunInputs struct {
	DatasetInputs []DatasetInput `json:"dataset_inputs,omitempty"`
	ModelInputs   []ModelRef     `json:"model_inputs,omitempty"`
}

// RunOutputs are the logged models a run produced (MLflow 3).
type RunOutputs struct {
	ModelOutputs []ModelRef `json:"model_outputs,omitempty"`
}

// ModelRef names an MLflow 3 logged model.
type ModelRef struct {
	ModelID string `json:"model_id"`
	Step    Int64  `json:"step,omitempty"`
}

// DatasetInput is a dataset a run used.
type DatasetInput struct {
	Tags    []KeyValue `json:"tags,omitempty"`
	Dataset struct {
		Name       string `json:"name"`
		Digest     string `json:"digest,omitempty"`
		SourceType string `json:"source_type,omitempty"`
		Source     string `json:"source,omitempty"`
	} `json:"dataset"`
}

// Metric is one metric value. RunID is set by the bulk history endpoint; ModelID, DatasetName and
// DatasetDigest by MLflow 3 servers when the value was logged for a model or a dataset.
type Metric struct {
	Key           string `json:"key"`
	Value         Float  `json:"value"`
	Timestamp     Int64  `json:"timestamp"`
	Step          Int64  `json:"step,omitempty"`
	RunID         string `json:"run_id,omitempty"`
	ModelID       string `json:"model_id,omitempty"`
	DatasetName   string `json:"dataset_name,omitempty"`
	DatasetDigest string `json:"dataset_digest,omitempty"`
}

// Time is the metric timestamp.
func (m *Metric) Time() time.Time { return millis(m.Timestamp) }

// RegisteredModel is a model registry entry.
type RegisteredModel struct {
	Name                 string         `json:"name"`
	CreationTimestamp    Int64          `json:"creation_timestamp,omitempty"`
	LastUpdatedTimestamp Int64          `json:"last_updated_timestamp,omitempty"`
	Description          string         `json:"description,omitempty"`
	LatestVersions       []ModelVersion `json:"latest_versions,omitempty"`
	Tags                 []KeyValue     `json:"tags,omitempty"`
	Aliases              []ModelAlias   `json:"aliases,omitempty"`
}

// ModelAlias maps an alias to a version of a registered model.
type ModelAlias struct {
	Alias   string `json:"alias"`
	Version String `json:"version"`
}

// ModelVersion is one version of a registered model.
type ModelVersion struct {
	Name                 string     `json:"name"`
	Version              String     `json:"version"`
	CreationTimestamp    Int64      `json:"creation_timestamp,omitempty"`
	LastUpdatedTimestamp Int64      `json:"last_updated_timestamp,omitempty"`
	UserID               string     `json:"user_id,omitempty"`
	CurrentStage         string     `json:"current_stage,omitempty"`
	Description          string     `json:"description,omitempty"`
	Source               string     `json:"source,omitempty"`
	RunID                string     `json:"run_id,omitempty"`
	Status               string     `json:"status,omitempty"`
	StatusMessage        string     `json:"status_message,omitempty"`
	Tags                 []KeyValue `json:"tags,omitempty"`
	RunLink              string     `json:"run_link,omitempty"`
	Aliases              []string   `json:"aliases,omitempty"`
	ModelID              string     `json:"model_id,omitempty"` // MLflow 3: the logged model registered
}

// LoggedModel is an MLflow 3 logged model.
type LoggedModel struct {
	Info LoggedModelInfo `json:"info"`
	Data struct {
		Params  []KeyValue `json:"params,omitempty"`
		Metrics []Metric   `json:"metrics,omitempty"`
	} `json:"data"`
}

// LoggedModelInfo is a logged model's metadata.
type LoggedModelInfo struct {
	ModelID                string     `json:"model_id"`
	ExperimentID           String     `json:"experiment_id"`
	Name                   string     `json:"name,omitempty"`
	CreationTimestampMs    Int64      `json:"creation_timestamp_ms,omitempty"`
	LastUpdatedTimestampMs Int64      `json:"last_updated_timestamp_ms,omitempty"`
	ArtifactURI            string     `json:"artifact_uri,omitempty"`
	Status                 string     `json:"status,omitempty"`
	ModelType              string     `json:"model_type,omitempty"`
	SourceRunID            string     `json:"source_run_id,omitempty"`
	Tags                   []KeyValue `json:"tags,omitempty"`
}

// FileInfo is one entry of an artifact listing. Path is relative to the run's artifact root.
type FileInfo struct {
	Path     string `json:"path"`
	IsDir    bool   `json:"is_dir,omitempty"`
	FileSize Int64  `json:"file_size,omitempty"`
}

// millis converts MLflow's millisecond timestamps; 0 (unset) stays the zero time.
func millis(ms Int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(ms)).UTC()
}
