package fairness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dte-trust/dte-trust/pkg/fsroot"
	"github.com/dte-trust/dte-trust/pkg/jsonlimit"
	"github.com/dte-trust/dte-trust/pkg/pyjson"
	"github.com/dte-trust/dte-trust/pkg/source/internal/sourcekit"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// maxFileBytes bounds one fairness file or URL body; fairness results are kilobytes.
const maxFileBytes = 32 << 20

// errNotFairness marks a file that is well-formed but not a fairness result (an unrelated JSON or
// CSV in a scanned directory): it is reported as information, not as an unreadable file.
var errNotFairness = errors.New("not a fairness result")

// decoded is what one file or URL yielded.
type decoded struct {
	evals []*Evaluation
	notes []string // non-fatal remarks about the file
	err   error    // the file could not be used
}

// decode detects the format of a fairness file and reads it. rel is the path relative to its
// configured entry (for the CSV column mapping); name is used for the file extension. Values
// without a metric name are dropped with a remark.
func (p *Provider) decode(name, rel string, b []byte) ([]*Evaluation, []string, error) {
	evals, notes, err := p.decodeFormat(name, rel, b)
	dropped := false
	for _, e := range evals {
		if e.dropUnnamed() {
			dropped = true
		}
	}
	if dropped {
		notes = append(notes, noteUnnamed)
	}
	return evals, notes, err
}

// decodeFormat reads a fairness file in the format it detects.
func (p *Provider) decodeFormat(name, rel string, b []byte) ([]*Evaluation, []string, error) {
	trimmed := strings.TrimSpace(strings.TrimPrefix(string(b[:min(len(b), 64)]), "\xef\xbb\xbf"))
	ext := strings.ToLower(filepath.Ext(name))
	isJSON := strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")
	if ext == ".csv" || ext == ".tsv" || (!isJSON && ext != ".json") {
		t, err := readCSV(b)
		if err != nil {
			return nil, nil, err
		}
		return readTable(t, p.cfg.CSVColumns.For(filepath.ToSlash(rel)), FormatByGroupCSV)
	}
	if err := jsonlimit.CheckDepth(b); err != nil {
		return nil, nil, err // before any decoder recurses into it
	}
	var top map[string]json.RawMessage
	if err := decodeJSON(b, &top); err != nil {
		var list []json.RawMessage
		if json.Unmarshal(pyjson.Sanitize(b), &list) == nil {
			return nil, nil, fmt.Errorf("%w: a JSON list", errNotFairness)
		}
		return nil, nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if raw, ok := top["format"]; ok {
		f, _ := scalarString(raw)
		if f != FormatDTE {
			return nil, nil, fmt.Errorf("%w: format %q (this plugin reads %q)", errNotFairness, f, FormatDTE)
		}
		e, err := readDTE(b)
		if err != nil {
			return nil, nil, err
		}
		return []*Evaluation{e}, nil, nil
	}
	if st, ok := scalarString(top["schemaType"]); ok {
		if st != "dashboardDictionary" {
			return nil, nil, fmt.Errorf("%w: schemaType %q", errNotFairness, st)
		}
		return readDashboard(b)
	}
	if _, ok := top["columns"]; ok {
		if _, ok := top["data"]; ok {
			t, err := readSplitTable(top)
			if err != nil {
				return nil, nil, err
			}
			return readTable(t, p.cfg.CSVColumns.For(filepath.ToSlash(rel)), FormatLogTable)
		}
	}
	for _, k := range []string{"by_group", "overall", "fairness"} {
		if _, ok := top[k]; ok {
			e, notes, err := readCustom(top)
			if err != nil {
				return nil, nil, err
			}
			return []*Evaluation{e}, notes, nil
		}
	}
	return nil, nil, fmt.Errorf("%w: no format, schemaType, by_group, overall or fairness key", errNotFairness)
}

// loaded is the outcome of reading every configured file and URL.
type loaded struct {
	evals      []*Evaluation
	unreadable []string // "location: reason"
	ignored    []string // well-formed files that are not fairness results
	noTime     []string // files whose modification time stands in for a missing timestamp
	notes      []string // "location: remark"
	files      int      // fairness files and URLs read
	failed     []error  // configured entries that could not be read at all
}

// candidate reports whether a file in a scanned directory may hold fairness results.
func candidate(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json", ".csv", ".tsv":
		return true
	}
	return false
}

// loadFiles reads every file under the configured fairlearnPaths (directories recursively), through
// the file-access layer: names stay inside their configured path (a symlink leading out is
// skipped), only regular files are read, within maxFileBytes and the query's deadline.
func (p *Provider) loadFiles(ctx context.Context, out *loaded) {
	sourcekit.Walk{
		Key:  "fairlearnPaths",
		Keep: candidate,
		File: func(r *fsroot.Root, name, shown string) {
			rel := filepath.FromSlash(name) // the file's name below its configured directory
			if name == "" {
				rel = filepath.Base(shown) // a configured file
			}
			p.loadFile(ctx, r, name, shown, rel, out)
		},
		Unreadable: func(shown string, err error) {
			out.unreadable = append(out.unreadable, fmt.Sprintf("%s: %v", shown, err))
		},
		Failed: func(err error) { out.failed = append(out.failed, err) },
	}.Run(ctx, p.cfg.Paths)
}

// loadFile reads one file of a configured path (name inside its root; path as shown), from the
// cache while its modification time and size are unchanged.
func (p *Provider) loadFile(ctx context.Context, r *fsroot.Root, name, path, rel string, out *loaded) {
	info, err := r.Stat(name)
	if err == nil && !info.Mode().IsRegular() {
		err = fsroot.ErrNotRegular
	}
	if err != nil {
		out.unreadable = append(out.unreadable, fmt.Sprintf("%s: %v", path, err))
		return
	}
	res, ok := p.cache.Get(path, info)
	if !ok {
		res = p.readFile(ctx, r, name, path, rel, info)
		if ctx.Err() != nil && errors.Is(res.err, ctx.Err()) {
			out.failed = append(out.failed, fmt.Errorf("fairlearnPaths entry %s: %w", path, res.err))
			return // not cached: the next query reads the file again
		}
		p.cache.Put(path, info, res)
	}
	out.add(path, res)
}

func (p *Provider) readFile(ctx context.Context, r *fsroot.Root, name, path, rel string, info fs.FileInfo) decoded {
	b, _, err := r.ReadFile(ctx, name, maxFileBytes)
	if err != nil {
		return decoded{err: err}
	}
	evals, notes, err := p.decode(path, rel, b)
	for _, e := range evals {
		e.Location, e.File = path, path
		if !e.TimeKnown {
			e.Time = info.ModTime().UTC()
		}
		if e.Link == "" && e.RunID != "" {
			e.Link = p.runLink(e.ExperimentID, e.RunID)
		}
	}
	return decoded{evals: evals, notes: notes, err: err}
}

// add records what one location yielded.
func (out *loaded) add(location string, res decoded) {
	switch {
	case errors.Is(res.err, errNotFairness):
		out.ignored = append(out.ignored, fmt.Sprintf("%s (%v)", location, res.err))
	case res.err != nil:
		out.unreadable = append(out.unreadable, fmt.Sprintf("%s: %v", location, res.err))
	default:
		out.files++
		out.evals = append(out.evals, res.evals...)
		for _, e := range res.evals {
			if !e.TimeKnown {
				out.noTime = append(out.noTime, location)
				break
			}
		}
	}
	for _, n := range res.notes {
		out.notes = append(out.notes, location+": "+n)
	}
}

// loadURLs fetches every configured fairlearnUrls entry.
func (p *Provider) loadURLs(ctx context.Context, out *loaded) {
	type result struct {
		url string
		res decoded
		err error
	}
	results := make([]result, len(p.cfg.URLs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, u := range p.cfg.URLs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			b, err := p.fetch(ctx, u)
			if err != nil {
				results[i] = result{url: u, err: err}
				return
			}
			name := u
			if j := strings.IndexAny(name, "?#"); j >= 0 {
				name = name[:j]
			}
			evals, notes, err := p.decode(name, filepath.Base(name), b)
			shown := trust.RedactURL(u) // the URL as notices and links show it: no credentials
			for _, e := range evals {
				e.Location, e.Link = shown, shown
				if !e.TimeKnown {
					e.Time = time.Now().UTC()
				}
			}
			results[i] = result{url: shown, res: decoded{evals: evals, notes: notes, err: err}}
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.err != nil {
			out.failed = append(out.failed, r.err)
			continue
		}
		out.add(r.url, r.res)
	}
}

// fetch returns one fairness result URL's body: from the cache while fresh, else downloaded
// (identical downloads in flight are shared).
func (p *Provider) fetch(ctx context.Context, u string) ([]byte, error) {
	return p.urls.Body(ctx, u, func(ctx context.Context) ([]byte, error) { return p.download(ctx, u) })
}

// download fetches one fairness result URL.
func (p *Provider) download(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("fairlearnUrls entry %s: %w", redact(u), err)
	}
	req.Header.Set("Accept", "application/json, text/csv;q=0.9, */*;q=0.5")
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fairlearnUrls entry %s: %w", redact(u), scrubURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("fairlearnUrls entry %s: HTTP %s", redact(u), resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fairlearnUrls entry %s: reading the body: %w", redact(u), err)
	}
	if len(b) > maxFileBytes {
		return nil, fmt.Errorf("fairlearnUrls entry %s: larger than %d MiB", redact(u), maxFileBytes>>20)
	}
	return b, nil
}
