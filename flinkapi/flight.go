package flinkapi

import (
	"context"
	"sync"
)

// flightGroup lets concurrent callers share one call per key, like
// singleflight, but the shared call lives only as long as someone waits
// for it: it runs under its own ctx (the first caller's values, not its
// cancellation), which is cancelled when the last waiting caller's ctx
// ends, or when the group is closed. A caller whose ctx ends returns at
// once. It is safe for concurrent use.
type flightGroup[T any] struct {
	mu     sync.Mutex
	m      map[string]*flight[T]
	closed bool
	wg     sync.WaitGroup // running calls
}

type flight[T any] struct {
	done    chan struct{}
	val     T
	err     error
	waiters int
	cancel  context.CancelFunc
}

// do returns the result of fn for key, starting fn unless a call for key
// is running, or ctx's error when ctx ends first, or ErrClosed once the
// group is closed.
func (g *flightGroup[T]) do(ctx context.Context, key string, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return zero, ErrClosed
	}
	f := g.m[key]
	if f == nil {
		f = g.start(ctx, key, fn)
	}
	f.waiters++
	g.mu.Unlock()
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		g.leave(key, f)
		return zero, ctx.Err()
	}
}

// start runs fn for key in its own goroutine. g.mu must be held.
func (g *flightGroup[T]) start(ctx context.Context, key string, fn func(context.Context) (T, error)) *flight[T] {
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &flight[T]{done: make(chan struct{}), cancel: cancel}
	if g.m == nil {
		g.m = map[string]*flight[T]{}
	}
	g.m[key] = f
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		defer cancel()
		f.val, f.err = fn(fctx)
		g.forget(key, f)
		close(f.done)
	}()
	return f
}

// leave records that a waiter gave up; the last one cancels the call, and
// a caller arriving later starts a new one.
func (g *flightGroup[T]) leave(key string, f *flight[T]) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f.waiters--
	if f.waiters == 0 {
		f.cancel()
		if g.m[key] == f {
			delete(g.m, key)
		}
	}
}

func (g *flightGroup[T]) forget(key string, f *flight[T]) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m[key] == f {
		delete(g.m, key)
	}
}

// close cancels every running call, waits until they returned, and makes
// later calls fail with ErrClosed.
func (g *flightGroup[T]) close() {
	g.mu.Lock()
	g.closed = true
	for _, f := range g.m {
		f.cancel()
	}
	g.mu.Unlock()
	g.wg.Wait()
}
