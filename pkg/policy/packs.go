package policy

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// The rule packs shipped with the plugin, each a versioned YAML document embedded in the binary
// and documented rule by rule in docs/compliance-rules.md (gdpr) and docs/compliance-packs.md
// (the others). A pack document is {pack, version, title, description, rules}; every rule of a
// pack carries refs naming what it evidences.
var (
	//go:embed default_rules.yaml
	gdprPackDoc []byte
	//go:embed eu_ai_act_high_risk.yaml
	euAIActPackDoc []byte
	//go:embed nist_ai_rmf.yaml
	nistAIRMFPackDoc []byte
)

// Pack names.
const (
	PackGDPR            = "gdpr"
	PackEUAIActHighRisk = "eu-ai-act-high-risk"
	PackNISTAIRMF       = "nist-ai-rmf"
)

// DefaultPacks are the packs a data source evaluates when its settings name none (policyPacks).
var DefaultPacks = []string{PackGDPR}

// Pack is one shipped rule pack.
type Pack struct {
	Name        string
	Version     string
	Title       string
	Description string
	doc         []byte
	specs       []parsedSpec
}

// shipped lists the packs in their canonical order: selected packs are applied in this order.
var shipped = []struct {
	name string
	doc  []byte
}{
	{PackGDPR, gdprPackDoc},
	{PackEUAIActHighRisk, euAIActPackDoc},
	{PackNISTAIRMF, nistAIRMFPackDoc},
}

var (
	packsOnce sync.Once
	packList  []*Pack
	packErr   error
	packRules map[string]string // rule id -> pack
)

// loadPacks parses the shipped packs once.
func loadPacks() ([]*Pack, error) {
	packsOnce.Do(func() {
		packRules = map[string]string{}
		for _, s := range shipped {
			p, err := parsePack(s.name, s.doc)
			if err != nil {
				packErr = err
				return
			}
			for _, ps := range p.specs {
				if other, dup := packRules[ps.spec.ID]; dup {
					packErr = fmt.Errorf("policy: rule %s is in pack %s and pack %s: rule ids must be unique across packs", ps.spec.ID, other, p.Name)
					return
				}
				packRules[ps.spec.ID] = p.Name
			}
			packList = append(packList, p)
		}
	})
	return packList, packErr
}

// parsePack reads a pack document and checks its header and that every rule is well formed and
// carries refs. The rules' expressions are compiled when a provider is built.
func parsePack(name string, doc []byte) (*Pack, error) {
	specs, head, err := parseDoc(doc, true)
	if err != nil {
		return nil, fmt.Errorf("policy: pack %s: %w", name, err)
	}
	p := &Pack{Name: name, doc: doc, specs: specs}
	for k, dst := range map[string]*string{"pack": nil, "version": &p.Version, "title": &p.Title, "description": &p.Description} {
		n := head[k]
		if n == nil {
			return nil, fmt.Errorf("policy: pack %s: the header has no %s", name, k)
		}
		v := strings.TrimSpace(n.Value)
		switch {
		case k == "pack" && v != name:
			return nil, fmt.Errorf("policy: pack %s: the header names pack %q", name, v)
		case v == "":
			return nil, fmt.Errorf("policy: pack %s: the header's %s is empty", name, k)
		case dst != nil:
			*dst = v
		}
	}
	if len(specs) == 0 {
		return nil, fmt.Errorf("policy: pack %s has no rules", name)
	}
	for _, ps := range specs {
		if ps.err != nil {
			return nil, fmt.Errorf("policy: pack %s: rule %s: %w", name, ps.spec.ID, ps.err)
		}
		if len(cleanRefs(ps.spec.Refs)) == 0 {
			return nil, fmt.Errorf("policy: pack %s: rule %s has no refs (the article, paragraph or subcategory it evidences)", name, ps.spec.ID)
		}
	}
	return p, nil
}

// Packs returns the shipped packs in their canonical order.
func Packs() []*Pack {
	ps, _ := loadPacks()
	return ps
}

// PackNames returns the names of the shipped packs in their canonical order.
func PackNames() []string {
	var out []string
	for _, s := range shipped {
		out = append(out, s.name)
	}
	return out
}

// packOfRule names the shipped pack defining rule id, or "".
func packOfRule(id string) string {
	if _, err := loadPacks(); err != nil {
		return ""
	}
	return packRules[id]
}

// resolvePacks reads a selection of pack names (case-insensitive, any order, duplicates allowed):
// the known packs in canonical order, and the names that are not packs.
func resolvePacks(names []string) (known, unknown []string) {
	want := map[string]bool{}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		if slices.Contains(PackNames(), n) {
			want[n] = true
		} else if !slices.Contains(unknown, n) {
			unknown = append(unknown, n)
		}
	}
	for _, n := range PackNames() {
		if want[n] {
			known = append(known, n)
		}
	}
	return known, unknown
}

// unknownPackNotice names a pack that does not exist.
func unknownPackNotice(name, where string) trust.Notice {
	return trust.Notice{Source: trust.SourcePolicy, Location: "pack " + name, Warning: true,
		Message: fmt.Sprintf("no such rule pack (in %s; known packs: %s): the other packs are evaluated", where, strings.Join(PackNames(), ", "))}
}
