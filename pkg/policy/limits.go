package policy

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/dte-trust/dte-trust/pkg/jsonlimit"
)

// Limits of one rules document (policyRules, policyRulesFile, trustq check --rules), documented in
// docs/compliance-rules.md and README.md. A document over a limit is refused as a whole with a
// notice, the other layers are evaluated.
const (
	// MaxRules is how many rules one document may hold. Loading compiles every rule's CEL.
	MaxRules = 1000
	// MaxDocumentBytes is the size of one document.
	MaxDocumentBytes = 1 << 20
	// MaxNesting is the deepest nesting of mappings and lists (params included), as for JSON.
	MaxNesting = jsonlimit.MaxDepth
)

// checkSize refuses a document over MaxDocumentBytes before it is parsed.
func checkSize(doc []byte) error {
	if len(doc) > MaxDocumentBytes {
		return fmt.Errorf("%.1f MB, larger than the %d MB limit of a rules document: not loaded", float64(len(doc))/(1<<20), MaxDocumentBytes>>20)
	}
	return nil
}

// checkNesting refuses a parsed document nested deeper than MaxNesting, walking the nodes without
// recursion (the decoders that follow recurse).
func checkNesting(root *yaml.Node) error {
	type item struct {
		n     *yaml.Node
		depth int
	}
	stack := []item{{root, 0}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		d := it.depth
		if it.n.Kind == yaml.MappingNode || it.n.Kind == yaml.SequenceNode {
			d++
			if d > MaxNesting {
				return fmt.Errorf("line %d: nested deeper than %d levels: not loaded", it.n.Line, MaxNesting)
			}
		}
		for _, c := range it.n.Content {
			stack = append(stack, item{c, d})
		}
	}
	return nil
}

// checkCount refuses a list of more than MaxRules rules.
func checkCount(list *yaml.Node) error {
	if n := len(list.Content); n > MaxRules {
		return fmt.Errorf("%d rules, more than the %d one document may hold: not loaded", n, MaxRules)
	}
	return nil
}
