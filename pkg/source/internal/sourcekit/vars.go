package sourcekit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// CleanVar drops the values Grafana sends for an "All" selection.
func CleanVar(s string) string {
	s = strings.TrimSpace(s)
	switch s {
	case "$__all", "*", "All", "{}":
		return ""
	}
	return s
}

// MatchVar reports whether v passes a filter: empty passes everything, "{a,b}" (Grafana's
// multi-value format) any of its values, anything else itself.
func MatchVar(v, filter string) bool {
	if filter == "" {
		return true
	}
	if strings.HasPrefix(filter, "{") && strings.HasSuffix(filter, "}") {
		for _, x := range strings.Split(filter[1:len(filter)-1], ",") {
			if strings.TrimSpace(x) == v {
				return true
			}
		}
		return false
	}
	return v == filter
}

// FirstFew joins the first n entries of list with "; ", saying how many more there are.
func FirstFew(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, "; ")
	}
	return strings.Join(list[:n], "; ") + fmt.Sprintf("; and %d more", len(list)-n)
}

// Options are the variable options of distinct values, in sorted order, each its own text.
func Options(values []string) []trust.Option {
	sort.Strings(values)
	out := make([]trust.Option, len(values))
	for i, v := range values {
		out[i] = trust.Option{Text: v, Value: v}
	}
	return out
}
