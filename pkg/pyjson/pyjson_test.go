package pyjson

import "testing"

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"v": 1}`, `{"v": 1}`},
		{`{"v": NaN}`, `{"v": "NaN"}`},
		{`[NaN,Infinity,-Infinity,1]`, `["NaN","Infinity","-Infinity",1]`},
		{`{"k": "NaN in a string", "v": NaN}`, `{"k": "NaN in a string", "v": "NaN"}`},
		{`{"k": "quote \" NaN", "v": -Infinity}`, `{"k": "quote \" NaN", "v": "-Infinity"}`},
		{`{"v": "NaN"}`, `{"v": "NaN"}`},
		{`{"v": -1}`, `{"v": -1}`},
	}
	for _, tt := range tests {
		if got := string(Sanitize([]byte(tt.in))); got != tt.want {
			t.Errorf("Sanitize(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
