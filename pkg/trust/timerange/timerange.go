// Package timerange parses the time expressions trustq accepts: RFC 3339, Unix milliseconds, "now"
// and Grafana-style relative times such as now-7d.
package timerange

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Range is a parsed time range.
type Range struct{ From, To time.Time }

// Parse parses from and to relative to now and checks that from is before to.
func Parse(from, to string, now time.Time) (Range, error) {
	f, err := ParseTime(from, now)
	if err != nil {
		return Range{}, fmt.Errorf("--from: %w", err)
	}
	t, err := ParseTime(to, now)
	if err != nil {
		return Range{}, fmt.Errorf("--to: %w", err)
	}
	if !f.Before(t) {
		return Range{}, fmt.Errorf("--from %s is not before --to %s", from, to)
	}
	return Range{From: f, To: t}, nil
}

var relative = regexp.MustCompile(`^now(?:([+-])(\d+)(ms|s|m|h|d|w|M|y))?$`)

// ParseTime parses one time expression.
func ParseTime(s string, now time.Time) (time.Time, error) {
	if m := relative.FindStringSubmatch(s); m != nil {
		if m[1] == "" {
			return now, nil
		}
		n, _ := strconv.Atoi(m[2])
		if m[1] == "-" {
			n = -n
		}
		switch m[3] {
		case "ms":
			return now.Add(time.Duration(n) * time.Millisecond), nil
		case "s":
			return now.Add(time.Duration(n) * time.Second), nil
		case "m":
			return now.Add(time.Duration(n) * time.Minute), nil
		case "h":
			return now.Add(time.Duration(n) * time.Hour), nil
		case "d":
			return now.AddDate(0, 0, n), nil
		case "w":
			return now.AddDate(0, 0, 7*n), nil
		case "M":
			return now.AddDate(0, n, 0), nil
		default:
			return now.AddDate(n, 0, 0), nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	return time.Time{}, fmt.Errorf("cannot read time %q: use RFC 3339, Unix milliseconds, now or now-7d style", s)
}
