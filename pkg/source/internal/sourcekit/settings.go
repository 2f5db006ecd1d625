package sourcekit

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// StringList reads a list setting: a JSON list of strings, or a string with one entry per line or
// comma. Entries are trimmed and empty ones dropped; an absent or null value is an empty list.
func StringList(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, errors.New("must be a list of strings")
		}
		list = strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' })
	}
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// Bool reads a boolean setting: the JSON boolean the config editor saves, or the text
// ("true", "false", "1", "0", ...) or number a provisioning file may hold. set is false when the
// value is absent or null; err is set when it is present but not a boolean.
func Bool(raw json.RawMessage) (v, set bool, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return false, false, nil
	}
	if json.Unmarshal(raw, &v) == nil {
		return v, true, nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return false, true, errors.New("must be true or false")
		}
		s = n.String()
	}
	v, err = strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return false, true, errors.New("must be true or false")
	}
	return v, true, nil
}
