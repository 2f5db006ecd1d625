package upstream

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func answer(s string) *Answer { return &Answer{Body: []byte(s), ContentType: "application/json"} }

func TestKeepsAnswersForTheTTL(t *testing.T) {
	c := New(50*time.Millisecond, 0, time.Second)
	var fetches atomic.Int32
	fetch := func(context.Context) (*Answer, error) { fetches.Add(1); return answer(`{"n":1}`), nil }
	for range 3 {
		a, err := c.Get(context.Background(), "k", fetch)
		if err != nil || string(a.Body) != `{"n":1}` {
			t.Fatalf("%v %v", a, err)
		}
	}
	if fetches.Load() != 1 {
		t.Errorf("%d fetches within the TTL, want 1", fetches.Load())
	}
	time.Sleep(80 * time.Millisecond)
	if _, err := c.Get(context.Background(), "k", fetch); err != nil || fetches.Load() != 2 {
		t.Errorf("after the TTL: %d fetches, %v", fetches.Load(), err)
	}
	if s := c.Stats(); s.Hits != 2 || s.Misses != 2 || s.Entries != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestZeroTTLKeepsNothing(t *testing.T) {
	c := New(0, 0, time.Second)
	var fetches atomic.Int32
	for range 3 {
		_, _ = c.Get(context.Background(), "k", func(context.Context) (*Answer, error) { fetches.Add(1); return answer("x"), nil })
	}
	if fetches.Load() != 3 || c.Stats().Entries != 0 {
		t.Errorf("cacheSeconds 0: %d fetches, %+v", fetches.Load(), c.Stats())
	}
}

// TestErrorsAreNotKept: an upstream answering 500 is asked again on the next call.
func TestErrorsAreNotKept(t *testing.T) {
	c := New(time.Minute, 0, time.Second)
	calls := 0
	fetch := func(context.Context) (*Answer, error) {
		calls++
		if calls == 1 {
			return nil, errors.New("500 Internal Server Error")
		}
		return answer("ok"), nil
	}
	if _, err := c.Get(context.Background(), "k", fetch); err == nil {
		t.Fatal("the error was lost")
	}
	a, err := c.Get(context.Background(), "k", fetch)
	if err != nil || string(a.Body) != "ok" || calls != 2 {
		t.Errorf("after an error: %v %v, %d calls", a, err, calls)
	}
	c.Forget("k")
	if _, _ = c.Get(context.Background(), "k", fetch); calls != 3 {
		t.Errorf("Forget kept the answer: %d calls", calls)
	}
}

// TestMemoryBound: a cache full of large answers stays within its bound, dropping the least
// recently used, and never keeps an answer larger than a quarter of the bound.
func TestMemoryBound(t *testing.T) {
	const bound = 64 << 10
	c := New(time.Minute, bound, time.Second)
	big := strings.Repeat("x", 10<<10)
	for i := range 50 {
		if _, err := c.Get(context.Background(), fmt.Sprint(i), func(context.Context) (*Answer, error) { return answer(big), nil }); err != nil {
			t.Fatal(err)
		}
		if s := c.Stats(); s.Bytes > bound {
			t.Fatalf("after %d answers the cache holds %d bytes, bound %d", i+1, s.Bytes, bound)
		}
	}
	if s := c.Stats(); s.Entries == 0 || s.Entries >= 50 {
		t.Errorf("entries %d: the bound should keep some, not all", s.Entries)
	}
	if c.lookup("49") == nil || c.lookup("0") != nil {
		t.Error("the newest answer must stay and the oldest go")
	}
	huge := strings.Repeat("y", bound/2)
	_, _ = c.Get(context.Background(), "huge", func(context.Context) (*Answer, error) { return answer(huge), nil })
	if c.lookup("huge") != nil {
		t.Error("an answer over a quarter of the bound was kept")
	}
}

// TestSharedFetch: concurrent identical calls make one fetch; a caller that gives up returns at
// once while the others still get the answer.
func TestSharedFetch(t *testing.T) {
	c := New(time.Minute, 0, 5*time.Second)
	release := make(chan struct{})
	var fetches atomic.Int32
	fetch := func(ctx context.Context) (*Answer, error) {
		fetches.Add(1)
		select {
		case <-release:
			return answer("shared"), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	quitter, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make([]error, 5)
	bodies := make([]string, 5)
	for i := range 5 {
		ctx := context.Background()
		if i == 0 {
			ctx = quitter
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := c.Get(ctx, "k", fetch)
			errs[i] = err
			if a != nil {
				bodies[i] = string(a.Body)
			}
		}()
	}
	for fetches.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel() // the first viewer closes the dashboard
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if !errors.Is(errs[0], context.Canceled) {
		t.Errorf("the cancelled caller got %v", errs[0])
	}
	for i := 1; i < 5; i++ {
		if errs[i] != nil || bodies[i] != "shared" {
			t.Errorf("caller %d: %q %v", i, bodies[i], errs[i])
		}
	}
	if fetches.Load() != 1 {
		t.Errorf("%d fetches for 5 concurrent callers", fetches.Load())
	}
}

// TestSharedFetchIsBounded: a fetch no caller waits for any more still ends at the timeout.
func TestSharedFetchIsBounded(t *testing.T) {
	c := New(time.Minute, 0, 30*time.Millisecond)
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, err := c.Get(ctx, "k", func(ctx context.Context) (*Answer, error) {
			<-ctx.Done()
			done <- ctx.Err()
			return nil, ctx.Err()
		})
		_ = err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("the shared fetch ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the shared fetch outlived its timeout (hang guard)")
	}
}

// TestLargeAnswersAreKeptDeflated: a large JSON answer costs a fraction of its size in the cache
// and comes back byte for byte.
func TestLargeAnswersAreKeptDeflated(t *testing.T) {
	c := New(time.Minute, 0, time.Second)
	var b strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&b, `{"key":"accuracy","value":0.%d,"timestamp":%d,"step":%d},`, i%97, 1735689600000+i, i)
	}
	body := b.String()
	fetches := 0
	for range 2 {
		a, err := c.Get(context.Background(), "history", func(context.Context) (*Answer, error) {
			fetches++
			return &Answer{Body: []byte(body), ContentType: "application/json", Status: 200}, nil
		})
		if err != nil || string(a.Body) != body || a.ContentType != "application/json" || a.Status != 200 {
			t.Fatalf("answer changed: %d bytes, %v", len(a.Body), err)
		}
	}
	if s := c.Stats(); fetches != 1 || s.Bytes > int64(len(body))/4 {
		t.Errorf("%d fetches; %d bytes kept for a %d-byte answer", fetches, s.Bytes, len(body))
	}
}

// TestAnswersOverMaxKeptAreNotKept: a page of megabytes is fetched again rather than kept.
func TestAnswersOverMaxKeptAreNotKept(t *testing.T) {
	c := New(time.Minute, 0, time.Second)
	big := strings.Repeat("r", MaxKeptAnswer+1)
	fetches := 0
	for range 2 {
		if _, err := c.Get(context.Background(), "runs", func(context.Context) (*Answer, error) { fetches++; return answer(big), nil }); err != nil {
			t.Fatal(err)
		}
	}
	if fetches != 2 || c.Stats().Entries != 0 {
		t.Errorf("%d fetches, %d entries", fetches, c.Stats().Entries)
	}
}
