package panel

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Sweeps: with an application key, the reads of a Terraform walk cost pages of servers, not
// servers. The application API's server list takes include=databases (with the databases' own
// password and host includes), so one request of 100 servers answers, for each of them, what
// a server read and a list of its databases answer. The first read that the record cannot
// answer (GetServer, ListDatabases, the plan's known lists) sweeps the panel's server list,
// page by page, and fills every listed server's record with what the page shows, as a list of
// that server would. Later reads find their answers there for as long as held answers last
// (shareFor); a refresh of any number of databases on a panel of P servers then costs
// ceil(P/100) requests.
//
// Why the whole list, and not only the servers asked for (a batch of their ids, the DataLoader
// pattern): Terraform runs at most -parallelism operations at once (10 by default), so the
// reads waiting at any moment name at most 10 servers, and batches of the servers asked for
// would cost S/10 requests for S servers, not S/100.
//
// Bounds and guarantees:
//
//   - A panel of more than sweepMaxPages pages is not swept past its first page: sweeping a
//     big panel for a small configuration would cost more than it saves. Reads of servers the
//     sweep did not show ask for their server alone, as they do with a client key.
//   - A database list the panel withheld (the include's null resource, for a key without server
//     database read) is never taken for an empty list: those reads ask for their server alone,
//     and get the panel's refusal.
//   - What a sweep shows of a server is dropped when this client wrote to that server after the
//     sweep started (its generation moved): a read after a write sees the panel.
//   - Concurrent reads share one sweep (a flight): it runs while any of them waits, with the
//     latest of their deadlines, and stops when the last one leaves.
//   - A sweep that fails, or outlasts the deadlines of every read waiting for it, is not sent
//     again for shareFor; reads ask for their servers alone, and get the panel's own answer
//     about each. One that every read left (cancelled) is sent again by the next read.
//   - A known list that only a sweep made serves the plan's checks; the check before a create
//     lists the server alone when that list is older than adoptWithin, as the first create on a
//     server did before sweeps, so that a create whose answer is lost can still be adopted.

// sweepPerPage is the page size of a sweep: the application API does not cap per_page, so
// this bounds the size of one answer.
const sweepPerPage = 100

// sweepMaxPages is the largest panel, in pages, that is swept whole.
const sweepMaxPages = 10

// sweepInclude asks for every server's databases with their passwords and hosts.
const sweepInclude = "databases.password,databases.host"

// sweepOp names a sweep in errors and logs.
const sweepOp = "read the panel's servers with their databases"

// sweepState is what the client's sweeps found: when the last one was sent and whether it is of
// use, and whether the panel is too big to sweep at all.
type sweepState struct {
	mu     sync.Mutex
	at     time.Time // when the last sweep was sent; zero before the first
	tooBig bool      // the panel has more than sweepMaxPages pages of servers
}

// due reports whether a read that misses at now should wait for a new sweep.
func (s *sweepState) due(now time.Time, ttl time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.tooBig && (s.at.IsZero() || now.Sub(s.at) >= ttl)
}

// sweepServerPage is a page of the application API's server list with each server's databases.
type sweepServerPage struct {
	Data []struct {
		Attributes sweptServer `json:"attributes"`
	} `json:"data"`
	Meta struct {
		listPagination
	} `json:"meta"`
}

// sweptServer is a server of a sweep's page, with its databases include: a list, or the null
// resource when the key may not read server databases.
type sweptServer struct {
	appServerAttributes
	Relationships struct {
		Databases *struct {
			Object string            `json:"object"`
			Data   []appDatabaseItem `json:"data"`
		} `json:"databases"`
	} `json:"relationships"`
}

// decode returns the server, and its databases, nil when the panel withheld them (or sent no
// include): never an empty list then.
func (a *sweptServer) decode() (*Server, []Database) {
	l := a.Relationships.Databases
	if l == nil || l.Object == "null_resource" {
		return a.toServer(), nil
	}
	dbs := make([]Database, 0, len(l.Data))
	for j := range l.Data {
		if d := &l.Data[j].Attributes; d.belongsTo(a.ID) {
			dbs = append(dbs, d.toDatabase())
		}
	}
	return a.toServer(), dbs
}

// sweep makes sure that the record holds what a sweep sent within shareFor showed, when the key
// is an application key and the panel can be swept. It returns an error only when ctx ended;
// whatever else goes wrong leaves the reads to ask for their servers alone.
func (cl *Client) sweep(ctx context.Context) error {
	if cl.record.off || cl.Kind() != ApplicationKey || !cl.record.sweeps.due(cl.now(), cl.record.ttl) {
		return nil
	}
	// A sweep that landed since the check above will do.
	landed := func() (struct{}, bool) { return struct{}{}, !cl.record.sweeps.due(cl.now(), cl.record.ttl) }
	_, _, err := cl.record.sweepRuns.do(ctx, sweepOp, "", landed, func(fctx context.Context) (struct{}, error) {
		return struct{}{}, cl.runSweep(fctx)
	})
	if err != nil && ctx.Err() != nil {
		return err
	}
	return nil
}

// runSweep sends one sweep: every page of the application API's server list, with databases,
// each page's servers recorded as it lands. It records when it was sent whatever the outcome,
// unless every read left, so that a failing sweep is not sent again for every read.
func (cl *Client) runSweep(ctx context.Context) error {
	at := cl.now()
	gens := cl.record.generations()
	query := url.Values{"include": {sweepInclude}, "per_page": {strconv.Itoa(sweepPerPage)}}
	tooBig := false
	pages, err := cl.eachServerPage(ctx, applicationAPI, sweepOp, "/servers", query, func(raw json.RawMessage) (listPagination, int, error) {
		var page sweepServerPage
		if err := json.Unmarshal(raw, &page); err != nil {
			return listPagination{}, 0, err
		}
		for i := range page.Data {
			cl.learnShape(ctx, &page.Data[i].Attributes.appServerAttributes)
			srv, dbs := page.Data[i].Attributes.decode()
			cl.record.landSwept(srv, gens[serverKey(srv.Identifier)], dbs, at)
		}
		if page.Meta.Pagination.TotalPages > sweepMaxPages {
			tooBig = true
			return page.Meta.listPagination, len(page.Data), errLastPage
		}
		return page.Meta.listPagination, len(page.Data), nil
	})
	if errors.Is(ctx.Err(), context.Canceled) {
		return err // every read left: the next one sweeps again
	}
	// A failed sweep, or one that outlasted its reads' deadlines, is not sent again for
	// shareFor: reads ask for their servers alone.
	cl.record.sweeps.mu.Lock()
	cl.record.sweeps.at, cl.record.sweeps.tooBig = at, tooBig
	cl.record.sweeps.mu.Unlock()
	fields := map[string]any{"pages": pages}
	if err != nil {
		fields["error"] = err.Error()
	}
	if tooBig {
		fields["too_big"] = "the panel has more than " + strconv.Itoa(sweepMaxPages*sweepPerPage) + " servers: reads ask for their servers alone"
	}
	cl.log.Debug(ctx, "swept the panel's servers for their databases", fields)
	return err
}

// generations returns every record's generation, for a sweep about to start: a server without
// a record is at generation 0.
func (k *knowledge) generations() map[string]uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	gens := make(map[string]uint64, len(k.m))
	for key, r := range k.m {
		gens[key] = r.gen
	}
	return gens
}

// landSwept records what a sweep sent at at showed of one server: the server, and its
// databases unless dbs is nil (withheld). The databases are kept only when this client has not
// written to the server since the sweep started (gen is its generation then), as held answers
// for both kinds of reads and as the known list, each unless a later list landed already.
func (k *knowledge) landSwept(srv *Server, gen uint64, dbs []Database, at time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	r := k.recordLocked(serverKey(srv.Identifier))
	if r.server == nil {
		r.server = srv
	}
	if dbs == nil || r.gen != gen || r.refused != nil {
		return
	}
	for i, held := range [2][]Database{withoutPasswords(dbs), dbs} { // by include=password
		if h := r.held[i]; h == nil || !h.at.After(at) {
			r.held[i] = &heldList{gen: gen, at: at, dbs: held}
		}
	}
	if r.known == nil || !r.known.at.After(at) {
		r.known = &knownList{dbs: withoutPasswords(dbs), at: at, swept: true}
	}
}
