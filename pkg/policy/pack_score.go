package policy

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// MetricPackScore is the share of one pack's applicable rules a model version passes (0-1), one
// point per pack with the label pack: the score per pack per model.
const MetricPackScore = "pack_score"

// packScorePoints are the pack_score points of a version result: per shipped pack with rules
// applying to the version, the share passed and the worst status of those rules.
func packScorePoints(v *VersionResult, t time.Time) []trust.Point {
	byPack := map[string][]RuleResult{}
	var packs []string
	for _, r := range v.Results {
		if r.Rule.Pack == "" {
			continue
		}
		if _, ok := byPack[r.Rule.Pack]; !ok {
			packs = append(packs, r.Rule.Pack)
		}
		byPack[r.Rule.Pack] = append(byPack[r.Rule.Pack], r)
	}
	sort.Strings(packs)
	out := make([]trust.Point, 0, len(packs))
	for _, pk := range packs {
		sub := VersionResult{Results: byPack[pk]}
		share, _ := sub.Score()
		l := baseLabels(v)
		l[LabelPack] = pk
		out = append(out, trust.Point{Time: t, Dimension: trust.Compliance, Metric: MetricPackScore, Value: share,
			Labels: l, Status: worstStatus(byPack[pk]), Link: v.Model.Link})
	}
	return out
}

// packWeightsFrom validates packWeights: each shipped pack's weight in the compliance part of the
// trust score. Unknown packs, and weights that are not numbers >= 0, are reported and the default
// (1) kept.
func packWeightsFrom(cfg map[string]any, problems []trust.Notice) (map[string]float64, []trust.Notice) {
	w := map[string]float64{}
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := strings.ToLower(strings.TrimSpace(k))
		v, isNum := cfg[k].(float64)
		switch {
		case !slices.Contains(PackNames(), name):
			problems = append(problems, trust.Notice{Source: trust.SourcePolicy, Location: "packWeights", Warning: true,
				Message: fmt.Sprintf("unknown pack %q (known packs: %s): its weight is ignored", k, strings.Join(PackNames(), ", "))})
		case !isNum || v < 0 || math.IsNaN(v) || math.IsInf(v, 0):
			problems = append(problems, trust.Notice{Source: trust.SourcePolicy, Location: "packWeights", Warning: true,
				Message: fmt.Sprintf("weight of pack %s must be a number >= 0, not %s: the default 1 is used", k, formatSetting(cfg[k]))})
		default:
			w[name] = v
		}
	}
	return w, problems
}

func formatSetting(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case nil:
		return "null"
	default:
		return fmt.Sprint(x)
	}
}

// packWeight is a rule's weight in the compliance part: its pack's weight, 1 for a rule of no pack.
func (p *Provider) packWeight(r *Rule) float64 {
	if w, ok := p.packWeights[r.Pack]; ok && r.Pack != "" {
		return w
	}
	return 1
}

// weightedShare is the compliance part's share: each rule counts its pack's weight (packWeights).
// ok is false when every rule weighs 0.
func (p *Provider) weightedShare(rs []RuleResult) (float64, bool) {
	var passed, total float64
	for _, r := range rs {
		w := p.packWeight(r.Rule)
		total += w
		if r.Outcome == Pass {
			passed += w
		}
	}
	if total == 0 {
		return 0, false
	}
	return passed / total, true
}
