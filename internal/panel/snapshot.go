package panel

import (
	"context"
	"slices"
	"sync"
	"time"
)

// What a Client knows about each server for its whole life (one Client serves one Terraform
// walk, in one provider process), so that planning and creating N databases cost about one
// request each rather than four:
//
//   - the server itself (GetServer), read once;
//   - a snapshot of its databases' names and ids, listed once and then kept current with the
//     Client's own creates and deletes, which on one server are serialized. Planning and the
//     pre-create name check use it. A refresh never does: ListDatabases reads the panel
//     (share.go), so a read after a write always sees the panel.
//
// Parallel first uses share one request (flights). A snapshot that says a name is taken is
// confirmed with a new list when it is older than confirmAfter, since a database may have been
// deleted outside this client; one that says a name is free needs no confirming, because the
// panel refuses a taken name itself.

// confirmAfter is how old a snapshot may be before a taken name in it is listed again.
const confirmAfter = 5 * time.Second

type serverMemo struct {
	flights flights[*Server]
	mu      sync.Mutex
	servers map[string]*Server // by serverKey
}

type snapshots struct {
	flights flights[[]Database]
	mu      sync.Mutex
	m       map[string]*snapshot // by serverKey
}

type snapshot struct {
	dbs []Database // without passwords
	at  time.Time  // when it was listed
	// err is a lasting refusal to list (403: the key lacks database.read), kept so that it
	// is not asked again for every database.
	err error
}

// GetServer reads one server by short identifier or UUID, once per Client: later calls get the
// first answer. It works whatever the server's state; a server the key's user cannot see
// answers 404 (IsNotFound), which is not kept. With an application key the server is found
// through the application API's server list (fetchAppServer); its Permissions are ["*"].
func (cl *Client) GetServer(ctx context.Context, server string) (*Server, error) {
	return retrySwitched(func() (*Server, error) { return cl.getServer(ctx, server) })
}

func (cl *Client) getServer(ctx context.Context, server string) (*Server, error) {
	if cl.shared.off {
		return cl.fetchServer(ctx, server)
	}
	key := serverKey(server)
	cl.servers.mu.Lock()
	srv := cl.servers.servers[key]
	cl.servers.mu.Unlock()
	if srv != nil {
		return srv.clone(), nil
	}
	op := "read server " + server
	kept := func() (*Server, bool) {
		cl.servers.mu.Lock()
		defer cl.servers.mu.Unlock()
		srv := cl.servers.servers[key]
		return srv, srv != nil
	}
	srv, _, err := cl.servers.flights.do(ctx, op, key, kept, func(fctx context.Context) (*Server, error) {
		srv, err := cl.fetchServer(fctx, server)
		if err == nil {
			// Kept before the request lands, so that no caller arriving after it finds
			// neither the request nor its answer.
			cl.servers.mu.Lock()
			if cl.servers.servers == nil {
				cl.servers.servers = map[string]*Server{}
			}
			cl.servers.servers[key] = srv
			cl.servers.mu.Unlock()
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

// KnownDatabases returns the server's databases as this Client knows them: listed once, then
// kept current with its own creates and deletes. They carry no passwords. Use it for names and
// counts; ListDatabases reads the panel.
func (cl *Client) KnownDatabases(ctx context.Context, server string) ([]Database, error) {
	snap, err := retrySwitched(func() (snapshot, error) { return cl.snapshot(ctx, server, false) })
	if err != nil {
		return nil, err
	}
	return slices.Clone(snap.dbs), nil
}

// TakenName returns the database the server already has under the stored form of name, or
// nil. It asks the panel again only when the snapshot says taken and is older than
// confirmAfter.
func (cl *Client) TakenName(ctx context.Context, server, name string) (*Database, error) {
	return retrySwitched(func() (*Database, error) { return cl.takenName(ctx, server, name) })
}

func (cl *Client) takenName(ctx context.Context, server, name string) (*Database, error) {
	snap, err := cl.snapshot(ctx, server, false)
	if err != nil {
		return nil, err
	}
	db := findStored(snap.dbs, name)
	if db == nil || cl.now().Sub(snap.at) < confirmAfter {
		return db, nil
	}
	if snap, err = cl.snapshot(ctx, server, true); err != nil {
		return nil, err
	}
	return findStored(snap.dbs, name), nil
}

// snapshot returns the server's snapshot, listing the panel when there is none yet, or when
// fresh is set.
func (cl *Client) snapshot(ctx context.Context, server string, fresh bool) (snapshot, error) {
	if cl.shared.off {
		// Sharing off (bench builds only): every check lists the panel, as before snapshots.
		at := cl.now()
		dbs, err := cl.fetchDatabases(ctx, server, false)
		return snapshot{dbs: dbs, at: at}, err
	}
	key := serverKey(server)
	s := &cl.snaps
	old, ok := s.get(key)
	if ok && old.err != nil {
		return snapshot{}, old.err
	}
	if ok && !fresh {
		return old, nil
	}
	// The request records the snapshot itself, once for every caller that shares it, so that
	// no caller puts back a list older than a create recorded since.
	// A snapshot kept since this caller looked will do: one listed after it asked, when fresh.
	asked := cl.now()
	kept := func() ([]Database, bool) {
		snap, ok := s.get(key)
		return nil, ok && (!fresh || !snap.at.Before(asked))
	}
	_, _, err := s.flights.do(ctx, "list databases of server "+server, key, kept, func(fctx context.Context) ([]Database, error) {
		at := cl.now()
		dbs, err := cl.fetchDatabases(fctx, server, false)
		switch {
		case IsForbidden(err) && !kindSwitched(err):
			s.set(key, &snapshot{err: err})
		case err == nil:
			s.set(key, &snapshot{dbs: dbs, at: at})
		}
		return dbs, err
	})
	if err != nil {
		return snapshot{}, err
	}
	snap, _ := s.get(key)
	return snap, nil
}

// get returns a copy of the server's snapshot, if it has one. The slice in it is never
// written to: add and remove replace it.
func (s *snapshots) get(key string) (snapshot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if snap := s.m[key]; snap != nil {
		return *snap, true
	}
	return snapshot{}, false
}

func (s *snapshots) set(key string, snap *snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*snapshot{}
	}
	s.m[key] = snap
}

// replace records a complete list of the server's databases, fresh from the panel.
func (s *snapshots) replace(server string, dbs []Database, at time.Time) {
	s.set(serverKey(server), &snapshot{dbs: withoutPasswords(dbs), at: at})
}

// forget drops the server's snapshot, for a create whose outcome is unknown: the next use
// lists the panel again.
func (s *snapshots) forget(server string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, serverKey(server))
}

// add records a database this client made, in a snapshot the server already has.
func (s *snapshots) add(server string, db Database) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if snap := s.m[serverKey(server)]; snap != nil && snap.err == nil && FindDatabase(snap.dbs, db.ID) == nil {
		snap.dbs = append(slices.Clone(snap.dbs), withoutPasswords([]Database{db})...)
	}
}

// remove records a database this client deleted.
func (s *snapshots) remove(server, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if snap := s.m[serverKey(server)]; snap != nil && snap.err == nil {
		snap.dbs = slices.DeleteFunc(slices.Clone(snap.dbs), func(d Database) bool { return d.ID == id })
	}
}

func withoutPasswords(dbs []Database) []Database {
	out := slices.Clone(dbs)
	for i := range out {
		out[i].Password, out[i].PasswordState = "", PasswordNotRequested
	}
	return out
}
