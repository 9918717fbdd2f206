package panel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// PasswordState says what an answer told about a database's password.
type PasswordState int

const (
	// PasswordNotRequested means the answer had no password relationship (a list without
	// include=password).
	PasswordNotRequested PasswordState = iota
	// PasswordHidden means the password was asked for, but the key lacks the view-password
	// permission, so the panel sent a null_resource.
	PasswordHidden
	// PasswordIncluded means Password holds the database user's password.
	PasswordIncluded
)

// Database is one server database as the client API or the application API shows it.
type Database struct {
	// ID is opaque: through the client API a hashid string on Pterodactyl, an integer
	// rendered in decimal on Pelican; through the application API always the integer.
	ID string
	// Name is the stored name, with the panel's s{N}_ prefix.
	Name     string
	Username string
	// Remote is the host pattern the user may connect from (connections_from).
	Remote string
	// Host and Port are the database host's address. The application API shows them only to
	// a key that may read database hosts; they are empty otherwise.
	Host string
	Port int
	// HostID is the database host's id, which only the application API shows; "" when the
	// database was read through the client API.
	HostID string
	// MaxConnections is 0 when the panel sets no limit (it sends null right after a create).
	MaxConnections int
	Password       string
	PasswordState  PasswordState
}

// opaqueID accepts a JSON string or number and keeps its text.
type opaqueID string

func (id *opaqueID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = opaqueID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("database id is neither a string nor a number: %w", err)
	}
	*id = opaqueID(n.String())
	return nil
}

type databaseAttributes struct {
	ID   opaqueID `json:"id"`
	Host struct {
		Address string `json:"address"`
		Port    int    `json:"port"`
	} `json:"host"`
	Name            string `json:"name"`
	Username        string `json:"username"`
	ConnectionsFrom string `json:"connections_from"`
	MaxConnections  *int   `json:"max_connections"`
	Relationships   *struct {
		Password *passwordInclude `json:"password"`
	} `json:"relationships"`
}

// passwordInclude is the password relationship both APIs add on include=password: a
// null_resource when the key may not see passwords.
type passwordInclude struct {
	Object     string `json:"object"`
	Attributes *struct {
		Password string `json:"password"`
	} `json:"attributes"`
}

// state returns the password and what the answer told about it; p is nil when the answer
// had no password relationship.
func (p *passwordInclude) state() (string, PasswordState) {
	switch {
	case p == nil:
		return "", PasswordNotRequested
	case p.Attributes != nil && p.Object != "null_resource":
		return p.Attributes.Password, PasswordIncluded
	}
	return "", PasswordHidden
}

type databaseItem struct {
	Attributes databaseAttributes `json:"attributes"`
}

type databaseList struct {
	Object string         `json:"object"`
	Data   []databaseItem `json:"data"`
}

func (a *databaseAttributes) toDatabase() Database {
	db := Database{
		ID:       string(a.ID),
		Name:     a.Name,
		Username: a.Username,
		Remote:   a.ConnectionsFrom,
		Host:     a.Host.Address,
		Port:     a.Host.Port,
	}
	if a.MaxConnections != nil {
		db.MaxConnections = *a.MaxConnections
	}
	if a.Relationships != nil {
		db.Password, db.PasswordState = a.Relationships.Password.state()
	}
	return db
}

func databasesPath(server string) string {
	return "/servers/" + url.PathEscape(strings.ToLower(server)) + "/databases"
}

// ListDatabases returns every database of a server in the panel's order. With
// includePasswords, each carries its password, or PasswordHidden when the key may not see
// passwords. The list is the only way to read a database: the client API has no single GET.
// With an application key it is the application API's list, which also tells each
// database's host (HostID, and Host and Port when the key may read hosts).
//
// Parallel calls for the same server and flag share one request, and an answer is reused
// briefly until a write to the server (share.go); the slice returned is the caller's own.
func (cl *Client) ListDatabases(ctx context.Context, server string, includePasswords bool) ([]Database, error) {
	return retrySwitched(func() ([]Database, error) { return cl.sharedList(ctx, server, includePasswords) })
}

// fetchDatabases is ListDatabases without sharing: one request (with its retries), through
// the API of the key's kind.
func (cl *Client) fetchDatabases(ctx context.Context, server string, includePasswords bool) ([]Database, error) {
	if cl.Kind() == ApplicationKey {
		return cl.fetchAppDatabases(ctx, server, includePasswords)
	}
	c := call{op: "list databases of server " + server, method: http.MethodGet, path: databasesPath(server)}
	if includePasswords {
		c.query = url.Values{"include": {"password"}}
	}
	var list databaseList
	if _, err := cl.do(ctx, c, &list); err != nil {
		return nil, err
	}
	out := make([]Database, 0, len(list.Data))
	for i := range list.Data {
		out = append(out, list.Data[i].Attributes.toDatabase())
	}
	return out, nil
}

// CreateDatabaseInput is what a create sends. The panel chooses the user name and the
// password, and the host unless HostID names one.
type CreateDatabaseInput struct {
	// Name without the s{N}_ prefix; the panel adds it and may truncate (PrefixedName).
	Name string `json:"database"`
	// Remote is the host pattern the user may connect from, "%" for anywhere. The
	// application API takes only `^[0-9%.]{1,15}$`.
	Remote string `json:"remote"`
	// HostID is the id of the database host to create the database on. Only the application
	// API can choose one, so a create with it goes through that API whatever the key's kind
	// (a client key must be a root admin's: IsNotAdmin). With an application key it is
	// required (ErrHostRequired).
	HostID string `json:"-"`
}

// CreateDatabase creates a database. Creates on one server are serialized, through either
// API, as the panel's limits expect (Pelican throttles them per server; Pterodactyl counts
// against the database limit without a lock), and a create may wait for the panel's
// rate-limit window for as long as ctx allows.
//
// A create with in.HostID, or with an application key, goes through the application API
// (createVia). The database returned carries the id a later read with the same key finds it
// by: a client key gets the client API's id, looked up by name on Pterodactyl (clientView).
//
// Before sending, the name is checked against the server's snapshot (TakenName): a name
// already taken gives a *NameTakenError naming the existing database.
//
// A create is never sent again once it may have reached the panel (mayHaveApplied): the
// panel finishes a request its client gave up on, and its name check takes no lock, so a
// second create could make a second database. Instead the server's databases are listed at
// growing intervals until the database appears, which is then returned, or until ctx's
// deadline, which gives an *UnconfirmedCreateError. Only a request the panel never received
// (no connection, a 429, the panel's own 503 in maintenance mode) is sent again.
func (cl *Client) CreateDatabase(ctx context.Context, server string, in CreateDatabaseInput) (*Database, error) {
	return retrySwitched(func() (*Database, error) { return cl.createDatabase(ctx, server, in) })
}

func (cl *Client) createDatabase(ctx context.Context, server string, in CreateDatabaseInput) (*Database, error) {
	op := fmt.Sprintf("create database %q on server %s", in.Name, server)
	via, host, err := cl.createVia(op, in)
	if err != nil {
		return nil, err
	}
	release, err := cl.creates.acquire(ctx, serverKey(server))
	if err != nil {
		return nil, fmt.Errorf("%s: waiting for other creates on the server: %w", op, err)
	}
	defer release()
	defer cl.shared.write(server)()

	existing, err := cl.takenName(ctx, server, in.Name)
	listed := err == nil
	switch {
	case IsForbidden(err) && !kindSwitched(err):
		// A key may hold database.create without database.read; it creates without the
		// check, and cannot look for a create whose answer was lost.
	case err != nil:
		return nil, err
	}
	if existing != nil {
		return nil, &NameTakenError{Operation: op, Server: server, Existing: *existing}
	}

	var db Database
	var res outcome
	if via == applicationAPI {
		db, res, err = cl.postAppDatabase(ctx, op, server, in, host)
		if err == nil && cl.Kind() == ClientKey {
			db, err = cl.clientView(ctx, op, server, db)
		}
	} else {
		db, res, err = cl.postDatabase(ctx, op, server, in)
	}
	if err == nil {
		cl.snaps.add(server, db)
		return &db, nil
	}
	if !res.ambiguous {
		return nil, err
	}
	unconfirmed := &UnconfirmedCreateError{Operation: op, Server: server, Name: in.Name, Cause: err}
	if !listed {
		unconfirmed.Unlisted = true
		return nil, unconfirmed
	}
	cl.log.Warn(ctx, "the panel did not answer a create; looking for the database it may have made", map[string]any{
		"server": server, "database": in.Name, "error": err.Error(),
	})
	found, err := cl.awaitCreated(ctx, server, in, unconfirmed)
	if err != nil {
		// The panel may still make it: the snapshot can no longer say the name is free.
		cl.snaps.forget(server)
	}
	return found, err
}

// postDatabase sends a create through the client API, once at most (sendOnce).
func (cl *Client) postDatabase(ctx context.Context, op, server string, in CreateDatabaseInput) (Database, outcome, error) {
	var item databaseItem
	res, err := cl.do(ctx, call{
		op: op, method: http.MethodPost, path: databasesPath(server), body: in,
		untilDeadline: true, createOn: serverKey(server), sendOnce: true,
	}, &item)
	if err != nil {
		return Database{}, res, err
	}
	return item.Attributes.toDatabase(), res, nil
}

// Lookups for an unanswered create start this far apart and double up to the cap: a panel
// that did not answer within the request timeout is slow, and each lookup is a list request
// counted against the rate limit.
const (
	firstLookupWait = time.Second
	maxLookupWait   = 15 * time.Second
	// lookupWithoutDeadline bounds the lookups of a call whose context has no deadline.
	lookupWithoutDeadline = 10 * time.Minute
)

// awaitCreated lists the server's databases until the one an unanswered create asked for
// appears, and returns it (awaitLost). It lists through the API of the key's kind: a client
// key's create on a chosen host is found by its client API id, and given that host.
func (cl *Client) awaitCreated(ctx context.Context, server string, in CreateDatabaseInput, u *UnconfirmedCreateError) (*Database, error) {
	return awaitLost(ctx, cl, u, func(lctx context.Context) (*Database, error) {
		at := cl.now()
		dbs, err := cl.fetchDatabases(lctx, server, true)
		if err != nil {
			return nil, err
		}
		cl.snaps.replace(server, dbs, at)
		if db := findCreated(dbs, in); db != nil {
			if db.HostID == "" {
				db.HostID = in.HostID
			}
			cl.log.Warn(ctx, "an unanswered create was applied; using the database it made",
				map[string]any{"server": server, "database_id": db.ID, "lookups": u.Lookups + 1})
			return db, nil
		}
		return nil, nil
	})
}

// awaitLost looks for what an unanswered create made, with look, until it is found. When ctx
// ends first, it looks once more, in a moment of its own (the deadline may be what ended the
// create), and then returns u, filled in. look returns nil without an error for "not yet".
func awaitLost[T any](ctx context.Context, cl *Client, u *UnconfirmedCreateError, look func(context.Context) (*T, error)) (*T, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, lookupWithoutDeadline)
		defer cancel()
	}
	start := time.Now()
	wait := firstLookupWait
	for {
		last := ctx.Err() != nil
		lctx, cancel := ctx, context.CancelFunc(func() {})
		if last {
			lctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), cl.timeout)
		}
		found, err := look(lctx)
		cancel()
		if err != nil && !last && ctx.Err() != nil {
			continue // the call's time ran out during this lookup: the last one is next
		}
		u.Lookups++
		u.Waited = time.Since(start)
		u.LookupErr = err
		if found != nil {
			return found, nil
		}
		if last || IsNotFound(err) || IsUnauthorized(err) || IsForbidden(err) {
			return nil, u
		}
		d := wait
		if dl, ok := ctx.Deadline(); ok {
			d = min(d, time.Until(dl))
		}
		_ = cl.sleep(ctx, d) // a deadline that ends the wait leads to the last lookup
		wait = min(2*wait, maxLookupWait)
	}
}

// UnconfirmedCreateError is a create that may have reached the panel without an answer
// coming back, whose database (or database host) did not appear before the call's time ran
// out. The panel may still finish it: nothing is sent again, and the next create of the same
// database name finds the database and refuses with a *NameTakenError that names it.
type UnconfirmedCreateError struct {
	Operation string
	// Server is the database's server; "" for a database host.
	Server string
	// Name is the requested name: a database's without the s{N}_ prefix, or a host's.
	Name string
	// Cause is the failed attempt: a timeout, a lost connection or a gateway's 5xx.
	Cause error
	// Lookups is how many times the server's databases were listed looking for it, over
	// Waited; LookupErr is the last lookup's error, if it failed.
	Lookups   int
	Waited    time.Duration
	LookupErr error
	// Unlisted is set when the API key may not list the server's databases, so no lookup
	// could be made.
	Unlisted bool
}

func (e *UnconfirmedCreateError) Error() string {
	msg := e.Cause.Error()
	what, where, list := "database", "on server "+e.Server, "the server's databases"
	if e.Server == "" {
		what, where, list = "database host", "in the panel", "database hosts"
	}
	if e.Unlisted {
		return msg + fmt.Sprintf(". The API key may not list %s, so whether the panel made the %s "+
			"cannot be told; the panel may still finish the create", list, what)
	}
	if e.Lookups == 1 {
		msg += fmt.Sprintf(". The %s did not appear %s in 1 lookup", what, where)
	} else {
		msg += fmt.Sprintf(". The %s did not appear %s in %d lookups over %s", what, where, e.Lookups,
			e.Waited.Round(time.Second))
	}
	if e.LookupErr != nil {
		msg += fmt.Sprintf(" (the last lookup failed: %v)", e.LookupErr)
	}
	return msg + "; the panel may still finish the create"
}

func (e *UnconfirmedCreateError) Unwrap() error { return e.Cause }

// findCreated finds a database the create in may have made: the requested name and remote,
// and host where both are known. Another database of that name may be listed first, made by
// a create from elsewhere that overlapped this one on another database host.
func findCreated(dbs []Database, in CreateDatabaseInput) *Database {
	for i := range dbs {
		if db := findStored(dbs[i:i+1], in.Name); db != nil && db.Remote == in.Remote && sameHost(db.HostID, in.HostID) {
			return db
		}
	}
	return nil
}

// findStored finds the database the panel stores for the requested name. Every database of
// a server shares its s{N}_ prefix, so each one's own prefix says what the name would be
// stored as.
func findStored(dbs []Database, name string) *Database {
	for i := range dbs {
		m := prefixRE.FindStringSubmatch(dbs[i].Name)
		if m == nil {
			continue
		}
		id, err := strconv.Atoi(m[1])
		if err != nil || dbs[i].Name != PrefixedName(id, name) {
			continue
		}
		return &dbs[i]
	}
	return nil
}

// sameHost reports whether a listed database may be on the host a create asked for: the
// client API's list does not tell hosts.
func sameHost(listed, asked string) bool {
	return listed == "" || asked == "" || listed == asked
}

// FindStoredName returns the database with the stored name (with its s{N}_ prefix), which the
// panel keeps unique per server, or nil.
func FindStoredName(dbs []Database, stored string) *Database {
	if stored == "" {
		return nil
	}
	for i := range dbs {
		if dbs[i].Name == stored {
			return &dbs[i]
		}
	}
	return nil
}

// FindDatabase returns the database with the given id, or nil.
func FindDatabase(dbs []Database, id string) *Database {
	for i := range dbs {
		if dbs[i].ID == id {
			return &dbs[i]
		}
	}
	return nil
}

// NameTakenError means the server already has a database with the requested name.
type NameTakenError struct {
	Operation string
	Server    string
	Existing  Database
}

func (e *NameTakenError) Error() string {
	return fmt.Sprintf("%s: server %s already has a database named %s (id %s)", e.Operation, e.Server, e.Existing.Name, e.Existing.ID)
}

// serverLocks serializes work per server; the zero value is ready to use.
type serverLocks struct {
	mu    sync.Mutex
	slots map[string]chan struct{}
	// waiting, when set, is called when acquire finds the slot taken; tests use it to know
	// that a create waits for another.
	waiting func()
}

// acquire waits for the server's slot or for ctx, and returns the release function.
func (l *serverLocks) acquire(ctx context.Context, server string) (func(), error) {
	l.mu.Lock()
	if l.slots == nil {
		l.slots = map[string]chan struct{}{}
	}
	slot, ok := l.slots[server]
	if !ok {
		slot = make(chan struct{}, 1)
		l.slots[server] = slot
	}
	waiting := l.waiting
	l.mu.Unlock()
	select {
	case slot <- struct{}{}:
		return func() { <-slot }, nil
	default:
	}
	if waiting != nil {
		waiting()
	}
	select {
	case slot <- struct{}{}:
		return func() { <-slot }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// RotateDatabasePassword sets a new random password for the database's user and returns the
// database with it (when the key may view passwords). With an application key, a database
// that is not the server's is not found (IsNotFound), and nothing is sent (ownedID).
func (cl *Client) RotateDatabasePassword(ctx context.Context, server, id string) (*Database, error) {
	return retrySwitched(func() (*Database, error) {
		if cl.Kind() == ApplicationKey {
			return cl.rotateApp(ctx, server, id)
		}
		return cl.rotateClient(ctx, server, id)
	})
}

func (cl *Client) rotateClient(ctx context.Context, server, id string) (*Database, error) {
	defer cl.shared.write(server)()
	var item databaseItem
	_, err := cl.do(ctx, call{
		op:     fmt.Sprintf("rotate the password of database %s on server %s", id, server),
		method: http.MethodPost,
		path:   databasesPath(server) + "/" + url.PathEscape(id) + "/rotate-password",
	}, &item)
	if err != nil {
		return nil, err
	}
	db := item.Attributes.toDatabase()
	return &db, nil
}

// DeleteDatabase drops the database and its user. A database that is already gone is not an
// error, so a delete whose answer was lost can be retried safely. With an application key, a
// database that is not the server's is gone as far as the server goes: nothing is sent
// (ownedID), so another server's database is never dropped.
func (cl *Client) DeleteDatabase(ctx context.Context, server, id string) error {
	_, err := retrySwitched(func() (struct{}, error) {
		if cl.Kind() == ApplicationKey {
			return struct{}{}, cl.deleteApp(ctx, server, id)
		}
		return struct{}{}, cl.deleteClient(ctx, server, id)
	})
	return err
}

func (cl *Client) deleteClient(ctx context.Context, server, id string) error {
	defer cl.shared.write(server)()
	_, err := cl.do(ctx, call{
		op:     fmt.Sprintf("delete database %s on server %s", id, server),
		method: http.MethodDelete,
		path:   databasesPath(server) + "/" + url.PathEscape(id),
	}, nil)
	if IsNotFound(err) {
		err = nil
	}
	if err == nil {
		cl.snaps.remove(server, id)
	}
	return err
}
