package mlflow

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Error is a failed MLflow call: an error answer of the server (Status and usually Code set) or a
// transport failure (Status 0, Err set). Its message names MLflow, the endpoint, the server and
// what to do, and never contains secrets. Errors leave the package wrapped with trust.Upstream, so
// use errors.As to reach an *Error.
type Error struct {
	Endpoint string // e.g. runs/search
	BaseURL  string // the configured server URL
	Status   int    // HTTP status; 0 when no answer arrived
	Code     string // MLflow error_code, e.g. RESOURCE_DOES_NOT_EXIST
	Message  string // the server's message or a description of the failure
	Hint     string // what the user can do
	Err      error  // the underlying transport or context error, if any
}

// Error implements error: "mlflow runs/search at http://host:5000: 400 INVALID_PARAMETER_VALUE: ...".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("mlflow ")
	b.WriteString(e.Endpoint)
	b.WriteString(" at ")
	b.WriteString(e.BaseURL)
	b.WriteString(": ")
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d ", e.Status)
		if e.Code != "" {
			b.WriteString(e.Code)
		} else {
			b.WriteString(http.StatusText(e.Status))
		}
		if e.Message != "" {
			b.WriteString(": ")
		}
	}
	b.WriteString(e.Message)
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// IsNotFound reports whether err is an MLflow answer saying the entity (experiment, run, model,
// version, alias, artifact) does not exist.
func IsNotFound(err error) bool {
	var nf *notFoundError
	if errors.As(err, &nf) {
		return true
	}
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code == "RESOURCE_DOES_NOT_EXIST" || (e.Status == http.StatusNotFound && e.Code != "")
}

// StatusCode returns the HTTP status of an MLflow error answer, or 0.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// apiErrorBody is MLflow's error answer.
type apiErrorBody struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

// looksLikeHTML reports whether an answer is a web page (a UI, a login page, a proxy's error page).
func looksLikeHTML(contentType string, body []byte) bool {
	if strings.Contains(strings.ToLower(contentType), "text/html") {
		return true
	}
	b := strings.TrimLeft(string(body[:min(len(body), 64)]), " \t\r\n\ufeff")
	return strings.HasPrefix(b, "<")
}

const notMLflowHint = "this does not look like an MLflow server: check that mlflowUrl is the tracking server base URL, without /api/2.0, e.g. http://mlflow:5000"

// statusError builds the error for a non-2xx answer.
func (c *Client) statusError(r *request, status int, contentType string, body []byte) *Error {
	e := &Error{Endpoint: r.name, BaseURL: c.baseURL, Status: status}
	var ab apiErrorBody
	if !looksLikeHTML(contentType, body) && json.Unmarshal(body, &ab) == nil && (ab.ErrorCode != "" || ab.Message != "") {
		e.Code = ab.ErrorCode
		e.Message = c.scrub(oneLine(ab.Message, 500))
	} else if !looksLikeHTML(contentType, body) {
		e.Message = c.scrub(oneLine(string(body), 200))
	}
	switch status {
	case http.StatusUnauthorized:
		e.Hint = "authentication failed: check mlflowUser/mlflowPassword or token (mlflowAuth is " + c.authMode + ")"
	case http.StatusForbidden:
		e.Hint = "permission denied: check mlflowUser/mlflowPassword or token and the user's permissions on this experiment or model"
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		// MLflow answers these with an error_code; a bare page means another kind of server.
		if e.Code == "" && r.api {
			e.Hint = notMLflowHint
		}
	case http.StatusTooManyRequests:
		e.Hint = "MLflow is rate limiting requests: lower mlflowMaxConcurrency or retry later"
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if e.Hint == "" {
			e.Hint = "the server or a proxy in front of it is unavailable; retried without success"
		}
	}
	return e
}

// transportError explains a failure to get an answer at all.
func (c *Client) transportError(r *request, err error) *Error {
	e := &Error{Endpoint: r.name, BaseURL: c.baseURL, Err: err}
	var dnsErr *net.DNSError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var verifyErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var netErr net.Error
	var ct *clientTimeout
	switch {
	case errors.As(err, &ct):
		e.Message = fmt.Sprintf("no answer within %s", c.timeout)
		e.Hint = "raise timeoutSeconds in the datasource settings or check the server's load"
	case errors.Is(err, context.Canceled):
		e.Message = "request cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		e.Message = "no answer before the query deadline"
		e.Hint = "raise timeoutSeconds in the datasource settings, narrow the query (limit, metrics) or check the server's load"
	case errors.As(err, &dnsErr):
		e.Message = fmt.Sprintf("cannot resolve host %q (DNS lookup failed)", dnsErr.Name)
		e.Hint = "check the host name in mlflowUrl and that Grafana's network can resolve it"
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Message = "connection refused"
		e.Hint = "check that the MLflow server is running and listening on the host and port of mlflowUrl"
	case errors.As(err, &unknownAuth), errors.As(err, &verifyErr):
		e.Message = "TLS certificate error: the server's certificate is signed by an unknown authority"
		e.Hint = "enable tlsAuthWithCACert and paste the CA certificate (tlsCACert), or tlsSkipVerify for testing only"
	case errors.As(err, &hostErr):
		e.Message = "TLS certificate error: " + hostErr.Error()
		e.Hint = "use the host name the certificate was issued for in mlflowUrl, or set serverName"
	case errors.As(err, &invalidCert):
		e.Message = "TLS certificate error: " + invalidCert.Error()
		e.Hint = "renew the server certificate, or enable tlsSkipVerify for testing only"
	case errors.As(err, &recordErr):
		e.Message = "TLS handshake failed: the server does not speak TLS on this port"
		e.Hint = "use http:// instead of https:// in mlflowUrl, or the server's TLS port"
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		e.Message = "TLS handshake failed: the server answered plain HTTP"
		e.Hint = "use http:// instead of https:// in mlflowUrl"
	case strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "x509:"):
		e.Message = "TLS error: " + c.scrub(lastPart(err))
		e.Hint = "check the TLS settings (tlsAuthWithCACert, tlsCACert, tlsAuth, tlsSkipVerify)"
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Message = fmt.Sprintf("no answer within %s", c.timeout)
		e.Hint = "raise timeoutSeconds in the datasource settings or check the server's load"
	case isConnReset(err):
		e.Message = "the connection was reset by the server or a proxy"
		e.Hint = "check the server's logs and any proxy in front of it"
	default:
		e.Message = c.scrub(lastPart(err))
	}
	return e
}

// clientTimeout is the per-request timeout (timeoutSeconds) expiring while the query's own
// deadline has not.
type clientTimeout struct{ err error }

func (e *clientTimeout) Error() string { return e.err.Error() }
func (e *clientTimeout) Unwrap() error { return e.err }

// isRetryableTransport reports transport failures worth another attempt: connection resets and
// connections closed before an answer.
func isRetryableTransport(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return isConnReset(err)
}

func isConnReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "connection reset by peer") ||
		strings.Contains(err.Error(), "server closed idle connection")
}

// lastPart drops the `Get "http://...": ` prefix url.Error puts before the cause.
func lastPart(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}

// scrub removes secret values, and credentials inside URLs, from text that came from outside
// (server messages, error texts).
func (c *Client) scrub(s string) string {
	for _, sec := range c.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return trust.RedactText(s)
}

// oneLine shortens s to n bytes on one line.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "..."
	}
	return s
}
