package mlflow

import (
	"encoding/json"

	"github.com/dte-trust/dte-trust/pkg/jsonlimit"
	"github.com/dte-trust/dte-trust/pkg/pyjson"
)

// decodeAnswer decodes a JSON answer of MLflow into out, the bare NaN and Infinity tokens
// accepted, refusing a document nested deeper than jsonlimit.MaxDepth.
func decodeAnswer(body []byte, out any) error {
	if err := jsonlimit.CheckDepth(body); err != nil {
		return err
	}
	return json.Unmarshal(pyjson.Sanitize(body), out)
}
