package evidently

import (
	"math"
	"math/rand"
	"strconv"
	"testing"
	"time"
)

func TestFastFloatMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	cases := []string{"0", "-0", "1", "6179.0", "0.46325057459997", "-12.375", "0.000000000000000000000001234", "123456789012345", "1234567890123456", "0.1", "1e5", "1.", ".5", "00.5"}
	for i := 0; i < 200000; i++ {
		digits := rng.Intn(17) + 1
		s := strconv.FormatInt(rng.Int63n(int64(math.Pow10(digits-1)))+int64(math.Pow10(digits-1))/2, 10)
		if p := rng.Intn(len(s) + 1); p > 0 && p < len(s) {
			s = s[:p] + "." + s[p:]
		}
		if rng.Intn(2) == 0 {
			s = "-" + s
		}
		cases = append(cases, s, strconv.FormatFloat(rng.Float64()*math.Pow10(rng.Intn(12)), 'f', -1, 64))
	}
	for _, c := range cases {
		want, werr := strconv.ParseFloat(c, 64)
		got, ok := fastFloat([]byte(c))
		if !ok {
			continue
		}
		if werr != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("fastFloat(%q) = %v, strconv %v (%v)", c, got, want, werr)
		}
	}
}

func TestScannerTokens(t *testing.T) {
	s := &scanner{b: []byte(`{"a": NaN, "b": -Infinity, "c": Infinity, "d": "x\"y\\u00e9\ud83d\ude00", "e": [1, 2], "f": {"scatter": [1,2,3]}, "g": [{"k": null}]}`)}
	v, err := s.value()
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if !math.IsNaN(m["a"].(float64)) || !math.IsInf(m["b"].(float64), -1) || !math.IsInf(m["c"].(float64), 1) {
		t.Errorf("non-finite tokens: %v", m)
	}
	if m["d"] != "x\"y\\u00e9😀" && m["d"] != "x\"yé😀" {
		t.Errorf("string %q", m["d"])
	}
	if m["e"] != nil || len(m["f"].(map[string]any)) != 0 || len(m["g"].([]any)) != 1 {
		t.Errorf("numeric arrays and render keys are skipped, others kept: %v", m)
	}
	for _, bad := range []string{`{"a": 1`, `{"a": [1, 2}`, `{"a": "x`, `{"a": Nan}`, `{"a": 1} x`, `[1, 2]`} {
		if _, err := Parse([]byte(bad), time.Time{}); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}
