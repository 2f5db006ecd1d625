package trust

import "time"

// RunTable is the answer of a runs query: one row per run, with the metric, param and tag columns
// the query asked for (all metric keys of the runs when it named none), in column order.
type RunTable struct {
	MetricKeys []string
	Params     []string
	Tags       []string
	Runs       []RunRow
	Notices    []Notice
}

// RunRow is one run of a runs table. Metrics, Params and Tags hold the row's cells in the table's
// column order; nil is an empty cell (the run did not log it), as is a zero time.
type RunRow struct {
	ID, Name, Experiment, Status, User string
	Start, End                         time.Time
	Metrics                            []*float64 // by RunTable.MetricKeys
	Params                             []*string  // by RunTable.Params
	Tags                               []*string  // by RunTable.Tags
	Link                               string     // the run page
}

// ModelRow is one model version of a models query's registry table.
type ModelRow struct {
	Name, Version, Stage, Status string
	Aliases                      []string
	Created, Updated             time.Time
	RunID, Description           string
	Tags                         string // the version's tags over the model's, "k=v, k=v" sorted by key
	Link                         string // the model version page
}
