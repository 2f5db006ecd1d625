package evidently

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dte-trust/dte-trust/pkg/fsroot"
)

// walkTTL is how long a directory walk is trusted: the panels of one dashboard refresh share a walk.
const walkTTL = 2 * time.Second

// headerPrefix is how much of a file is read to find its timestamp, metadata and tags without
// parsing it. Snapshots put them before the heavy results; a file whose header does not fit is
// parsed whole once and cached.
const headerPrefix = 64 << 10

// maxCachedValues bounds the mapped values kept in memory between queries.
const maxCachedValues = 400_000

// root is a configured path after symlinks were resolved.
type root struct {
	dir       string // real path
	given     string // as configured, for messages
	workspace bool
	file      bool
}

// project is an Evidently project (a workspace directory with metadata.json).
type project struct {
	ID, Name string
}

// label is the project's name for labels and filters, or its id when it has no name.
func (p *project) label() string {
	if p == nil {
		return ""
	}
	if p.Name != "" {
		return p.Name
	}
	return p.ID
}

// entry is one file in the index.
type entry struct {
	path    string // real path
	mtime   time.Time
	size    int64
	project *project

	hdrDone bool
	hdr     header
	report  *Report
	err     error
	tick    uint64
}

// header is what the index knows of a file without parsing it.
type header struct {
	time      time.Time
	fromMtime bool
	id        string
	model     string
	version   string
}

// fileStore indexes the files under the configured roots by timestamp. The index is kept between
// queries and each file's entry is invalidated when its mtime or size changes.
type fileStore struct {
	roots    []root
	maxBytes int64

	mu       sync.Mutex
	entries  map[string]*entry
	byTime   []*entry
	lastWalk time.Time
	notices  []fileNotice // from the last walk: bad roots, symlinks outside, missing metadata.json
	cached   int
	tick     uint64
	projects map[string]*project // project dir -> project, per walk
}

// fileNotice is a problem found while walking, with the file or directory concerned.
type fileNotice struct {
	location, message string
	warning           bool
}

func newFileStore(paths, workspaces []string, maxBytes int64) *fileStore {
	s := &fileStore{maxBytes: maxBytes, entries: map[string]*entry{}}
	add := func(p string, ws bool) {
		abs, err := filepath.Abs(p)
		if err != nil {
			s.rootNotice(p, err)
			return
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			s.roots = append(s.roots, root{dir: abs, given: p, workspace: ws})
			return
		}
		st, err := os.Stat(real)
		if err != nil {
			s.roots = append(s.roots, root{dir: abs, given: p, workspace: ws})
			return
		}
		s.roots = append(s.roots, root{dir: real, given: p, workspace: ws, file: !st.IsDir()})
	}
	for _, p := range paths {
		add(p, false)
	}
	for _, p := range workspaces {
		add(p, true)
	}
	return s
}

func (s *fileStore) rootNotice(p string, err error) {
	s.notices = append(s.notices, fileNotice{location: p, message: err.Error(), warning: true})
}

// within reports whether path is root or below it.
func within(path, root string) bool {
	if path == root {
		return true
	}
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// allowed reports whether a real path lies inside one of the configured roots.
func (s *fileStore) allowed(real string) bool {
	for _, r := range s.roots {
		if within(real, r.dir) {
			return true
		}
	}
	return false
}

// pathError is a mistake in the query's path field: the user's to fix (a bad request), not an
// upstream failure. Its message never names where a symlink leads.
type pathError struct{ msg string }

func (e *pathError) Error() string { return e.msg }

func badPath(format string, args ...any) error { return &pathError{msg: fmt.Sprintf(format, args...)} }

// resolve turns a query's relative path into real paths inside the roots. Absolute paths and ".."
// are refused outright; symlinks are resolved and the target checked against the roots. Errors are
// *pathError.
func (s *fileStore) resolve(rel string) ([]string, error) {
	clean := filepath.ToSlash(strings.TrimSpace(rel))
	if clean == "" {
		return nil, nil
	}
	if filepath.IsAbs(rel) || strings.HasPrefix(clean, "/") || (len(clean) > 1 && clean[1] == ':') {
		return nil, badPath("evidently: path %q: absolute paths are not allowed; name a file or directory relative to a configured Evidently path", rel)
	}
	for _, part := range strings.Split(clean, "/") {
		if part == ".." {
			return nil, badPath("evidently: path %q: \"..\" is not allowed; name a file or directory inside a configured Evidently path", rel)
		}
	}
	var out []string
	for _, r := range s.roots {
		if r.file {
			continue
		}
		cand := filepath.Join(r.dir, filepath.FromSlash(clean))
		real, err := filepath.EvalSymlinks(cand)
		if err != nil {
			continue
		}
		if !s.allowed(real) {
			return nil, badPath("evidently: path %q leads outside the configured Evidently paths through a symlink", rel)
		}
		out = append(out, real)
	}
	if len(out) == 0 {
		return nil, badPath("evidently: path %q is not found under any configured Evidently path", rel)
	}
	return out, nil
}

// found is a file seen by a walk.
type found struct {
	mtime   time.Time
	size    int64
	project *project
}

// refresh walks the roots (at most once per walkTTL) and brings the index up to date: new and
// changed files lose their cached header and report, removed files leave the index.
func (s *fileStore) refresh(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.lastWalk) < walkTTL && s.lastWalk.After(time.Time{}) {
		return nil
	}
	files := map[string]found{}
	s.notices = s.notices[:0]
	s.projects = map[string]*project{}
	visited := map[string]bool{}
	for _, r := range s.roots {
		if err := ctx.Err(); err != nil {
			return err
		}
		st, err := os.Stat(r.dir)
		if err != nil {
			s.notices = append(s.notices, fileNotice{location: r.given, message: "cannot read this configured path: " + errText(err), warning: true})
			continue
		}
		switch {
		case !st.IsDir():
			files[r.dir] = found{mtime: st.ModTime(), size: st.Size()}
		case r.workspace:
			s.walkWorkspace(ctx, r, files)
		default:
			s.walkDir(ctx, r.dir, files, visited)
		}
	}
	changed := false
	for p, f := range files {
		e := s.entries[p]
		if e != nil && e.mtime.Equal(f.mtime) && e.size == f.size {
			e.project = f.project
			continue
		}
		if e != nil && e.report != nil {
			s.cached -= len(e.report.Values)
		}
		s.entries[p] = &entry{path: p, mtime: f.mtime, size: f.size, project: f.project}
		changed = true
	}
	for p, e := range s.entries {
		if _, ok := files[p]; !ok {
			if e.report != nil {
				s.cached -= len(e.report.Values)
			}
			delete(s.entries, p)
			changed = true
		}
	}
	if err := s.readHeaders(ctx); err != nil {
		return err
	}
	if changed || len(s.byTime) != len(s.entries) {
		s.byTime = s.byTime[:0]
		for _, e := range s.entries {
			s.byTime = append(s.byTime, e)
		}
		sort.Slice(s.byTime, func(i, j int) bool {
			if !s.byTime[i].hdr.time.Equal(s.byTime[j].hdr.time) {
				return s.byTime[i].hdr.time.Before(s.byTime[j].hdr.time)
			}
			return s.byTime[i].path < s.byTime[j].path
		})
	}
	s.lastWalk = time.Now()
	return nil
}

func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// walkDir collects the .json files under dir, following symlinks only when they resolve inside a
// configured root.
func (s *fileStore) walkDir(ctx context.Context, dir string, files map[string]found, visited map[string]bool) {
	if visited[dir] {
		return
	}
	visited[dir] = true
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			s.notices = append(s.notices, fileNotice{location: p, message: "cannot read: " + errText(err), warning: true})
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		name := d.Name()
		if d.IsDir() {
			if p != dir && strings.HasPrefix(name, ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			real, err := filepath.EvalSymlinks(p)
			if err != nil {
				s.notices = append(s.notices, fileNotice{location: p, message: "broken symlink: " + errText(err), warning: true})
				return nil
			}
			if !s.allowed(real) {
				s.notices = append(s.notices, fileNotice{location: p, message: "symlink points outside the configured Evidently paths: skipped", warning: true})
				return nil
			}
			st, err := os.Stat(real)
			if err != nil {
				return nil
			}
			if st.IsDir() {
				s.walkDir(ctx, real, files, visited)
				return nil
			}
			if isJSON(name) {
				files[real] = found{mtime: st.ModTime(), size: st.Size(), project: s.projectOf(real)}
			}
			return nil
		}
		if !d.Type().IsRegular() || !isJSON(name) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		files[p] = found{mtime: info.ModTime(), size: info.Size(), project: s.projectOf(p)}
		return nil
	})
}

func isJSON(name string) bool { return strings.EqualFold(filepath.Ext(name), ".json") }

// projectOf returns the workspace project of a snapshot file found under a plain path: a file in
// <dir>/snapshots/ whose <dir>/metadata.json exists.
func (s *fileStore) projectOf(p string) *project {
	snaps := filepath.Dir(p)
	if filepath.Base(snaps) != "snapshots" {
		return nil
	}
	dir := filepath.Dir(snaps)
	if pr, ok := s.projects[dir]; ok {
		return pr
	}
	var pr *project
	if _, err := os.Stat(filepath.Join(dir, "metadata.json")); err == nil {
		pr = s.readProject(dir)
	}
	s.projects[dir] = pr
	return pr
}

// walkWorkspace collects <ws>/<project_id>/snapshots/*.json with the project from metadata.json.
func (s *fileStore) walkWorkspace(ctx context.Context, r root, files map[string]found) {
	dirs, err := os.ReadDir(r.dir)
	if err != nil {
		s.notices = append(s.notices, fileNotice{location: r.given, message: "cannot read workspace: " + errText(err), warning: true})
		return
	}
	for _, d := range dirs {
		if ctx.Err() != nil {
			return
		}
		dir := filepath.Join(r.dir, d.Name())
		if strings.HasPrefix(d.Name(), ".") {
			continue
		}
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			continue
		}
		if real, err := filepath.EvalSymlinks(dir); err != nil || !s.allowed(real) {
			s.notices = append(s.notices, fileNotice{location: dir, message: "symlink points outside the configured Evidently paths: skipped", warning: true})
			continue
		}
		snaps := filepath.Join(dir, "snapshots")
		entries, err := os.ReadDir(snaps)
		if err != nil {
			continue // not a project directory
		}
		pr := s.readProject(dir)
		for _, f := range entries {
			if !isJSON(f.Name()) {
				continue
			}
			p := filepath.Join(snaps, f.Name())
			if f.Type()&fs.ModeSymlink != 0 {
				real, err := filepath.EvalSymlinks(p)
				if err != nil || !s.allowed(real) {
					s.notices = append(s.notices, fileNotice{location: p, message: "symlink points outside the configured Evidently paths: skipped", warning: true})
					continue
				}
				st, err := os.Stat(real)
				if err == nil && st.Mode().IsRegular() {
					files[real] = found{mtime: st.ModTime(), size: st.Size(), project: pr}
				}
				continue
			}
			if !f.Type().IsRegular() {
				continue
			}
			info, err := f.Info()
			if err != nil {
				continue
			}
			files[p] = found{mtime: info.ModTime(), size: info.Size(), project: pr}
		}
	}
}

// readProject reads <dir>/metadata.json; a missing or bad file leaves a notice and the project is
// named after its directory, so its snapshots are still served.
func (s *fileStore) readProject(dir string) *project {
	if pr, ok := s.projects[dir]; ok && pr != nil {
		return pr
	}
	id := filepath.Base(dir)
	pr := &project{ID: id, Name: id}
	meta := filepath.Join(dir, "metadata.json")
	f, err := s.open(meta, maxMetadataBytes)
	if errors.Is(err, fs.ErrNotExist) {
		s.notices = append(s.notices, fileNotice{location: meta, message: "project has no metadata.json: its snapshots are served under the directory name " + id, warning: true})
		s.projects[dir] = pr
		return pr
	}
	var m struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	var b []byte
	if err == nil {
		b, err = f.ReadAll(context.Background(), maxMetadataBytes) // a small regular file: reading it cannot hang
		f.Close()
	}
	if err == nil {
		err = decodeJSON(b, &m)
	}
	if err != nil {
		s.notices = append(s.notices, fileNotice{location: meta, message: "cannot read project metadata (" + err.Error() + "): using the directory name " + id, warning: true})
	} else {
		if m.ID != "" {
			pr.ID = m.ID
		}
		if m.Name != "" {
			pr.Name = m.Name
		}
	}
	s.projects[dir] = pr
	return pr
}

// readHeaders fills the header of every entry that lacks one, with a few readers in parallel.
func (s *fileStore) readHeaders(ctx context.Context) error {
	var todo []*entry
	for _, e := range s.entries {
		if !e.hdrDone {
			todo = append(todo, e)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	work := make(chan *entry)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, headerPrefix)
			for e := range work {
				rep := s.readHeader(ctx, e, buf)
				mu.Lock()
				if rep != nil {
					s.cacheReport(e, rep)
				}
				mu.Unlock()
			}
		}()
	}
	for _, e := range todo {
		if ctx.Err() != nil {
			break
		}
		work <- e
	}
	close(work)
	wg.Wait()
	return ctx.Err()
}

// readHeader reads a file's header from its first bytes; when the header does not fit there it
// parses the whole file and returns the report so it is cached. A read the query's context stopped
// leaves the entry to be read again.
func (s *fileStore) readHeader(ctx context.Context, e *entry, buf []byte) (rep *Report) {
	e.hdrDone = true
	e.hdr = header{time: e.mtime.UTC(), fromMtime: true}
	defer func() {
		if e.err != nil && ctx.Err() != nil && errors.Is(e.err, ctx.Err()) {
			e.hdrDone, e.err, rep = false, nil, nil
		}
	}()
	if s.maxBytes > 0 && e.size > s.maxBytes {
		e.err = fmt.Errorf("file is %.1f MB, over the %d MB limit (evidentlyMaxFileMB): skipped", float64(e.size)/(1<<20), s.maxBytes>>20)
		return nil
	}
	f, err := s.open(e.path, s.maxBytes)
	if err != nil {
		e.err = fileError(err)
		return nil
	}
	n, err := f.ReadPrefix(ctx, buf)
	f.Close()
	if err != nil {
		e.err = fileError(err)
		return nil
	}
	if h, ok := scanHeader(buf[:n], n < len(buf)); ok {
		if h.timestamp != "" {
			if t, err := parseTimestamp(h.timestamp); err == nil {
				e.hdr.time, e.hdr.fromMtime = t, false
			}
		}
		e.hdr.id = h.id
		e.hdr.model, e.hdr.version = modelOf(stringMap(h.metadata), tagStrings(h.tags))
		if !e.hdr.fromMtime {
			return nil
		}
	}
	// the header is not in the prefix (Report.json() writes the timestamp last): parse it all
	r, err := s.parse(ctx, e)
	if err != nil {
		e.err = err
		return nil
	}
	e.hdr = header{time: r.Time, fromMtime: r.TimeFromMtime, id: r.ID, model: r.Model, version: r.ModelVersion}
	return r
}

func (s *fileStore) parse(ctx context.Context, e *entry) (*Report, error) {
	f, err := s.open(e.path, s.maxBytes)
	if err != nil {
		return nil, fileError(err)
	}
	b, err := f.ReadAll(ctx, s.maxBytes)
	f.Close()
	if err != nil {
		return nil, fileError(err)
	}
	return Parse(b, e.mtime)
}

// maxMetadataBytes bounds a workspace project's metadata.json.
const maxMetadataBytes = 1 << 20

// open opens a file of the index through the file-access layer (pkg/fsroot), inside the configured
// root that holds it: a name never leaves that root (symlinks are resolved first only to find the
// root, which then confines the open), only regular files are opened (a FIFO or device is refused
// without blocking) and a file over limit is refused.
func (s *fileStore) open(path string, limit int64) (*fsroot.File, error) {
	real := path
	if r, err := filepath.EvalSymlinks(path); err == nil {
		real = r
	}
	notFound := fsroot.ErrOutside
	for _, rt := range s.roots {
		fr, err := fsroot.Open(rt.dir)
		if err != nil {
			if rt.dir == real {
				notFound = err // a configured file that cannot be opened (a FIFO, say)
			}
			continue
		}
		if name, ok := fr.Rel(real); ok {
			return fr.OpenFile(name, limit)
		}
	}
	return nil, notFound
}

// fileError is the text of a file-access error for a notice: the limit named by its setting, the
// path left out (the notice names the file).
func fileError(err error) error {
	var tl *fsroot.TooLargeError
	if errors.As(err, &tl) {
		return fmt.Errorf("%s (evidentlyMaxFileMB): skipped", tl.Error())
	}
	if errors.Is(err, fsroot.ErrOutside) {
		return errors.New("symlink points outside the configured Evidently paths: skipped")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return errors.New(errText(err))
}

// cacheReport keeps a parsed report, evicting the least recently used ones over the budget.
// Callers hold s.mu.
func (s *fileStore) cacheReport(e *entry, r *Report) {
	s.tick++
	e.tick = s.tick
	if e.report != nil {
		s.cached -= len(e.report.Values)
	}
	e.report = r
	s.cached += len(r.Values)
	if s.cached <= maxCachedValues {
		return
	}
	var held []*entry
	for _, x := range s.entries {
		if x.report != nil && x != e {
			held = append(held, x)
		}
	}
	sort.Slice(held, func(i, j int) bool { return held[i].tick < held[j].tick })
	for _, x := range held {
		if s.cached <= maxCachedValues*3/4 {
			break
		}
		s.cached -= len(x.report.Values)
		x.report = nil
	}
}

// selection is what a query asks of the file store.
type selection struct {
	from, to time.Time // zero = open
	under    []string  // real paths the query's path field narrowed to
	keep     func(e *entry) bool
}

// loaded is a selected file with its report or the error that stopped it.
type loaded struct {
	path    string
	project *project
	report  *Report
	err     error
}

// load returns the files in the time window (plus files that failed to parse, so their notices
// show) with their reports, parsing the ones not cached.
func (s *fileStore) load(ctx context.Context, sel selection) ([]loaded, error) {
	if err := s.refresh(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	lo := 0
	if !sel.from.IsZero() {
		lo = sort.Search(len(s.byTime), func(i int) bool { return !s.byTime[i].hdr.time.Before(sel.from) })
	}
	hi := len(s.byTime)
	if !sel.to.IsZero() {
		hi = sort.Search(len(s.byTime), func(i int) bool { return s.byTime[i].hdr.time.After(sel.to) })
	}
	var pick []*entry
	for _, e := range s.entries {
		if e.err != nil && s.under(e, sel.under) {
			pick = append(pick, e)
		}
	}
	sort.Slice(pick, func(i, j int) bool { return pick[i].path < pick[j].path })
	for i := lo; i < hi && i < len(s.byTime); i++ {
		e := s.byTime[i]
		if e.err == nil && s.under(e, sel.under) && (sel.keep == nil || sel.keep(e)) {
			pick = append(pick, e)
		}
	}
	var parse []*entry
	out := make([]loaded, 0, len(pick))
	for _, e := range pick {
		if e.err == nil && e.report == nil {
			parse = append(parse, e)
		}
	}
	s.mu.Unlock()

	// parse outside the lock, in parallel; entries are only written back under it
	reports := make([]*Report, len(parse))
	errs := make([]error, len(parse))
	if err := parallel(ctx, len(parse), func(i int) { reports[i], errs[i] = s.parse(ctx, parse[i]) }); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range parse {
		if errs[i] != nil {
			e.err = errs[i]
			continue
		}
		s.cacheReport(e, reports[i])
	}
	for _, e := range pick {
		s.tick++
		e.tick = s.tick
		out = append(out, loaded{path: e.path, project: e.project, report: e.report, err: e.err})
	}
	return out, nil
}

func (s *fileStore) under(e *entry, dirs []string) bool {
	if len(dirs) == 0 {
		return true
	}
	for _, d := range dirs {
		if within(e.path, d) {
			return true
		}
	}
	return false
}

// walkNotices returns the problems found by the last walk.
func (s *fileStore) walkNotices() []fileNotice {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]fileNotice(nil), s.notices...)
}

// all returns every indexed entry (options and health).
func (s *fileStore) all(ctx context.Context) ([]loaded, error) {
	return s.load(ctx, selection{})
}

func tagStrings(tags []any) []string {
	var out []string
	for _, t := range tags {
		if s, ok := t.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// parseWorkers is how many files or snapshots are parsed at once.
const parseWorkers = 4

// parallel calls fn(0) ... fn(n-1) on parseWorkers goroutines and waits for them; once ctx ends
// no further index is handed out, and its error is returned.
func parallel(ctx context.Context, n int, fn func(i int)) error {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < parseWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return ctx.Err()
}
