package main

import "testing"

func TestTrustFormat(t *testing.T) {
	for v, want := range map[float64]string{
		15490400: "15490400", 0: "0", 1: "1", -3: "-3", 0.41: "0.41", 1.0 / 3: "0.333333",
		2.6527e-7: "2.6527e-07", 1e20: "1e+20", 12345.678: "12345.7",
	} {
		if got := trustFormat(v); got != want {
			t.Errorf("trustFormat(%v) = %q, want %q", v, got, want)
		}
	}
}
