//go:build protocol

package protocol

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"time"
)

// Dashboard is what the harness reads of a shipped dashboard.
type Dashboard struct {
	UID        string `json:"uid"`
	Title      string `json:"title"`
	Time       struct{ From, To string }
	Templating struct {
		List []TemplateVar `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Name       string         `json:"name"`
			Datasource map[string]any `json:"datasource"`
			Target     map[string]any `json:"target"`
		} `json:"list"`
	} `json:"annotations"`
	Panels []Panel `json:"panels"`
}

// TemplateVar is a dashboard variable definition.
type TemplateVar struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Query      map[string]any `json:"query"`
	Multi      bool           `json:"multi"`
	IncludeAll bool           `json:"includeAll"`
	AllValue   string         `json:"allValue"`
}

// Panel is a panel or a row with its nested panels.
type Panel struct {
	ID            int              `json:"id"`
	Title         string           `json:"title"`
	Type          string           `json:"type"`
	Datasource    map[string]any   `json:"datasource"`
	Targets       []map[string]any `json:"targets"`
	TimeFrom      string           `json:"timeFrom"`
	MaxDataPoints int64            `json:"maxDataPoints"`
	Interval      string           `json:"interval"`
	Panels        []Panel          `json:"panels"`
}

// LoadDashboard reads a dashboard JSON file.
func LoadDashboard(path string) (*Dashboard, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d Dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &d, nil
}

// AllPanels lists every panel, rows' nested panels included.
func (d *Dashboard) AllPanels() []Panel {
	var out []Panel
	var walk func([]Panel)
	walk = func(ps []Panel) {
		for _, p := range ps {
			out = append(out, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

var (
	relTime  = regexp.MustCompile(`^now(?:-(\d+)([smhdwMy]))?$`)
	bareSpan = regexp.MustCompile(`^\d+[smhdwMy]$`)
)

// ParseRelative turns Grafana's now / now-30d / a bare 7d (a panel's timeFrom) into a time.
func ParseRelative(s string, now time.Time) (time.Time, error) {
	if bareSpan.MatchString(s) {
		s = "now-" + s
	}
	m := relTime.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("unsupported relative time %q", s)
	}
	if m[1] == "" {
		return now, nil
	}
	n, _ := strconv.Atoi(m[1])
	switch m[2] {
	case "s":
		return now.Add(-time.Duration(n) * time.Second), nil
	case "m":
		return now.Add(-time.Duration(n) * time.Minute), nil
	case "h":
		return now.Add(-time.Duration(n) * time.Hour), nil
	case "d":
		return now.AddDate(0, 0, -n), nil
	case "w":
		return now.AddDate(0, 0, -7*n), nil
	case "M":
		return now.AddDate(0, -n, 0), nil
	}
	return now.AddDate(-n, 0, 0), nil
}

// interval is Grafana's query interval for a range drawn in maxDataPoints points: the range
// divided by the points, at least the panel's minimum interval and at least 1 ms.
func interval(from, to time.Time, maxDataPoints int64, min string) time.Duration {
	iv := to.Sub(from) / time.Duration(maxDataPoints)
	if d, err := time.ParseDuration(min); err == nil && d > iv {
		iv = d
	}
	if iv < time.Millisecond {
		iv = time.Millisecond
	}
	return iv.Truncate(time.Millisecond)
}
