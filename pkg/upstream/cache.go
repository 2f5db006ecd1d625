// Package upstream holds what every source does to the answers of its upstream: a per-datasource
// cache of answers with a time to live and a memory bound, and deduplication of identical calls
// in flight. Sources build one Cache per datasource instance, so answers are never shared between
// instances or credentials.
package upstream

import (
	"bytes"
	"compress/flate"
	"context"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/sync/singleflight"
)

// Defaults of the cacheSeconds and cacheMaxMB settings.
const (
	DefaultTTL      = 60 * time.Second
	DefaultMaxBytes = 64 << 20
)

// maxEntries bounds the number of answers kept, whatever their size.
const maxEntries = 100_000

// Answer is one cached upstream answer: its body and the header fields a decoder reads.
type Answer struct {
	Body        []byte
	ContentType string
	Status      int // the HTTP status, when the caller needs it (201 and 200 both succeed)
}

func (a *Answer) size() int64 { return int64(len(a.Body)+len(a.ContentType)) + 64 }

// Cache keeps successful upstream answers for a time to live within a memory bound, and makes
// concurrent calls with the same key share one fetch. The zero TTL keeps nothing but still shares
// calls in flight. Errors are never kept: the next call asks the upstream again.
type Cache struct {
	ttl      time.Duration
	maxBytes int64
	timeout  time.Duration // bound of a shared fetch started by a caller without a deadline

	mu    sync.Mutex
	lru   *lru.LRU[string, entry]
	bytes int64

	calls singleflight.Group

	hits, misses, shared atomic.Int64
}

// entry is a kept answer; bodies over compressAbove are kept deflated (JSON shrinks about tenfold),
// so the memory bound holds far more answers and a large history page costs little to keep.
type entry struct {
	answer   *Answer
	deflated bool
	expires  time.Time
}

// compressAbove is the body size from which kept answers are deflated.
const compressAbove = 32 << 10

// MaxKeptAnswer is the largest answer kept. Larger ones (a runs/search page of hundreds of runs,
// an artifact) are fetched again: deflating megabytes costs more CPU than the call it saves, and
// keeping them raw would hold the memory a large table query just freed.
const MaxKeptAnswer = 1 << 20

// New builds a cache. ttl <= 0 turns keeping answers off; maxBytes <= 0 uses DefaultMaxBytes.
// timeout bounds a shared fetch whose first caller set no deadline.
func New(ttl time.Duration, maxBytes int64, timeout time.Duration) *Cache {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	c := &Cache{ttl: ttl, maxBytes: maxBytes, timeout: timeout}
	l, err := lru.NewLRU[string, entry](maxEntries, func(_ string, e entry) { c.bytes -= e.answer.size() })
	if err != nil {
		panic(err) // only for a size <= 0
	}
	c.lru = l
	return c
}

type freshKey struct{}

// Fresh marks ctx so that the calls made with it ask the upstream rather than the cache (health
// checks must see the upstream as it is now). Their answers are still kept for other calls.
func Fresh(ctx context.Context) context.Context { return context.WithValue(ctx, freshKey{}, true) }

// Stats are the cache's counters since it was built.
type Stats struct {
	Hits, Misses, Shared int64 // answers from the cache, fetches, callers that joined a fetch in flight
	Entries              int
	Bytes                int64
}

// Stats returns the counters and the current size.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Shared: c.shared.Load(), Entries: c.lru.Len(), Bytes: c.bytes}
}

// Get returns the answer for key: from the cache while it is fresh, else from fetch. Concurrent
// calls with the same key share one fetch, which runs on a context of its own (the first caller's
// values and deadline, none of its cancellation; the cache's timeout when it has no deadline), so
// one caller giving up does not fail the others; each caller still returns when its own context ends. fetch must not keep
// the answer's body.
func (c *Cache) Get(ctx context.Context, key string, fetch func(ctx context.Context) (*Answer, error)) (*Answer, error) {
	if c == nil {
		return fetch(ctx) // a source built without a cache
	}
	if ctx.Value(freshKey{}) != nil {
		// a fresh answer is wanted: skip the cache, but share a call in flight started the same way
		key = "fresh\x00" + key
	} else if a := c.lookup(key); a != nil {
		c.hits.Add(1)
		return a, nil
	}
	ch := c.calls.DoChan(key, func() (any, error) {
		c.misses.Add(1)
		fctx, cancel := detach(ctx, c.timeout)
		defer cancel()
		a, err := fetch(fctx)
		if err != nil {
			return nil, err
		}
		c.store(strings.TrimPrefix(key, "fresh\x00"), a)
		return a, nil
	})
	select {
	case res := <-ch:
		if res.Shared {
			c.shared.Add(1)
		}
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*Answer), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Body is Get for answers that are a body alone.
func (c *Cache) Body(ctx context.Context, key string, fetch func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	a, err := c.Get(ctx, key, func(ctx context.Context) (*Answer, error) {
		b, err := fetch(ctx)
		if err != nil {
			return nil, err
		}
		return &Answer{Body: b}, nil
	})
	if err != nil {
		return nil, err
	}
	return a.Body, nil
}

// detach is the context of a shared fetch: the caller's values and deadline (queries of one
// datasource share their timeout), none of its cancellation; without a deadline, timeout bounds it.
func detach(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	fctx := context.WithoutCancel(ctx)
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(fctx, dl)
	}
	if timeout > 0 {
		return context.WithTimeout(fctx, timeout)
	}
	return fctx, func() {}
}

// Forget drops key, for an answer that turned out to be unusable.
func (c *Cache) Forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key)
}

func (c *Cache) lookup(key string) *Answer {
	if c.ttl <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lru.Get(key)
	if !ok {
		return nil
	}
	if time.Now().After(e.expires) {
		c.lru.Remove(key)
		return nil
	}
	if !e.deflated {
		return e.answer
	}
	body, err := io.ReadAll(flate.NewReader(bytes.NewReader(e.answer.Body)))
	if err != nil {
		c.lru.Remove(key)
		return nil
	}
	return &Answer{Body: body, ContentType: e.answer.ContentType, Status: e.answer.Status}
}

// deflate compresses an answer's body for keeping; ok is false when that does not pay.
func deflate(a *Answer) (*Answer, bool) {
	var buf bytes.Buffer
	buf.Grow(len(a.Body) / 8)
	w, _ := deflaters.Get().(*flate.Writer)
	if w == nil {
		var err error
		if w, err = flate.NewWriter(&buf, flate.BestSpeed); err != nil {
			return a, false
		}
	} else {
		w.Reset(&buf)
	}
	defer deflaters.Put(w)
	if _, err := w.Write(a.Body); err != nil || w.Close() != nil || buf.Len() >= len(a.Body) {
		return a, false
	}
	return &Answer{Body: buf.Bytes(), ContentType: a.ContentType, Status: a.Status}, true
}

// deflaters reuses compressors: each holds about a megabyte of tables.
var deflaters sync.Pool

// store keeps a within the memory bound (deflated when over 32 KB), evicting the least recently
// used answers; an answer over MaxKeptAnswer, or over a quarter of the bound once deflated, is not
// kept.
func (c *Cache) store(key string, a *Answer) {
	if c.ttl <= 0 || len(a.Body) > MaxKeptAnswer {
		return
	}
	deflated := false
	if len(a.Body) > compressAbove {
		a, deflated = deflate(a)
	}
	if a.size() > c.maxBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key)
	c.lru.Add(key, entry{answer: a, deflated: deflated, expires: time.Now().Add(c.ttl)})
	c.bytes += a.size()
	for c.bytes > c.maxBytes {
		if _, _, ok := c.lru.RemoveOldest(); !ok {
			break
		}
	}
}
