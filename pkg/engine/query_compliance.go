package engine

import "github.com/dte-trust/dte-trust/pkg/trust"

// compliance: the rule outcomes and compliance_score of the policy source, which evaluates its
// rules over the other sources' evidence and the model registry.
var complianceRoute = route{
	queryType: trust.QueryCompliance,
	handle:    evidenceFrames(trust.Compliance),
	needs:     "compliance rules need at least one evidence source",
}
