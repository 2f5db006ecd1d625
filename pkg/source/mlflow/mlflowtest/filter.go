package mlflowtest

import (
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// clause is one condition of a runs/search filter: <kind>.<key> <op> <value>.
type clause struct {
	kind   string // metrics, params, tags, attributes
	key    string
	op     string
	str    string
	num    float64
	values []string // IN lists
}

var (
	andSplit  = regexp.MustCompile(`(?i)\s+and\s+`)
	clauseRe  = regexp.MustCompile(`(?i)^\s*([A-Za-z_]+\.)?(` + "`[^`]+`" + `|"[^"]+"|[\w.\-/ ]+?)\s*(!=|>=|<=|=|>|<|not\s+in|in|not\s+like|ilike|like)\s*(.+?)\s*$`)
	kindAlias = map[string]string{
		"metric": "metrics", "metrics": "metrics",
		"param": "params", "params": "params", "parameter": "params", "parameters": "params",
		"tag": "tags", "tags": "tags",
		"attribute": "attributes", "attributes": "attributes", "attr": "attributes", "run": "attributes",
	}
)

// parseFilter reads the subset of MLflow's search grammar the fake supports.
func parseFilter(f string) ([]clause, *apiError) {
	f = strings.TrimSpace(f)
	if f == "" {
		return nil, nil
	}
	var out []clause
	for _, part := range andSplit.Split(f, -1) {
		m := clauseRe.FindStringSubmatch(part)
		if m == nil {
			return nil, badParam("Invalid clause(s) in filter string: '%s'", part)
		}
		kind := "attributes"
		if m[1] != "" {
			k, ok := kindAlias[strings.ToLower(strings.TrimSuffix(m[1], "."))]
			if !ok {
				return nil, badParam("Invalid entity type '%s'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']", strings.TrimSuffix(m[1], "."))
			}
			kind = k
		}
		c := clause{kind: kind, key: strings.Trim(m[2], "`\""), op: strings.ToUpper(strings.Join(strings.Fields(m[3]), " "))}
		val := m[4]
		switch {
		case c.op == "IN" || c.op == "NOT IN":
			inner := strings.TrimSuffix(strings.TrimPrefix(val, "("), ")")
			for _, v := range strings.Split(inner, ",") {
				c.values = append(c.values, strings.Trim(strings.TrimSpace(v), `'"`))
			}
		case strings.HasPrefix(val, "'") || strings.HasPrefix(val, `"`):
			c.str = strings.Trim(val, `'"`)
		default:
			n, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return nil, badParam("Expected a quoted string value for attributes. Got value %s", val)
			}
			c.num = n
			c.str = val
		}
		if c.kind == "metrics" && c.values == nil && strings.HasPrefix(val, "'") {
			return nil, badParam("Expected numeric value type for metric. Found %s", val)
		}
		out = append(out, c)
	}
	return out, nil
}

func matches(r *Run, cs []clause) bool {
	for _, c := range cs {
		if !c.match(r) {
			return false
		}
	}
	return true
}

func (c clause) match(r *Run) bool {
	switch c.kind {
	case "metrics":
		for _, m := range r.Latest() {
			if m.Key == c.key {
				return compareNum(m.Value, c.op, c.num)
			}
		}
		return false
	case "params":
		v, ok := r.Params[c.key]
		return ok && compareStr(v, c)
	case "tags":
		v, ok := r.Tags[c.key]
		if c.key == "mlflow.user" {
			v, ok = r.User, r.User != ""
		}
		return ok && compareStr(v, c)
	}
	switch c.key {
	case "start_time", "created", "Created":
		return compareNum(float64(r.Start), c.op, c.num)
	case "end_time":
		return compareNum(float64(r.End), c.op, c.num)
	case "run_id":
		return compareStr(r.ID, c)
	case "run_name":
		return compareStr(r.Name, c)
	case "status":
		st := r.Status
		if st == "" {
			st = "FINISHED"
		}
		return compareStr(st, c)
	case "user_id":
		return compareStr(r.User, c)
	}
	return false
}

func compareNum(v float64, op string, x float64) bool {
	if math.IsNaN(v) {
		return false
	}
	switch op {
	case "=":
		return v == x
	case "!=":
		return v != x
	case ">":
		return v > x
	case ">=":
		return v >= x
	case "<":
		return v < x
	case "<=":
		return v <= x
	}
	return false
}

func compareStr(v string, c clause) bool {
	switch c.op {
	case "=":
		return v == c.str
	case "!=":
		return v != c.str
	case "IN", "NOT IN":
		in := false
		for _, x := range c.values {
			if x == v {
				in = true
			}
		}
		return in == (c.op == "IN")
	case "LIKE", "ILIKE", "NOT LIKE":
		pat := c.str
		if c.op == "ILIKE" {
			v, pat = strings.ToLower(v), strings.ToLower(pat)
		}
		re := "^" + strings.ReplaceAll(strings.ReplaceAll(regexp.QuoteMeta(pat), "%", ".*"), "_", ".") + "$"
		ok, _ := regexp.MatchString(re, v)
		return ok == (c.op != "NOT LIKE")
	}
	return false
}

// sortRuns orders runs by order_by clauses (default start_time DESC), then run id.
func sortRuns(runs []*Run, order []string) *apiError {
	keys, err := parseOrderBy(order)
	if err != nil {
		return err
	}
	sort.SliceStable(runs, func(i, j int) bool {
		for _, k := range keys {
			ni, si, oki := k.value(runs[i])
			nj, sj, okj := k.value(runs[j])
			if oki != okj {
				return oki // missing values last
			}
			if ni == nj && si == sj {
				continue
			}
			less := ni < nj || (ni == nj && si < sj)
			if k.desc {
				return !less
			}
			return less
		}
		return runs[i].ID < runs[j].ID
	})
	return nil
}

// orderKey is one order_by clause: <kind>.<name> [ASC|DESC].
type orderKey struct {
	kind, name string
	desc       bool
}

// parseOrderBy reads order_by clauses; none means start_time DESC.
func parseOrderBy(order []string) ([]orderKey, *apiError) {
	var keys []orderKey
	for _, o := range order {
		f := strings.Fields(o)
		if len(f) == 0 || len(f) > 2 {
			return nil, badParam("Invalid order_by clause '%s'.", o)
		}
		k := orderKey{kind: "attributes", name: f[0]}
		if kind, name, ok := strings.Cut(f[0], "."); ok {
			kk, known := kindAlias[strings.ToLower(kind)]
			if !known {
				return nil, badParam("Invalid order_by entity type '%s'", kind)
			}
			k.kind, k.name = kk, strings.Trim(name, "`\"")
		}
		if len(f) == 2 {
			switch strings.ToUpper(f[1]) {
			case "DESC":
				k.desc = true
			case "ASC":
			default:
				return nil, badParam("Invalid ordering key in order_by clause '%s'.", o)
			}
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		keys = []orderKey{{kind: "attributes", name: "start_time", desc: true}}
	}
	return keys, nil
}

// value returns what a run is ordered by under k: a number or a string, false when the run has no
// such metric, param or tag. An unknown attribute orders by run id.
func (k orderKey) value(r *Run) (float64, string, bool) {
	switch k.kind {
	case "metrics":
		for _, m := range r.Latest() {
			if m.Key == k.name {
				return m.Value, "", true
			}
		}
		return 0, "", false
	case "params":
		v, ok := r.Params[k.name]
		return 0, v, ok
	case "tags":
		v, ok := r.Tags[k.name]
		return 0, v, ok
	}
	switch k.name {
	case "start_time":
		return float64(r.Start), "", true
	case "end_time":
		return float64(r.End), "", true
	case "run_name":
		return 0, r.Name, true
	case "status":
		return 0, r.Status, true
	}
	return 0, r.ID, true
}

var nameRe = regexp.MustCompile(`(?i)^\s*(?:attributes\.)?name\s*=\s*(?:'([^']*)'|"([^"]*)")\s*$`)

// nameFilter reads "name='x'" (the only registry filter the fake supports); "" for no filter.
func nameFilter(f string) string {
	m := nameRe.FindStringSubmatch(f)
	if m == nil {
		return ""
	}
	return m[1] + m[2]
}

func itoa(n int) string { return strconv.Itoa(n) }

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
