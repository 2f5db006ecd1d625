// Package protocol drives the packaged DTE Trust backend the way Grafana does, without Grafana:
// the go-plugin handshake, gRPC and the SDK's plugin v2 protobufs (see harness.go, build tag
// `protocol`; scripts/test-protocol.sh starts the evidence and runs it). This file holds what
// Grafana's frontend does to a panel's target before it reaches the backend: template variables.
package protocol

import (
	"regexp"
	"strings"
)

// allValue is the value Grafana stores when a variable's "All" option is selected.
const allValue = "$__all"

// Variable is a dashboard template variable as the dashboard selects it.
type Variable struct {
	Name     string
	Current  []string // selected values; allValue alone for "All"
	Options  []string // every option the variable offers (without All)
	AllValue string   // the dashboard's custom all value, "" for none
}

// values is what Grafana's templateSrv substitutes before formatting: the custom all value
// (never formatted), every option for All without one, else the selection.
func (v Variable) values() (vals []string, custom bool) {
	if len(v.Current) == 1 && v.Current[0] == allValue {
		if v.AllValue != "" {
			return []string{v.AllValue}, true
		}
		return v.Options, false
	}
	return v.Current, false
}

// varRef matches $var, ${var}, ${var:format} and [[var]] (Grafana's variable syntaxes).
var varRef = regexp.MustCompile(`\$(\w+)|\$\{(\w+)(?::(\w+))?\}|\[\[(\w+)\]\]`)

// Interpolate replaces every variable reference in s as Grafana's templateSrv.replace does for a
// backend data source's string field. Unknown variables and Grafana's own ($__interval, ...) stay.
// joinMulti, when set, formats multi-value selections that have no explicit format (the plugin's
// frontend uses it for list fields); otherwise they become a glob, {a,b}.
func Interpolate(s string, vars map[string]Variable, joinMulti func([]string) string) string {
	return varRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := varRef.FindStringSubmatch(ref)
		name := m[1] + m[2] + m[4]
		v, ok := vars[name]
		if !ok {
			return ref
		}
		vals, custom := v.values()
		if custom {
			return vals[0]
		}
		return format(vals, m[3], joinMulti)
	})
}

// format renders a selection with one of Grafana's variable formats.
func format(vals []string, fmt string, joinMulti func([]string) string) string {
	switch fmt {
	case "csv":
		return strings.Join(vals, ",")
	case "pipe":
		return strings.Join(vals, "|")
	case "regex":
		quoted := make([]string, len(vals))
		for i, v := range vals {
			quoted[i] = regexp.QuoteMeta(v)
		}
		if len(quoted) == 1 {
			return quoted[0]
		}
		return "(" + strings.Join(quoted, "|") + ")"
	case "raw", "text":
		return strings.Join(vals, ",")
	}
	if len(vals) == 1 {
		return vals[0]
	}
	if joinMulti != nil {
		return joinMulti(vals)
	}
	return "{" + strings.Join(vals, ",") + "}"
}

// listSeparator is what the plugin's frontend (src/datasource.ts) joins multi-values with inside one
// list entry before splitting them into entries again.
const listSeparator = "\u001f"

// InterpolateTarget applies the plugin frontend's applyTemplateVariables to a target: string
// fields are interpolated, string-list fields get one entry per value of a multi-value variable.
// Nested objects are interpolated too (annotation and variable targets carry plain strings only).
func InterpolateTarget(target map[string]any, vars map[string]Variable) map[string]any {
	out := make(map[string]any, len(target))
	for k, v := range target {
		out[k] = interpolateValue(v, vars)
	}
	return out
}

func interpolateValue(v any, vars map[string]Variable) any {
	switch x := v.(type) {
	case string:
		return Interpolate(x, vars, nil)
	case []any:
		return interpolateList(x, vars)
	case map[string]any:
		return InterpolateTarget(x, vars)
	}
	return v
}

// interpolateList splits multi-values into entries and drops empty and repeated entries, as the
// frontend's interpolateList does.
func interpolateList(list []any, vars map[string]Variable) []any {
	join := func(vals []string) string { return strings.Join(vals, listSeparator) }
	out := []any{}
	seen := map[string]bool{}
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			out = append(out, interpolateValue(e, vars))
			continue
		}
		for _, part := range strings.Split(Interpolate(s, vars, join), listSeparator) {
			part = strings.TrimSpace(part)
			if part != "" && !seen[part] {
				seen[part] = true
				out = append(out, part)
			}
		}
	}
	return out
}
