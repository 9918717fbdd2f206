package panel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Sharing lists. The panel has no single-database read, so every resource refresh lists its
// server's databases, and Terraform refreshes resources in parallel. Reads of the same list
// (server and include flag; a Client has one API key) share one request while it is in
// flight, and its answer is reused for a short while afterwards, so refreshing N databases
// on S servers costs S list calls instead of N.
//
// Writes keep this from ever serving stale data to a read that starts after them: every
// create, rotate and delete on a server moves the server's generation on when it starts and
// again when it ends. An answer is kept only if no write began while it was fetched, is reused
// only within its generation, and reads join only in-flight requests of the current generation.

// shareFor bounds how long an answer is reused: longer than Terraform takes to refresh
// thousands of databases (BENCHMARKS.md), so one refresh lists each server once, and short
// enough that a long apply does not act on a list from much earlier. One Client serves one
// Terraform operation, so nothing outlives it anyway.
const shareFor = time.Minute

// shareLists is the default for new clients. Only builds for benchmarks change it, to measure
// what sharing saves (bench_switch.go); it is not a setting.
var shareLists = true

// listShare holds in-flight and recent list answers. The zero value shares nothing until off
// and ttl are set by New.
type listShare struct {
	off bool
	ttl time.Duration

	mu      sync.Mutex
	gen     map[string]uint64 // by serverKey; moved on by writes
	held    map[listKey]heldList
	flights map[flightKey]*flight
	// joined, when set, is called each time a read joins a request in flight; tests use it
	// to know that a read is waiting on a shared request.
	joined func()
}

type listKey struct {
	server  string // serverKey
	include bool   // include=password
}

// flightKey names a request in flight: reads join only one of their own generation.
type flightKey struct {
	listKey
	gen uint64
}

type heldList struct {
	gen uint64
	at  time.Time // when the request that fetched it was sent
	dbs []Database
}

// flight is one list request shared by the reads waiting for it. dbs and err are set before
// done is closed.
type flight struct {
	ctx  *flightContext
	done chan struct{}
	dbs  []Database
	err  error
}

// lookup returns the server's current generation, and a held answer still fit for reuse.
func (s *listShare) lookup(k listKey, now time.Time) (uint64, []Database, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gen := s.gen[k.server]
	h, ok := s.held[k]
	if !ok {
		return gen, nil, false
	}
	if h.gen != gen || now.Sub(h.at) >= s.ttl {
		delete(s.held, k)
		return gen, nil, false
	}
	return gen, h.dbs, true
}

// join adds ctx's caller to the request in flight for k in generation gen, or, when there is
// none it can join, registers a new one and returns it with started set: the caller then runs it.
func (s *listShare) join(ctx context.Context, k listKey, gen uint64) (f *flight, started bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fk := flightKey{k, gen}
	if f := s.flights[fk]; f != nil && f.ctx.join(ctx) {
		if s.joined != nil {
			s.joined()
		}
		return f, false
	}
	f = &flight{ctx: newFlightContext(ctx), done: make(chan struct{})}
	if s.flights == nil {
		s.flights = map[flightKey]*flight{}
	}
	s.flights[fk] = f
	return f, true
}

// land records the outcome of f, fetched in generation gen from a request sent at at, and
// hands it to the reads waiting for it. A successful answer is kept unless a write has
// begun since.
func (s *listShare) land(f *flight, k listKey, gen uint64, at time.Time, dbs []Database, err error) {
	s.mu.Lock()
	fk := flightKey{k, gen}
	if s.flights[fk] == f {
		delete(s.flights, fk)
	}
	if err == nil && s.gen[k.server] == gen {
		if s.held == nil {
			s.held = map[listKey]heldList{}
		}
		s.held[k] = heldList{gen: gen, at: at, dbs: dbs}
	}
	s.mu.Unlock()
	f.dbs, f.err = dbs, err
	f.ctx.release()
	close(f.done)
}

// write marks the start of a write to server and returns the function that marks its end.
// Both move the generation on: reads that start during the write do not join requests from
// before it, and reads that start after it do not join requests made during it, which the
// panel may have answered before the write was done.
func (s *listShare) write(server string) (end func()) {
	key := serverKey(server)
	s.bump(key)
	return func() { s.bump(key) }
}

func (s *listShare) bump(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen == nil {
		s.gen = map[string]uint64{}
	}
	s.gen[key]++
	delete(s.held, listKey{key, false})
	delete(s.held, listKey{key, true})
}

// sharedList is ListDatabases through the share. Each caller gets its own copy of the slice:
// Database holds only values, so a copied slice shares nothing mutable.
//
// A shared request runs for as long as any of its callers waits for it, with the latest of
// their deadlines (flightContext). Each caller leaves at its own deadline or cancellation, and
// the request stops when none is left. A caller takes the request's failure as its own
// unless that failure was decided by a deadline earlier than the caller's: then it asks again.
func (cl *Client) sharedList(ctx context.Context, server string, include bool) ([]Database, error) {
	if cl.shared.off {
		return cl.fetchDatabases(ctx, server, include)
	}
	k := listKey{serverKey(server), include}
	for {
		gen, dbs, ok := cl.shared.lookup(k, cl.now())
		if ok {
			return slices.Clone(dbs), nil
		}
		f, started := cl.shared.join(ctx, k, gen)
		if started {
			go func() {
				at := cl.now()
				dbs, err := cl.fetchDatabases(f.ctx, server, include)
				cl.shared.land(f, k, gen, at, dbs, err)
			}()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("list databases of server %s: %w", server, ctx.Err())
		case <-f.done:
		}
		if f.err != nil && ctx.Err() == nil && hasMoreTime(ctx, f.err) {
			continue
		}
		if f.err != nil {
			return nil, f.err
		}
		if !started {
			cl.log.Debug(ctx, "shared a list of databases with parallel reads", map[string]any{"server": server, "include_password": include})
		}
		return slices.Clone(f.dbs), nil
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
