package mlflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Float is a double as MLflow writes it in JSON: a number, or one of the protobuf JSON strings
// "NaN", "Infinity" and "-Infinity", or (from some MLflow-compatible servers) a number in a string.
// Responses are also cleaned of bare NaN/Infinity tokens before decoding (see pyjson.Sanitize),
// because the Flask endpoints that bypass protobuf write them.
type Float float64

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] != '"' {
		if string(b) == "null" {
			*f = Float(math.NaN())
			return nil
		}
		v, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return fmt.Errorf("mlflow: cannot read number %s", b)
		}
		*f = Float(v)
		return nil
	}
	s := string(bytes.Trim(b, `"`))
	switch s {
	case "NaN", "nan":
		*f = Float(math.NaN())
	case "Infinity", "inf", "+Infinity":
		*f = Float(math.Inf(1))
	case "-Infinity", "-inf":
		*f = Float(math.Inf(-1))
	default:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("mlflow: cannot read number %q", s)
		}
		*f = Float(v)
	}
	return nil
}

// Int64 is an int64 as MLflow writes it in JSON: a number on modern servers, a string on old
// servers and some MLflow-compatible ones (protobuf's int64 JSON rule).
type Int64 int64

// UnmarshalJSON implements json.Unmarshaler.
func (i *Int64) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		b = b[1 : len(b)-1]
	}
	if len(b) == 0 || string(b) == "null" {
		*i = 0
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		// A double where an int64 is expected (3.0, 1.7e12) still has an integer meaning.
		fv, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil || math.IsNaN(fv) || math.IsInf(fv, 0) {
			return fmt.Errorf("mlflow: cannot read integer %s", b)
		}
		v = int64(fv)
	}
	*i = Int64(v)
	return nil
}

// String is a JSON string that also accepts a number: model versions and experiment ids are
// strings in MLflow's protos, but MLflow-compatible servers sometimes send numbers.
type String string

// UnmarshalJSON implements json.Unmarshaler.
func (s *String) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = String(v)
		return nil
	}
	if string(b) == "null" {
		*s = ""
		return nil
	}
	*s = String(b)
	return nil
}

// fieldNamesByType caches the JSON keys of answer types, for hasKnownKey.
var fieldNamesByType sync.Map // reflect.Type -> map[string]bool

func fieldNames(t reflect.Type) map[string]bool {
	if v, ok := fieldNamesByType.Load(t); ok {
		return v.(map[string]bool)
	}
	names := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		names[name] = true
	}
	fieldNamesByType.Store(t, names)
	return names
}

// hasKnownKey reports whether a JSON answer can be the MLflow message out decodes: an object with
// no keys (MLflow omits empty fields) or with at least one key out knows. It tells a JSON API of
// another kind ({"status":"ok"}) from an MLflow answer with nothing in it. Values of out that are
// not pointers to structs, and answers the scan cannot judge, pass.
func hasKnownKey(body []byte, out any) bool {
	t := reflect.TypeOf(out)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return true
	}
	names := fieldNames(t.Elem())
	d := metricDecoder{b: body}
	if !d.next('{') || d.next('}') {
		return true
	}
	for {
		k, ok := d.str()
		if !ok {
			return true
		}
		if names[string(k)] {
			return true
		}
		if !d.next(':') || !d.skip() {
			return true
		}
		if !d.next(',') {
			return false
		}
	}
}
