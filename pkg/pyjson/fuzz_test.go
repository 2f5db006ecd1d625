package pyjson

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/internal/fuzzseed"
)

// FuzzSanitize checks Sanitize on any input: valid JSON (which holds no bare token outside strings)
// comes back unchanged, a second pass changes nothing, input without the tokens is returned as is,
// and Python's output (valid JSON but for bare NaN/Infinity values) becomes valid JSON.
func FuzzSanitize(f *testing.F) {
	fuzzseed.Add(f, fuzzseed.Files([]string{fuzzseed.Testdata(""), fuzzseed.Samples("")}, ".json")...)
	for _, s := range []string{`{"v": NaN}`, `[NaN,Infinity,-Infinity,1]`, `{"k": "quote \" NaN", "v": -Infinity}`, `-NaN`, `"NaN`, `{"a":"\\", "b": NaN}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out := Sanitize(b)
		if json.Valid(b) && !bytes.Equal(out, b) {
			t.Fatalf("valid JSON changed:\n%q\n%q", b, out)
		}
		if again := Sanitize(out); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent:\n%q\n%q", out, again)
		}
		if !bytes.Contains(b, []byte("NaN")) && !bytes.Contains(b, []byte("Infinity")) && !bytes.Equal(out, b) {
			t.Fatalf("input without tokens changed: %q", b)
		}
		// a valid document with some values written as Python writes NaN and infinities
		var v any
		if json.Unmarshal(b, &v) == nil {
			py := pythonTokens(v)
			if out := Sanitize(py); !json.Valid(out) {
				t.Fatalf("Python's output %q became %q, not JSON", py, out)
			}
		}
	})
}

// pythonTokens re-encodes v with every number 0 replaced by NaN, 1 by Infinity and -1 by -Infinity,
// as json.dumps writes the non-finite values.
func pythonTokens(v any) []byte {
	var buf bytes.Buffer
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			buf.WriteByte('{')
			first := true
			for k, e := range x {
				if !first {
					buf.WriteByte(',')
				}
				first = false
				kb, _ := json.Marshal(k)
				buf.Write(kb)
				buf.WriteByte(':')
				walk(e)
			}
			buf.WriteByte('}')
		case []any:
			buf.WriteByte('[')
			for i, e := range x {
				if i > 0 {
					buf.WriteByte(',')
				}
				walk(e)
			}
			buf.WriteByte(']')
		case float64:
			switch x {
			case 0:
				buf.WriteString("NaN")
			case 1:
				buf.WriteString("Infinity")
			case -1:
				buf.WriteString("-Infinity")
			default:
				b, _ := json.Marshal(x)
				buf.Write(b)
			}
		default:
			b, _ := json.Marshal(x)
			buf.Write(b)
		}
	}
	walk(v)
	return buf.Bytes()
}
