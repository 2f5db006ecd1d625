package mlflow

import (
	"bytes"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/dte-trust/dte-trust/pkg/jsonlimit"
)

// decodeMetricsPage is a fast path for the hot answers of an accuracy query: get-history-bulk and
// get-history, {"metrics":[{key,value,timestamp,step,run_id,...}], "next_page_token":"..."}. It
// avoids reflection and allocates each distinct key and run id once. It reports ok false for any
// shape it does not handle (escapes in strings, unexpected types, keys encoding/json would match
// case-insensitively, a repeated "metrics", nesting deeper than jsonlimit.MaxDepth) and for
// anything that is not valid JSON once pyjson.Sanitize has quoted the bare NaN and Infinity
// tokens; the caller then decodes the answer with encoding/json, so the fast path never changes
// what is read nor accepts what encoding/json rejects (FuzzDecodeMetricsPage checks both).
func decodeMetricsPage(b []byte) (ms []Metric, next string, ok bool) {
	d := metricDecoder{b: b, intern: map[string]string{}}
	ms, next, ok = d.page()
	if !ok {
		return nil, "", false
	}
	d.ws()
	return ms, next, d.i == len(d.b)
}

type metricDecoder struct {
	b      []byte
	i      int
	intern map[string]string
}

func (d *metricDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// next skips white space and reports whether the next byte is c, consuming it when it is.
func (d *metricDecoder) next(c byte) bool {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// str reads a string without escapes and returns its bytes (valid until b changes). Strings
// encoding/json rejects (control characters) or reads otherwise (invalid UTF-8, which it replaces
// by U+FFFD) are declined.
func (d *metricDecoder) str() ([]byte, bool) {
	if !d.next('"') {
		return nil, false
	}
	start := d.i
	j := bytes.IndexByte(d.b[start:], '"')
	if j < 0 {
		return nil, false
	}
	s := d.b[start : start+j]
	ascii := true
	for _, c := range s {
		if strSpecial[c] {
			if c < 0x20 || c == '\\' {
				return nil, false
			}
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(s) {
		return nil, false
	}
	d.i = start + j + 1
	return s, true
}

// strSpecial marks the bytes str looks at twice: control characters and backslashes (declined)
// and non-ASCII bytes (checked for valid UTF-8).
var strSpecial = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c < 0x20 || c == '\\' || c >= utf8.RuneSelf
	}
	return t
}()

// isNumber reports whether t is a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func isNumber(t []byte) bool {
	i := 0
	if i < len(t) && t[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(t) && t[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(t) && t[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(t)
}

// isPyToken reports whether t is one of the bare tokens pyjson.Sanitize quotes.
func isPyToken(t []byte) bool {
	switch string(t) {
	case "NaN", "Infinity", "-Infinity":
		return true
	}
	return false
}

// isScalar reports whether t is a JSON literal, a number or a bare Python token.
func isScalar(t []byte) bool {
	switch string(t) {
	case "true", "false", "null":
		return true
	}
	return isNumber(t) || isPyToken(t)
}

func (d *metricDecoder) interned(s []byte) string {
	if v, ok := d.intern[string(s)]; ok {
		return v
	}
	v := string(s)
	d.intern[v] = v
	return v
}

// token reads a bare token: a number or a literal.
func (d *metricDecoder) token() []byte {
	d.ws()
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t' {
			break
		}
		d.i++
	}
	return d.b[start:d.i]
}

func (d *metricDecoder) float() (float64, bool) {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == '"' {
		s, ok := d.str()
		if !ok {
			return 0, false
		}
		return parseFloatText(s)
	}
	t := d.token()
	if string(t) == "null" {
		return math.NaN(), true
	}
	if !isNumber(t) && !isPyToken(t) {
		return 0, false
	}
	return parseFloatText(t)
}

func parseFloatText(s []byte) (float64, bool) {
	switch string(s) {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	v, err := strconv.ParseFloat(string(s), 64)
	return v, err == nil
}

func (d *metricDecoder) int() (int64, bool) {
	d.ws()
	var t []byte
	if d.i < len(d.b) && d.b[d.i] == '"' {
		s, ok := d.str()
		if !ok {
			return 0, false
		}
		t = s
	} else {
		t = d.token()
		if !isNumber(t) {
			return 0, false
		}
	}
	if v, err := strconv.ParseInt(string(t), 10, 64); err == nil {
		return v, true
	}
	return 0, false
}

// skip skips one value of any kind, checking that it is valid JSON (bare NaN and Infinity
// tokens allowed) nested at most jsonlimit.MaxDepth levels.
func (d *metricDecoder) skip() bool { return d.skipValue(1) }

func (d *metricDecoder) skipValue(depth int) bool {
	d.ws()
	if d.i >= len(d.b) {
		return false
	}
	switch d.b[d.i] {
	case '"':
		_, ok := d.str()
		return ok
	case '{':
		if depth > jsonlimit.MaxDepth {
			return false
		}
		d.i++
		if d.next('}') {
			return true
		}
		for {
			if _, ok := d.str(); !ok || !d.next(':') || !d.skipValue(depth+1) {
				return false
			}
			if !d.next(',') {
				return d.next('}')
			}
		}
	case '[':
		if depth > jsonlimit.MaxDepth {
			return false
		}
		d.i++
		if d.next(']') {
			return true
		}
		for {
			if !d.skipValue(depth + 1) {
				return false
			}
			if !d.next(',') {
				return d.next(']')
			}
		}
	}
	return isScalar(d.token())
}

// exactKey reports whether key may be read as one of known: it is one of them, or matches none
// of them the way encoding/json matches keys (case-insensitively) either. A key encoding/json would
// take for a field under another spelling makes the fast path decline.
func exactKey(key []byte, known ...string) bool {
	for _, k := range known {
		if string(key) != k && bytes.EqualFold(key, []byte(k)) {
			return false
		}
	}
	return true
}

var (
	pageKeys   = []string{"metrics", "next_page_token"}
	metricKeys = []string{"key", "value", "timestamp", "step", "run_id", "model_id", "dataset_name", "dataset_digest"}
)

func (d *metricDecoder) page() ([]Metric, string, bool) {
	if !d.next('{') {
		return nil, "", false
	}
	var ms []Metric
	next := ""
	if d.next('}') {
		return ms, next, true
	}
	seenMetrics := false
	for {
		k, ok := d.str()
		if !ok || !d.next(':') {
			return nil, "", false
		}
		switch string(k) {
		case "metrics":
			// encoding/json decodes a repeated list into the same slice, keeping fields of the
			// first list's elements that the second does not set: leave that to it
			if seenMetrics {
				return nil, "", false
			}
			seenMetrics = true
			if ms, ok = d.metrics(); !ok {
				return nil, "", false
			}
		case "next_page_token":
			s, ok := d.str()
			if !ok {
				return nil, "", false
			}
			next = string(s)
		default:
			if !exactKey(k, pageKeys...) || !d.skip() {
				return nil, "", false
			}
		}
		if d.next(',') {
			continue
		}
		if d.next('}') {
			return ms, next, true
		}
		return nil, "", false
	}
}

func (d *metricDecoder) metrics() ([]Metric, bool) {
	if !d.next('[') {
		return nil, false
	}
	ms := make([]Metric, 0, len(d.b)/90+1)
	if d.next(']') {
		return ms, true
	}
	for {
		m, ok := d.metric()
		if !ok {
			return nil, false
		}
		ms = append(ms, m)
		if d.next(',') {
			continue
		}
		if d.next(']') {
			return ms, true
		}
		return nil, false
	}
}

func (d *metricDecoder) metric() (Metric, bool) {
	var m Metric
	if !d.next('{') {
		return m, false
	}
	if d.next('}') {
		return m, true
	}
	for {
		k, ok := d.str()
		if !ok || !d.next(':') {
			return m, false
		}
		switch string(k) {
		case "key", "run_id", "model_id", "dataset_name", "dataset_digest":
			s, ok := d.str()
			if !ok {
				return m, false
			}
			switch string(k) {
			case "key":
				m.Key = d.interned(s)
			case "run_id":
				m.RunID = d.interned(s)
			case "model_id":
				m.ModelID = d.interned(s)
			case "dataset_name":
				m.DatasetName = d.interned(s)
			default:
				m.DatasetDigest = d.interned(s)
			}
		case "value":
			v, ok := d.float()
			if !ok {
				return m, false
			}
			m.Value = Float(v)
		case "timestamp", "step":
			v, ok := d.int()
			if !ok {
				return m, false
			}
			if string(k) == "step" {
				m.Step = Int64(v)
			} else {
				m.Timestamp = Int64(v)
			}
		default:
			if !exactKey(k, metricKeys...) || !d.skip() {
				return m, false
			}
		}
		if d.next(',') {
			continue
		}
		if d.next('}') {
			return m, true
		}
		return m, false
	}
}
