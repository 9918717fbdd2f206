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

// Database is one server database as the client API shows it.
type Database struct {
	// ID is opaque: a hashid string on Pterodactyl, an integer rendered in decimal on Pelican.
	ID string
	// Name is the stored name, with the panel's s{N}_ prefix.
	Name     string
	Username string
	// Remote is the host pattern the user may connect from (connections_from).
	Remote string
	Host   string
	Port   int
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
		Password *struct {
			Object     string `json:"object"`
			Attributes *struct {
				Password string `json:"password"`
			} `json:"attributes"`
		} `json:"password"`
	} `json:"relationships"`
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
	if a.Relationships != nil && a.Relationships.Password != nil {
		pw := a.Relationships.Password
		if pw.Attributes != nil && pw.Object != "null_resource" {
			db.Password = pw.Attributes.Password
			db.PasswordState = PasswordIncluded
		} else {
			db.PasswordState = PasswordHidden
		}
	}
	return db
}

func databasesPath(server string) string {
	return "/servers/" + url.PathEscape(strings.ToLower(server)) + "/databases"
}

// ListDatabases returns every database of a server in the panel's order. With
// includePasswords, each carries its password, or PasswordHidden when the key may not see
// passwords. The list is the only way to read a database: the panel has no single GET.
//
// Parallel calls for the same server and flag share one request, and an answer is reused
// briefly until a write to the server (share.go); the slice returned is the caller's own.
func (cl *Client) ListDatabases(ctx context.Context, server string, includePasswords bool) ([]Database, error) {
	return cl.sharedList(ctx, server, includePasswords)
}

// fetchDatabases is ListDatabases without sharing: one request (with its retries).
func (cl *Client) fetchDatabases(ctx context.Context, server string, includePasswords bool) ([]Database, error) {
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

// CreateDatabaseInput is what a create sends. The panel chooses the host, the user name and
// the password.
type CreateDatabaseInput struct {
	// Name without the s{N}_ prefix; the panel adds it and may truncate (PrefixedName).
	Name string `json:"database"`
	// Remote is the host pattern the user may connect from, "%" for anywhere.
	Remote string `json:"remote"`
}

// CreateDatabase creates a database. Creates on one server are serialized, as the panel's
// limits expect (Pelican throttles them per server; Pterodactyl counts against the database
// limit without a lock), and a create may wait for the panel's rate-limit window for as long
// as ctx allows.
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
	op := fmt.Sprintf("create database %q on server %s", in.Name, server)
	release, err := cl.creates.acquire(ctx, serverKey(server))
	if err != nil {
		return nil, fmt.Errorf("%s: waiting for other creates on the server: %w", op, err)
	}
	defer release()
	defer cl.shared.write(server)()

	existing, err := cl.TakenName(ctx, server, in.Name)
	listed := err == nil
	switch {
	case IsForbidden(err):
		// A key may hold database.create without database.read; it creates without the
		// check, and cannot look for a create whose answer was lost.
	case err != nil:
		return nil, err
	}
	if existing != nil {
		return nil, &NameTakenError{Operation: op, Server: server, Existing: *existing}
	}

	var item databaseItem
	res, err := cl.do(ctx, call{
		op: op, method: http.MethodPost, path: databasesPath(server), body: in,
		untilDeadline: true, createOn: serverKey(server), sendOnce: true,
	}, &item)
	if err == nil {
		db := item.Attributes.toDatabase()
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
	db, err := cl.awaitCreated(ctx, server, in, unconfirmed)
	if err != nil {
		// The panel may still make it: the snapshot can no longer say the name is free.
		cl.snaps.forget(server)
	}
	return db, err
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
// appears, and returns it. When ctx ends first, it looks once more, in a moment of its own
// (the deadline may be what ended the create), and then returns u, filled in.
func (cl *Client) awaitCreated(ctx context.Context, server string, in CreateDatabaseInput, u *UnconfirmedCreateError) (*Database, error) {
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
		at := cl.now()
		dbs, err := cl.fetchDatabases(lctx, server, true)
		cancel()
		if err == nil {
			cl.snaps.replace(server, dbs, at)
		}
		if err != nil && !last && ctx.Err() != nil {
			continue // the call's time ran out during this lookup: the last one is next
		}
		u.Lookups++
		u.Waited = time.Since(start)
		u.LookupErr = err
		if err == nil {
			if db := findCreated(dbs, in); db != nil {
				cl.log.Warn(ctx, "an unanswered create was applied; using the database it made",
					map[string]any{"server": server, "database_id": db.ID, "lookups": u.Lookups})
				return db, nil
			}
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
// coming back, whose database did not appear on the server before the call's time ran out.
// The panel may still finish it: nothing is sent again, and the next create of the same
// name finds the database and refuses with a *NameTakenError that names it.
type UnconfirmedCreateError struct {
	Operation string
	Server    string
	// Name is the requested name, without the s{N}_ prefix.
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
	if e.Unlisted {
		return msg + ". The API key may not list the server's databases, so whether the panel made the database " +
			"cannot be told; the panel may still finish the create"
	}
	if e.Lookups == 1 {
		msg += fmt.Sprintf(". The database did not appear on server %s in 1 lookup", e.Server)
	} else {
		msg += fmt.Sprintf(". The database did not appear on server %s in %d lookups over %s", e.Server, e.Lookups,
			e.Waited.Round(time.Second))
	}
	if e.LookupErr != nil {
		msg += fmt.Sprintf(" (the last lookup failed: %v)", e.LookupErr)
	}
	return msg + "; the panel may still finish the create"
}

func (e *UnconfirmedCreateError) Unwrap() error { return e.Cause }

// findCreated finds a database the create in may have made: the requested name and remote.
// Another database of that name may be listed first, made by a create from elsewhere that
// overlapped this one on another database host.
func findCreated(dbs []Database, in CreateDatabaseInput) *Database {
	for i := range dbs {
		if db := findStored(dbs[i:i+1], in.Name); db != nil && db.Remote == in.Remote {
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
// database with it (when the key may view passwords).
func (cl *Client) RotateDatabasePassword(ctx context.Context, server, id string) (*Database, error) {
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
// error, so a delete whose answer was lost can be retried safely.
func (cl *Client) DeleteDatabase(ctx context.Context, server, id string) error {
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
