package jsonlimit

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckDepth(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	for _, tt := range []struct {
		doc  string
		deep bool
	}{
		{`{"a": [1, {"b": "c"}]}`, false},
		{nest(MaxDepth), false},
		{nest(MaxDepth + 1), true},
		{`{"a":` + nest(MaxDepth) + `}`, true},
		{`"` + nest(MaxDepth+1) + `"`, false},                      // brackets in a string
		{`["\"` + strings.Repeat("[", MaxDepth+1) + `"]`, false},   // after an escaped quote
		{`["\\"` + strings.Repeat(",[", MaxDepth+1) + `]`, true},   // after an escaped backslash
		{strings.Repeat("]", 10) + nest(MaxDepth), false},          // stray closers do not go negative
		{`{"a": "` + strings.Repeat("[", 3*MaxDepth) + `\`, false}, // truncated inside a string
	} {
		err := CheckDepth([]byte(tt.doc))
		var de *DepthError
		if got := errors.As(err, &de); got != tt.deep {
			t.Errorf("%.40s...: deep %v, want %v (%v)", tt.doc, got, tt.deep, err)
		}
	}
	if err := Check([]byte(nest(3)), 2); err == nil || !strings.Contains(err.Error(), "deeper than 2 levels") {
		t.Errorf("Check: %v", err)
	}
}
