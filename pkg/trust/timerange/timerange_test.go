package timerange

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	cases := map[string]time.Time{
		"now":                  now,
		"now-7d":               now.AddDate(0, 0, -7),
		"now-6h":               now.Add(-6 * time.Hour),
		"now+30m":              now.Add(30 * time.Minute),
		"now-2w":               now.AddDate(0, 0, -14),
		"2026-01-02T15:04:05Z": time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC),
		"1767366245000":        time.UnixMilli(1767366245000),
	}
	for in, want := range cases {
		got, err := ParseTime(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "now-7x", "2026-13-01", ""} {
		if _, err := ParseTime(bad, now); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
	if _, err := Parse("now", "now-1h", now); err == nil {
		t.Error("Parse accepted from after to")
	}
}
