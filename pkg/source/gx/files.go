package gx

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/fsroot"
	"github.com/dte-trust/dte-trust/pkg/source/internal/sourcekit"
)

// maxFileBytes bounds one result file; GX results are kilobytes to a few megabytes (partial
// unexpected lists are capped by GX at 20 values per expectation).
const maxFileBytes = 64 << 20

// problem is a location that could not be used and why.
type problem struct{ loc, msg string }

// loaded is the outcome of reading every configured location.
type loaded struct {
	validations []*Validation
	unreadable  []problem
	ignored     []string // well-formed JSON files that are not GX results
	files       int      // result files read
	failed      []error  // configured entries that could not be read at all
}

// add records what one file or artifact yielded.
func (out *loaded) add(loc string, vs []*Validation, err error) {
	switch {
	case errors.Is(err, errNotGX):
		out.ignored = append(out.ignored, fmt.Sprintf("%s (%v)", loc, err))
	case err != nil:
		out.unreadable = append(out.unreadable, problem{loc, err.Error()})
	default:
		out.files++
		out.validations = append(out.validations, vs...)
	}
}

// candidate reports whether a file in a scanned directory may hold a GX result.
func candidate(name string) bool {
	return !strings.HasPrefix(name, ".") && strings.EqualFold(filepath.Ext(name), ".json")
}

// modelFromPath reads the model and version a file belongs to from the `model=<name>` and
// `version=<version>` segments of its path (docs/gx-format.md).
func modelFromPath(p string) (model, version string) {
	for _, seg := range strings.Split(filepath.ToSlash(p), "/") {
		if v, ok := strings.CutPrefix(seg, "model="); ok {
			model = v
		} else if v, ok := strings.CutPrefix(seg, "version="); ok {
			version = v
		}
	}
	return model, version
}

// loadFiles reads every .json file under the configured gxPaths (directories recursively, hidden
// ones skipped) through the file-access layer: names stay inside their configured path (a symlink
// leading out is refused), only regular files are read, within maxFileBytes and the query's
// deadline.
func (p *Provider) loadFiles(ctx context.Context, out *loaded) {
	sourcekit.Walk{
		Key:  "gxPaths",
		Keep: candidate,
		File: func(r *fsroot.Root, name, shown string) { p.loadFile(ctx, r, name, shown, out) },
		Unreadable: func(shown string, err error) {
			out.unreadable = append(out.unreadable, problem{shown, err.Error()})
		},
		Failed: func(err error) { out.failed = append(out.failed, err) },
	}.Run(ctx, p.cfg.Paths)
}

// loadFile reads one file of a configured path (name inside its root; path as shown).
func (p *Provider) loadFile(ctx context.Context, r *fsroot.Root, name, path string, out *loaded) {
	b, _, err := r.ReadFile(ctx, name, maxFileBytes)
	if err != nil {
		if ctx.Err() != nil {
			out.failed = append(out.failed, fmt.Errorf("gxPaths entry %s: %w", path, err))
			return
		}
		out.add(path, nil, err)
		return
	}
	vs, err := Decode(b)
	model, version := modelFromPath(path)
	for _, v := range vs {
		v.Location, v.File = path, path
		v.Model, v.Version = model, version
	}
	out.add(path, vs, err)
}
