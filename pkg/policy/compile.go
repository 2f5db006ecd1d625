package policy

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/ext"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// DefaultCostLimit bounds the work one rule may do for one model version (CEL runtime cost units,
// roughly one per operation). Real rules cost well under a thousand; the limit stops a comprehension
// over a huge list from stalling a query.
const DefaultCostLimit = 1_000_000

// EvidenceDimensions are the dimensions the evaluation context carries under `evidence`.
var EvidenceDimensions = []trust.Dimension{trust.Fairness, trust.Drift, trust.Accuracy, trust.Quality, trust.Explainability}

// Context variables.
const (
	varModel    = "model"
	varEvidence = "evidence"
	varParams   = "params"
	varNow      = "now"
)

// newEnv declares the evaluation context (see context.go and docs/compliance-rules.md) and the
// helper functions days(), date() and history() (history.go).
func newEnv() (*cel.Env, error) {
	return cel.NewEnv(append(historyEnvOptions(),
		cel.Variable(varModel, cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable(varEvidence, cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable(varParams, cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable(varNow, cel.TimestampType),
		cel.CrossTypeNumericComparisons(true),
		ext.Strings(),
		ext.Math(),
		ext.Bindings(),
		cel.Function("days",
			cel.Overload("days_int", []*cel.Type{cel.IntType}, cel.DurationType, cel.UnaryBinding(func(v ref.Val) ref.Val {
				return daysValue(float64(v.(types.Int)))
			})),
			cel.Overload("days_double", []*cel.Type{cel.DoubleType}, cel.DurationType, cel.UnaryBinding(func(v ref.Val) ref.Val {
				return daysValue(float64(v.(types.Double)))
			})),
			cel.Overload("days_string", []*cel.Type{cel.StringType}, cel.DurationType, cel.UnaryBinding(func(v ref.Val) ref.Val {
				f, err := strconv.ParseFloat(strings.TrimSpace(string(v.(types.String))), 64)
				if err != nil {
					return types.NewErr("days(%q): not a number of days", string(v.(types.String)))
				}
				return daysValue(f)
			})),
		),
		cel.Function("date",
			cel.Overload("date_string", []*cel.Type{cel.StringType}, cel.TimestampType, cel.UnaryBinding(func(v ref.Val) ref.Val {
				t, err := parseDate(string(v.(types.String)))
				if err != nil {
					return types.NewErr("%s", err.Error())
				}
				return types.Timestamp{Time: t}
			})),
			cel.Overload("date_timestamp", []*cel.Type{cel.TimestampType}, cel.TimestampType, cel.UnaryBinding(func(v ref.Val) ref.Val {
				return v
			})),
		),
	)...)
}

// maxDays keeps days() inside the range of a duration (about 292 years).
const maxDays = 106_000

func daysValue(d float64) ref.Val {
	if math.IsNaN(d) || math.Abs(d) > maxDays {
		return types.NewErr("days(%v): out of range", d)
	}
	return types.Duration{Duration: time.Duration(d * 24 * float64(time.Hour))}
}

// parseDate reads RFC 3339 timestamps and plain dates (midnight UTC).
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date(%q): use RFC 3339 or YYYY-MM-DD", s)
}

// compiler compiles rules against one environment.
type compiler struct {
	env       *cel.Env
	costLimit uint64
}

func newCompiler(costLimit uint64) (*compiler, error) {
	env, err := newEnv()
	if err != nil {
		return nil, fmt.Errorf("policy: building the CEL environment: %w", err)
	}
	if costLimit == 0 {
		costLimit = DefaultCostLimit
	}
	return &compiler{env: env, costLimit: costLimit}, nil
}

// compile type-checks the rule's expression, checks the context paths it reads against the
// schema and builds its program. Problems are stored in r.Err.
func (c *compiler) compile(r *Rule) {
	if r.Err != nil || !r.Enabled {
		return
	}
	checked, iss := c.env.Compile(r.Expr)
	if iss != nil && iss.Err() != nil {
		r.Err = fmt.Errorf("CEL: %s", issuesText(iss))
		return
	}
	if t := checked.OutputType(); !t.IsExactType(cel.BoolType) && !t.IsExactType(cel.DynType) {
		r.Err = fmt.Errorf("CEL: the expression returns %s, a rule must return bool", t)
		return
	}
	refs, allEv, err := analyze(checked.NativeRep())
	if err != nil {
		r.Err = fmt.Errorf("CEL: %w", err)
		return
	}
	prg, err := c.env.Program(checked, cel.CostLimit(c.costLimit), cel.InterruptCheckFrequency(100))
	if err != nil {
		r.Err = fmt.Errorf("CEL: %w", err)
		return
	}
	r.prg, r.refs, r.allEv = prg, refs, allEv
	r.histIDs, r.histAny, r.histUses = historyRefs(checked.NativeRep())
	r.evDim = nil
	for _, rf := range refs {
		if len(rf.path) >= 2 && rf.path[0] == varEvidence {
			d := trust.Dimension(rf.path[1])
			if !slices.Contains(r.evDim, d) {
				r.evDim = append(r.evDim, d)
			}
		}
	}
}

// issuesText renders CEL issues on one line each, "line:column: message".
func issuesText(iss *cel.Issues) string {
	var msgs []string
	for _, e := range iss.Errors() {
		msgs = append(msgs, fmt.Sprintf("%d:%d: %s", e.Location.Line(), e.Location.Column()+1, e.Message))
	}
	if len(msgs) == 0 {
		return iss.String()
	}
	return strings.Join(msgs, "; ")
}

// pathRef is a context path an expression reads, e.g. evidence.fairness.age or model.tags.owner.
type pathRef struct {
	path     []string
	testOnly bool // only tested with has()
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (r pathRef) String() string { return pathString(r.path) }

func pathString(p []string) string {
	var b strings.Builder
	for i, s := range p {
		switch {
		case i == 0:
			b.WriteString(s)
		case identRe.MatchString(s):
			b.WriteString("." + s)
		default:
			b.WriteString("[" + strconv.Quote(s) + "]")
		}
	}
	return b.String()
}

// schemaNode describes the evaluation context for the path check: named fields, a node for any
// other name (metric names), or open (user data such as tags and params, anything goes).
type schemaNode struct {
	fields map[string]*schemaNode
	any    *schemaNode
	open   bool
}

var (
	leaf       = &schemaNode{}
	open       = &schemaNode{open: true}
	metricNode = &schemaNode{fields: map[string]*schemaNode{
		"value": leaf, "min": leaf, "max": leaf, "time": leaf, "age": leaf, "status": leaf,
		"threshold": leaf, "link": leaf, "count": leaf, "series": leaf,
	}}
	dimensionNode = &schemaNode{
		fields: map[string]*schemaNode{"time": leaf, "age": leaf, "count": leaf, "link": leaf, "sources": leaf},
		any:    metricNode,
	}
	schema = map[string]*schemaNode{
		varModel: {fields: map[string]*schemaNode{
			"name": leaf, "version": leaf, "aliases": leaf, "stage": leaf, "tags": open,
			"description": leaf, "created": leaf, "updated": leaf, "run_id": leaf, "link": leaf,
			"registered": leaf,
			"run": {fields: map[string]*schemaNode{"id": leaf, "params": open, "tags": open, "user": leaf,
				"status": leaf, "start": leaf, "end": leaf, "inputs": leaf, "artifacts": leaf}},
		}},
		varEvidence: {fields: map[string]*schemaNode{
			string(trust.Fairness): dimensionNode, string(trust.Drift): dimensionNode,
			string(trust.Accuracy): dimensionNode, string(trust.Quality): dimensionNode,
			string(trust.Explainability): dimensionNode,
		}},
		varParams: open,
		varNow:    leaf,
	}
)

// checkPath reports the first segment of p the schema does not know.
func checkPath(p []string) error {
	n, ok := schema[p[0]]
	if !ok {
		return nil
	}
	for i := 1; i < len(p); i++ {
		if n.open {
			return nil
		}
		next, ok := n.fields[p[i]]
		if !ok {
			next = n.any
		}
		if next == nil {
			if len(n.fields) == 0 {
				return fmt.Errorf("%s has no fields, cannot select %q", pathString(p[:i]), p[i])
			}
			names := make([]string, 0, len(n.fields))
			for k := range n.fields {
				names = append(names, k)
			}
			sort.Strings(names)
			return fmt.Errorf("unknown field %s: %s has %s", pathString(p[:i+1]), pathString(p[:i]), strings.Join(names, ", "))
		}
		n = next
	}
	return nil
}

// pathOf returns the context path an expression denotes (identifier, field selections and
// indexes with constant string keys), or false.
func pathOf(e ast.Expr) ([]string, bool) {
	switch e.Kind() {
	case ast.IdentKind:
		return []string{e.AsIdent()}, true
	case ast.SelectKind:
		s := e.AsSelect()
		p, ok := pathOf(s.Operand())
		if !ok {
			return nil, false
		}
		return append(slices.Clone(p), s.FieldName()), true
	case ast.CallKind:
		c := e.AsCall()
		if c.FunctionName() != operators.Index || len(c.Args()) != 2 || c.Args()[1].Kind() != ast.LiteralKind {
			return nil, false
		}
		key, ok := c.Args()[1].AsLiteral().(types.String)
		if !ok {
			return nil, false
		}
		p, ok := pathOf(c.Args()[0])
		if !ok {
			return nil, false
		}
		return append(slices.Clone(p), string(key)), true
	}
	return nil, false
}

// analyze lists the context paths an expression reads (longest first-seen paths only), checks them
// against the schema, and tells whether it reads evidence as a whole.
func analyze(a *ast.AST) ([]pathRef, bool, error) {
	var all []pathRef
	var errs []error
	evidenceIdents, evidenceOperands := 0, 0
	ast.PreOrderVisit(a.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		var operand ast.Expr
		testOnly := false
		switch e.Kind() {
		case ast.IdentKind:
			if e.AsIdent() == varEvidence {
				evidenceIdents++
			}
			return
		case ast.SelectKind:
			operand = e.AsSelect().Operand()
			testOnly = e.AsSelect().IsTestOnly()
		case ast.CallKind:
			c := e.AsCall()
			if c.FunctionName() != operators.Index || len(c.Args()) != 2 {
				return
			}
			operand = c.Args()[0]
		default:
			return
		}
		if operand.Kind() == ast.IdentKind && operand.AsIdent() == varEvidence {
			if _, constKey := pathOf(e); constKey {
				evidenceOperands++
			}
		}
		p, ok := pathOf(e)
		if !ok {
			return
		}
		if _, known := schema[p[0]]; !known {
			return // a comprehension or cel.bind variable
		}
		if err := checkPath(p); err != nil {
			if !slices.ContainsFunc(errs, func(e error) bool { return e.Error() == err.Error() }) {
				errs = append(errs, err)
			}
			return
		}
		all = append(all, pathRef{path: p, testOnly: testOnly})
	}))
	if len(errs) > 0 {
		return nil, false, errors.Join(errs...)
	}
	// Keep the longest paths, once each; a path read both with and without has() counts as read.
	var out []pathRef
	for i, r := range all {
		longer := false
		for j, o := range all {
			if j != i && len(o.path) > len(r.path) && slices.Equal(o.path[:len(r.path)], r.path) {
				longer = true
				break
			}
		}
		if longer {
			continue
		}
		dup := false
		for k := range out {
			if slices.Equal(out[k].path, r.path) {
				out[k].testOnly = out[k].testOnly && r.testOnly
				dup = true
			}
		}
		if !dup {
			out = append(out, r)
		}
	}
	return out, evidenceIdents > evidenceOperands, nil
}
