// Package pyjson reads JSON as Python writes it: MLflow's bulk history endpoint, Evidently exports and
// hand-built fairness files may hold bare NaN and Infinity tokens, which encoding/json rejects.
package pyjson

import "bytes"

// Sanitize rewrites the bare NaN, Infinity and -Infinity tokens that Python's json module writes
// (json.dump's default allow_nan=True; not valid JSON) as the quoted strings "NaN", "Infinity" and
// "-Infinity", which protobuf's JSON mapping uses too. Text inside strings is left alone.
// The input is returned unchanged (no copy) when it holds no such token.
func Sanitize(b []byte) []byte {
	if !bytes.Contains(b, []byte("NaN")) && !bytes.Contains(b, []byte("Infinity")) {
		return b
	}
	var out []byte
	inString, escaped := false, false
	last := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case 'N', 'I', '-':
			var tok string
			switch {
			case bytes.HasPrefix(b[i:], []byte("NaN")):
				tok = "NaN"
			case bytes.HasPrefix(b[i:], []byte("Infinity")):
				tok = "Infinity"
			case bytes.HasPrefix(b[i:], []byte("-Infinity")):
				tok = "-Infinity"
			default:
				continue
			}
			out = append(out, b[last:i]...)
			out = append(out, '"')
			out = append(out, tok...)
			out = append(out, '"')
			i += len(tok) - 1
			last = i + 1
		}
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}
