package mlflow

import (
	"context"
	"fmt"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Annotations answers two kinds of registry events, for q.Model (all models when empty), narrowed
// to q.Version or q.Alias when set, within the query's time range:
//   - model_versions: a version was registered (its creation_timestamp);
//   - stages: a version's current stage and aliases, at its last_updated_timestamp. MLflow keeps no
//     history of stage transitions or alias moves, so only the last change of each version is
//     known; versions in stage None without aliases are left out.
func (p *Provider) Annotations(ctx context.Context, kind string, q *trust.Query) ([]trust.Annotation, error) {
	q = normalize(q)
	if kind != trust.AnnotationModelVersions && kind != trust.AnnotationStages {
		return nil, fmt.Errorf("mlflow: unknown annotation kind %q", kind)
	}
	reg, vs, err := p.queryVersions(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []trust.Annotation
	for i := range vs {
		v := &vs[i]
		aliases := reg.aliases(v)
		stage := v.CurrentStage
		if stage == "" {
			stage = "None"
		}
		var details []string
		details = append(details, "stage: "+stage)
		if len(aliases) > 0 {
			details = append(details, "aliases: "+strings.Join(aliases, ", "))
		}
		if v.RunID != "" {
			details = append(details, "run: "+v.RunID)
		}
		if v.Status != "" && v.Status != "READY" {
			details = append(details, "status: "+v.Status)
		}
		link := p.c.ModelVersionURL(v.Name, string(v.Version))
		tags := []string{"mlflow", "model:" + v.Name, "version:" + string(v.Version)}
		switch kind {
		case trust.AnnotationModelVersions:
			t := millis(v.CreationTimestamp)
			if t.IsZero() || !q.InRange(t) {
				continue
			}
			text := strings.Join(details, "; ")
			if v.Description != "" {
				text += "\n" + v.Description
			}
			out = append(out, trust.Annotation{
				Time:  t,
				Title: fmt.Sprintf("%s v%s registered", v.Name, v.Version),
				Text:  text + "\n" + link,
				Tags:  append(tags, "registered"),
			})
		case trust.AnnotationStages:
			if stage == "None" && len(aliases) == 0 {
				continue
			}
			t := millis(v.LastUpdatedTimestamp)
			if t.IsZero() {
				t = millis(v.CreationTimestamp)
			}
			if t.IsZero() || !q.InRange(t) {
				continue
			}
			title := fmt.Sprintf("%s v%s: %s", v.Name, v.Version, stage)
			if len(aliases) > 0 {
				title += " @" + strings.Join(aliases, ", @")
			}
			out = append(out, trust.Annotation{
				Time:  t,
				Title: title,
				Text:  strings.Join(details, "; ") + "\nlast registry change of this version (MLflow keeps no history of stage or alias moves)\n" + link,
				Tags:  append(tags, "stage:"+stage),
			})
		}
	}
	return out, nil
}
