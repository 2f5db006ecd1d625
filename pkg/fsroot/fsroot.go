// Package fsroot is the one way DTE Trust reads files below a configured path (evidentlyPaths,
// evidentlyWorkspaces, fairlearnPaths, policyRulesFile). Every read goes through Go's os.Root, so a
// name can never leave its root, not through "..", an absolute path or a symlink; only regular
// files are read (a device, FIFO or socket is refused without blocking); every read has a size
// limit and stops when the query's context ends.
//
// A Root holds no open descriptor between calls: each call opens the root directory afresh, so a
// directory replaced on disk is seen as it is now.
package fsroot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// chunk is how much one read takes before the context is checked again.
const chunk = 1 << 20

// Errors of the file-access layer; errors.Is finds them in what the functions return.
var (
	// ErrOutside is a name that leads outside its root (through a symlink, ".." or an absolute path).
	ErrOutside = errors.New("symlink points outside the configured path")
	// ErrNotRegular is a device, FIFO, socket or directory where a regular file was expected.
	ErrNotRegular = errors.New("not a regular file (a device, FIFO, socket or directory)")
)

// TooLargeError is a file above the caller's size limit.
type TooLargeError struct {
	Size  int64 // the file's size, or -1 when it grew while being read
	Limit int64
}

func (e *TooLargeError) Error() string {
	if e.Size < 0 {
		return fmt.Sprintf("file grew beyond the %s limit while it was read", mb(e.Limit))
	}
	return fmt.Sprintf("file is %s, over the %s limit", mb(e.Size), mb(e.Limit))
}

func mb(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

// Root is a configured path: a directory whose files may be read, or a single file.
type Root struct {
	given string // as configured, for messages
	dir   string // the directory opened as os.Root: the path itself, or the file's directory
	file  string // the file's name inside dir when the configured path is a file; "" otherwise
}

// Open resolves a configured path (symlinks in the configured path itself are the operator's
// choice and are followed) and returns its Root. The path must exist.
func Open(path string) (*Root, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, unwrap(err)
	}
	st, err := os.Stat(real)
	if err != nil {
		return nil, unwrap(err)
	}
	r := &Root{given: path, dir: real}
	switch {
	case st.IsDir():
	case st.Mode().IsRegular():
		r.dir, r.file = filepath.Dir(real), filepath.Base(real)
	default:
		return nil, ErrNotRegular
	}
	return r, nil
}

// Given is the path as configured.
func (r *Root) Given() string { return r.given }

// Dir is the real path of the root directory (for a file root, its directory).
func (r *Root) Dir() string { return r.dir }

// IsFile reports whether the configured path is a single file.
func (r *Root) IsFile() bool { return r.file != "" }

// Path is the real path of a name inside the root (a file root's own file for "").
func (r *Root) Path(name string) string {
	if r.file != "" && (name == "" || name == ".") {
		return filepath.Join(r.dir, r.file)
	}
	return filepath.Join(r.dir, filepath.FromSlash(name))
}

// Rel returns the name of a real path inside the root, slash-separated, and whether the path is
// inside it at all (lexically; the read itself confines symlinks).
func (r *Root) Rel(real string) (string, bool) {
	if r.file != "" {
		return "", real == filepath.Join(r.dir, r.file)
	}
	rel, err := filepath.Rel(r.dir, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// name maps a caller's name to the name inside the os.Root; a file root allows its own file only.
func (r *Root) name(name string) (string, error) {
	if r.file != "" {
		if name != "" && name != "." && name != r.file {
			return "", ErrOutside
		}
		return r.file, nil
	}
	if name == "" {
		return ".", nil
	}
	return filepath.FromSlash(name), nil
}

func (r *Root) open() (*os.Root, error) {
	root, err := os.OpenRoot(r.dir)
	if err != nil {
		return nil, unwrap(err)
	}
	return root, nil
}

// Stat describes a name inside the root, following symlinks that stay inside it.
func (r *Root) Stat(name string) (fs.FileInfo, error) {
	n, err := r.name(name)
	if err != nil {
		return nil, err
	}
	root, err := r.open()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	st, err := root.Stat(n)
	if err != nil {
		return nil, explain(err)
	}
	return st, nil
}

// File is a regular file opened inside a root.
type File struct {
	f    *os.File
	info fs.FileInfo
}

// Info describes the open file (from the open descriptor, so it is the file being read).
func (f *File) Info() fs.FileInfo { return f.info }

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// OpenFile opens a regular file inside the root. It never blocks on a FIFO or a device: the file is
// opened without waiting and refused unless it is a regular file. A file larger than limit
// (limit > 0) is refused with a *TooLargeError.
func (r *Root) OpenFile(name string, limit int64) (*File, error) {
	n, err := r.name(name)
	if err != nil {
		return nil, err
	}
	root, err := r.open()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.OpenFile(n, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, explain(err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, unwrap(err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, ErrNotRegular
	}
	if limit > 0 && st.Size() > limit {
		f.Close()
		return nil, &TooLargeError{Size: st.Size(), Limit: limit}
	}
	return &File{f: f, info: st}, nil
}

// ReadPrefix fills buf from the start of the file (a header prefix) and returns how many bytes it
// read; fewer than len(buf) means the file is shorter.
func (f *File) ReadPrefix(ctx context.Context, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, err := f.f.Read(buf[n:min(len(buf), n+chunk)])
		n += m
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, unwrap(err)
		}
	}
	return n, nil
}

// ReadAll reads the whole file, at most limit bytes (limit > 0), checking ctx between chunks.
func (f *File) ReadAll(ctx context.Context, limit int64) ([]byte, error) {
	size := f.info.Size()
	if limit > 0 && size > limit {
		return nil, &TooLargeError{Size: size, Limit: limit}
	}
	b := make([]byte, 0, size+1)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		end := min(cap(b), len(b)+chunk)
		m, err := f.f.Read(b[len(b):end])
		b = b[:len(b)+m]
		if limit > 0 && int64(len(b)) > limit {
			return nil, &TooLargeError{Size: -1, Limit: limit}
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, unwrap(err)
		}
	}
}

// ReadFile reads a regular file inside the root: at most limit bytes (limit > 0), stopping when ctx
// ends. It returns the file's description from the open descriptor.
func (r *Root) ReadFile(ctx context.Context, name string, limit int64) ([]byte, fs.FileInfo, error) {
	f, err := r.OpenFile(name, limit)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	b, err := f.ReadAll(ctx, limit)
	if err != nil {
		return nil, nil, err
	}
	return b, f.info, nil
}

// ReadFile reads one configured file (policyRulesFile): Open then Root.ReadFile.
func ReadFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	r, err := Open(path)
	if err != nil {
		return nil, err
	}
	if !r.IsFile() {
		return nil, ErrNotRegular
	}
	b, _, err := r.ReadFile(ctx, "", limit)
	return b, err
}

// WalkDir walks the root's directory tree (fs.WalkDir over the os.Root: names are slash-separated
// and relative to the root, symlinks are reported, not followed). Walking stops when ctx ends. A
// file root reports its one file.
func (r *Root) WalkDir(ctx context.Context, fn fs.WalkDirFunc) error {
	root, err := r.open()
	if err != nil {
		return err
	}
	defer root.Close()
	start := "."
	if r.file != "" {
		start = r.file
	}
	return fs.WalkDir(root.FS(), start, func(name string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			err = explain(err)
		}
		return fn(name, d, err)
	})
}

// explain turns os.Root's errors into the layer's: a name escaping its root is ErrOutside (the
// target is not named), others lose the path os adds.
func explain(err error) error {
	if err == nil {
		return nil
	}
	if strings.Contains(err.Error(), "path escapes from parent") {
		return ErrOutside
	}
	return unwrap(err)
}

// unwrap drops the operation and path of a *fs.PathError: callers name the file themselves.
func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
