package fairness

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"time"
)

// CSVColumns tells the reader what the columns of a CSV (or mlflow.log_table JSON) hold, for
// files whose headers it does not recognise (jsonData fairlearnCsvColumns). Every column named
// here must exist in a file it applies to.
type CSVColumns struct {
	// Files is a glob ("summaries/*.csv") matched against the file path relative to its
	// fairlearnPaths entry, or against the base name; empty applies to every CSV.
	Files string `json:"files,omitempty"`
	// SensitiveFeature is the column naming the sensitive feature of each row of a summary CSV
	// (one row of disparities per feature), e.g. "Atributo".
	SensitiveFeature string `json:"sensitive_feature,omitempty"`
	// SensitiveFeatures and ControlFeatures are the index columns of a by-group CSV (MultiIndex:
	// control features first, as MetricFrame.by_group has them).
	SensitiveFeatures []string `json:"sensitive_features,omitempty"`
	ControlFeatures   []string `json:"control_features,omitempty"`
	Model             string   `json:"model,omitempty"`
	Version           string   `json:"version,omitempty"`
	RunID             string   `json:"run_id,omitempty"`
	Dataset           string   `json:"dataset,omitempty"`
	Timestamp         string   `json:"timestamp,omitempty"`
	// Metrics maps canonical metric names (demographic_parity_difference, accuracy, ...) to the
	// column holding them; when set, only these columns are read as metrics.
	Metrics map[string]string `json:"metrics,omitempty"`
}

// CSVColumnsList is fairlearnCsvColumns: one mapping object or a list of them (the first whose
// Files glob matches a file applies to it).
type CSVColumnsList []CSVColumns

// UnmarshalJSON accepts an object or a list of objects.
func (l *CSVColumnsList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var list []CSVColumns
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		*l = list
		return nil
	}
	if string(b) == "null" {
		*l = nil
		return nil
	}
	var one CSVColumns
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*l = CSVColumnsList{one}
	return nil
}

// For returns the mapping that applies to a file (rel is its path relative to its configured
// entry, slash-separated), or nil.
func (l CSVColumnsList) For(rel string) *CSVColumns {
	for i := range l {
		c := &l[i]
		if c.Files == "" {
			return c
		}
		if ok, _ := path.Match(c.Files, rel); ok {
			return c
		}
		if ok, _ := path.Match(c.Files, path.Base(rel)); ok {
			return c
		}
	}
	return nil
}

// table is a CSV or a pandas split-orient JSON table as strings.
type table struct {
	header []string
	rows   [][]string
}

// readCSV parses a CSV file (comma or semicolon separated, optional UTF-8 BOM).
func readCSV(b []byte) (*table, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	first, _, _ := bytes.Cut(b, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(b))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("not a readable CSV: %w", err)
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("empty CSV")
	}
	t := &table{header: records[0]}
	for i, rec := range records[1:] {
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(t.header) {
			return nil, fmt.Errorf("row %d has %d fields for %d columns", i+2, len(rec), len(t.header))
		}
		t.rows = append(t.rows, rec)
	}
	return t, nil
}

// readSplitTable parses pandas' split orient ({"columns": [...], "data": [[...]]}), which is what
// mlflow.log_table writes.
func readSplitTable(top map[string]json.RawMessage) (*table, error) {
	var cols []string
	if err := json.Unmarshal(top["columns"], &cols); err != nil {
		return nil, fmt.Errorf("columns: %w", err)
	}
	var data [][]json.RawMessage
	if err := decodeJSON(top["data"], &data); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	t := &table{header: cols}
	for i, row := range data {
		if len(row) != len(cols) {
			return nil, fmt.Errorf("data row %d has %d values for %d columns", i, len(row), len(cols))
		}
		rec := make([]string, len(row))
		for j, cell := range row {
			s, _ := scalarString(cell)
			rec[j] = s
		}
		t.rows = append(t.rows, rec)
	}
	return t, nil
}

// Header names recognised without a mapping (compared in snake_case).
var (
	metaHeaders = map[string][]string{
		"model":     {"model", "model_name"},
		"version":   {"version", "model_version"},
		"run_id":    {"run_id"},
		"dataset":   {"dataset"},
		"timestamp": {"timestamp", "time", "date", "evaluated_at", "created_at", "evaluation_time"},
	}
	featureHeaders = []string{"sensitive_feature", "sensitive_attribute", "protected_attribute", "attribute", "feature"}
)

// tableReader turns a table into evaluations.
type tableReader struct {
	t      *table
	cols   *CSVColumns
	format string // by_group_csv or log_table, for by-group tables
	meta   map[string]int
	canon  []string // snake_case headers
}

func (tr *tableReader) column(header string) int {
	for i, h := range tr.t.header {
		if h == header {
			return i
		}
	}
	for i, h := range tr.t.header {
		if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(header)) {
			return i
		}
	}
	return -1
}

func (tr *tableReader) numeric(col int) bool {
	for _, r := range tr.t.rows {
		if _, err := parseNumber(r[col]); err != nil {
			return false
		}
	}
	return true
}

// readTable reads a by-group table (MetricFrame.by_group as CSV or split JSON), a summary table
// (one row of disparities per sensitive feature) or a long table (group, metric, value rows).
func readTable(t *table, cols *CSVColumns, byGroupFormat string) ([]*Evaluation, []string, error) {
	tr := &tableReader{t: t, cols: cols, format: byGroupFormat, meta: map[string]int{}}
	for _, h := range t.header {
		tr.canon = append(tr.canon, snake(h))
	}
	if err := tr.resolveMeta(); err != nil {
		return nil, nil, err
	}
	if len(t.rows) == 0 {
		return nil, nil, fmt.Errorf("no rows")
	}
	metricCols, err := tr.metricColumns()
	if err != nil {
		return nil, nil, err
	}
	if c := tr.cols; c != nil && c.SensitiveFeature != "" {
		return tr.summary(metricCols)
	}
	if tr.index("metric") >= 0 && tr.index("value") >= 0 {
		return tr.long()
	}
	if len(metricCols) == 0 {
		return nil, nil, fmt.Errorf("no numeric metric column")
	}
	allDisparities := true
	for _, c := range metricCols {
		if !isDisparityName(tr.metricName(c)) {
			allDisparities = false
		}
	}
	if allDisparities {
		return tr.summary(metricCols)
	}
	return tr.byGroup(metricCols)
}

func (tr *tableReader) index(canon string) int {
	for i, c := range tr.canon {
		if c == canon {
			return i
		}
	}
	return -1
}

// resolveMeta finds the model, version, run_id, dataset and timestamp columns.
func (tr *tableReader) resolveMeta() error {
	var missing []string
	want := func(key, header string) {
		if header == "" {
			return
		}
		if i := tr.column(header); i >= 0 {
			tr.meta[key] = i
		} else {
			missing = append(missing, fmt.Sprintf("%q (%s)", header, key))
		}
	}
	if c := tr.cols; c != nil {
		want("model", c.Model)
		want("version", c.Version)
		want("run_id", c.RunID)
		want("dataset", c.Dataset)
		want("timestamp", c.Timestamp)
		want("sensitive_feature", c.SensitiveFeature)
		for _, f := range append(append([]string(nil), c.SensitiveFeatures...), c.ControlFeatures...) {
			if tr.column(f) < 0 {
				missing = append(missing, fmt.Sprintf("%q (index column)", f))
			}
		}
		for _, m := range sortedKeys(c.Metrics) {
			if tr.column(c.Metrics[m]) < 0 {
				missing = append(missing, fmt.Sprintf("%q (%s)", c.Metrics[m], m))
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("lacks the columns fairlearnCsvColumns names: %s (columns are %s)", strings.Join(missing, ", "), strings.Join(quoteAll(tr.t.header), ", "))
	}
	for key, names := range metaHeaders {
		if _, ok := tr.meta[key]; ok {
			continue
		}
		for _, n := range names {
			if i := tr.index(n); i >= 0 {
				tr.meta[key] = i
				break
			}
		}
	}
	return nil
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func (tr *tableReader) isMeta(col int) bool {
	for _, i := range tr.meta {
		if i == col {
			return true
		}
	}
	return false
}

// metricName is the canonical metric name of a column.
func (tr *tableReader) metricName(col int) string {
	if c := tr.cols; c != nil {
		for m, h := range c.Metrics {
			if tr.column(h) == col {
				return canonMetric(m)
			}
		}
	}
	return canonMetric(tr.t.header[col])
}

// metricColumns are the mapped metric columns, or the numeric columns that are neither metadata
// nor leading index columns.
func (tr *tableReader) metricColumns() ([]int, error) {
	if c := tr.cols; c != nil && len(c.Metrics) > 0 {
		var out []int
		for i := range tr.t.header {
			for _, h := range c.Metrics {
				if tr.column(h) == i {
					out = append(out, i)
				}
			}
		}
		return out, nil
	}
	var idx []int
	if c := tr.cols; c == nil || c.SensitiveFeature == "" {
		idx = tr.indexColumns()
	}
	var out []int
	for i := range tr.t.header {
		if tr.isMeta(i) || contains(idx, i) {
			continue
		}
		if tr.numeric(i) {
			out = append(out, i)
		}
	}
	return out, nil
}

// indexColumns are the group columns of a by-group table: the configured feature columns, or the
// first column (to_csv always writes the index) and the non-numeric columns that follow it.
func (tr *tableReader) indexColumns() []int {
	var out []int
	if c := tr.cols; c != nil && len(c.ControlFeatures)+len(c.SensitiveFeatures) > 0 {
		for _, f := range append(append([]string(nil), c.ControlFeatures...), c.SensitiveFeatures...) {
			out = append(out, tr.column(f))
		}
		return out
	}
	for i := range tr.t.header {
		if tr.isMeta(i) {
			continue
		}
		if len(out) == 0 || (!tr.numeric(i) && !knownMetrics[tr.metricName(i)]) {
			out = append(out, i)
			continue
		}
		break
	}
	return out
}

// rowMeta reads the metadata of a row into an evaluation.
func (tr *tableReader) rowMeta(row []string, e *Evaluation) error {
	get := func(key string) string {
		if i, ok := tr.meta[key]; ok {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	e.Model, e.Version, e.RunID, e.Dataset = get("model"), get("version"), get("run_id"), get("dataset")
	if ts := get("timestamp"); ts != "" {
		t, err := parseTime(ts)
		if err != nil {
			return err
		}
		e.Time, e.TimeKnown = t, true
	}
	return nil
}

func metaKey(e *Evaluation) string {
	return strings.Join([]string{e.Model, e.Version, e.RunID, e.Dataset, e.Time.Format(time.RFC3339Nano)}, "\x00")
}

// summary reads one row of disparities per sensitive feature.
func (tr *tableReader) summary(metricCols []int) ([]*Evaluation, []string, error) {
	fcol := -1
	if c := tr.cols; c != nil && c.SensitiveFeature != "" {
		fcol = tr.column(c.SensitiveFeature)
	}
	for _, h := range featureHeaders {
		if fcol < 0 {
			fcol = tr.index(h)
		}
	}
	for i := range tr.t.header {
		if fcol < 0 && !tr.isMeta(i) && !tr.numeric(i) {
			fcol = i
		}
	}
	if fcol < 0 {
		return nil, nil, fmt.Errorf("a disparity summary without a column naming the sensitive feature (set sensitive_feature in fairlearnCsvColumns)")
	}
	var out []*Evaluation
	for n, row := range tr.t.rows {
		e := &Evaluation{Format: FormatSummaryCSV, SensitiveFeatures: []string{strings.TrimSpace(row[fcol])}}
		if err := tr.rowMeta(row, e); err != nil {
			return nil, nil, fmt.Errorf("row %d: %w", n+2, err)
		}
		s := &Stratum{Overall: map[string]float64{}}
		for _, c := range metricCols {
			if c == fcol {
				continue
			}
			v, err := parseNumber(row[c])
			if err != nil {
				return nil, nil, fmt.Errorf("row %d, column %q: %w", n+2, tr.t.header[c], err)
			}
			s.setGiven(tr.metricName(c), v)
		}
		e.Strata = []*Stratum{s}
		out = append(out, e)
	}
	return out, nil, nil
}

// byGroup reads MetricFrame.by_group: index columns (control features, then sensitive features)
// and one column per metric; rows with different metadata are different evaluations.
func (tr *tableReader) byGroup(metricCols []int) ([]*Evaluation, []string, error) {
	idx := tr.indexColumns()
	nControl := 0
	if c := tr.cols; c != nil {
		nControl = len(c.ControlFeatures)
	}
	if len(idx) <= nControl {
		return nil, nil, fmt.Errorf("no group column")
	}
	known := false
	for _, c := range metricCols {
		if knownMetrics[tr.metricName(c)] || (tr.cols != nil && len(tr.cols.Metrics) > 0) {
			known = true
		}
	}
	if !known {
		return nil, nil, fmt.Errorf("not recognised as fairness results: no column names a known metric (map the columns with fairlearnCsvColumns)")
	}
	names := make([]string, len(idx))
	for i, c := range idx {
		names[i] = strings.TrimSpace(tr.t.header[c])
		if names[i] == "" {
			names[i] = fmt.Sprintf("sensitive_feature_%d", i-nControl)
		}
	}
	features, controls := names[nControl:], names[:nControl]
	metrics := make([]string, len(metricCols))
	for i, c := range metricCols {
		metrics[i] = tr.metricName(c)
	}
	evals := map[string]*Evaluation{}
	strata := map[string]*Stratum{}
	var order []*Evaluation
	for n, row := range tr.t.rows {
		e := &Evaluation{Format: tr.format, SensitiveFeatures: features}
		if err := tr.rowMeta(row, e); err != nil {
			return nil, nil, fmt.Errorf("row %d: %w", n+2, err)
		}
		key := metaKey(e)
		if have, ok := evals[key]; ok {
			e = have
		} else {
			evals[key] = e
			order = append(order, e)
		}
		vals := make([]string, len(idx))
		for i, c := range idx {
			vals[i] = strings.TrimSpace(row[c])
		}
		control := ""
		if nControl > 0 {
			control = controlLabel(controls, vals[:nControl])
		}
		s, ok := strata[key+"\x00"+control]
		if !ok {
			s = &Stratum{Control: control, Metrics: metrics, Overall: map[string]float64{}}
			strata[key+"\x00"+control] = s
			e.Strata = append(e.Strata, s)
		}
		g := Group{Label: groupLabel(features, vals[nControl:]), Values: map[string]float64{}}
		for i, c := range metricCols {
			v, err := parseNumber(row[c])
			if err != nil {
				return nil, nil, fmt.Errorf("row %d, column %q: %w", n+2, tr.t.header[c], err)
			}
			g.set(metrics[i], v)
		}
		s.Groups = append(s.Groups, g)
	}
	return order, nil, nil
}

// controlLabel is the control_group label: always "feature=value" pairs.
func controlLabel(features, values []string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = features[i] + "=" + v
	}
	return strings.Join(parts, ",")
}

// long reads rows of (sensitive_feature, group, metric, value): a row without a group is an
// overall value, or a disparity when its metric names one.
func (tr *tableReader) long() ([]*Evaluation, []string, error) {
	fcol, gcol, ccol := -1, tr.index("group"), tr.index("control_group")
	for _, h := range featureHeaders {
		if fcol < 0 {
			fcol = tr.index(h)
		}
	}
	mcol, vcol := tr.index("metric"), tr.index("value")
	evals := map[string]*Evaluation{}
	var order []*Evaluation
	groups := map[string]int{}
	for n, row := range tr.t.rows {
		e := &Evaluation{Format: FormatLongCSV}
		if err := tr.rowMeta(row, e); err != nil {
			return nil, nil, fmt.Errorf("row %d: %w", n+2, err)
		}
		if fcol >= 0 && strings.TrimSpace(row[fcol]) != "" {
			e.SensitiveFeatures = strings.Split(strings.TrimSpace(row[fcol]), ",")
		}
		control := ""
		if ccol >= 0 {
			control = strings.TrimSpace(row[ccol])
		}
		key := metaKey(e) + "\x00" + e.SensitiveLabel()
		if have, ok := evals[key]; ok {
			e = have
		} else {
			evals[key] = e
			order = append(order, e)
		}
		var s *Stratum
		for _, have := range e.Strata {
			if have.Control == control {
				s = have
			}
		}
		if s == nil {
			s = &Stratum{Control: control, Overall: map[string]float64{}}
			e.Strata = append(e.Strata, s)
		}
		metric := canonMetric(row[mcol])
		v, err := parseNumber(row[vcol])
		if err != nil {
			return nil, nil, fmt.Errorf("row %d: value: %w", n+2, err)
		}
		group := ""
		if gcol >= 0 {
			group = strings.TrimSpace(row[gcol])
		}
		switch {
		case group != "":
			gk := key + "\x00" + control + "\x00" + group
			i, ok := groups[gk]
			if !ok {
				i = len(s.Groups)
				groups[gk] = i
				s.Groups = append(s.Groups, Group{Label: group, Values: map[string]float64{}})
			}
			s.Groups[i].set(metric, v)
			if metric != countMetric && !contains(s.Metrics, metric) {
				s.Metrics = append(s.Metrics, metric)
			}
		case isDisparityName(metric):
			s.setGiven(metric, v)
		default:
			s.Overall[metric] = v
		}
	}
	return order, nil, nil
}
