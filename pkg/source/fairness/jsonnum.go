package fairness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/pyjson"
)

// num is a JSON number as fairness files hold it: a number, null (undefined: Fairlearn's NaN), a
// string holding a number, or one of "NaN", "Infinity" and "-Infinity" (quoted, or bare tokens
// rewritten by pyjson.Sanitize). A missing key decodes to nothing; use *num to tell it apart.
type num float64

// UnmarshalJSON implements json.Unmarshaler.
func (n *num) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		*n = num(math.NaN())
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		s = strings.TrimSpace(str)
	}
	v, err := parseNumber(s)
	if err != nil {
		return err
	}
	*n = num(v)
	return nil
}

// parseNumber reads a number as Python, pandas and protobuf spell it, including NaN and infinities.
func parseNumber(s string) (float64, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "nan", "":
		return math.NaN(), nil
	case "inf", "+inf", "infinity", "+infinity":
		return math.Inf(1), nil
	case "-inf", "-infinity":
		return math.Inf(-1), nil
	case "true":
		return 1, nil
	case "false":
		return 0, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	return v, nil
}

// decodeJSON decodes a fairness file, tolerating bare NaN/Infinity tokens.
func decodeJSON(b []byte, v any) error {
	return json.Unmarshal(pyjson.Sanitize(b), v)
}

// scalarString renders a JSON scalar (a group value, a version) as the string Python's str() gives
// for it: "0" for 0, "F" for "F", "True" for true, "1.5" for 1.5.
func scalarString(raw json.RawMessage) (string, bool) {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "" || s == "null":
		return "", false
	case strings.HasPrefix(s, `"`):
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return "", false
		}
		return str, true
	case s == "true":
		return "True", true
	case s == "false":
		return "False", true
	case strings.HasPrefix(s, "{") || strings.HasPrefix(s, "["):
		return "", false
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return s, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return pyFloat(f), true
	}
	return s, true
}

// pyFloat formats a float as Python's repr does for the values group labels take (1.0, 0.5, 1e-05).
func pyFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e16 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
