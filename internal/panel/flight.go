package panel

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// flights share one request among the callers that ask for the same thing while it is in
// flight. A request runs for as long as any of its callers waits for it, with the latest of
// their deadlines (flightContext); each caller leaves at its own deadline or cancellation,
// and the request stops when none is left. A caller takes the request's failure as its own
// unless that failure was decided by a deadline earlier than the caller's: then it asks again.
// The zero value is ready to use.
type flights[V any] struct {
	mu sync.Mutex
	m  map[string]*flight[V]
	// joined, when set, is called each time a caller joins a request in flight; tests use it
	// to know that a caller is waiting on a shared request.
	joined func()
	// entering, when set, is called as each caller enters do, before it looks for a
	// request to join; tests use it to hold a caller there.
	entering func()
	// landed, when set, is called when a request has landed and its callers are told; tests
	// use it to know that what fetch kept is in place.
	landed func()
}

// flight is one shared request. val and err are set before done is closed.
type flight[V any] struct {
	ctx  *flightContext
	done chan struct{}
	val  V
	err  error
}

// do returns fetch's result for key, from a request in flight when there is one it can join,
// else from what fetch kept, else from a new request. shared reports whether the caller got
// another's result. A caller that leaves gets its context's error, after op.
//
// fetch keeps its result somewhere before it returns; have looks there, and is asked under
// the same lock as the flights, before a new request starts: a caller that looked, found
// nothing, and then came after the request it could have joined had landed, gets what that
// request kept instead of asking again.
func (g *flights[V]) do(ctx context.Context, op, key string, have func() (V, bool), fetch func(context.Context) (V, error)) (v V, shared bool, err error) {
	if g.entering != nil {
		g.entering()
	}
	for {
		f, started, kept, had := g.join(ctx, key, have)
		if had {
			return kept, true, nil
		}
		if started {
			go func() {
				v, err := fetch(f.ctx)
				g.land(key, f, v, err)
			}()
		}
		select {
		case <-ctx.Done():
			return v, false, fmt.Errorf("%s: %w", op, ctx.Err())
		case <-f.done:
		}
		if f.err != nil && ctx.Err() == nil && hasMoreTime(ctx, f.err) {
			continue
		}
		return f.val, !started, f.err
	}
}

// join adds ctx's caller to the request in flight for key, or, when there is none it can
// join, registers a new one and returns it with started set: the caller then runs it. It
// returns the kept result instead, with had set, when there is none to join and have finds it.
func (g *flights[V]) join(ctx context.Context, key string, have func() (V, bool)) (f *flight[V], started bool, kept V, had bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f := g.m[key]; f != nil && f.ctx.join(ctx) {
		if g.joined != nil {
			g.joined()
		}
		return f, false, kept, false
	}
	if have != nil {
		if kept, had = have(); had {
			return nil, false, kept, true
		}
	}
	f = &flight[V]{ctx: newFlightContext(ctx), done: make(chan struct{})}
	if g.m == nil {
		g.m = map[string]*flight[V]{}
	}
	g.m[key] = f
	return f, true, kept, false
}

// land hands the outcome of f to the callers waiting for it; no caller joins it after.
func (g *flights[V]) land(key string, f *flight[V], v V, err error) {
	g.mu.Lock()
	if g.m[key] == f {
		delete(g.m, key)
	}
	g.mu.Unlock()
	f.val, f.err = v, err
	f.ctx.release()
	close(f.done)
	if g.landed != nil {
		g.landed()
	}
}

// hasMoreTime reports whether err was decided by a deadline earlier than ctx's.
func hasMoreTime(ctx context.Context, err error) bool {
	var de *deadlineError
	if !errors.As(err, &de) {
		return false
	}
	dl, ok := ctx.Deadline()
	return !ok || dl.After(de.deadline)
}

// flightContext is the context a shared request runs with. It carries the first caller's
// values; its deadline is the latest of the callers still waiting (none if one of them has
// none); it ends when every caller has left. Its Err looks at the callers' contexts directly,
// so a request sees at once that its last caller has gone.
type flightContext struct {
	values context.Context

	mu      sync.Mutex
	members []context.Context
	stops   []func() bool
	done    chan struct{}
	err     error
}

var _ context.Context = (*flightContext)(nil)

func newFlightContext(first context.Context) *flightContext {
	f := &flightContext{values: context.WithoutCancel(first), done: make(chan struct{})}
	f.join(first)
	return f
}

// join adds a caller, unless every caller has already left.
func (f *flightContext) join(ctx context.Context) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.endedLocked() {
		return false
	}
	f.members = append(f.members, ctx)
	f.stops = append(f.stops, context.AfterFunc(ctx, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.endedLocked()
	}))
	return true
}

// release stops watching the callers, once the request is over.
func (f *flightContext) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, stop := range f.stops {
		stop()
	}
	f.stops = nil
}

// endedLocked reports whether every caller has left, and ends the context the first time it
// finds so. f.mu is held.
func (f *flightContext) endedLocked() bool {
	if f.err != nil {
		return true
	}
	if len(f.members) == 0 {
		return false
	}
	err := context.DeadlineExceeded
	for _, m := range f.members {
		switch merr := m.Err(); {
		case merr == nil:
			return false
		case !errors.Is(merr, context.DeadlineExceeded):
			err = context.Canceled
		}
	}
	f.err = err
	close(f.done)
	return true
}

func (f *flightContext) Deadline() (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var latest time.Time
	for _, m := range f.members {
		if m.Err() != nil {
			continue
		}
		dl, ok := m.Deadline()
		if !ok {
			return time.Time{}, false
		}
		if dl.After(latest) {
			latest = dl
		}
	}
	return latest, !latest.IsZero()
}

func (f *flightContext) Done() <-chan struct{} { return f.done }

func (f *flightContext) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.endedLocked()
	return f.err
}

func (f *flightContext) Value(key any) any { return f.values.Value(key) }
