package engine

import (
	"sort"

	"github.com/dte-trust/dte-trust/pkg/policy"
	"github.com/dte-trust/dte-trust/pkg/source/mlflow"
)

// Validation kinds: the texts the editors have the backend check before use (POST
// validate/{kind}), each with the parser that reads it when a query runs.
const (
	ValidateRunFilter = "runFilter" // a query's MLflow search filter
	ValidateRules     = "rules"     // the policyRules YAML of the settings
)

// MaxValidateBytes is the longest text Validate is given (a rules document's limit; a longer text
// fails its own parser's limit all the same).
const MaxValidateBytes = policy.MaxDocumentBytes

var validators = map[string]func(text string) error{
	ValidateRunFilter: mlflow.ValidateRunFilter,
	// The editor checks the text being typed, before it is saved: the default cost limit applies.
	ValidateRules: func(text string) error { return policy.ValidateRules(text, 0) },
}

// ValidationKinds lists the kinds Validate knows.
func ValidationKinds() []string {
	out := make([]string, 0, len(validators))
	for k := range validators {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Validate checks text of a validation kind with the backend's own parser; known is false for an
// unknown kind. It needs no configured source: the check is of the text alone.
func Validate(kind, text string) (known bool, err error) {
	v, ok := validators[kind]
	if !ok {
		return false, nil
	}
	return true, v(text)
}
