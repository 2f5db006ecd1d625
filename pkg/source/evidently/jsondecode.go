package evidently

import (
	"encoding/json"

	"github.com/dte-trust/dte-trust/pkg/jsonlimit"
)

// decodeJSON decodes an answer of the Evidently UI service or a workspace's metadata.json,
// refusing a document nested deeper than jsonlimit.MaxDepth.
func decodeJSON(b []byte, v any) error {
	if err := jsonlimit.CheckDepth(b); err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
