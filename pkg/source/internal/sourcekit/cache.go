package sourcekit

import (
	"io/fs"
	"sync"
	"time"
)

// FileCache keeps what a source parsed from each file between queries, keyed by the file's path
// and valid while its modification time and size are unchanged. The zero value is ready to use;
// it is safe for concurrent use.
type FileCache[T any] struct {
	mu      sync.Mutex
	entries map[string]cached[T]
}

type cached[T any] struct {
	mod  time.Time
	size int64
	v    T
}

// Get returns what was parsed from the file at path, if info says it is unchanged since.
func (c *FileCache[T]) Get(path string, info fs.FileInfo) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[path]
	if !ok || !e.mod.Equal(info.ModTime()) || e.size != info.Size() {
		var zero T
		return zero, false
	}
	return e.v, true
}

// Put records what was parsed from the file at path, described by info (from before the read).
func (c *FileCache[T]) Put(path string, info fs.FileInfo, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cached[T]{}
	}
	c.entries[path] = cached[T]{mod: info.ModTime(), size: info.Size(), v: v}
}
