package evidently

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dte-trust/dte-trust/pkg/jsonlimit"
)

// scanner is a skip-aware JSON reader over a whole file. Evidently exports are mostly render and
// plot payloads (scatter points, histograms, Plotly widgets); the scanner walks past them byte by
// byte without building values, and materialises only the small objects the mapping reads. It
// accepts the bare NaN, Infinity and -Infinity tokens that Python's json module writes. Objects
// and arrays nested deeper than jsonlimit.MaxDepth are an error, so no file can exhaust the stack.
type scanner struct {
	b     []byte
	i     int
	depth int // objects and arrays open at the cursor
}

// syntaxError is a JSON error with the byte offset where it was found.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("invalid JSON at byte %d: %s", e.off, e.msg) }

func (s *scanner) errorf(format string, args ...any) error {
	return &syntaxError{off: s.i, msg: fmt.Sprintf(format, args...)}
}

// enter counts one more open object or array, refusing to go deeper than jsonlimit.MaxDepth.
// Callers decrement s.depth when the container ends.
func (s *scanner) enter() error {
	s.depth++
	if s.depth > jsonlimit.MaxDepth {
		return s.tooDeep()
	}
	return nil
}

func (s *scanner) tooDeep() error {
	return s.errorf("nested deeper than %d levels: refused", jsonlimit.MaxDepth)
}

func (s *scanner) eof() error {
	return &syntaxError{off: s.i, msg: "unexpected end of file (truncated?)"}
}

// ws skips whitespace.
func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\n', '\r', '\t':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte without consuming it, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *scanner) expect(c byte) error {
	s.ws()
	if s.i >= len(s.b) {
		return s.eof()
	}
	if s.b[s.i] != c {
		return s.errorf("expected %q, found %q", c, s.b[s.i])
	}
	s.i++
	return nil
}

// end checks that only whitespace follows the top-level value.
func (s *scanner) end() error {
	s.ws()
	if s.i != len(s.b) {
		return s.errorf("unexpected data after the top-level value")
	}
	return nil
}

// object calls fn for each key of the object at the cursor, with the cursor on the key's value.
// fn must consume the value. The key slice is only valid during the call.
func (s *scanner) object(fn func(key []byte) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	defer func() { s.depth-- }()
	if err := s.enter(); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		key, err := s.rawString()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.eof()
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.errorf("expected ',' or '}' in object, found %q", s.b[s.i])
		}
	}
}

// array calls fn for each element of the array at the cursor; fn must consume the element.
func (s *scanner) array(fn func() error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	defer func() { s.depth-- }()
	if err := s.enter(); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.eof()
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.errorf("expected ',' or ']' in array, found %q", s.b[s.i])
		}
	}
}

// rawString reads a string and returns its bytes, decoding escapes only when there are any.
func (s *scanner) rawString() ([]byte, error) {
	if err := s.expect('"'); err != nil {
		return nil, err
	}
	start := s.i
	escaped := false
	for {
		j := bytes.IndexByte(s.b[s.i:], '"')
		if j < 0 {
			s.i = len(s.b)
			return nil, s.eof()
		}
		s.i += j
		// count the backslashes before the quote: an odd number escapes it
		n := 0
		for k := s.i - 1; k >= start && s.b[k] == '\\'; k-- {
			n++
		}
		if n > 0 {
			escaped = true
		}
		if n%2 == 0 {
			break
		}
		s.i++
	}
	raw := s.b[start:s.i]
	s.i++
	if !escaped && bytes.IndexByte(raw, '\\') < 0 {
		return raw, nil
	}
	return unescape(raw, start)
}

// str reads a string value (or null, as "").
func (s *scanner) str() (string, error) {
	if s.peek() == 'n' {
		return "", s.literal("null")
	}
	b, err := s.rawString()
	return string(b), err
}

func unescape(raw []byte, off int) ([]byte, error) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(raw) {
			return nil, &syntaxError{off: off + i, msg: "bad escape"}
		}
		switch raw[i] {
		case '"', '\\', '/':
			out = append(out, raw[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n := hex4(raw[i+1:])
			if n < 0 {
				return nil, &syntaxError{off: off + i, msg: "bad \\u escape"}
			}
			i += 4
			if utf16.IsSurrogate(r) && i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if r2, n2 := hex4(raw[i+3:]); n2 >= 0 {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
						i += 6
					}
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, &syntaxError{off: off + i, msg: "bad escape"}
		}
	}
	return out, nil
}

func hex4(b []byte) (rune, int) {
	if len(b) < 4 {
		return 0, -1
	}
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, -1
		}
	}
	return r, 4
}

func (s *scanner) literal(word string) error {
	if len(s.b)-s.i < len(word) {
		s.i = len(s.b)
		return s.eof()
	}
	if string(s.b[s.i:s.i+len(word)]) != word {
		return s.errorf("unexpected token")
	}
	s.i += len(word)
	return nil
}

// number reads a number, including Python's bare NaN, Infinity and -Infinity.
func (s *scanner) number() (float64, error) {
	s.ws()
	if s.i >= len(s.b) {
		return 0, s.eof()
	}
	switch s.b[s.i] {
	case 'N':
		return math.NaN(), s.literal("NaN")
	case 'I':
		return math.Inf(1), s.literal("Infinity")
	case '-':
		if s.i+1 < len(s.b) && s.b[s.i+1] == 'I' {
			s.i++
			return math.Inf(-1), s.literal("Infinity")
		}
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			s.i++
			continue
		}
		break
	}
	if s.i == start {
		return 0, s.errorf("expected a number")
	}
	if s.i == len(s.b) {
		// a number running into the end of the file means the file was cut
		return 0, s.eof()
	}
	if f, ok := fastFloat(s.b[start:s.i]); ok {
		return f, nil
	}
	f, err := strconv.ParseFloat(string(s.b[start:s.i]), 64)
	if err != nil {
		s.i = start
		return 0, s.errorf("bad number %q", s.b[start:min(start+32, len(s.b))])
	}
	return f, nil
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastFloat converts a plain decimal ("-12.375", "6179.0") of at most 15 significant digits
// without an exponent: the integer mantissa and the power of ten are both exact in a float64, so
// one division rounds correctly (Clinger's fast path), as strconv.ParseFloat would. Anything else
// is left to strconv.
func fastFloat(b []byte) (float64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg = true
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var mant uint64
	digits, frac := 0, -1
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if mant != 0 || c != '0' {
				digits++
			}
			mant = mant*10 + uint64(c-'0')
			if frac >= 0 {
				frac++
			}
		case c == '.' && frac < 0 && i > 0:
			frac = 0
		default:
			return 0, false
		}
	}
	if digits > 15 || frac == 0 || frac >= len(pow10) {
		return 0, false
	}
	f := float64(mant)
	if frac > 0 {
		f /= pow10[frac]
	}
	if neg {
		f = -f
	}
	return f, true
}

// skip walks past one value of any kind without building it.
func (s *scanner) skip() error {
	s.ws()
	if s.i >= len(s.b) {
		return s.eof()
	}
	switch c := s.b[s.i]; c {
	case '{', '[':
		return s.skipContainer()
	case '"':
		_, err := s.rawStringNoDecode()
		return err
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		_, err := s.number()
		return err
	}
}

// rawStringNoDecode moves past a string without decoding it.
func (s *scanner) rawStringNoDecode() (int, error) {
	s.i++ // opening quote
	start := s.i
	for {
		j := bytes.IndexByte(s.b[s.i:], '"')
		if j < 0 {
			s.i = len(s.b)
			return 0, s.eof()
		}
		s.i += j
		n := 0
		for k := s.i - 1; k >= start && s.b[k] == '\\'; k-- {
			n++
		}
		s.i++
		if n%2 == 0 {
			return start, nil
		}
	}
}

// structural marks the bytes skipContainer must look at; everything else (digits, letters,
// commas, spaces) is passed over in a tight loop.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// skipContainer skips a whole object or array by counting brackets outside strings. It checks
// that brackets match, so a truncated or mangled payload is still reported, and that the nesting
// stays within jsonlimit.MaxDepth.
func (s *scanner) skipContainer() error {
	var stack [64]byte
	depth := 0
	var deep []byte
	b := s.b
	i := s.i
	for i < len(b) {
		c := b[i]
		if !structural[c] {
			i++
			continue
		}
		switch c {
		case '"':
			// strings in render payloads are short keys: scan them inline
			j := i + 1
			for {
				for j < len(b) && b[j] != '"' && b[j] != '\\' {
					j++
				}
				if j >= len(b) {
					s.i = len(b)
					return s.eof()
				}
				if b[j] == '"' {
					break
				}
				j += 2 // an escape: skip the escaped byte
			}
			i = j + 1
			continue
		case '{', '[':
			close := byte('}')
			if c == '[' {
				close = ']'
			}
			if s.depth+depth >= jsonlimit.MaxDepth {
				s.i = i
				return s.tooDeep()
			}
			if depth < len(stack) {
				stack[depth] = close
			} else {
				deep = append(deep, close)
			}
			depth++
		default: // '}' or ']'
			var top byte
			if depth == 0 {
				s.i = i
				return s.errorf("mismatched %q", c)
			}
			if depth-1 < len(stack) {
				top = stack[depth-1]
			} else {
				top = deep[depth-1-len(stack)]
				deep = deep[:len(deep)-1]
			}
			if top != c {
				s.i = i
				return s.errorf("mismatched %q", c)
			}
			depth--
			if depth == 0 {
				s.i = i + 1
				return nil
			}
		}
		i++
	}
	s.i = len(b)
	return s.eof()
}

// skipKeys are keys whose values are render or plot payloads, or bulky metadata the mapping never
// reads; value() skips them at any depth without building them.
var skipKeys = map[string]bool{
	"widgets": true, "widget": true, "tests_widgets": true, "additional_graphs": true,
	"scatter": true, "small_distribution": true, "distribution": true, "plot_data": true,
	"rate_plots_data": true, "characteristic_examples": true, "characteristic_words": true,
	"correlations": true, "error_normality": true, "underperformance": true, "dataset_columns": true,
	"data_definition": true, "current_fi": true, "reference_fi": true, "plot": true, "plots": true,
	"curr_rate_plots_data": true, "ref_rate_plots_data": true, "curr_roc_curve": true, "ref_roc_curve": true,
	"curr_pr_curve": true, "ref_pr_curve": true, "confusion_matrix": true, "roc_curve": true, "pr_curve": true,
	"different_missing_values_by_column": true, "html": true,
	// text and configuration the mapping does not read (test descriptions and their test config)
	"description": true, "test_config": true, "display_name": true, "bound_test": true,
	"options": true, "links": true,
}

// value materialises the value at the cursor as map[string]any, []any, float64, string, bool or
// nil, skipping the keys in skipKeys and arrays of numbers (plot series) at any depth.
func (s *scanner) value() (any, error) {
	s.ws()
	if s.i >= len(s.b) {
		return nil, s.eof()
	}
	switch c := s.b[s.i]; c {
	case '{':
		m := make(map[string]any, 8)
		err := s.object(func(key []byte) error {
			if skipKeys[string(key)] {
				return s.skip()
			}
			v, err := s.value()
			if err != nil {
				return err
			}
			m[string(key)] = v
			return nil
		})
		return m, err
	case '[':
		// numeric arrays are plot series; the mapping never reads them
		j := s.i + 1
		for j < len(s.b) && (s.b[j] == ' ' || s.b[j] == '\n' || s.b[j] == '\r' || s.b[j] == '\t') {
			j++
		}
		if j < len(s.b) && (s.b[j] == '-' || (s.b[j] >= '0' && s.b[j] <= '9') || s.b[j] == 'N' || s.b[j] == 'I') {
			return nil, s.skipContainer()
		}
		var a []any
		err := s.array(func() error {
			v, err := s.value()
			a = append(a, v)
			return err
		})
		if a == nil && err == nil {
			a = []any{}
		}
		return a, err
	case '"':
		b, err := s.rawString()
		return string(b), err
	case 't':
		return true, s.literal("true")
	case 'f':
		return false, s.literal("false")
	case 'n':
		return nil, s.literal("null")
	default:
		return s.number()
	}
}
