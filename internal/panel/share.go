package panel

import (
	"context"
	"slices"
	"strconv"
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
	off     bool
	ttl     time.Duration
	flights flights[[]Database]

	mu   sync.Mutex
	gen  map[string]uint64 // by serverKey; moved on by writes
	held map[listKey]heldList
}

type listKey struct {
	server  string // serverKey
	include bool   // include=password
}

// flightKey names a list request in flight: reads join only one of their own generation.
func (k listKey) flightKey(gen uint64) string {
	return k.server + "|" + strconv.FormatBool(k.include) + "|" + strconv.FormatUint(gen, 10)
}

type heldList struct {
	gen uint64
	at  time.Time // when the request that fetched it was sent
	dbs []Database
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

// holds reports whether a list the share keeps for the server has database id, however old:
// it tells only that the database is the server's.
func (s *listShare) holds(server, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, include := range []bool{false, true} {
		if h, ok := s.held[listKey{server, include}]; ok && FindDatabase(h.dbs, id) != nil {
			return true
		}
	}
	return false
}

// keep holds an answer fetched in generation gen from a request sent at at, unless a write
// has begun since.
func (s *listShare) keep(k listKey, gen uint64, at time.Time, dbs []Database) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen[k.server] != gen {
		return
	}
	if s.held == nil {
		s.held = map[listKey]heldList{}
	}
	s.held[k] = heldList{gen: gen, at: at, dbs: dbs}
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
// Database holds only values, so a copied slice shares nothing mutable. Parallel reads share
// one request (flights), and its answer is held until the next write or ttl.
func (cl *Client) sharedList(ctx context.Context, server string, include bool) ([]Database, error) {
	if cl.shared.off {
		return cl.fetchDatabases(ctx, server, include)
	}
	k := listKey{serverKey(server), include}
	gen, dbs, ok := cl.shared.lookup(k, cl.now())
	if ok {
		return slices.Clone(dbs), nil
	}
	op := "list databases of server " + server
	// A list held since the lookup above will do: the request it came from may have landed
	// between the lookup and joining the flights.
	held := func() ([]Database, bool) {
		_, dbs, ok := cl.shared.lookup(k, cl.now())
		return dbs, ok
	}
	dbs, shared, err := cl.shared.flights.do(ctx, op, k.flightKey(gen), held, func(fctx context.Context) ([]Database, error) {
		at := cl.now()
		dbs, err := cl.fetchDatabases(fctx, server, include)
		if err == nil {
			cl.shared.keep(k, gen, at, dbs)
		}
		return dbs, err
	})
	if err != nil {
		return nil, err
	}
	if shared {
		cl.log.Debug(ctx, "shared a list of databases with parallel reads", map[string]any{"server": server, "include_password": include})
	}
	return slices.Clone(dbs), nil
}
