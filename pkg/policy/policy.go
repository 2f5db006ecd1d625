// Package policy is compliance as code: rules written in CEL, evaluated per model version over the
// model registry's metadata and the evidence every other source brings (fairness, drift, accuracy,
// quality). It serves the compliance dimension (rule_passed, compliance_score), the trust_score
// query type, the `rules` variable, `compliance_fail` annotations and the checks behind
// `trustq check`. The rules and the evaluation context are documented in docs/compliance-rules.md.
package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dte-trust/dte-trust/pkg/fsroot"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Defaults of the settings in Config.
const (
	DefaultEvidenceDays     = 365
	DefaultMaxModelVersions = 100
)

// Config holds the policy engine's keys of the datasource settings (jsonData).
type Config struct {
	// PolicyPacks names the shipped rule packs evaluated (default DefaultPacks, ["gdpr"]); a
	// query's packs field replaces it for that query. An empty list evaluates no shipped pack.
	PolicyPacks []string `json:"policyPacks"`
	// PolicyRules is YAML text with rules added to or overriding the packs' rules.
	PolicyRules string `json:"policyRules"`
	// PolicyRulesFile is the path of a YAML rules file, applied after PolicyRules.
	PolicyRulesFile string `json:"policyRulesFile"`
	// EvidenceDays is how far back evidence counts (default 365 days): older evidence is ignored.
	EvidenceDays float64 `json:"policyEvidenceDays"`
	// MaxModelVersions bounds the model versions one evaluation covers (default 100).
	MaxModelVersions int `json:"policyMaxModelVersions"`
	// CostLimit bounds the CEL cost of one rule evaluation (default DefaultCostLimit).
	CostLimit uint64 `json:"policyCostLimit"`
	// TrustScoreWeights weighs the dimensions in the trust score (default 1 each).
	TrustScoreWeights map[string]float64 `json:"trustScoreWeights"`
	// PackWeights weighs each shipped pack's rules in the compliance part of the trust score
	// (default 1 each; 0 leaves a pack out of it), e.g. {"eu-ai-act-high-risk": 2}. Values are
	// read loosely so that a bad one is a notice, not an unreadable settings object.
	PackWeights map[string]any `json:"packWeights"`
}

// Host is what the policy engine reads from: the engine's evidence collection (the same path a
// dimension query takes) and the configured providers, to find a model catalog and to know which
// dimensions are served.
type Host interface {
	trust.EvidenceSource
	Providers() []trust.Provider
}

// layer is one rules document and where it came from.
type layer struct {
	doc    []byte
	origin string
}

// ruleBook is the merged, compiled rules of one selection of packs plus the other layers.
type ruleBook struct {
	packs  []string
	rules  []*Rule
	docErr []trust.Notice // rules documents that are not YAML or have the wrong shape
}

// bookCache keeps the rule books of the pack selections queries asked for (at most one per
// subset of the shipped packs).
type bookCache struct {
	mu    sync.Mutex
	books map[string]*ruleBook
}

// Provider is the policy source.
type Provider struct {
	host     Host
	cfg      Config
	packs    []string // the data source's packs (policyPacks), canonical order
	layers   []layer  // the layers after the packs: policyRules, policyRulesFile, --rules
	book     *ruleBook
	cache    *bookCache
	setupErr []trust.Notice // a rules file that cannot be read, unknown packs, bad trust score weights
	weights  map[trust.Dimension]float64
	// packWeights are the valid packWeights (pack_score.go).
	packWeights map[string]float64
	// Now is the clock (tests set it).
	Now func() time.Time
}

// Make sure Provider implements what it serves.
var (
	_ trust.EvidenceProvider   = (*Provider)(nil)
	_ trust.ScoreProvider      = (*Provider)(nil)
	_ trust.OptionsProvider    = (*Provider)(nil)
	_ trust.AnnotationProvider = (*Provider)(nil)
	_ trust.HealthChecker      = (*Provider)(nil)
)

// New builds the policy source from the datasource settings. It returns nil, nil when the host
// has no other source to evaluate rules over.
func New(_ context.Context, s trust.Settings, host Host) (*Provider, error) {
	var cfg Config
	if err := s.Decode(&cfg); err != nil {
		return nil, err
	}
	others := 0
	for _, p := range host.Providers() {
		if p.Name() != trust.SourcePolicy {
			others++
		}
	}
	if others == 0 {
		return nil, nil
	}
	return NewFromConfig(host, cfg)
}

// NewFromConfig builds the policy source from the default pack, cfg.PolicyRules and cfg.PolicyRulesFile.
// Rules that do not compile and documents that cannot be read are kept as problems to report;
// the error return is for an unusable default pack only.
func NewFromConfig(host Host, cfg Config) (*Provider, error) {
	p := &Provider{host: host, cfg: cfg, Now: time.Now}
	if p.cfg.EvidenceDays <= 0 {
		p.cfg.EvidenceDays = DefaultEvidenceDays
	}
	if p.cfg.MaxModelVersions <= 0 {
		p.cfg.MaxModelVersions = DefaultMaxModelVersions
	}
	names := cfg.PolicyPacks
	if names == nil {
		names = DefaultPacks
	}
	var unknown []string
	p.packs, unknown = resolvePacks(names)
	for _, n := range unknown {
		p.setupErr = append(p.setupErr, unknownPackNotice(n, "policyPacks"))
	}
	if strings.TrimSpace(cfg.PolicyRules) != "" {
		p.layers = append(p.layers, layer{doc: []byte(cfg.PolicyRules), origin: OriginSettings})
	}
	if cfg.PolicyRulesFile != "" {
		// a regular file within the document limit (a FIFO or device is refused without waiting)
		b, err := fsroot.ReadFile(context.Background(), cfg.PolicyRulesFile, MaxDocumentBytes)
		if err != nil {
			p.setupErr = append(p.setupErr, trust.Notice{Source: trust.SourcePolicy, Location: OriginRulesFile + " " + cfg.PolicyRulesFile,
				Message: fmt.Sprintf("cannot read the rules file: %v", err), Warning: true})
		} else {
			p.layers = append(p.layers, layer{doc: b, origin: OriginRulesFile + " " + cfg.PolicyRulesFile})
		}
	}
	p.weights, p.setupErr = weightsFrom(cfg.TrustScoreWeights, p.setupErr)
	p.packWeights, p.setupErr = packWeightsFrom(cfg.PackWeights, p.setupErr)
	if err := p.build(); err != nil {
		return nil, err
	}
	return p, nil
}

// WithRules returns a copy of p with one more rules document applied last (trustq check --rules).
// A document that is not YAML or has the wrong shape is an error; single broken rules are kept
// and reported as usual.
func (p *Provider) WithRules(doc []byte, origin string) (*Provider, error) {
	if _, err := parseRules(doc); err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	cp := *p
	cp.layers = append(slices.Clone(p.layers), layer{doc: doc, origin: origin})
	if err := cp.build(); err != nil {
		return nil, err
	}
	return &cp, nil
}

// build makes the rule book of the data source's packs and starts an empty cache for the other
// selections.
func (p *Provider) build() error {
	b, err := p.makeBook(p.packs)
	if err != nil {
		return err
	}
	p.book = b
	p.cache = &bookCache{books: map[string]*ruleBook{strings.Join(p.packs, ","): b}}
	return nil
}

// makeBook merges the packs (known names, canonical order) and the other layers and compiles every
// enabled rule. A broken shipped pack is an error.
func (p *Provider) makeBook(packs []string) (*ruleBook, error) {
	c, err := newCompiler(p.cfg.CostLimit)
	if err != nil {
		return nil, err
	}
	all, err := loadPacks()
	if err != nil {
		return nil, err
	}
	var rs ruleSet
	for _, pk := range all {
		if slices.Contains(packs, pk.Name) {
			rs.apply(pk.specs, OriginPack+pk.Name, pk.Name)
		}
	}
	b := &ruleBook{packs: packs}
	for _, l := range p.layers {
		specs, err := parseRules(l.doc)
		if err != nil {
			b.docErr = append(b.docErr, trust.Notice{Source: trust.SourcePolicy, Location: l.origin, Message: err.Error(), Warning: true})
			continue
		}
		rs.apply(specs, l.origin, "")
	}
	for _, r := range rs.rules {
		c.compile(r)
		if r.Err != nil && strings.HasPrefix(r.Origin, OriginPack) {
			return nil, fmt.Errorf("policy: rule %s of the %s is broken: %w", r.ID, r.Origin, r.Err)
		}
	}
	b.rules = rs.rules
	return b, nil
}

// bookFor returns the rule book of a query's packs (the data source's when the query names none)
// and a notice for each name that is not a pack.
func (p *Provider) bookFor(names []string) (*ruleBook, []trust.Notice, error) {
	if len(names) == 0 {
		return p.book, nil, nil
	}
	packs, unknown := resolvePacks(names)
	var notes []trust.Notice
	for _, n := range unknown {
		notes = append(notes, unknownPackNotice(n, "the query's packs"))
	}
	key := strings.Join(packs, ",")
	p.cache.mu.Lock()
	defer p.cache.mu.Unlock()
	if b := p.cache.books[key]; b != nil {
		return b, notes, nil
	}
	b, err := p.makeBook(packs)
	if err != nil {
		return nil, notes, err
	}
	p.cache.books[key] = b
	return b, notes, nil
}

// PacksOf returns the shipped packs a query's pack names select (the data source's when it names
// none), in canonical order.
func (p *Provider) PacksOf(names []string) []string {
	if len(names) == 0 {
		return p.packs
	}
	known, _ := resolvePacks(names)
	return known
}

// SelectedPacks returns the packs the data source evaluates (policyPacks), canonical order.
func (p *Provider) SelectedPacks() []string { return p.packs }

// Name is the source name.
func (p *Provider) Name() string { return trust.SourcePolicy }

// ResolvesAliases implements trust.AliasResolver: queries with an alias are resolved here.
func (p *Provider) ResolvesAliases() bool { return true }

// Rules returns every rule of the data source's packs and layers, enabled or not, in definition order.
func (p *Provider) Rules() []*Rule { return p.book.rules }

// BrokenRules returns the enabled rules that cannot be evaluated.
func (p *Provider) BrokenRules() []*Rule { return p.book.broken() }

func (b *ruleBook) broken() []*Rule {
	var out []*Rule
	for _, r := range b.rules {
		if r.Enabled && r.Broken() {
			out = append(out, r)
		}
	}
	return out
}

// Problems lists what is wrong with the rules: documents that could not be read and broken rules,
// one notice each naming the rule id and the error.
func (p *Provider) Problems() []trust.Notice { return p.problems(p.book) }

func (p *Provider) problems(b *ruleBook) []trust.Notice {
	out := append(slices.Clone(p.setupErr), b.docErr...)
	for _, r := range b.broken() {
		out = append(out, trust.Notice{Source: trust.SourcePolicy, Location: "rule " + r.ID,
			Message: fmt.Sprintf("broken rule (from %s) skipped: %v", r.Origin, r.Err), Warning: true})
	}
	for _, r := range b.rules {
		if r.Enabled && !r.Broken() && r.Defect != "" {
			out = append(out, trust.Notice{Source: trust.SourcePolicy, Location: "rule " + r.ID, Message: r.Defect, Warning: true})
		}
	}
	return out
}

// selectedRules returns the enabled, compiling rules of the data source's packs, narrowed to ids
// when given.
func (p *Provider) selectedRules(ids []string) []*Rule { return p.book.selected(ids) }

func (b *ruleBook) selected(ids []string) []*Rule {
	var out []*Rule
	for _, r := range b.rules {
		if r.Enabled && !r.Broken() && (len(ids) == 0 || slices.Contains(ids, r.ID)) {
			out = append(out, r)
		}
	}
	return out
}

// CheckHealth reports the rule count and where model versions come from, or the broken rules and
// unreadable rules documents, each with its id or location and the error.
func (p *Provider) CheckHealth(_ context.Context) (string, error) {
	if probs := p.Problems(); len(probs) > 0 {
		msgs := make([]string, len(probs))
		for i, n := range probs {
			msgs[i] = n.String()
		}
		return "", fmt.Errorf("%s (the other rules are evaluated)", strings.Join(msgs, "; "))
	}
	enabled := len(p.selectedRules(nil))
	from := "model versions derived from evidence labels (no model registry configured)"
	if cat := p.catalog(); cat != nil {
		from = "model versions from the " + cat.Name() + " registry"
	}
	return fmt.Sprintf("policy: %d compliance rules, %s", enabled, from), nil
}

// OptionKinds lists the variable kinds the policy source answers.
func (p *Provider) OptionKinds() []string { return []string{trust.VarRules} }

// Options lists the enabled rule ids (text: "id: title").
func (p *Provider) Options(_ context.Context, kind string, _ *trust.Query) ([]trust.Option, error) {
	if kind != trust.VarRules {
		return nil, fmt.Errorf("policy: unknown variable kind %q", kind)
	}
	var out []trust.Option
	for _, r := range p.book.rules {
		if r.Enabled {
			out = append(out, trust.Option{Text: r.ID + ": " + r.Title, Value: r.ID})
		}
	}
	return out, nil
}

// catalog returns the first configured model catalog, or nil.
func (p *Provider) catalog() trust.ModelCatalog {
	for _, pr := range p.host.Providers() {
		if c, ok := pr.(trust.ModelCatalog); ok && pr.Name() != trust.SourcePolicy {
			return c
		}
	}
	return nil
}

// served lists the evidence dimensions some other configured source serves.
func (p *Provider) served() map[trust.Dimension]bool {
	out := map[trust.Dimension]bool{}
	for _, pr := range p.host.Providers() {
		if ep, ok := pr.(trust.EvidenceProvider); ok && pr.Name() != trust.SourcePolicy {
			for _, d := range ep.Dimensions() {
				out[d] = true
			}
		}
	}
	return out
}

// window is how far back evidence counts.
func (p *Provider) window() time.Duration {
	return time.Duration(p.cfg.EvidenceDays * 24 * float64(time.Hour))
}

// ValidateRules checks a policyRules document the way the data source would load it: applied over
// the default pack, every rule it defines or overrides must decode and compile (with the settings'
// CEL cost limit, 0 for the default). It returns nil for a document that loads cleanly (the empty
// one included), else one error naming every problem, one per line. The query editor's
// POST validate/rules resource route answers with it.
func ValidateRules(doc string, costLimit uint64) error {
	if strings.TrimSpace(doc) == "" {
		return nil
	}
	if _, err := parseRules([]byte(doc)); err != nil {
		return err
	}
	// Over every shipped pack, so that an override of any pack's rule is checked.
	p, err := NewFromConfig(nil, Config{PolicyRules: doc, CostLimit: costLimit, PolicyPacks: PackNames()})
	if err != nil {
		return err
	}
	var problems []string
	for _, n := range p.book.docErr {
		problems = append(problems, n.Message)
	}
	for _, r := range p.BrokenRules() {
		if r.Origin == OriginSettings {
			problems = append(problems, fmt.Sprintf("rule %s: %v", r.ID, r.Err))
		}
	}
	for _, r := range p.book.rules {
		if r.Origin == OriginSettings && r.Enabled && r.Defect != "" {
			problems = append(problems, fmt.Sprintf("rule %s: %s", r.ID, r.Defect))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}
