package panel

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// Reads of what a server has, through the record (record.go): each asks the panel only when
// the record cannot answer for its need, and parallel callers share one request (flights).
//
//   - GetServer: the server's read, once per Client.
//   - ListDatabases (refresh, data sources, import): a list sent after this client's last
//     write to the server, reused for shareFor. A read after a write always sees the panel.
//   - KnownDatabases and TakenName (the plan's checks, the check before a create): the known
//     list, listed once and then kept current with this client's own writes; a taken name in
//     a list older than confirmAfter is listed again, in case it was deleted outside.
//
// With an application key, a read that the record cannot answer first waits for a sweep of
// the server list (sweep.go), which fills the records of every server it shows; only what it
// did not answer is asked for the server alone.

// GetServer reads one server by short identifier or UUID, once per Client: later calls get the
// first answer. It works whatever the server's state; a server the key's user cannot see
// answers 404 (IsNotFound), which is not kept. With an application key the server is found
// through the application API's server list (fetchAppServer); its Permissions are ["*"].
func (cl *Client) GetServer(ctx context.Context, server string) (*Server, error) {
	return retrySwitched(func() (*Server, error) { return cl.getServer(ctx, server) })
}

func (cl *Client) getServer(ctx context.Context, server string) (*Server, error) {
	if cl.record.off {
		return cl.fetchServer(ctx, server)
	}
	if srv := cl.record.server(server); srv != nil {
		return srv.clone(), nil
	}
	if err := cl.sweep(ctx); err != nil {
		return nil, err
	}
	if srv := cl.record.server(server); srv != nil {
		return srv.clone(), nil
	}
	kept := func() (*Server, bool) {
		srv := cl.record.server(server)
		return srv, srv != nil
	}
	srv, _, err := cl.record.serverReads.do(ctx, "read server "+server, serverKey(server), kept, func(fctx context.Context) (*Server, error) {
		srv, err := cl.fetchServer(fctx, server)
		if err == nil {
			// Kept before the request lands, so that no caller arriving after it finds
			// neither the request nor its answer.
			cl.record.keepServer(server, srv)
		}
		return srv, err
	})
	if err != nil {
		return nil, err
	}
	return srv.clone(), nil
}

func (s *Server) clone() *Server {
	c := *s
	c.Permissions = slices.Clone(s.Permissions)
	if s.DatabaseLimit != nil {
		n := *s.DatabaseLimit
		c.DatabaseLimit = &n
	}
	return &c
}

// ListDatabases returns every database of a server in the panel's order. With
// includePasswords, each carries its password, or PasswordHidden when the key may not see
// passwords. The list is the only way to read a database: the client API has no single GET.
// With an application key it is the application API's list, which also tells each
// database's host (HostID, and Host and Port when the key may read hosts).
//
// Parallel calls for the same server and flag share one request, and an answer is reused
// until the next write to the server or for shareFor; the slice returned is the caller's own.
func (cl *Client) ListDatabases(ctx context.Context, server string, includePasswords bool) ([]Database, error) {
	return retrySwitched(func() ([]Database, error) { return cl.sharedList(ctx, server, includePasswords) })
}

// heldFlightKey names a read's list request in flight: reads join only one of their own
// generation, so none joins a request sent before a write it started after.
func heldFlightKey(server string, include bool, gen uint64) string {
	return serverKey(server) + "|" + strconv.FormatBool(include) + "|" + strconv.FormatUint(gen, 10)
}

func (cl *Client) sharedList(ctx context.Context, server string, include bool) ([]Database, error) {
	if cl.record.off {
		return cl.fetchDatabases(ctx, server, include)
	}
	gen, dbs, ok := cl.record.held(server, include, cl.now())
	if !ok && cl.Kind() == ApplicationKey {
		if err := cl.sweep(ctx); err != nil {
			return nil, err
		}
		gen, dbs, ok = cl.record.held(server, include, cl.now())
	}
	if ok {
		return slices.Clone(dbs), nil
	}
	// An answer held since the lookup above will do: the request it came from may have
	// landed between the lookup and joining the flights.
	held := func() ([]Database, bool) {
		_, dbs, ok := cl.record.held(server, include, cl.now())
		return dbs, ok
	}
	op := "list databases of server " + server
	dbs, shared, err := cl.record.heldLists.do(ctx, op, heldFlightKey(server, include, gen), held, func(fctx context.Context) ([]Database, error) {
		dbs, _, err := cl.listRecorded(fctx, server, include, true)
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

// listRecorded lists the server's databases once (fetchDatabases) and records the answer in
// the server's record, held for reads when hold is set. It also returns when the list was sent.
func (cl *Client) listRecorded(ctx context.Context, server string, include, hold bool) ([]Database, time.Time, error) {
	l := listing{gen: cl.record.startList(server), at: cl.now(), include: include, hold: hold}
	dbs, err := cl.fetchDatabases(ctx, server, include)
	cl.record.land(server, l, dbs, err)
	return dbs, l.at, err
}

// KnownDatabases returns the server's databases as this Client knows them: listed once, then
// kept current with its own creates and deletes. They carry no passwords. Use it for names and
// counts; ListDatabases reads the panel.
func (cl *Client) KnownDatabases(ctx context.Context, server string) ([]Database, error) {
	kl, err := retrySwitched(func() (knownList, error) { return cl.knownList(ctx, server, time.Time{}) })
	if err != nil {
		return nil, err
	}
	return slices.Clone(kl.dbs), nil
}

// TakenName returns the database the server already has under the stored form of name, or
// nil. It asks the panel again only when the known list says taken and is older than
// confirmAfter.
func (cl *Client) TakenName(ctx context.Context, server, name string) (*Database, error) {
	return retrySwitched(func() (*Database, error) {
		db, _, err := cl.takenName(ctx, server, name, false)
		return db, err
	})
}

// takenName is TakenName, also returning the known list it read, whose at tells how recently
// the panel showed the name as it is. With creating set (the check before a create), a known
// list that only a sweep made and that is older than adoptWithin is listed again: the create's
// lookup, should its answer be lost, can adopt what it finds only after a recent list, and
// before sweeps the first create on a server always listed it.
func (cl *Client) takenName(ctx context.Context, server, name string, creating bool) (*Database, knownList, error) {
	var since time.Time
	if creating {
		if kl, ok, _ := cl.record.known(server); ok && kl.swept && cl.now().Sub(kl.at) > adoptWithin {
			since = cl.now()
		}
	}
	kl, err := cl.knownList(ctx, server, since)
	if err != nil {
		return nil, kl, err
	}
	db := findStored(kl.dbs, name)
	if db == nil || cl.now().Sub(kl.at) < confirmAfter {
		return db, kl, nil
	}
	if kl, err = cl.knownList(ctx, server, cl.now()); err != nil {
		return nil, kl, err
	}
	return findStored(kl.dbs, name), kl, nil
}

// knownList returns the server's known list, listing the panel when the record has none sent
// at or after since (any, when since is zero). A list that the record does not keep, because
// a create of unknown outcome ended while it was in flight, is asked for again, a bounded
// number of times: the last one is then used as it is.
func (cl *Client) knownList(ctx context.Context, server string, since time.Time) (knownList, error) {
	if cl.record.off {
		// Sharing off (bench builds only): every check lists the panel.
		at := cl.now()
		dbs, err := cl.fetchDatabases(ctx, server, false)
		return knownList{dbs: dbs, at: at}, err
	}
	fit := func() (knownList, bool, error) {
		kl, ok, err := cl.record.known(server)
		return kl, ok && !kl.at.Before(since), err
	}
	// A list kept since this caller looked will do.
	kept := func() (knownList, bool) {
		kl, ok, err := fit()
		return kl, ok || err != nil
	}
	// A list asked for since a moment is one of the server alone: a sweep would cost more.
	if _, ok, err := fit(); !ok && err == nil && since.IsZero() {
		if err := cl.sweep(ctx); err != nil {
			return knownList{}, err
		}
	}
	op := "list databases of server " + server
	for attempt := 1; ; attempt++ {
		kl, ok, err := fit()
		if err != nil || ok {
			return kl, err
		}
		got, _, err := cl.record.knownLists.do(ctx, op, serverKey(server), kept, func(fctx context.Context) (knownList, error) {
			dbs, at, err := cl.listRecorded(fctx, server, false, false)
			if IsForbidden(err) && !kindSwitched(err) {
				cl.record.refuse(server, err)
			}
			return knownList{dbs: withoutPasswords(dbs), at: at}, err
		})
		if err != nil {
			return knownList{}, err
		}
		if attempt == maxKnownAttempts {
			return got, nil
		}
	}
}

// maxKnownAttempts bounds the lists knownList asks for when the record keeps none of them.
const maxKnownAttempts = 3
