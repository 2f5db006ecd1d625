package upstream

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// CacheSettings are the datasource settings of the answer cache.
type CacheSettings struct {
	TTL      time.Duration // jsonData cacheSeconds; default 60 s, 0 keeps nothing
	MaxBytes int64         // jsonData cacheMaxMB; default 64 MB
}

// ReadCacheSettings reads cacheSeconds and cacheMaxMB from a jsonData object. Both may be numbers
// or numeric strings (text fields); an invalid value is an error naming the key, and the default
// is kept for it.
func ReadCacheSettings(jsonData json.RawMessage) (CacheSettings, error) {
	cs := CacheSettings{TTL: DefaultTTL, MaxBytes: DefaultMaxBytes}
	if len(jsonData) == 0 {
		return cs, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(jsonData, &raw); err != nil {
		return cs, nil // the sources report a jsonData that is not an object
	}
	var errs []string
	if v, ok, err := number(raw, "cacheSeconds"); err != nil || (ok && v < 0) {
		errs = append(errs, "cacheSeconds must be a number of seconds >= 0 (0 turns the cache off)")
	} else if ok {
		cs.TTL = time.Duration(v * float64(time.Second))
	}
	if v, ok, err := number(raw, "cacheMaxMB"); err != nil || (ok && v <= 0) {
		errs = append(errs, "cacheMaxMB must be a number of megabytes > 0")
	} else if ok {
		cs.MaxBytes = int64(v * (1 << 20))
	}
	if len(errs) > 0 {
		return cs, fmt.Errorf("datasource settings: %s", strings.Join(errs, "; "))
	}
	return cs, nil
}

// number reads key as a finite number, from a JSON number or a numeric string ("" is absent).
func number(raw map[string]json.RawMessage, key string) (float64, bool, error) {
	v, ok := raw[key]
	if !ok || string(v) == "null" {
		return 0, false, nil
	}
	var f float64
	if err := json.Unmarshal(v, &f); err != nil {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return 0, false, err
		}
		if s = strings.TrimSpace(s); s == "" {
			return 0, false, nil
		}
		if f, err = strconv.ParseFloat(s, 64); err != nil {
			return 0, false, err
		}
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, fmt.Errorf("%s is not finite", key)
	}
	return f, true, nil
}
