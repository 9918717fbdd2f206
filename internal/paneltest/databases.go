package paneltest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Database is a server database as the test sees it (out of band: no auth, limits or faults).
type Database struct {
	// ID is the client API's JSON id as a string: a Hashid on Pterodactyl, a decimal integer
	// on Pelican.
	ID string
	// InternalID is databases.id, the application API's id on both flavors (a Pterodactyl
	// Hashid encodes it).
	InternalID int
	// Server is the identifier of the owning server.
	Server string
	// Name is the stored name, s{N}_ plus the requested name, at most 48 chars.
	Name     string
	Username string
	Password string
	// Remote is connections_from, the host pattern the user may connect from.
	Remote string
	// Host and Port are the address of the database's host, which clients connect to.
	Host           string
	Port           int
	MaxConnections int
	// HostID is the database host (1-based) the database is on; see Options.DatabaseHosts.
	HostID int
	// Created is when the panel committed it, by Options.Now. Creator is the User-Agent of
	// the request that made it, "" for one added with AddDatabase: the simulation tells its
	// clients apart by it.
	Created time.Time
	Creator string
}

// dbRec is the stored database row.
type dbRec struct {
	id       int // databases.id, global across servers
	publicID string
	serverID int // servers.id of the owner
	server   string
	name     string
	username string
	password string
	remote   string
	host     string
	port     int
	maxConns int
	hostID   int // database_host_id, 1-based
	created  time.Time
	updated  time.Time
	creator  string // the User-Agent of the request that made it
}

func (d *dbRec) export() Database {
	return Database{ID: d.publicID, InternalID: d.id, Server: d.server, Name: d.name, Username: d.username, Password: d.password,
		Remote: d.remote, Host: d.host, Port: d.port, MaxConnections: d.maxConns, HostID: d.hostID,
		Created: d.created, Creator: d.creator}
}

// Databases returns the server's databases sorted by internal id. It panics if the server
// (identifier or UUID) is unknown.
func (p *Panel) Databases(server string) []Database {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Database
	for _, d := range p.serverDatabases(p.mustServer(server)) {
		out = append(out, d.export())
	}
	return out
}

// AddDatabase seeds a database, applying the panel's prefixing and truncation and generating
// credentials; an empty remote means "%". It picks a database host like a create does. It
// bypasses validation, limits and host time, but panics if the server is unknown, already
// has a database with the same stored name (on any host; creates still on their host are not
// seen), the panel has no database host, or the Backend fails.
func (p *Panel) AddDatabase(server, name, remote string) Database {
	d, ok := p.addDatabase(server, name, remote, false)
	if !ok {
		panic("paneltest: server " + server + " already has a database named " + name)
	}
	return d
}

// MakeDatabase is AddDatabase as a person in the panel's web UI does it: a name the server
// has already is refused (ok false) instead of a panic, under the same lock as the check, and
// so is one a create holds on its host (its open transaction holds the row's unique-index
// entry: a real panel's insert would wait for it, then fail on the duplicate key).
func (p *Panel) MakeDatabase(server, name, remote string) (db Database, ok bool) {
	return p.addDatabase(server, name, remote, true)
}

func (p *Panel) addDatabase(server, name, remote string, asPerson bool) (Database, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.mustServer(server)
	if remote == "" {
		remote = "%"
	}
	stored := storedName(s.InternalID, name)
	if p.nameTaken(s, stored) {
		return Database{}, false
	}
	host := p.pickHost(s)
	if host == 0 {
		panic("paneltest: no database host for " + stored)
	}
	k := rowKey{host: host, server: s.InternalID, name: stored}
	if _, busy := p.inserting[k]; busy && asPerson {
		return Database{}, false
	}
	d, err := p.insertDatabase(context.Background(), s, k, remote)
	mustBackend("creating "+stored, err)
	return d.export(), true
}

// DeleteDatabase removes a database out of band and reports whether it existed on that server.
// It panics if the Backend fails.
func (p *Panel) DeleteDatabase(server, id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.mustServer(server)
	d := p.bindDatabase(s, id)
	if d == nil || d.serverID != s.InternalID {
		return false
	}
	mustBackend("dropping "+d.name, p.removeDatabase(context.Background(), d))
	return true
}

// RotatePassword sets a new password out of band and returns it, or "" if the database is
// not on that server. It panics if the Backend fails.
func (p *Panel) RotatePassword(server, id string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.mustServer(server)
	d := p.bindDatabase(s, id)
	if d == nil || d.serverID != s.InternalID {
		return ""
	}
	mustBackend("rotating the password of "+d.username, p.rotate(context.Background(), d))
	return d.password
}

// bindDatabase resolves {database}. Pterodactyl looks it up globally, by raw primary key
// when all digits and by Hashid otherwise; ownership is checked later (step 10). Pelican's
// scoped binding only finds the server's own databases. p.mu is held.
func (p *Panel) bindDatabase(s *Server, raw string) *dbRec {
	if id, ok := parseDigits(raw); ok {
		d := p.dbs[id]
		if d != nil && p.opts.Flavor == Pelican && d.serverID != s.InternalID {
			return nil
		}
		return d
	}
	if p.opts.Flavor == Pelican {
		return nil
	}
	if id, ok := p.dbByPublicID[raw]; ok {
		return p.dbs[id]
	}
	return nil
}

// parseDigits is ctype_digit plus a cast: only ASCII digits, and small enough to be a key.
func parseDigits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// serverDatabases is the $server->databases relation, in id order. p.mu is held.
func (p *Panel) serverDatabases(s *Server) []*dbRec {
	var out []*dbRec
	for _, d := range p.dbs {
		if d.serverID == s.InternalID {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b *dbRec) int { return a.id - b.id })
	return out
}

func (p *Panel) nameTaken(s *Server, stored string) bool {
	// The column's collation compares names without regard to case: "TX1" is "tx1".
	for _, d := range p.serverDatabases(s) {
		if strings.EqualFold(d.name, stored) {
			return true
		}
	}
	return false
}

// maxUserHost is the longest host part of a user that MySQL (8.0.17 and later) and MariaDB
// accept: the panel checks no length on the client API, and MariaDB refuses the CREATE USER.
const maxUserHost = 255

// insertDatabase makes the database k (k.server is s, k.host exists) with fresh credentials
// on the Backend, then commits its row; when the Backend fails, nothing is committed. p.mu is
// held.
func (p *Panel) insertDatabase(ctx context.Context, s *Server, k rowKey, remote string) (*dbRec, error) {
	h := p.hosts[k.host]
	d := &dbRec{
		serverID: s.InternalID, server: s.Identifier, name: k.name,
		username: username(s.InternalID), password: generatePassword(), remote: remote,
		host: h.host, port: h.port, hostID: k.host,
	}
	if utf8.RuneCountInString(remote) > maxUserHost {
		// CREATE USER fails inside the panel's transaction, which rolls back (exchange 027).
		return nil, fmt.Errorf("paneltest: a user's host part is at most %d characters", maxUserHost)
	}
	ctx, cancel := backendContext(ctx)
	defer cancel()
	if err := p.opts.Backend.CreateDatabase(ctx, d.backend()); err != nil {
		return nil, err
	}
	d.id = p.nextDBID
	p.nextDBID++
	d.creator, _ = ctx.Value(creatorKey{}).(string)
	d.created = p.opts.Now()
	d.updated = d.created
	d.publicID = strconv.Itoa(d.id)
	if p.opts.Flavor == Pterodactyl {
		d.publicID = p.ids.encode(d.id)
		p.dbByPublicID[d.publicID] = d.id
	}
	p.dbs[d.id] = d
	return d, nil
}

// rotate gives the user a new password on the Backend, then stores it. p.mu is held.
func (p *Panel) rotate(ctx context.Context, d *dbRec) error {
	next := d.backend()
	next.Password = generatePassword()
	ctx, cancel := backendContext(ctx)
	defer cancel()
	if err := p.opts.Backend.RotatePassword(ctx, next); err != nil {
		return err
	}
	d.password = next.Password
	d.updated = p.opts.Now()
	return nil
}

// removeDatabase drops the database and its user on the Backend, then the row. p.mu is held.
func (p *Panel) removeDatabase(ctx context.Context, d *dbRec) error {
	ctx, cancel := backendContext(ctx)
	defer cancel()
	if err := p.opts.Backend.DropDatabase(ctx, d.backend()); err != nil {
		return err
	}
	delete(p.dbs, d.id)
	delete(p.dbByPublicID, d.publicID)
	return nil
}

// createDatabase is POST /databases after the permission check: validation (422), then the
// controller's checks in order (no host, feature flag, limit), the host pick, the time on
// the host (see reachHost and Fault.HostLatency) and the commit. p.mu is held; it is released
// while the create is on its host.
func (p *Panel) createDatabase(ctx context.Context, w http.ResponseWriter, s *Server, in map[string]any, view bool, ht hostTime) *panelError {
	name, remote, errs := validateCreate(in)
	if len(errs) > 0 {
		return &panelError{status: http.StatusUnprocessableEntity, render: renderBack, items: errs}
	}
	switch {
	case !p.hostAvailable || len(p.hosts) == 0:
		return errDisplay("NoSuitableDatabaseHostException", msgNoHost)
	case !p.featureEnabled:
		return newError(http.StatusInternalServerError, renderPage, "DatabaseClientFeatureNotEnabledException", msgUnexpected)
	case s.DatabaseLimit != nil && len(p.serverDatabases(s)) >= *s.DatabaseLimit:
		return errDisplay("TooManyDatabasesException", msgTooManyDatabases)
	}
	stored := storedName(s.InternalID, name)
	if p.nameTaken(s, stored) { // DatabaseManagementService::createModel, before any host work
		return errDisplay("DuplicateDatabaseNameException", msgDuplicateDatabase)
	}
	k := rowKey{host: p.pickHost(s), server: s.InternalID, name: stored}
	d, e := p.commitCreate(ctx, s, k, remote, ht)
	if e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, p.databaseItem(d, true, view, true))
	return nil
}

// commitCreate takes a create that passed its checks to its host (reachHost), then commits
// it. p.mu is held; it is released while the create is on its host.
func (p *Panel) commitCreate(ctx context.Context, s *Server, k rowKey, remote string, ht hostTime) (*dbRec, *panelError) {
	ok, release := p.reachHost(k, ht)
	defer release()
	// The unique index (host, server, name) refuses a row that appeared meanwhile: a
	// QueryException, not the 400 DuplicateDatabaseNameException of the unlocked check.
	// The foreign key to the host refuses a host deleted meanwhile.
	if !ok || p.hostHolds(k) || p.hosts[k.host] == nil {
		return nil, errBackend()
	}
	d, err := p.insertDatabase(ctx, s, k, remote)
	if err != nil {
		return nil, errBackend()
	}
	return d, nil
}

type databaseObject struct {
	Object     string             `json:"object"`
	Attributes databaseAttributes `json:"attributes"`
}

type databaseAttributes struct {
	ID              any            `json:"id"` // string on Pterodactyl, int on Pelican
	Host            databaseHost   `json:"host"`
	Name            string         `json:"name"`
	Username        string         `json:"username"`
	ConnectionsFrom string         `json:"connections_from"`
	MaxConnections  *int           `json:"max_connections"`
	Relationships   *relationships `json:"relationships,omitempty"`
}

type databaseHost struct {
	Address string `json:"address"`
	Port    int    `json:"port"`
}

// relationships sits inside attributes: the panel's serializer merges includes first.
type relationships struct {
	Password passwordResource `json:"password"`
}

// passwordResource is a database_password item, or a null_resource with null attributes
// when the user lacks the view permission.
type passwordResource struct {
	Object     string              `json:"object"`
	Attributes *passwordAttributes `json:"attributes"`
}

type passwordAttributes struct {
	Password string `json:"password"`
}

type databaseList struct {
	Object string           `json:"object"`
	Data   []databaseObject `json:"data"`
}

// databaseItem renders a row. fresh marks the create response, where the model was never
// refreshed, so the column default is missing and max_connections is null.
func (p *Panel) databaseItem(d *dbRec, include, view, fresh bool) databaseObject {
	a := databaseAttributes{
		ID:              d.publicID,
		Host:            databaseHost{Address: d.host, Port: d.port},
		Name:            d.name,
		Username:        d.username,
		ConnectionsFrom: d.remote,
	}
	if p.opts.Flavor == Pelican {
		a.ID = d.id
	}
	if !fresh {
		a.MaxConnections = Limit(d.maxConns)
	}
	if include {
		pw := passwordResource{Object: "null_resource"}
		if view {
			pw = passwordResource{Object: "database_password", Attributes: &passwordAttributes{Password: d.password}}
		}
		a.Relationships = &relationships{Password: pw}
	}
	return databaseObject{Object: "server_database", Attributes: a}
}

// writeDatabaseList answers GET /databases: no pagination, id order.
func (p *Panel) writeDatabaseList(w http.ResponseWriter, s *Server, include, view bool) {
	out := databaseList{Object: "list", Data: []databaseObject{}}
	for _, d := range p.serverDatabases(s) {
		out.Data = append(out.Data, p.databaseItem(d, include, view, false))
	}
	writeJSON(w, http.StatusOK, out)
}
