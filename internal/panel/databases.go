package panel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
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
	return "/servers/" + url.PathEscape(server) + "/databases"
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
// Before sending, the server's databases are listed: a name already taken gives a
// *NameTakenError naming the existing database. When an attempt may have been applied
// without its answer arriving (a lost connection, a 5xx), the database it made is looked up
// and returned, so a create never leaves a duplicate or an orphan. Only a database that was
// not there before this call is taken as its own.
func (cl *Client) CreateDatabase(ctx context.Context, server string, in CreateDatabaseInput) (*Database, error) {
	op := fmt.Sprintf("create database %q on server %s", in.Name, server)
	release, err := cl.creates.acquire(ctx, serverKey(server))
	if err != nil {
		return nil, fmt.Errorf("%s: waiting for other creates on the server: %w", op, err)
	}
	defer release()
	defer cl.shared.write(server)()

	// The checks below read the panel afresh: a shared answer may predate a database made
	// outside this client, and adopting one needs to know exactly what was there before.
	before, err := cl.fetchDatabases(ctx, server, false)
	listed := err == nil
	switch {
	case IsForbidden(err):
		// A key may hold database.create without database.read; it creates without the
		// check, and without adopting lost attempts, which needs the list.
	case err != nil:
		return nil, err
	}
	if existing := findStored(before, in.Name, nil); existing != nil {
		return nil, &NameTakenError{Operation: op, Server: server, Existing: *existing}
	}

	var item databaseItem
	res, err := cl.do(ctx, call{
		op: op, method: http.MethodPost, path: databasesPath(server), body: in,
		untilDeadline: true, createOn: serverKey(server),
	}, &item)
	if err == nil {
		db := item.Attributes.toDatabase()
		return &db, nil
	}
	if !res.ambiguous || !listed {
		return nil, err
	}
	// The lookup gets a moment of its own: the call's deadline may be what ended it.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cl.timeout)
	defer cancel()
	after, findErr := cl.fetchDatabases(lctx, server, true)
	if findErr != nil {
		return nil, errors.Join(err, fmt.Errorf("looking for a database an unanswered attempt may have created: %w", findErr))
	}
	db := findStored(after, in.Name, before)
	if db == nil || db.Remote != in.Remote {
		return nil, err
	}
	cl.log.Warn(ctx, "a create attempt was applied without its answer arriving; using the database it made",
		map[string]any{"server": server, "database_id": db.ID})
	return db, nil
}

// findStored finds the database the panel stores for the requested name, leaving out those
// already in skip. Every database of a server shares its s{N}_ prefix, so each one's own
// prefix says what the name would be stored as.
func findStored(dbs []Database, name string, skip []Database) *Database {
	for i := range dbs {
		m := prefixRE.FindStringSubmatch(dbs[i].Name)
		if m == nil {
			continue
		}
		id, err := strconv.Atoi(m[1])
		if err != nil || dbs[i].Name != PrefixedName(id, name) || FindDatabase(skip, dbs[i].ID) != nil {
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
	l.mu.Unlock()
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
		return nil
	}
	return err
}
