package evidently

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/dte-trust/dte-trust/pkg/httpx"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// uiTimeout bounds one request to the Evidently UI service.
const uiTimeout = 30 * time.Second

// newUIHTTPClient builds the UI service's HTTP client through pkg/httpx: the SDK's httpclient with
// Grafana's HTTP settings, redirects only within evidentlyUiUrl's origin (so the evidently-secret
// header never reaches another server), answers bounded by maxResponseMB and hosts by allowedHosts.
// Credentials written into the URL (user:password@) are taken out of u and sent as basic auth to
// u's origin only, so the base URL shown in messages and links carries none. A query string is
// refused: the API paths are appended to the base URL.
func newUIHTTPClient(u *url.URL, hs httpx.Settings) (*http.Client, error) {
	if u.RawQuery != "" || u.ForceQuery {
		return nil, errors.New("evidentlyUiUrl " + trust.RedactURL(u.String()) + " has a query string: give the service's base URL (credentials go in evidentlyUiSecret or user:password@)")
	}
	u.Fragment, u.RawFragment = "", ""
	var creds []httpx.Credential
	if u.User != nil {
		pw, _ := u.User.Password()
		creds = append(creds, httpx.Credential{
			Origin: httpx.Origin(u),
			Header: "Authorization",
			Value:  "Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pw)),
		})
		u.User = nil
	}
	return hs.NewClient(httpx.ClientOptions{Setting: "evidentlyUiUrl", Timeout: uiTimeout, Credentials: creds})
}
