package fairness

import "slices"

// noteUnnamed is the remark on a file that gave values without a metric name.
const noteUnnamed = "values without a metric name (an empty key or column header) were skipped"

// dropUnnamed removes the values a source gives without a metric name (an empty key or column
// header, or one that is empty once normalised): they cannot be served under any name. It reports
// whether it removed any. It runs once, when the file is read, before the evaluation is cached and
// shared by queries.
func (e *Evaluation) dropUnnamed() bool {
	dropped := false
	del := func(m map[string]float64) {
		if _, ok := m[""]; ok {
			delete(m, "")
			dropped = true
		}
	}
	for _, s := range e.Strata {
		del(s.Overall)
		del(s.Fairness)
		del(s.FairnessToOverall)
		if _, ok := s.Disparities[""]; ok {
			delete(s.Disparities, "")
			dropped = true
		}
		for i := range s.Groups {
			del(s.Groups[i].Values)
		}
		if s.CI != nil {
			if _, ok := s.CI.Overall[""]; ok {
				delete(s.CI.Overall, "")
				dropped = true
			}
			if _, ok := s.CI.Disparities[""]; ok {
				delete(s.CI.Disparities, "")
				dropped = true
			}
			for _, byMetric := range s.CI.ByGroup {
				if _, ok := byMetric[""]; ok {
					delete(byMetric, "")
					dropped = true
				}
			}
		}
		s.Metrics = slices.DeleteFunc(s.Metrics, func(m string) bool {
			if m == "" {
				dropped = true
			}
			return m == ""
		})
	}
	return dropped
}
