package paneltest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// hostTime is a create's time on its database host, from Fault.HostLatency, HostHold and
// OnHost.
type hostTime struct {
	latency time.Duration
	hold    <-chan struct{}
	onHost  chan<- struct{}
}

func hostTimeOf(f Fault) hostTime {
	return hostTime{latency: f.HostLatency, hold: f.HostHold, onHost: f.OnHost}
}

// set reports whether the create leaves the panel's lock for its host at all.
func (h hostTime) set() bool { return h.latency > 0 || h.hold != nil || h.onHost != nil }

// stay spends the time on the host. Like PHP, it does not watch the request's context.
func (h hostTime) stay() {
	if h.latency > 0 {
		time.Sleep(h.latency)
	}
	if h.hold != nil {
		<-h.hold
	}
}

// rowKey is the unique index of the databases table: (database_host_id, server_id, database).
type rowKey struct {
	host   int
	server int
	name   string
}

// pickHost chooses the database host of a new database on s the way DeployServerDatabaseService
// does: one of the hosts serving the server's node or, when none does, one of all the hosts
// (PTERODACTYL_CLIENT_DATABASES_ALLOW_RANDOM's default). A real panel picks at random; the
// fake goes round-robin over them in id order. It returns 0 when the panel has no host.
// p.mu is held.
func (p *Panel) pickHost(s *Server) int {
	ids := p.hostIDs(func(h *hostRec) bool { return slices.Contains(h.nodes, s.Node) })
	if len(ids) == 0 {
		ids = p.hostIDs(nil)
	}
	if len(ids) == 0 {
		return 0
	}
	h := ids[p.hostTurn%len(ids)]
	p.hostTurn++
	return h
}

// hostHolds reports whether the row exists. p.mu is held.
func (p *Panel) hostHolds(k rowKey) bool {
	for _, d := range p.dbs {
		if d.hostID == k.host && d.serverID == k.server && strings.EqualFold(d.name, k.name) {
			return true
		}
	}
	return false
}

// reachHost takes a create that passed its checks to its host, as a real panel's does: the
// row is inserted in a transaction that stays open while the host runs CREATE DATABASE, CREATE
// USER and GRANT. A create with no host time and nobody ahead of it on its row does all that
// under p.mu, as one step. Otherwise it releases p.mu, sends OnHost, waits for the creates
// queued on the same row before it (an uncommitted row locks its unique-index entry, so a
// second insert waits for the first transaction), then spends its host time, and returns with
// p.mu held again. It reports false when a create ahead of it committed the row: the insert
// fails with a duplicate key. p.mu is held; release must be called (with p.mu held) once
// the create committed or gave up.
func (p *Panel) reachHost(k rowKey, ht hostTime) (ok bool, release func()) {
	ahead, queued := p.inserting[k]
	if !queued && !ht.set() {
		return true, func() {}
	}
	mine := make(chan struct{})
	p.inserting[k] = mine
	release = func() {
		if p.inserting[k] == mine {
			delete(p.inserting, k)
		}
		close(mine)
	}
	p.mu.Unlock()
	if ht.onHost != nil {
		ht.onHost <- struct{}{}
	}
	if ahead != nil {
		<-ahead
	}
	p.mu.Lock()
	if p.hostHolds(k) {
		return false, release
	}
	if ht.latency > 0 || ht.hold != nil {
		p.mu.Unlock()
		ht.stay()
		p.mu.Lock()
	}
	return true, release
}

// activity counts the requests being handled, for WaitIdle.
type activity struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed while n == 0
}

func newActivity() *activity {
	a := &activity{idle: make(chan struct{})}
	close(a.idle)
	return a
}

func (a *activity) begin() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n == 0 {
		a.idle = make(chan struct{})
	}
	a.n++
}

func (a *activity) end() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n--; a.n == 0 {
		close(a.idle)
	}
}

// WaitIdle blocks until the panel is handling no request, or ctx ends; it returns nil when
// the panel is idle (even if ctx has ended too) and ctx's error otherwise. A request counts
// from the moment its handler starts until it has been fully handled, including a create
// still on its database host after its client left (Fault.HostLatency, HostHold). Requests
// that have not reached the handler yet are not waited for. Use it to look at the panel's
// final state after abandoned requests.
func (p *Panel) WaitIdle(ctx context.Context) error {
	p.activity.mu.Lock()
	idle := p.activity.idle
	p.activity.mu.Unlock()
	select {
	case <-idle:
		return nil
	default:
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
