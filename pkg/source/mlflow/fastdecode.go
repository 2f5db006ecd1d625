package mlflow

import (
	"bytes"
	"math"
	"strconv"
)

// decodeMetricsPage is a fast path for the hot answers of an accuracy query: get-history-bulk and
// get-history, {"metrics":[{key,value,timestamp,step,run_id,...}], "next_page_token":"..."}. It
// avoids reflection and allocates each distinct key and run id once. It reports ok false for any
// shape it does not handle (escapes in strings, unexpected types), and the caller then decodes the
// answer with encoding/json, so the fast path never changes what is read.
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

// str reads a string without escapes and returns its bytes (valid until b changes).
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
	if bytes.IndexByte(s, '\\') >= 0 {
		return nil, false
	}
	d.i = start + j + 1
	return s, true
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
	}
	if v, err := strconv.ParseInt(string(t), 10, 64); err == nil {
		return v, true
	}
	return 0, false
}

// skip skips one value of any kind.
func (d *metricDecoder) skip() bool {
	d.ws()
	if d.i >= len(d.b) {
		return false
	}
	switch d.b[d.i] {
	case '"':
		_, ok := d.str()
		return ok
	case '{', '[':
		depth := 0
		for d.i < len(d.b) {
			switch d.b[d.i] {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			case '"':
				if _, ok := d.str(); !ok {
					return false
				}
				continue
			}
			d.i++
			if depth == 0 {
				return true
			}
		}
		return false
	}
	return len(d.token()) > 0
}

func (d *metricDecoder) page() ([]Metric, string, bool) {
	if !d.next('{') {
		return nil, "", false
	}
	var ms []Metric
	next := ""
	if d.next('}') {
		return ms, next, true
	}
	for {
		k, ok := d.str()
		if !ok || !d.next(':') {
			return nil, "", false
		}
		switch string(k) {
		case "metrics":
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
			if !d.skip() {
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
			if !d.skip() {
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
