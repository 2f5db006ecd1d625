package evidently

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/upstream"
)

// OptionKinds implements trust.OptionsProvider.
func (p *Provider) OptionKinds() []string {
	return []string{trust.VarProjects, trust.VarFeatures, trust.VarMetrics, trust.VarModels, trust.VarVersions}
}

// Options implements trust.OptionsProvider: the projects, features (data columns), metric names,
// models and versions found in the reports of the query's time range (all reports when the
// variable query has no range). Filters narrow them: features of one project, versions of one
// model.
func (p *Provider) Options(ctx context.Context, kind string, q *trust.Query) ([]trust.Option, error) {
	set := map[string]string{}
	put := func(value, text string) {
		if value != "" {
			set[value] = text
		}
	}
	if kind == trust.VarProjects && p.files != nil {
		// projects come from the walk alone, without parsing the snapshots
		if err := p.files.refresh(ctx); err != nil {
			return nil, err
		}
		p.files.mu.Lock()
		for _, e := range p.files.entries {
			if e.project != nil {
				put(e.project.label(), e.project.label())
			}
		}
		p.files.mu.Unlock()
	}
	// the kinds filter themselves: a projects list is not narrowed by the selected project
	qq := *q
	switch kind {
	case trust.VarProjects:
		qq.Project = ""
	case trust.VarModels:
		qq.Model, qq.Version = "", ""
	case trust.VarVersions:
		qq.Version = ""
	case trust.VarFeatures:
		qq.Feature = ""
	case trust.VarMetrics:
		qq.Metrics = nil
	default:
		return nil, fmt.Errorf("evidently offers no %q values", kind)
	}
	f := newFilter(&qq)
	ev := &trust.Evidence{}
	err := p.each(ctx, &qq, f, func(r *Report, o origin) {
		switch kind {
		case trust.VarProjects:
			if o.project != nil {
				put(o.project.label(), o.project.label())
			}
		case trust.VarModels:
			put(r.Model, r.Model)
		case trust.VarVersions:
			put(r.ModelVersion, r.ModelVersion)
		case trust.VarFeatures, trust.VarMetrics:
			for i := range r.Values {
				v := &r.Values[i]
				if kind == trust.VarFeatures {
					if ft := v.Labels.Get(trust.LabelFeature); ft != "" && f.q.WantsMetric(v.Metric) {
						put(ft, ft)
					}
				} else if f.keepValue(v) {
					put(v.Metric, v.Metric)
				}
			}
		}
	}, ev)
	if err != nil && len(set) == 0 {
		return nil, err
	}
	out := make([]trust.Option, 0, len(set))
	for v, t := range set {
		out = append(out, trust.Option{Text: t, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Text < out[j].Text })
	return out, nil
}

// AnnotationKinds implements trust.AnnotationProvider.
func (p *Provider) AnnotationKinds() []string { return []string{trust.AnnotationDrift} }

// Annotations implements trust.AnnotationProvider: one event per report that detected dataset
// drift (dataset_drift = 1), at the report's time.
func (p *Provider) Annotations(ctx context.Context, kind string, q *trust.Query) ([]trust.Annotation, error) {
	if kind != trust.AnnotationDrift {
		return nil, fmt.Errorf("evidently offers no %q annotations", kind)
	}
	f := newFilter(q)
	var out []trust.Annotation
	ev := &trust.Evidence{}
	err := p.each(ctx, q, f, func(r *Report, o origin) {
		var drift, share, cols *Value
		var drifted []string
		for i := range r.Values {
			v := &r.Values[i]
			switch v.Metric {
			case "dataset_drift":
				drift = v
			case "drift_share":
				share = v
			case "drifted_columns":
				cols = v
			case "drift_detected":
				if v.Value == 1 {
					drifted = append(drifted, v.Labels.Get(trust.LabelFeature))
				}
			}
		}
		if drift == nil || drift.Value != 1 {
			return
		}
		subject := o.project.label()
		if r.Model != "" {
			subject = r.Model
			if r.ModelVersion != "" {
				subject += " v" + r.ModelVersion
			}
		}
		title := "Dataset drift detected"
		if subject != "" {
			title += ": " + subject
		}
		var text []string
		if share != nil {
			s := fmt.Sprintf("drift share %.3g", share.Value)
			if share.Threshold != nil {
				s += fmt.Sprintf(" (threshold %.3g)", *share.Threshold)
			}
			text = append(text, s)
		}
		if cols != nil {
			text = append(text, fmt.Sprintf("%d drifted columns", int(cols.Value)))
		}
		if len(drifted) > 0 {
			sort.Strings(drifted)
			if len(drifted) > 8 {
				drifted = append(drifted[:8], "…")
			}
			text = append(text, "drifted: "+strings.Join(drifted, ", "))
		}
		if o.link != "" {
			text = append(text, o.link)
		}
		tags := []string{trust.SourceEvidently, "drift"}
		if o.project != nil {
			tags = append(tags, "project="+o.project.label())
		}
		if r.Model != "" {
			tags = append(tags, "model="+r.Model)
		}
		out = append(out, trust.Annotation{Time: r.Time, Title: title, Text: strings.Join(text, "; "), Tags: tags})
	}, ev)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CheckHealth implements trust.HealthChecker: the configured paths are readable and the UI
// service answers. It does not parse the files.
func (p *Provider) CheckHealth(ctx context.Context) (string, error) {
	ctx = upstream.Fresh(ctx) // health sees the upstream as it is now, never a cached answer
	var parts []string
	var problems []string
	if p.files != nil {
		if err := p.files.refresh(ctx); err != nil {
			return "", err
		}
		p.files.mu.Lock()
		n := len(p.files.entries)
		projects := map[string]bool{}
		for _, e := range p.files.entries {
			if e.project != nil {
				projects[e.project.ID] = true
			}
		}
		p.files.mu.Unlock()
		for _, w := range p.files.walkNotices() {
			if strings.HasPrefix(w.message, "cannot read this configured path") {
				problems = append(problems, fmt.Sprintf("Evidently path %s: %s", w.location, w.message))
			}
		}
		s := fmt.Sprintf("Evidently: %d JSON files", n)
		if len(projects) > 0 {
			s += fmt.Sprintf(" in %d workspace projects", len(projects))
		}
		parts = append(parts, s)
	}
	if p.ui != nil {
		v, err := p.ui.version(ctx)
		if err != nil {
			problems = append(problems, err.Error())
		} else {
			parts = append(parts, fmt.Sprintf("Evidently UI %s at %s", v, p.ui.base))
		}
	}
	if p.mlflow != nil {
		parts = append(parts, fmt.Sprintf("Evidently artifacts of %d MLflow runs and %d experiments", len(p.mlflow.runs), len(p.mlflow.experiments)))
	}
	if len(problems) > 0 {
		return "", trust.Upstreamf("%s", strings.Join(problems, "; "))
	}
	return strings.Join(parts, "; "), nil
}
