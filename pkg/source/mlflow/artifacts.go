package mlflow

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// ListArtifacts lists the direct children of dir ("" for the root) in the artifacts of run runID,
// following pages to the end. Paths in the answer are relative to the run's artifact root (e.g.
// "evidently/report.json"), ready for ReadArtifact. It asks GET /api/2.0/mlflow/artifacts/list
// and, when that fails for a run stored behind the artifact proxy (artifact_uri mlflow-artifacts:/),
// the proxied route /api/2.0/mlflow-artifacts/artifacts.
func (c *Client) ListArtifacts(ctx context.Context, runID, dir string) ([]FileInfo, error) {
	dir = cleanArtifactPath(dir)
	out, err := c.listArtifacts(ctx, runID, dir)
	if err == nil {
		return out, nil
	}
	if !proxyWorthTrying(err) {
		return nil, err
	}
	root, ok := c.proxiedRoot(ctx, runID)
	if !ok {
		return nil, err
	}
	var resp struct {
		Files []FileInfo `json:"files"`
	}
	q := url.Values{"path": {joinPath(root, dir)}}
	r := &request{method: http.MethodGet, path: "/api/2.0/mlflow-artifacts/artifacts", name: "mlflow-artifacts/artifacts", query: q, api: true}
	if perr := c.call(ctx, r, &resp); perr != nil {
		return nil, err
	}
	for i := range resp.Files {
		resp.Files[i].Path = joinPath(dir, path.Base(resp.Files[i].Path))
	}
	return resp.Files, nil
}

func (c *Client) listArtifacts(ctx context.Context, runID, dir string) ([]FileInfo, error) {
	var out []FileInfo
	token := ""
	for {
		q := url.Values{"run_id": {runID}}
		if dir != "" {
			q.Set("path", dir)
		}
		if token != "" {
			q.Set("page_token", token)
		}
		var page struct {
			RootURI       string     `json:"root_uri"`
			Files         []FileInfo `json:"files"`
			NextPageToken string     `json:"next_page_token"`
		}
		if err := c.call(ctx, api2(http.MethodGet, "artifacts/list", q, nil), &page); err != nil {
			if IsNotFound(err) {
				return nil, c.notFound(err, "run "+quote(runID), "it may have been deleted")
			}
			return nil, err
		}
		out = append(out, page.Files...)
		if page.NextPageToken == "" || page.NextPageToken == token || len(page.Files) == 0 {
			return out, nil
		}
		token = page.NextPageToken
	}
}

// ReadArtifact downloads the artifact file at path (relative to the run's artifact root) of run
// runID, through GET /get-artifact?run_id=&path= and, when that fails for a run stored behind the
// artifact proxy, through /api/2.0/mlflow-artifacts/artifacts/<experiment>/<run>/artifacts/<path>.
// Files larger than maxBytes (DefaultArtifactSize when maxBytes <= 0) are refused with an error.
// A missing file is an error for which IsNotFound holds.
func (c *Client) ReadArtifact(ctx context.Context, runID, p string, maxBytes int64) ([]byte, error) {
	p = cleanArtifactPath(p)
	if p == "" {
		return nil, trust.Upstreamf("mlflow: artifact path is empty (run %s)", runID)
	}
	if maxBytes <= 0 {
		maxBytes = DefaultArtifactSize
	}
	q := url.Values{"run_id": {runID}, "path": {p}}
	r := &request{method: http.MethodGet, path: "/get-artifact", name: "get-artifact", query: q, raw: true, maxBytes: maxBytes}
	data, err := c.download(ctx, r)
	if err == nil {
		return data, nil
	}
	if proxyWorthTrying(err) {
		if root, ok := c.proxiedRoot(ctx, runID); ok {
			pr := &request{method: http.MethodGet, path: "/api/2.0/mlflow-artifacts/artifacts/" + joinPath(root, p), name: "mlflow-artifacts/artifacts", raw: true, maxBytes: maxBytes}
			if pdata, perr := c.download(ctx, pr); perr == nil {
				return pdata, nil
			}
		}
	}
	return nil, c.artifactError(err, runID, p, maxBytes)
}

// download returns a copy of the answer's bytes.
func (c *Client) download(ctx context.Context, r *request) ([]byte, error) {
	var data []byte
	err := c.exchange(ctx, r, func(_ http.Header, body []byte) error {
		data = append([]byte(nil), body...)
		return nil
	})
	return data, err
}

func (c *Client) artifactError(err error, runID, p string, maxBytes int64) error {
	var se *sizeError
	if errors.As(err, &se) {
		return trust.Upstreamf("mlflow: artifact %q of run %s is larger than %d bytes: not read", p, runID, maxBytes)
	}
	if IsNotFound(err) {
		return c.notFound(err, fmt.Sprintf("artifact %q of run %s", p, runID), "")
	}
	return err
}

// proxyWorthTrying reports errors after which the artifact proxy route may still work.
func proxyWorthTrying(err error) bool {
	s := StatusCode(err)
	return s == http.StatusNotImplemented || s == http.StatusServiceUnavailable || s >= 500 || (s == http.StatusNotFound && !IsNotFound(err))
}

// proxiedRoot returns the run's artifact root below the artifact proxy ("1/<run>/artifacts") when
// its artifact_uri is mlflow-artifacts:/...
func (c *Client) proxiedRoot(ctx context.Context, runID string) (string, bool) {
	run, err := c.GetRun(ctx, runID)
	if err != nil {
		return "", false
	}
	rest, ok := strings.CutPrefix(run.Info.ArtifactURI, "mlflow-artifacts:")
	if !ok {
		return "", false
	}
	if strings.HasPrefix(rest, "//") { // mlflow-artifacts://host:port/path
		rest = strings.TrimPrefix(rest, "//")
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			rest = rest[i:]
		} else {
			rest = ""
		}
	}
	rest = strings.Trim(rest, "/")
	return rest, rest != ""
}

func cleanArtifactPath(p string) string {
	p = strings.Trim(strings.TrimSpace(p), "/")
	if p == "" || p == "." {
		return ""
	}
	return path.Clean(p)
}

func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "/" + b
}
