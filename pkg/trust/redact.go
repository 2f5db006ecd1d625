package trust

import (
	"net/url"
	"regexp"
	"strings"
)

// Redacted stands in for a credential removed from a URL or a message.
const Redacted = "***"

// credentialParams are query parameters that carry a credential, compared case-insensitively:
// OAuth and API tokens, and the signatures of pre-signed URLs (Azure SAS sig, S3 and GCS
// X-Amz-/X-Goog- signatures and credentials).
var credentialParams = map[string]bool{
	"token": true, "access_token": true, "refresh_token": true, "id_token": true, "auth": true,
	"auth_token": true, "authorization": true, "api_key": true, "apikey": true, "api-key": true,
	"key": true, "secret": true, "client_secret": true, "password": true, "passwd": true, "pwd": true,
	"sig": true, "signature": true, "jwt": true, "session": true, "sessionid": true, "code": true,
	"x-amz-signature": true, "x-amz-credential": true, "x-amz-security-token": true,
	"x-goog-signature": true, "x-goog-credential": true, "x-ms-signature": true,
}

// credentialParam reports whether a query parameter name carries a credential: a known name, or
// one ending in token, secret, password, signature or key.
func credentialParam(name string) bool {
	n := strings.ToLower(name)
	if un, err := url.QueryUnescape(n); err == nil {
		n = un
	}
	if credentialParams[n] {
		return true
	}
	for _, suffix := range []string{"token", "secret", "password", "signature", "_key", "-key", "credential"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

// RedactURL returns u with its userinfo (user:password@) and the values of credential query
// parameters (token, access_token, sig, X-Amz-Signature, ...) replaced by ***. Everything else is
// kept byte for byte; a string without either comes back unchanged.
func RedactURL(u string) string {
	out := u
	if i := strings.Index(out, "://"); i >= 0 {
		start := i + 3
		end := len(out)
		if j := strings.IndexAny(out[start:], "/?#"); j >= 0 {
			end = start + j
		}
		if at := strings.LastIndexByte(out[start:end], '@'); at >= 0 {
			out = out[:start] + Redacted + out[start+at:]
		}
	}
	q := strings.IndexByte(out, '?')
	if q < 0 {
		return out
	}
	end := len(out)
	if h := strings.IndexByte(out[q:], '#'); h >= 0 {
		end = q + h
	}
	query := out[q+1 : end]
	if query == "" {
		return out
	}
	parts := strings.Split(query, "&")
	changed := false
	for i, p := range parts {
		name, value, ok := strings.Cut(p, "=")
		if ok && value != "" && value != Redacted && credentialParam(name) {
			parts[i] = name + "=" + Redacted
			changed = true
		}
	}
	if !changed {
		return out
	}
	return out[:q+1] + strings.Join(parts, "&") + out[end:]
}

// urlInText finds URLs in free text: a scheme, "://" and everything up to white space or a quote.
var urlInText = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'<>` + "`" + `]+`)

// RedactText redacts every URL inside a message (see RedactURL). Text without "://" is returned as
// it is.
func RedactText(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return urlInText.ReplaceAllStringFunc(s, func(u string) string {
		// punctuation ending a sentence or a clause is not part of the URL
		trimmed := strings.TrimRight(u, ".,:;)]}")
		return RedactURL(trimmed) + u[len(trimmed):]
	})
}
