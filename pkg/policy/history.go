package policy

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
)

// Rule history: history("rule-id", n) gives a rule the outcomes ("pass", "fail", "unknown") of a
// rule (itself included) for the same model version at the n most recent evaluation times before
// now, newest first. The evaluation times are the distinct times of the evidence the asked-about
// rule reads (its dimensions' points, within policyEvidenceDays): each is one evaluation of that
// evidence, and the rule is evaluated as of that time (now = the time, the evidence known then).
// Nothing is stored between queries: the history is recomputed from the evidence's own time
// series, so a panel, an alert and trustq check agree.
//
// history is a macro: history(id, n) becomes dte_history(__history, id, n), where __history is a
// hidden variable holding the evaluation in progress (the model version, the time, the depth), so
// the compiled program stays shared by every evaluation.
const (
	funcHistory = "history"
	funcHistImp = "dte_history"
	varHistory  = "__history"
	// historyMarker starts every error about a history() call's arguments.
	historyMarker = `history("`
)

// MaxHistory bounds n in history(id, n).
const MaxHistory = 20

// maxHistoryDepth bounds history() calls within the evaluations history() makes (a rule asking
// about a rule that asks about another): deeper calls make that earlier outcome unknown.
const maxHistoryDepth = 2

// historyEnvOptions declares history() and its hidden variable.
func historyEnvOptions() []cel.EnvOption {
	bind := cel.FunctionBinding(func(args ...ref.Val) ref.Val {
		h, ok := args[0].(*historyScope)
		if !ok {
			return types.NewErr("%s is not available here", funcHistImp)
		}
		return h.call(args[1], args[2])
	})
	return []cel.EnvOption{
		cel.Variable(varHistory, cel.DynType),
		cel.Macros(cel.GlobalMacro(funcHistory, 2, func(eh cel.MacroExprFactory, _ ast.Expr, args []ast.Expr) (ast.Expr, *common.Error) {
			return eh.NewCall(funcHistImp, eh.NewIdent(varHistory), args[0], args[1]), nil
		})),
		// one overload over dyn: the arguments are checked when called, with a message naming
		// the argument (a rule reading n from a tag or param is only known then)
		cel.Function(funcHistImp,
			cel.Overload("dte_history", []*cel.Type{cel.DynType, cel.DynType, cel.DynType}, cel.ListType(cel.StringType), bind),
		),
	}
}

// historyRefs lists the rule ids an expression's history() calls name as constants, and tells
// whether some call names its rule with an expression (then every rule may be asked about).
func historyRefs(a *ast.AST) (ids []string, dynamic, uses bool) {
	ast.PreOrderVisit(a.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() != ast.CallKind || e.AsCall().FunctionName() != funcHistImp || len(e.AsCall().Args()) != 3 {
			return
		}
		uses = true
		arg := e.AsCall().Args()[1]
		if arg.Kind() == ast.LiteralKind {
			if s, ok := arg.AsLiteral().(types.String); ok {
				if !slices.Contains(ids, string(s)) {
					ids = append(ids, string(s))
				}
				return
			}
		}
		dynamic = true
	}))
	return ids, dynamic, uses
}

// historyState is what history() keeps for one model version during one Evaluate: every rule of
// the rule book by id, the evaluation contexts built per time and the outcomes already computed.
type historyState struct {
	rules map[string]*Rule
	envs  map[int64]*evalEnv
	memo  map[historyKey]Outcome
}

type historyKey struct {
	rule  string
	at    int64
	depth int
}

func newHistoryState(b *ruleBook) *historyState {
	h := &historyState{rules: map[string]*Rule{}, envs: map[int64]*evalEnv{}, memo: map[historyKey]Outcome{}}
	for _, r := range b.rules {
		h.rules[r.ID] = r
	}
	return h
}

// historyRules adds to rules the rules their history() calls ask about (transitively, as deep as
// history() evaluates), so that the evidence those read is collected too. It also tells whether
// any rule uses history(), which needs the evidence's time series rather than its latest points.
func historyRules(b *ruleBook, rules []*Rule) ([]*Rule, bool) {
	out := slices.Clone(rules)
	uses := false
	frontier := rules
	for depth := 0; depth <= maxHistoryDepth && len(frontier) > 0; depth++ {
		var next []*Rule
		for _, r := range frontier {
			if !r.histUses {
				continue
			}
			uses = true
			for _, o := range b.rules {
				if (r.histAny || slices.Contains(r.histIDs, o.ID)) && o.Enabled && !o.Broken() && !slices.Contains(out, o) {
					out = append(out, o)
					next = append(next, o)
				}
			}
		}
		frontier = next
	}
	return out, uses
}

// historyScope is the value of __history during one rule evaluation: the model version, the
// evaluation time and how deep in history() calls the evaluation is. It records the calls made
// at the top level so that the result's reason can show them.
type historyScope struct {
	p     *Provider
	ctx   context.Context
	s     *subject
	t     time.Time
	depth int
	calls []string
}

var historyType = types.NewOpaqueType("dte.history")

// ConvertToNative implements ref.Val.
func (h *historyScope) ConvertToNative(reflect.Type) (any, error) {
	return nil, fmt.Errorf("%s cannot be converted", varHistory)
}

// ConvertToType implements ref.Val.
func (h *historyScope) ConvertToType(ref.Type) ref.Val {
	return types.NewErr("%s cannot be converted", varHistory)
}

// Equal implements ref.Val.
func (h *historyScope) Equal(o ref.Val) ref.Val { return types.Bool(o == ref.Val(h)) }

// Type implements ref.Val.
func (h *historyScope) Type() ref.Type { return historyType }

// Value implements ref.Val.
func (h *historyScope) Value() any { return h }

// call answers history(id, n).
func (h *historyScope) call(idVal, nVal ref.Val) ref.Val {
	id, isText := idVal.(types.String)
	call := fmt.Sprintf("history(%q, %v)", fmt.Sprint(idVal.Value()), nVal.Value())
	if !isText {
		return types.NewErr("%s: argument 1 (rule) is a %s: use a rule id", call, idVal.Type().TypeName())
	}
	var n int
	switch x := nVal.(type) {
	case types.Int:
		if x < 1 || x > MaxHistory {
			return types.NewErr("%s: argument 2 (n) is %d: use a whole number from 1 to %d", call, int64(x), MaxHistory)
		}
		n = int(x)
	case types.Double:
		f := float64(x)
		if f != math.Trunc(f) || f < 1 || f > MaxHistory {
			return types.NewErr("%s: argument 2 (n) is %v: use a whole number from 1 to %d", call, f, MaxHistory)
		}
		n = int(f)
	default:
		return types.NewErr("%s: argument 2 (n) is a %s: use a whole number from 1 to %d", call, nVal.Type().TypeName(), MaxHistory)
	}
	r := h.s.hist.rules[string(id)]
	switch {
	case r == nil:
		return types.NewErr("%s: argument 1 (rule) %q is not a rule of the selected packs and rules", call, id)
	case !r.Enabled:
		return types.NewErr("%s: argument 1 (rule) %q is disabled", call, id)
	case r.Broken():
		return types.NewErr("%s: argument 1 (rule) %q is broken: %v", call, id, r.Err)
	case !h.applies(r):
		return types.NewErr("%s: argument 1 (rule) %q does not apply to this model version (its scope)", call, id)
	case h.depth >= maxHistoryDepth:
		return types.NewErr("%s: history() nested more than %d deep", call, maxHistoryDepth)
	}
	times := h.p.historyTimes(h.s, r, h.t, n)
	out := make([]string, len(times))
	for i, at := range times {
		out[i] = string(h.p.outcomeAt(h.ctx, h.s, r, at, h.depth+1))
	}
	if h.depth == 0 {
		h.calls = append(h.calls, fmt.Sprintf("%s = [%s]", call, strings.Join(out, ", ")))
	}
	return types.NewStringList(types.DefaultTypeAdapter, out)
}

// applies reports whether rule r is in scope for the model version.
func (h *historyScope) applies(r *Rule) bool {
	if !h.s.registered && r.Scope.needsRegistry() {
		return false
	}
	return r.Scope.matches(&h.s.mv)
}

// historyTimes returns the n most recent distinct times, newest first, of the evidence rule r reads
// for the model version, before t and within the evidence window (and not before the version was
// registered). A rule reading no evidence has none: registry metadata keeps no history.
func (p *Provider) historyTimes(s *subject, r *Rule, t time.Time, n int) []time.Time {
	dims := r.evDim
	if r.allEv {
		dims = EvidenceDimensions
	}
	seen := map[int64]bool{}
	var all []time.Time
	for _, d := range dims {
		de := s.dims[d]
		if de == nil || de.err != "" {
			continue
		}
		for _, pt := range de.points {
			at := pt.Time
			if at.IsZero() || !at.Before(t) || !at.After(t.Add(-p.window())) || seen[at.UnixNano()] {
				continue
			}
			if s.registered && !s.mv.Created.IsZero() && at.Before(s.mv.Created) {
				continue
			}
			seen[at.UnixNano()] = true
			all = append(all, at)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].After(all[j]) })
	if len(all) > n {
		all = all[:n]
	}
	return all
}

// outcomeAt evaluates rule r for the model version as of time at, once per rule, time and depth.
func (p *Provider) outcomeAt(ctx context.Context, s *subject, r *Rule, at time.Time, depth int) Outcome {
	k := historyKey{r.ID, at.UnixNano(), depth}
	if o, ok := s.hist.memo[k]; ok {
		return o
	}
	o := p.evalRule(ctx, s, r, p.envAt(s, at), depth).Outcome
	s.hist.memo[k] = o
	return o
}

// historyProblem returns the message of an error about a history() call, or "".
func historyProblem(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, historyMarker); i >= 0 {
		return msg[i:]
	}
	return ""
}

// withHistory adds the history() calls a decided rule made (and what they answered) to the values
// it read; fallback when there are neither.
func withHistory(observed string, calls []string, fallback string) string {
	parts := calls
	if observed != "" {
		parts = append([]string{observed}, calls...)
	}
	if len(parts) == 0 {
		return fallback
	}
	return strings.Join(parts, ", ")
}
