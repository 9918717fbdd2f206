package panel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

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
// API, as the panel's limits expect (Pelican and Pterodactyl 1.12 throttle them per server;
// Pterodactyl counts against the database limit without a lock), and a create may wait for
// the panel's rate-limit window for as long as ctx allows.
//
// A create with in.HostID, or with an application key, goes through the application API
// (createVia). The database returned carries the id a later read with the same key finds it
// by: a client key gets the client API's id, looked up by name on Pterodactyl (clientView).
//
// Before sending, the name is checked against the server's known list (TakenName): a name
// already taken gives a *NameTakenError naming the existing database.
//
// A create is never sent again once it may have reached the panel (mayHaveApplied): the
// panel finishes a request its client gave up on, and its name check takes no lock, so a
// second create could make a second database. Instead the server's databases are listed at
// growing intervals until a database of the name appears, or until ctx's deadline, which
// gives an *UnconfirmedCreateError. The database found is returned as this create's own only
// when nothing else is likely to have made it (adoptWithin); otherwise the error names it.
// Only a request the panel never received (no connection, a 429, the panel's own 503 in
// maintenance mode) is sent again.
//
// While a create's outcome is unknown, no other create of its name on the server is sent,
// but creates of other names go on.
func (cl *Client) CreateDatabase(ctx context.Context, server string, in CreateDatabaseInput) (*Database, error) {
	return retrySwitched(func() (*Database, error) { return cl.createDatabase(ctx, server, in) })
}

// adoptWithin is how recent the list that showed a name free must be when its create is sent,
// for a database found under the name after the create went unanswered to be taken as the
// create's own. Anyone may make a database of that name in between: the panel would then
// refuse this create, and with its answer lost the database found is the other writer's. No
// list can rule that out, so the window is kept short; a database found after an older list
// is named in the error instead, for the user to import if it is theirs.
const adoptWithin = 5 * time.Second

func (cl *Client) createDatabase(ctx context.Context, server string, in CreateDatabaseInput) (*Database, error) {
	op := fmt.Sprintf("create database %q on server %s", in.Name, server)
	via, host, err := cl.createVia(op, in)
	if err != nil {
		return nil, err
	}
	releaseName, err := cl.createNames.acquire(ctx, serverKey(server)+"/"+in.Name)
	if err != nil {
		return nil, fmt.Errorf("%s: waiting for a create of the same name whose outcome is not known yet: %w", op, err)
	}
	defer releaseName()
	releaseServer, err := cl.creates.acquire(ctx, serverKey(server))
	if err != nil {
		return nil, fmt.Errorf("%s: waiting for other creates on the server: %w", op, err)
	}
	serverHeld := true
	defer func() {
		if serverHeld {
			releaseServer()
		}
	}()
	var effect writeEffect
	end := cl.record.beginWrite(server)
	defer func() { end(effect) }()

	existing, seen, err := cl.takenName(ctx, server, in.Name, true)
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
			db = cl.clientView(ctx, op, server, db)
		}
	} else {
		db, res, err = cl.postDatabase(ctx, op, server, in)
	}
	if err == nil {
		effect = madeEffect(db)
		return &db, nil
	}
	if !res.ambiguous {
		return nil, err
	}
	effect = unsureEffect() // until the lookup finds it
	unconfirmed := &UnconfirmedCreateError{Operation: op, Server: server, Name: in.Name, Cause: err}
	if !listed {
		unconfirmed.Unlisted = true
		return nil, unconfirmed
	}
	cl.log.Warn(ctx, "the panel did not answer a create; looking for the database it may have made", map[string]any{
		"server": server, "database": in.Name, "error": err.Error(),
	})
	// Only this name waits for the outcome: a create of another name cannot duplicate it.
	releaseServer()
	serverHeld = false
	found, err := cl.awaitCreated(ctx, server, in, unconfirmed, seen.at, res.sentAt)
	if err != nil {
		return nil, err
	}
	effect = madeEffect(*found)
	return found, nil
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

// awaitCreated lists the server's databases until a database of the name an unanswered create
// asked for appears (awaitLost). It is returned as the create's own only when the name was
// seen free (by a list sent at seenFree) at most adoptWithin before the create was sent (at
// sent), and it is the only one of the name with the create's remote and host; otherwise the
// lookup stops, and the error names it. It lists through the API of the key's kind: a client
// key's create on a chosen host is found by its client API id, and given that host.
func (cl *Client) awaitCreated(ctx context.Context, server string, in CreateDatabaseInput, u *UnconfirmedCreateError, seenFree, sent time.Time) (*Database, error) {
	adopt := sent.Sub(seenFree) <= adoptWithin
	return awaitLost(ctx, cl, u, func(lctx context.Context) (*Database, error) {
		dbs, _, err := cl.listRecorded(lctx, server, true, false)
		if err != nil {
			return nil, err
		}
		found := findCreated(dbs, in)
		switch {
		case len(found) == 0:
			return nil, nil
		case len(found) > 1 || !adopt:
			u.Found = withoutPasswords(found)
			cl.log.Warn(ctx, "a database of the name appeared after an unanswered create, but another writer may have made it; not taking it as this create's",
				map[string]any{"server": server, "database": in.Name, "found": len(found), "lookups": u.Lookups + 1})
			return nil, errNotAdopted
		}
		db := &found[0]
		if db.HostID == "" {
			db.HostID = in.HostID
		}
		cl.log.Warn(ctx, "an unanswered create was applied; using the database it made", map[string]any{
			"server": server, "database_id": db.ID, "lookups": u.Lookups + 1,
			"name_seen_free_at": seenFree, "sent_at": sent,
		})
		return db, nil
	})
}

// errNotAdopted ends the lookup of an unanswered create that found a database of its name it
// cannot take as its own (UnconfirmedCreateError.Found).
var errNotAdopted = errors.New("a database of the name appeared, but it cannot be told to be this create's")

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
		// A deadline that has passed is the end even before its context says so: a wait of
		// zero must not become a burst of lookups.
		last := ctx.Err() != nil || pastDeadline(ctx)
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
		if errors.Is(err, errNotAdopted) {
			return nil, u
		}
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

// pastDeadline reports whether ctx's deadline has come.
func pastDeadline(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
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
	// Found are the databases of the name that appeared, none of which could be told to be
	// this create's: the name was last seen free too long before the create was sent
	// (adoptWithin), or more than one appeared. Their passwords are left out.
	Found []Database
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
	if len(e.Found) > 0 {
		names := make([]string, len(e.Found))
		for i, db := range e.Found {
			names[i] = fmt.Sprintf("%s (id %s)", db.Name, db.ID)
		}
		return msg + fmt.Sprintf(". The server now has %s, but another writer may have made it: the name was "+
			"not seen free just before this create was sent, so it is not taken as this create's", strings.Join(names, " and "))
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

// findCreated finds the databases the create in may have made: the requested name and
// remote, and host where both are known. Another database of that name may be listed too,
// made by a create from elsewhere that overlapped this one on another database host.
func findCreated(dbs []Database, in CreateDatabaseInput) []Database {
	var out []Database
	for i := range dbs {
		if db := findStored(dbs[i:i+1], in.Name); db != nil && db.Remote == in.Remote && sameHost(db.HostID, in.HostID) {
			out = append(out, *db)
		}
	}
	return out
}

// sameHost reports whether a listed database may be on the host a create asked for: the
// client API's list does not tell hosts.
func sameHost(listed, asked string) bool {
	return listed == "" || asked == "" || listed == asked
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
	defer cl.record.beginWrite(server)(writeEffect{})
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
	end := cl.record.beginWrite(server)
	_, err := cl.do(ctx, call{
		op:     fmt.Sprintf("delete database %s on server %s", id, server),
		method: http.MethodDelete,
		path:   databasesPath(server) + "/" + url.PathEscape(id),
	}, nil)
	if IsNotFound(err) {
		err = nil
	}
	if err == nil {
		end(deletedEffect(id))
		return nil
	}
	end(writeEffect{})
	return err
}

// IsNameTaken reports that a create was refused because the server already has a database
// with that name: found by the client's own check (*NameTakenError) or by the panel's 400
// DuplicateDatabaseNameException. The panels' validation has a unique rule too, which never
// fires on Pterodactyl 1.11 or Pelican (it asks for a row whose name is both the unprefixed
// and the prefixed one; recorded exchanges 014 and 019); a 422 from it is taken the same way,
// should a panel ever send one.
func IsNameTaken(err error) bool {
	var taken *NameTakenError
	if errors.As(err, &taken) {
		return true
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.HasRule("database", "unique") || apiErr.Code() == CodeDuplicateName
}
