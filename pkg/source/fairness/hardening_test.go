package fairness

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Issue 12, defect 3: credentials of a fairlearnUrls entry (user:password@ in the URL) followed a
// redirect to another host or port. The client follows redirects within the URL's origin only and
// the refused redirect is named in the notice.
func TestURLRedirectKeepsCredentials(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(testdataDir, "json", "custom_sex.json"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Authorization"))
		mu.Unlock()
		_, _ = w.Write(body)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved.json" {
			http.Redirect(w, r, "/r.json", http.StatusMovedPermanently) // same origin: followed
			return
		}
		if r.URL.Path == "/r.json" {
			_, _ = w.Write(body)
			return
		}
		http.Redirect(w, r, other.URL+"/r.json", http.StatusFound)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	p := newProvider(t, map[string]any{"fairlearnUrls": []string{"http://user:pa55word@" + host + "/away.json", srv.URL + "/moved.json"}})
	ev, err := p.Collect(context.Background(), trust.Fairness, &trust.Query{QueryType: trust.QueryFairness, Format: trust.FormatTable})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) > 0 {
		t.Errorf("the other origin received %d requests, Authorization %q", len(got), got)
	}
	n := noticeText(ev)
	if !strings.Contains(n, "refused to follow a redirect from http://***@"+host+"/away.json to "+other.URL+"/r.json") || strings.Contains(n, "pa55word") {
		t.Errorf("the refused redirect is not named, or names the password:\n%s", n)
	}
	if len(ev.Points) == 0 {
		t.Error("the same-origin redirect was not followed")
	}
}

// fairlearnUrls answers are bounded by maxResponseMB.
func TestURLAnswerSizeIsLimited(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat(" ", 2<<20)))
	}))
	defer srv.Close()
	p := newProvider(t, map[string]any{"fairlearnUrls": []string{srv.URL + "/big.json?sig=abc"}, "maxResponseMB": 1})
	_, err := p.Collect(context.Background(), trust.Fairness, &trust.Query{QueryType: trust.QueryFairness})
	if err == nil || !strings.Contains(err.Error(), "1 MB limit of one answer (maxResponseMB") || strings.Contains(err.Error(), "abc") {
		t.Errorf("a 2 MB answer: %v", err)
	}
}

// JSON nested deeper than jsonlimit.MaxDepth is a notice naming the file.
func TestDeepFairnessJSONIsANotice(t *testing.T) {
	dir := t.TempDir()
	deep := `{"by_group": ` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`
	if err := os.WriteFile(filepath.Join(dir, "deep.json"), []byte(deep), 0o644); err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile(filepath.Join(testdataDir, "json", "custom_sex.json"))
	if err := os.WriteFile(filepath.Join(dir, "ok.json"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	p := newProvider(t, map[string]any{"fairlearnPaths": []string{dir}})
	ev := collect(t, p, trust.Query{})
	if n := noticeText(ev); !strings.Contains(n, "deep.json: unreadable: JSON nested deeper than 512 levels") {
		t.Errorf("notices:\n%s", n)
	}
	if len(ev.Points) == 0 {
		t.Error("the other file was not served")
	}
}
