package panel

import (
	"slices"
	"sync"
	"time"
)

// What the client knows about each server: one record per server (serverRecord), for the
// Client's whole life (one Client serves one Terraform walk, in one provider process). It
// holds
//
//   - the server itself (GetServer), read once;
//   - its databases as a list last showed them, with this client's own writes since applied
//     (known): the plan's checks and the pre-create name check use it;
//   - the answers of recent lists, kept for reads that come soon after (held): a refresh of
//     N databases on S servers then costs S lists;
//   - the generation, which every write of this client to the server moves on, when it
//     starts and when it ends.
//
// Lists fill the record, whoever asked for them: a plan check, a read, the lookup of an
// unanswered create. The one rule is that a list that started before a write never
// overwrites what the write recorded:
//
//   - known: a list that lands has the effects of every write that ended since it started
//     applied to it, which makes it what the panel showed then plus what this client did
//     since. A write whose effect is unknown (a create the panel did not answer) cannot be
//     applied: a list that started before it is not kept, and callers list again;
//   - held: an answer is kept only if no write began while it was fetched, and is given only
//     within its generation and shareFor, so a read that starts after a write sees the panel.
//
// Everything here is under one lock; requests are made by the callers (operations), which
// hand their fetch functions to the flights.

// confirmAfter is how old the known list may be before a taken name in it is listed again, in
// case the database was deleted outside this client.
const confirmAfter = 5 * time.Second

// shareFor bounds how long a held answer is reused: longer than Terraform takes to refresh
// thousands of databases (BENCHMARKS.md), so one refresh lists each server once, and short
// enough that a long apply does not act on a list from much earlier.
const shareFor = time.Minute

// shareLists is the default for new clients. Only builds for benchmarks change it, to measure
// what sharing saves (bench_switch.go); it is not a setting.
var shareLists = true

// knowledge is every server's record, and the flights that fill them. The zero value keeps
// nothing until ttl is set; off makes every use ask the panel.
type knowledge struct {
	off bool
	ttl time.Duration

	serverReads flights[*Server]    // by serverKey
	knownLists  flights[knownList]  // by serverKey: lists for the plan's checks
	heldLists   flights[[]Database] // by heldKey.flightKey: lists for reads, of one generation
	sweepRuns   flights[struct{}]   // one key: the application key's sweeps (sweep.go)
	sweeps      sweepState

	mu sync.Mutex
	m  map[string]*serverRecord // by serverKey
}

type serverRecord struct {
	gen    uint64
	server *Server
	known  *knownList
	// refused is a lasting refusal to list (403: the key lacks database.read), kept so that
	// it is not asked again for every database.
	refused error
	held    [2]*heldList // by include=password
	// starts counts the lists in flight by the generation they started in; writes holds the
	// effects of the writes that ended while one was in flight, for them to apply.
	starts map[uint64]int
	writes []writeEffect
}

// knownList is the server's databases, without passwords, as the list sent at at showed
// them, with this client's writes since applied.
type knownList struct {
	dbs []Database
	at  time.Time
	// swept is set while the list is what a sweep showed (sweep.go), before any list of the
	// server alone.
	swept bool
}

type heldList struct {
	gen uint64
	at  time.Time // when the request that fetched it was sent
	dbs []Database
}

// writeEffect is what one write of this client did to the server's databases.
type writeEffect struct {
	gen     uint64    // the generation the write's end moved to
	made    *Database // a database it made
	deleted string    // the id of a database it deleted
	// unsure is set for a create whose outcome is unknown: no list from before it can tell
	// whether its name is taken.
	unsure bool
}

// madeEffect, deletedEffect and unsureEffect are the effects writes end with; the zero
// writeEffect changes no name (a rotation, a failed write).
func madeEffect(db Database) writeEffect  { return writeEffect{made: &db} }
func deletedEffect(id string) writeEffect { return writeEffect{deleted: id} }
func unsureEffect() writeEffect           { return writeEffect{unsure: true} }

func (e writeEffect) changesNames() bool { return e.made != nil || e.deleted != "" || e.unsure }

func (k *knowledge) recordLocked(key string) *serverRecord {
	if k.m == nil {
		k.m = map[string]*serverRecord{}
	}
	r := k.m[key]
	if r == nil {
		r = &serverRecord{}
		k.m[key] = r
	}
	return r
}

// beginWrite marks the start of a write to the server and returns the function that marks its
// end with what the write did. Both move the generation on and drop the held answers.
func (k *knowledge) beginWrite(server string) (end func(writeEffect)) {
	key := serverKey(server)
	k.mu.Lock()
	k.recordLocked(key).bumpLocked()
	k.mu.Unlock()
	return func(e writeEffect) {
		k.mu.Lock()
		defer k.mu.Unlock()
		r := k.recordLocked(key)
		r.bumpLocked()
		if !e.changesNames() {
			return
		}
		e.gen = r.gen
		if e.unsure {
			r.known = nil
		} else if r.known != nil {
			r.known = &knownList{dbs: e.apply(r.known.dbs), at: r.known.at, swept: r.known.swept}
		}
		if len(r.starts) > 0 {
			r.writes = append(r.writes, e)
		}
	}
}

func (r *serverRecord) bumpLocked() {
	r.gen++
	r.held = [2]*heldList{}
}

// apply returns dbs with the effect's change made: a database made is added unless it is
// there already, a database deleted is taken out.
func (e writeEffect) apply(dbs []Database) []Database {
	switch {
	case e.made != nil && FindDatabase(dbs, e.made.ID) == nil:
		return append(slices.Clone(dbs), withoutPasswords([]Database{*e.made})...)
	case e.deleted != "":
		return slices.DeleteFunc(slices.Clone(dbs), func(d Database) bool { return d.ID == e.deleted })
	}
	return dbs
}

// startList registers a list of the server about to be sent, and returns the generation it
// starts in, for land.
func (k *knowledge) startList(server string) uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	r := k.recordLocked(serverKey(server))
	if r.starts == nil {
		r.starts = map[uint64]int{}
	}
	r.starts[r.gen]++
	return r.gen
}

// listing is one list request of a server: the generation it started in (startList), when it
// was sent, whether it asked for passwords, and whether its answer is to be held for reads.
type listing struct {
	gen     uint64
	at      time.Time
	include bool
	hold    bool
}

// land records what the list l fetched (dbs, when err is nil) in the server's record.
func (k *knowledge) land(server string, l listing, dbs []Database, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	r := k.recordLocked(serverKey(server))
	if r.starts[l.gen]--; r.starts[l.gen] <= 0 {
		delete(r.starts, l.gen)
	}
	defer r.trimLocked()
	if err != nil {
		return
	}
	if l.hold && r.gen == l.gen {
		r.held[index(l.include)] = &heldList{gen: l.gen, at: l.at, dbs: dbs}
	}
	if r.known != nil && r.known.at.After(l.at) {
		return // a list sent later has landed already
	}
	known := withoutPasswords(dbs)
	for _, e := range r.writes {
		if e.gen <= l.gen {
			continue
		}
		if e.unsure {
			return
		}
		known = e.apply(known)
	}
	r.known = &knownList{dbs: known, at: l.at}
}

// trimLocked drops the write effects no list in flight needs: those that ended before the
// oldest one started.
func (r *serverRecord) trimLocked() {
	if len(r.starts) == 0 {
		r.writes = nil
		return
	}
	oldest := r.gen
	for g := range r.starts {
		oldest = min(oldest, g)
	}
	r.writes = slices.DeleteFunc(r.writes, func(e writeEffect) bool { return e.gen <= oldest })
}

func index(include bool) int {
	if include {
		return 1
	}
	return 0
}

// known returns the server's known list, or its lasting refusal to list.
func (k *knowledge) known(server string) (knownList, bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	r := k.m[serverKey(server)]
	switch {
	case r == nil:
		return knownList{}, false, nil
	case r.refused != nil:
		return knownList{}, false, r.refused
	case r.known == nil:
		return knownList{}, false, nil
	}
	return *r.known, true, nil
}

// refuse records a lasting refusal to list the server.
func (k *knowledge) refuse(server string, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.recordLocked(serverKey(server)).refused = err
}

// held returns the server's current generation, and a held answer still fit for a read that
// starts at now.
func (k *knowledge) held(server string, include bool, now time.Time) (uint64, []Database, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	r := k.recordLocked(serverKey(server))
	h := r.held[index(include)]
	if h == nil || h.gen != r.gen || now.Sub(h.at) >= k.ttl {
		r.held[index(include)] = nil
		return r.gen, nil, false
	}
	return r.gen, h.dbs, true
}

// holds reports whether the client has seen database id among the server's, in its known list
// or in a held answer, however old: a database never moves to another server.
func (k *knowledge) holds(server, id string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	r := k.m[serverKey(server)]
	if r == nil {
		return false
	}
	if r.known != nil && FindDatabase(r.known.dbs, id) != nil {
		return true
	}
	for _, h := range r.held {
		if h != nil && FindDatabase(h.dbs, id) != nil {
			return true
		}
	}
	return false
}

// server returns the server's kept read.
func (k *knowledge) server(server string) *Server {
	k.mu.Lock()
	defer k.mu.Unlock()
	if r := k.m[serverKey(server)]; r != nil {
		return r.server
	}
	return nil
}

// keepServer keeps the server's read.
func (k *knowledge) keepServer(server string, srv *Server) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.recordLocked(serverKey(server)).server = srv
}
