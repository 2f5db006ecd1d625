package sourcekit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/fsroot"
)

// Walk is one pass over the paths a source is configured with (gxPaths, shapPaths,
// fairlearnPaths), read only through pkg/fsroot: names stay inside their configured path, only
// regular files are read.
type Walk struct {
	Key  string                 // the setting's name, e.g. "gxPaths", in the messages of Failed
	Keep func(base string) bool // whether a file of a scanned directory may hold evidence

	// File is called for each file to read, in order: r is its root, name its slash-separated
	// name inside r ("" when the configured path is that file), shown the path notices name.
	File func(r *fsroot.Root, name, shown string)
	// Unreadable receives a file or directory of a scanned directory that could not be read.
	Unreadable func(shown string, err error)
	// Failed receives a configured entry that could not be read at all, as
	// "<Key> entry <path>: <reason>".
	Failed func(err error)
}

// Run reads every configured path: a file is passed to File as it is; a directory is searched
// recursively (hidden directories skipped) and its files that Keep accepts are passed to File in
// name order. A cancelled ctx stops the walk and is reported through Failed.
func (w Walk) Run(ctx context.Context, paths []string) {
	for _, root := range paths {
		r, err := fsroot.Open(root)
		if err != nil {
			w.Failed(fmt.Errorf("%s entry %s: %w", w.Key, root, err))
			continue
		}
		if r.IsFile() {
			w.File(r, "", root)
			continue
		}
		var files []string
		err = r.WalkDir(ctx, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, ctx.Err()) {
					return err
				}
				w.Unreadable(filepath.Join(root, filepath.FromSlash(name)), err)
				return nil
			}
			if d.IsDir() {
				if name != "." && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir
				}
				return nil
			}
			if w.Keep(d.Name()) {
				files = append(files, name)
			}
			return nil
		})
		if err != nil {
			w.Failed(fmt.Errorf("%s entry %s: %w", w.Key, root, err))
			continue
		}
		sort.Strings(files)
		for _, name := range files {
			w.File(r, name, filepath.Join(root, filepath.FromSlash(name)))
		}
	}
}
