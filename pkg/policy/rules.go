package policy

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/google/cel-go/cel"
	"go.yaml.in/yaml/v3"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Origin names of the rule layers, in the order they are applied: the selected packs (packs.go,
// origin "pack NAME"), then policyRules, then policyRulesFile.
const (
	OriginPack      = "pack "
	OriginSettings  = "policyRules"
	OriginRulesFile = "policyRulesFile"
)

// Severity says what a failing rule means: an error fails `trustq check` (and should page), a
// warning is reported only.
type Severity string

// Severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Scope selects the model versions a rule applies to. Each non-empty part must match (AND); within
// a part one entry matching is enough (OR). An empty scope applies to every model version.
type Scope struct {
	// Models are shell-style name patterns (path.Match: *, ?, [a-z]), e.g. "credit-*".
	Models []string `yaml:"models" json:"models,omitempty"`
	// Aliases: the version carries one of these aliases (e.g. champion).
	Aliases []string `yaml:"aliases" json:"aliases,omitempty"`
	// Stages: the version is in one of these stages (case-insensitive, e.g. Production).
	Stages []string `yaml:"stages" json:"stages,omitempty"`
	// Tags: every listed tag has this value; the value "*" only asks for the tag to be present.
	Tags map[string]string `yaml:"tags" json:"tags,omitempty"`
}

// needsRegistry reports whether matching the scope needs registry metadata (aliases, stage, tags).
func (s *Scope) needsRegistry() bool {
	return len(s.Aliases) > 0 || len(s.Stages) > 0 || len(s.Tags) > 0
}

// matchesName reports whether a model name matches the scope's name patterns.
func (s *Scope) matchesName(name string) bool {
	return len(s.Models) == 0 || slices.ContainsFunc(s.Models, func(p string) bool {
		ok, _ := path.Match(p, name)
		return ok
	})
}

// matches reports whether the model version mv is in scope.
func (s *Scope) matches(mv *trust.ModelVersion) bool {
	if !s.matchesName(mv.Name) {
		return false
	}
	if len(s.Aliases) > 0 && !slices.ContainsFunc(s.Aliases, func(a string) bool { return slices.Contains(mv.Aliases, a) }) {
		return false
	}
	if len(s.Stages) > 0 && !slices.ContainsFunc(s.Stages, func(st string) bool { return strings.EqualFold(st, mv.Stage) }) {
		return false
	}
	for k, want := range s.Tags {
		got, ok := mv.Tags[k]
		if !ok || (want != "*" && got != want) {
			return false
		}
	}
	return true
}

// validate checks the name patterns.
func (s *Scope) validate() error {
	for _, p := range s.Models {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("scope.models: bad pattern %q: %w", p, err)
		}
	}
	return nil
}

// Rule is one compliance rule: metadata, scope and a CEL expression over the evaluation context
// (see context.go). A rule whose expression does not compile is kept with Err set, reported, and
// skipped while the other rules evaluate.
type Rule struct {
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Description string          `json:"description,omitempty"`
	Severity    Severity        `json:"severity"`
	Dimension   trust.Dimension `json:"dimension"`
	Scope       Scope           `json:"scope"`
	Params      map[string]any  `json:"params,omitempty"`
	Expr        string          `json:"expr"`
	Enabled     bool            `json:"enabled"`
	// Refs name what the rule evidences: an article and paragraph ("EU AI Act Art. 10(2)(f)"), a
	// framework subcategory ("NIST AI RMF MEASURE 2.11"). Every rule of a shipped pack has some.
	Refs []string `json:"refs,omitempty"`
	// Pack is the shipped pack that defined the rule (gdpr, eu-ai-act-high-risk, nist-ai-rmf);
	// empty for a rule added by policyRules, policyRulesFile or --rules. An override keeps it.
	Pack string `json:"pack,omitempty"`
	// Origin is the layer that defined the rule last (default pack, policyRules, a file).
	Origin string `json:"origin"`
	// Err is why the rule cannot be evaluated (YAML, CEL compile or schema error); nil when it compiles.
	Err error `json:"-"`
	// Defect is why a rule that compiles is still not decided: a pack rule whose override left it
	// without refs. The rule is then unknown for every model version (never pass) and reported.
	Defect string `json:"-"`

	prg   cel.Program
	refs  []pathRef // context paths the expression reads, for reasons, links and evidence planning
	evDim []trust.Dimension
	allEv bool // the expression reads evidence as a whole (e.g. evidence['x']), so fetch every dimension
	// history() calls (history.go): the rule ids named as constants, whether some call names its
	// rule with an expression, whether the rule calls history() at all
	histIDs  []string
	histAny  bool
	histUses bool
}

// Broken reports whether the rule cannot be evaluated.
func (r *Rule) Broken() bool { return r.Err != nil }

// ruleSpec is one rule as written in YAML. Pointers tell a field left out (keep the overridden
// rule's value) from a field set to its zero value.
type ruleSpec struct {
	ID          string         `yaml:"id"`
	Title       *string        `yaml:"title"`
	Description *string        `yaml:"description"`
	Severity    *string        `yaml:"severity"`
	Dimension   *string        `yaml:"dimension"`
	Scope       *Scope         `yaml:"scope"`
	Params      map[string]any `yaml:"params"`
	Expr        *string        `yaml:"expr"`
	Enabled     *bool          `yaml:"enabled"`
	Refs        []string       `yaml:"refs"`
}

var specKeys = []string{"id", "title", "description", "severity", "dimension", "scope", "params", "expr", "enabled", "refs"}

// packKeys are the header keys of a shipped pack document, beside rules.
var packKeys = []string{"pack", "version", "title", "description"}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]*$`)

// parsedSpec is a spec plus what was wrong with it on its own (an unknown key, a bad value).
type parsedSpec struct {
	spec ruleSpec
	line int
	err  error
}

// parseRules reads a rules document: either {rules: [...]} or a bare list of rules. A document
// that is not YAML, has the wrong shape or is over a limit (limits.go) is an error; a single bad
// rule is returned with its error so that the others still load.
func parseRules(doc []byte) ([]parsedSpec, error) {
	specs, _, err := parseDoc(doc, false)
	return specs, err
}

// parseDoc reads a rules document. With header (a shipped pack), the mapping form may also carry
// the pack's header keys (packKeys), returned by name.
func parseDoc(doc []byte, header bool) ([]parsedSpec, map[string]*yaml.Node, error) {
	if err := checkSize(doc); err != nil {
		return nil, nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return nil, nil, fmt.Errorf("not valid YAML: %w", err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, nil, nil // empty document
	}
	if err := checkNesting(&root); err != nil {
		return nil, nil, err
	}
	head := map[string]*yaml.Node{}
	n := root.Content[0]
	if n.Kind == yaml.MappingNode {
		var list *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			switch k := n.Content[i].Value; {
			case k == "rules":
				list = n.Content[i+1]
			case header && slices.Contains(packKeys, k):
				head[k] = n.Content[i+1]
			default:
				return nil, nil, fmt.Errorf("line %d: unknown key %q: a rules document is {rules: [...]}", n.Content[i].Line, k)
			}
		}
		if list == nil || (list.Kind == yaml.ScalarNode && list.Tag == "!!null") {
			return nil, head, nil
		}
		n = list
	}
	if n.Kind != yaml.SequenceNode {
		return nil, nil, fmt.Errorf("line %d: expected a list of rules (or {rules: [...]})", n.Line)
	}
	if err := checkCount(n); err != nil {
		return nil, nil, err
	}
	out := make([]parsedSpec, 0, len(n.Content))
	for i, item := range n.Content {
		ps := parsedSpec{line: item.Line}
		if item.Kind != yaml.MappingNode {
			ps.err = fmt.Errorf("rule #%d (line %d) is not a mapping", i+1, item.Line)
			out = append(out, ps)
			continue
		}
		var unknown []string
		for j := 0; j+1 < len(item.Content); j += 2 {
			if k := item.Content[j].Value; !slices.Contains(specKeys, k) {
				unknown = append(unknown, k)
			}
		}
		err := item.Decode(&ps.spec)
		ps.spec.ID = strings.TrimSpace(ps.spec.ID)
		switch {
		case err != nil:
			ps.err = fmt.Errorf("line %d: %w", item.Line, err)
		case len(unknown) > 0:
			ps.err = fmt.Errorf("line %d: unknown key(s) %s (known: %s)", item.Line, strings.Join(unknown, ", "), strings.Join(specKeys, ", "))
		}
		if ps.spec.ID == "" {
			if ps.err == nil {
				ps.err = fmt.Errorf("line %d: the rule has no id", item.Line)
			}
			ps.spec.ID = fmt.Sprintf("rule#%d", i+1)
		} else if !idPattern.MatchString(ps.spec.ID) && ps.err == nil {
			ps.err = fmt.Errorf("line %d: id %q: use letters, digits and _ . : - only", item.Line, ps.spec.ID)
		}
		out = append(out, ps)
	}
	return out, head, nil
}

// ruleSet is the merged rule list, in first-definition order.
type ruleSet struct {
	rules []*Rule
	index map[string]*Rule
}

// apply merges one layer: a spec with a new id adds a rule, a spec with a known id overrides the
// fields it sets (params key by key), `enabled: false` disables.
//
// pack names the shipped pack the layer is (empty for the other layers). A rule of another
// layer whose id belongs to a shipped pack that is not selected is left out: it overrides a rule
// that is not evaluated.
func (rs *ruleSet) apply(specs []parsedSpec, origin, pack string) {
	if rs.index == nil {
		rs.index = map[string]*Rule{}
	}
	for _, ps := range specs {
		s := ps.spec
		r, known := rs.index[s.ID]
		if !known && pack == "" && packOfRule(s.ID) != "" {
			continue
		}
		if !known {
			r = &Rule{ID: s.ID, Severity: SeverityError, Dimension: trust.Compliance, Enabled: true, Pack: pack}
			rs.index[s.ID] = r
			rs.rules = append(rs.rules, r)
		} else {
			cp := *r
			cp.Params = cloneParams(r.Params)
			r = &cp
			rs.index[s.ID] = r
			for i := range rs.rules {
				if rs.rules[i].ID == s.ID {
					rs.rules[i] = r
				}
			}
		}
		r.Origin = origin
		r.Err, r.Defect = nil, ""
		if s.Title != nil {
			r.Title = *s.Title
		}
		if s.Description != nil {
			r.Description = strings.TrimSpace(*s.Description)
		}
		if s.Severity != nil {
			r.Severity = Severity(strings.ToLower(strings.TrimSpace(*s.Severity)))
		}
		if s.Dimension != nil {
			r.Dimension = trust.Dimension(strings.ToLower(strings.TrimSpace(*s.Dimension)))
		}
		if s.Scope != nil {
			r.Scope = *s.Scope
		}
		for k, v := range s.Params {
			if r.Params == nil {
				r.Params = map[string]any{}
			}
			r.Params[k] = normalizeParam(v)
		}
		if s.Expr != nil {
			r.Expr = strings.TrimSpace(*s.Expr)
		}
		if s.Enabled != nil {
			r.Enabled = *s.Enabled
		}
		if s.Refs != nil {
			r.Refs = cleanRefs(s.Refs)
		}
		if r.Title == "" {
			r.Title = r.ID
		}
		switch {
		case ps.err != nil:
			r.Err = ps.err
		case r.Severity != SeverityError && r.Severity != SeverityWarning:
			r.Err = fmt.Errorf("severity %q: use error or warning", r.Severity)
		case !slices.Contains(ScoreDimensions, r.Dimension):
			r.Err = fmt.Errorf("dimension %q: use fairness, drift, accuracy or compliance", r.Dimension)
		case r.Expr == "":
			r.Err = fmt.Errorf("the rule has no expr")
		default:
			r.Err = r.Scope.validate()
		}
		if r.Pack != "" && len(r.Refs) == 0 {
			r.Defect = fmt.Sprintf("refs: %s leaves this rule of pack %s without refs (the article, paragraph or subcategory it evidences); the rule is unknown until refs names one", origin, r.Pack)
		}
	}
}

func cloneParams(p map[string]any) map[string]any {
	if p == nil {
		return nil
	}
	out := make(map[string]any, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

// normalizeParam makes every YAML number a double, so that rules compare params with evidence
// values without caring how the user wrote the number.
func normalizeParam(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeParam(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalizeParam(e)
		}
		return out
	default:
		return v
	}
}

// cleanRefs trims the refs and drops empty ones.
func cleanRefs(in []string) []string {
	out := []string{}
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
