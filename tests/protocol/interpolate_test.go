package protocol

import (
	"reflect"
	"testing"
)

func TestInterpolate(t *testing.T) {
	vars := map[string]Variable{
		"model":   {Name: "model", Current: []string{"credit-risk"}, Options: []string{"credit-risk", "churn"}},
		"multi":   {Name: "multi", Current: []string{"a.b", "c"}, Options: []string{"a.b", "c", "d"}},
		"all":     {Name: "all", Current: []string{allValue}, Options: []string{"x", "y"}},
		"allc":    {Name: "allc", Current: []string{allValue}, Options: []string{"x", "y"}, AllValue: "$__all"},
		"allstar": {Name: "allstar", Current: []string{allValue}, Options: []string{"x"}, AllValue: ".*"},
	}
	cases := []struct{ in, want string }{
		{"$model", "credit-risk"},
		{"${model}", "credit-risk"},
		{"[[model]]", "credit-risk"},
		{"m=${model:csv}", "m=credit-risk"},
		{"$multi", "{a.b,c}"},
		{"${multi:csv}", "a.b,c"},
		{"${multi:pipe}", "a.b|c"},
		{"${multi:regex}", `(a\.b|c)`},
		{"${model:regex}", "credit-risk"},
		{"$all", "{x,y}"},
		{"${all:csv}", "x,y"},
		{"$allc", "$__all"},
		{"${allstar:regex}", ".*"},
		{"$unknown and $__interval", "$unknown and $__interval"},
	}
	for _, c := range cases {
		if got := Interpolate(c.in, vars, nil); got != c.want {
			t.Errorf("Interpolate(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestInterpolateTargetLists(t *testing.T) {
	vars := map[string]Variable{
		"rule": {Name: "rule", Current: []string{"owner-tag", "gdpr-dpia"}, Options: []string{"owner-tag", "gdpr-dpia", "x"}},
		"m":    {Name: "m", Current: []string{"credit"}, Options: []string{"credit"}},
	}
	got := InterpolateTarget(map[string]any{
		"model":   "$m",
		"rules":   []any{"$rule", "owner-tag", " "},
		"nested":  map[string]any{"v": "${m:csv}"},
		"history": true,
	}, vars)
	want := map[string]any{
		"model":   "credit",
		"rules":   []any{"owner-tag", "gdpr-dpia"},
		"nested":  map[string]any{"v": "credit"},
		"history": true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("InterpolateTarget = %#v, want %#v", got, want)
	}
}
