package mlflow

import (
	"strings"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

func TestBaseURLValidation(t *testing.T) {
	tests := []struct {
		in      string
		want    string // normalised URL, or "" when an error is expected
		errPart string
	}{
		{"http://mlflow:5000", "http://mlflow:5000", ""},
		{"https://mlflow.example.com/", "https://mlflow.example.com", ""},
		{"  http://mlflow:5000/api/2.0/  ", "http://mlflow:5000", ""},
		{"http://host/prefix/api/2.0/mlflow", "http://host/prefix", ""},
		{"http://host:5000/ajax-api/2.0", "http://host:5000", ""},
		{"https://adb-123.azuredatabricks.net/#/experiments/1", "https://adb-123.azuredatabricks.net", ""},
		{"HTTP://Host:5000", "http://Host:5000", ""},
		{"", "", "mlflowUrl is empty"},
		{"mlflow:5000", "", "has no scheme"},
		{"ftp://mlflow:21", "", `scheme "ftp"`},
		{"http://", "", "has no host"},
		{"http:///path", "", "has no host"},
		{"http://user:" + testPassword + "@mlflow:5000", "", "must not contain credentials"},
		{"http://mlflow:5000/%zz", "", "not a valid URL"},
	}
	for _, tt := range tests {
		u, err := parseBaseURL(tt.in)
		if tt.want != "" {
			if err != nil || u.String() != tt.want {
				t.Errorf("%q: got %v, %v; want %s", tt.in, u, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.errPart) {
			t.Errorf("%q: got error %v, want one containing %q", tt.in, err, tt.errPart)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "mlflow: ") {
			t.Errorf("%q: error does not name mlflow: %v", tt.in, err)
		}
		assertNoSecrets(t, err)
	}
}

func TestLoadConfigAndValidate(t *testing.T) {
	tests := []struct {
		name     string
		jsonData string
		secure   map[string]string
		check    func(t *testing.T, c Config)
		errPart  string
	}{
		{
			name:     "none",
			jsonData: `{"mlflowUrl":"http://m:5000"}`,
			check: func(t *testing.T, c Config) {
				if c.Auth != "none" || c.timeout() != DefaultTimeout {
					t.Errorf("%+v", c)
				}
			},
		},
		{
			name:     "basic with headers, numbers and booleans as strings",
			jsonData: `{"mlflowUrl":"http://m:5000","mlflowAuth":"basic","mlflowUser":"alice","timeoutSeconds":"12.5","mlflowMaxConcurrency":8,"tlsSkipVerify":"true","httpHeaderName1":"X-Org","httpHeaderName3":"X-Secret","httpHeaderName2":""}`,
			secure:   map[string]string{"mlflowPassword": testPassword, "httpHeaderValue1": "org-7", "httpHeaderValue3": testHeader},
			check: func(t *testing.T, c Config) {
				if c.Auth != "basic" || c.User != "alice" || c.Password != testPassword || c.MaxConcurrency != 8 || !c.TLSSkipVerify || c.timeout().Seconds() != 12.5 {
					t.Errorf("%+v", c)
				}
				if len(c.Headers) != 2 || c.Headers[0] != (Header{"X-Org", "org-7"}) || c.Headers[1] != (Header{"X-Secret", testHeader}) {
					t.Errorf("headers %+v", c.Headers)
				}
			},
		},
		{
			name:     "bearer inferred from a token",
			jsonData: `{"mlflowUrl":"https://dbc.cloud.databricks.com"}`,
			secure:   map[string]string{"mlflowToken": testToken},
			check: func(t *testing.T, c Config) {
				if c.Auth != "bearer" {
					t.Errorf("auth %q", c.Auth)
				}
			},
		},
		{name: "unknown auth", jsonData: `{"mlflowUrl":"http://m","mlflowAuth":"oauth"}`, errPart: `mlflowAuth "oauth" is not known`},
		{name: "basic without user", jsonData: `{"mlflowUrl":"http://m","mlflowAuth":"basic"}`, secure: map[string]string{"mlflowPassword": testPassword}, errPart: "mlflowUser is empty"},
		{name: "bearer without token", jsonData: `{"mlflowUrl":"http://m","mlflowAuth":"bearer"}`, errPart: "no token is set"},
		{name: "CA flag without CA", jsonData: `{"mlflowUrl":"https://m","tlsAuthWithCACert":true}`, errPart: "tlsCACert is empty"},
		{name: "CA not PEM", jsonData: `{"mlflowUrl":"https://m","tlsAuthWithCACert":true}`, secure: map[string]string{"tlsCACert": "not a cert"}, errPart: "holds no PEM certificate"},
		{name: "client cert invalid", jsonData: `{"mlflowUrl":"https://m","tlsAuth":true}`, secure: map[string]string{"tlsClientCert": "x", "tlsClientKey": testPassword}, errPart: "tlsClientCert/tlsClientKey"},
		{name: "bad header name", jsonData: `{"mlflowUrl":"http://m","httpHeaderName1":"Bad Header"}`, errPart: "not a valid HTTP header name"},
		{name: "wrong type", jsonData: `{"mlflowUrl":5000}`, errPart: "mlflowUrl must be a string"},
		{name: "negative timeout", jsonData: `{"mlflowUrl":"http://m","timeoutSeconds":-1}`, errPart: "timeoutSeconds must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadConfig(trust.Settings{JSONData: []byte(tt.jsonData), Secure: tt.secure})
			if err == nil {
				err = c.Validate()
			}
			if tt.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errPart) {
					t.Fatalf("got %v, want an error containing %q", err, tt.errPart)
				}
				assertNoSecrets(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}
