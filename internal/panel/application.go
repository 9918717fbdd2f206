package panel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The application (admin) API (panel-api.md §12). With an application key every database
// call goes through it, behind the same methods as the client API; with a client key only
// what the client API cannot do does (a create on a chosen host, database hosts), which the
// panel allows when the key's user is a root admin. It differs from the client API in ways
// this file hides:
//
//   - servers are addressed by internal id, found with a filter on the short identifier or
//     the UUID, which matches partially: the answer is compared exactly;
//   - database ids are numeric, and a create must name a database host;
//   - reset-password answers 204 without the password: one GET reads it;
//   - Pterodactyl looks a database up by id on every server, whatever server the path names:
//     nothing is done to a database before it is known to be the server's (ownedID), and an
//     answer about another server's database is refused (*ForeignDatabaseError).

// Server filters of the application API's server list. The panels spell the short
// identifier's filter differently; refusing the other spelling is a 400 that names it.
const (
	filterUUID       = "uuid"
	filterShortCamel = "uuidShort"  // Pterodactyl, and Pelican's early betas
	filterShortSnake = "uuid_short" // Pelican
)

// shortFilter is the spelling of the short-identifier filter this panel takes.
func (cl *Client) shortFilter() string {
	if cl.Flavor() == Pelican && !cl.camelFilter.Load() {
		return filterShortSnake
	}
	return filterShortCamel
}

// filterRefused reports the panel refusing a filter as not allowed (400, naming it).
func filterRefused(err error, filter string) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest && !IsTwoFactorRequired(err) &&
		strings.Contains(apiErr.Detail(), filter)
}

// learnFilter records that the panel refused filter: every Pterodactyl takes uuidShort, so
// refusing it proves the panel is Pelican; refusing uuid_short only says this Pelican is an
// early one.
func (cl *Client) learnFilter(filter string) {
	if filter == filterShortCamel {
		cl.pelican.Store(true)
		cl.camelFilter.Store(false)
		return
	}
	cl.camelFilter.Store(true)
}

type appServerList struct {
	Data []struct {
		Attributes appServerAttributes `json:"attributes"`
	} `json:"data"`
}

type appServerAttributes struct {
	ID            int     `json:"id"`
	UUID          string  `json:"uuid"`
	Identifier    string  `json:"identifier"`
	Name          string  `json:"name"`
	Status        *string `json:"status"`
	Suspended     bool    `json:"suspended"`
	FeatureLimits struct {
		Databases *int `json:"databases"`
	} `json:"feature_limits"`
	// Nest is on every Pterodactyl server object and on none of Pelican's, which removed
	// nests before its first release, while both send egg (ServerTransformer::transform in
	// each panel's app/Transformers/Api/Application): learnShape tells the flavor by them.
	Nest present `json:"nest"`
	Egg  present `json:"egg"`
}

// present records that a JSON field was sent, whatever its value.
type present bool

func (p *present) UnmarshalJSON([]byte) error {
	*p = true
	return nil
}

// learnShape records what a server object of the application API tells of the panel: a whole
// one (with its egg) without nest is Pelican's. A key's prefix says Pterodactyl for keys made
// before prefixes existed and for ptla_ keys of a panel that became Pelican; the refused filter
// spelling (learnFilter) corrects that too, but a sweep sends no filter.
func (cl *Client) learnShape(ctx context.Context, a *appServerAttributes) {
	if bool(a.Egg) && !bool(a.Nest) && cl.pelican.CompareAndSwap(false, true) {
		cl.log.Debug(ctx, "the panel is Pelican: its server objects have no nest", nil)
	}
}

func (a *appServerAttributes) toServer() *Server {
	var status string
	if a.Status != nil {
		status = *a.Status
	}
	return &Server{
		Identifier:    a.Identifier,
		UUID:          a.UUID,
		InternalID:    a.ID,
		Name:          a.Name,
		DatabaseLimit: a.FeatureLimits.Databases,
		Status:        status,
		Suspended:     a.Suspended || status == "suspended",
		Installing:    status == "installing" || status == "install_failed",
		// The application API lets an admin do everything, and checks no server state.
		Permissions: []string{"*"},
	}
}

// fetchAppServer finds a server through the application API. Like the client API since
// Pterodactyl 1.8, 8 characters are a short identifier and anything else a UUID. The panel's
// filters match partially, so only a server whose identifier or UUID is the one asked for is
// taken; none is a not-found.
func (cl *Client) fetchAppServer(ctx context.Context, server string) (*Server, error) {
	op := "read server " + server
	want := strings.ToLower(server)
	filter := filterUUID
	if len(want) == 8 {
		filter = cl.shortFilter()
	}
	var list appServerList
	read := func(filter string) error {
		_, err := cl.do(ctx, call{
			op: op, api: applicationAPI, method: http.MethodGet, path: "/servers",
			query: url.Values{"filter[" + filter + "]": {want}},
		}, &list)
		return err
	}
	err := read(filter)
	if filter != filterUUID && filterRefused(err, filter) {
		cl.learnFilter(filter)
		filter = cl.shortFilter()
		err = read(filter)
	}
	if err != nil {
		return nil, err
	}
	for i := range list.Data {
		a := &list.Data[i].Attributes
		cl.learnShape(ctx, a)
		got := a.UUID
		if filter != filterUUID {
			got = a.Identifier
		}
		if strings.EqualFold(got, want) {
			return a.toServer(), nil
		}
	}
	return nil, &goneError{operation: op, why: "the panel has no server with the identifier or UUID " + server}
}

// appServerID returns the server's internal id, which the application API addresses it by.
func (cl *Client) appServerID(ctx context.Context, server string) (int, error) {
	srv, err := cl.getServer(ctx, server)
	if err != nil {
		return 0, err
	}
	return srv.InternalID, nil
}

func appDatabasesPath(serverID int) string {
	return "/servers/" + strconv.Itoa(serverID) + "/databases"
}

func appDatabasePath(serverID int, id string) string {
	return appDatabasesPath(serverID) + "/" + url.PathEscape(id)
}

// appDatabaseAttributes is a database as the application API shows it. host is the database
// host's id; the host itself is the host include, a null_resource for a key that may not
// read database hosts.
type appDatabaseAttributes struct {
	ID             opaqueID `json:"id"`
	Server         opaqueID `json:"server"`
	Host           opaqueID `json:"host"`
	Database       string   `json:"database"`
	Username       string   `json:"username"`
	Remote         string   `json:"remote"`
	MaxConnections *int     `json:"max_connections"`
	Relationships  *struct {
		Password *passwordInclude `json:"password"`
		Host     *struct {
			Object     string `json:"object"`
			Attributes *struct {
				Host string `json:"host"`
				Port int    `json:"port"`
			} `json:"attributes"`
		} `json:"host"`
	} `json:"relationships"`
}

type appDatabaseItem struct {
	Attributes appDatabaseAttributes `json:"attributes"`
}

type appDatabaseList struct {
	Data []appDatabaseItem `json:"data"`
}

// belongsTo reports whether the database is the server's. Every answer is checked: on
// Pterodactyl the path's server does not scope the database's id.
func (a *appDatabaseAttributes) belongsTo(serverID int) bool {
	return string(a.Server) == strconv.Itoa(serverID)
}

func (a *appDatabaseAttributes) toDatabase() Database {
	db := Database{
		ID:       string(a.ID),
		Name:     a.Database,
		Username: a.Username,
		Remote:   a.Remote,
		HostID:   string(a.Host),
	}
	if a.MaxConnections != nil {
		db.MaxConnections = *a.MaxConnections
	}
	if a.Relationships != nil {
		db.Password, db.PasswordState = a.Relationships.Password.state()
		if h := a.Relationships.Host; h != nil && h.Object != "null_resource" && h.Attributes != nil {
			db.Host, db.Port = h.Attributes.Host, h.Attributes.Port
		}
	}
	return db
}

// database returns the answer's database, or a *ForeignDatabaseError when it is another
// server's.
func (a *appDatabaseAttributes) database(op, server string, serverID int) (Database, error) {
	if !a.belongsTo(serverID) {
		return Database{}, &ForeignDatabaseError{Operation: op, Server: server, ServerID: serverID,
			ID: string(a.ID), Name: a.Database, OwnerID: string(a.Server)}
	}
	return a.toDatabase(), nil
}

// nameOwner fills in the identifier of the server that a foreign database belongs to, when
// the panel tells it; err is returned as it was otherwise.
func (cl *Client) nameOwner(ctx context.Context, err error) error {
	var f *ForeignDatabaseError
	if !errors.As(err, &f) || f.Owner != "" {
		return err
	}
	var item struct {
		Attributes appServerAttributes `json:"attributes"`
	}
	if _, e := cl.do(ctx, call{op: "read server " + f.OwnerID, api: applicationAPI, method: http.MethodGet,
		path: "/servers/" + url.PathEscape(f.OwnerID)}, &item); e == nil {
		f.Owner = item.Attributes.Identifier
	}
	return err
}

func notOwned(op, server, id string) error {
	return &goneError{operation: op, why: fmt.Sprintf("server %s has no database %s", server, id)}
}

// fetchAppDatabases is fetchDatabases through the application API. The host include costs
// nothing more and tells each database's host.
func (cl *Client) fetchAppDatabases(ctx context.Context, server string, includePasswords bool) ([]Database, error) {
	sid, err := cl.appServerID(ctx, server)
	if err != nil {
		return nil, err
	}
	include := "host"
	if includePasswords {
		include += ",password"
	}
	var list appDatabaseList
	if _, err := cl.do(ctx, call{
		op: "list databases of server " + server, api: applicationAPI, method: http.MethodGet,
		path: appDatabasesPath(sid), query: url.Values{"include": {include}},
	}, &list); err != nil {
		return nil, err
	}
	out := make([]Database, 0, len(list.Data))
	for i := range list.Data {
		if a := &list.Data[i].Attributes; a.belongsTo(sid) {
			out = append(out, a.toDatabase())
		}
	}
	return out, nil
}

// getAppDatabase reads one database, the application API's only single-database GET, and
// checks that it is the server's.
func (cl *Client) getAppDatabase(ctx context.Context, op, server string, serverID int, id, include string) (Database, error) {
	c := call{op: op, api: applicationAPI, method: http.MethodGet, path: appDatabasePath(serverID, id)}
	if include != "" {
		c.query = url.Values{"include": {include}}
	}
	var item appDatabaseItem
	if _, err := cl.do(ctx, c, &item); err != nil {
		return Database{}, err
	}
	db, err := item.Attributes.database(op, server, serverID)
	return db, cl.nameOwner(ctx, err)
}

// appCreateBody is the application API's create: it takes a host, and no more than these.
type appCreateBody struct {
	Database string `json:"database"`
	Remote   string `json:"remote"`
	Host     int    `json:"host"`
}

// createVia decides which API a create goes through: the application API for an application
// key, which must name a host, or for any key that names one.
func (cl *Client) createVia(op string, in CreateDatabaseInput) (api, int, error) {
	if in.HostID == "" {
		if cl.Kind() == ApplicationKey {
			return 0, 0, fmt.Errorf("%s: %w", op, ErrHostRequired)
		}
		return clientAPI, 0, nil
	}
	host, err := strconv.Atoi(in.HostID)
	if err != nil || host <= 0 {
		return 0, 0, fmt.Errorf("%s: the database host id %q is not a database host's numeric id", op, in.HostID)
	}
	return applicationAPI, host, nil
}

// postAppDatabase sends a create through the application API, with the password and the
// host included in the answer. It is sent once at most (sendOnce), as through the client API.
func (cl *Client) postAppDatabase(ctx context.Context, op, server string, in CreateDatabaseInput, host int) (Database, outcome, error) {
	sid, err := cl.appServerID(ctx, server)
	if err != nil {
		return Database{}, outcome{}, err
	}
	var item appDatabaseItem
	res, err := cl.do(ctx, call{
		op: op, api: applicationAPI, method: http.MethodPost, path: appDatabasesPath(sid),
		query: url.Values{"include": {"password,host"}}, body: appCreateBody{Database: in.Name, Remote: in.Remote, Host: host},
		untilDeadline: true, createOn: serverKey(server), sendOnce: true,
	}, &item)
	if err != nil {
		return Database{}, res, err
	}
	db, err := item.Attributes.database(op, server, sid)
	return db, res, err
}

// clientView returns a database a client key made through the application API as the client
// API shows it, the id a client key reads it by later: on Pelican the same number, on
// Pterodactyl a hashid of it, which only the panel can compute. It is found in the client
// API's list by its stored name, unique per server: one list per create, whose size is the
// server's database count (bounded by its database limit). When that list fails or lacks it,
// the database is returned with its application id, which a read recognises by the stored
// name and records in the client API's form (OtherIDForm): the create succeeded, and an error
// here would leave it on the panel with nothing in state.
func (cl *Client) clientView(ctx context.Context, op, server string, made Database) Database {
	if cl.Flavor() == Pelican {
		return made
	}
	dbs, _, err := cl.listRecorded(ctx, server, false, false)
	if err == nil {
		if db := FindStoredName(dbs, made.Name); db != nil {
			made.ID = db.ID
			if made.Host == "" {
				made.Host, made.Port = db.Host, db.Port
			}
			return made
		}
		err = errors.New("the client API does not list it")
	}
	cl.log.Warn(ctx, "a database made through the application API could not be found in the client API; keeping its application id until a read",
		map[string]any{"operation": op, "database": made.Name, "database_id": made.ID, "error": err.Error()})
	return made
}

// ownedID makes sure that the database id is the server's before the application API acts
// on it, and returns its numeric id. Pterodactyl finds a database by id on any server, so a
// wrong id would rotate or delete another server's database. What the client already holds
// (the server's snapshot, a list it keeps) answers without a request; else the snapshot is
// listed again. Pelican scopes ids to the server itself, and answers 404. An id that is not a
// number is a Pterodactyl hashid from the client API, which only the panel can read: the
// database is read, and its server checked.
func (cl *Client) ownedID(ctx context.Context, op, server string, serverID int, id string) (string, error) {
	if _, err := strconv.ParseUint(id, 10, 63); err != nil {
		db, err := cl.getAppDatabase(ctx, op, server, serverID, id, "")
		if err != nil {
			return "", err
		}
		return db.ID, nil
	}
	if cl.knows(server, id) || cl.Flavor() == Pelican {
		return id, nil
	}
	since := time.Time{}
	if _, had, _ := cl.record.known(server); had {
		since = cl.now()
	}
	kl, err := cl.knownList(ctx, server, since)
	if err != nil {
		return "", err
	}
	if FindDatabase(kl.dbs, id) == nil {
		// Not the server's: gone, or another server's, which Pterodactyl's application API
		// would act on all the same. One read tells them apart; a foreign one is refused.
		switch _, err := cl.getAppDatabase(ctx, op, server, serverID, id, ""); {
		case err == nil:
			return id, nil // made since the list
		case !IsNotFound(err):
			return "", err
		}
		return "", notOwned(op, server, id)
	}
	return id, nil
}

// knows reports whether the client has seen database id among the server's, in its
// record. A database never moves to another server.
func (cl *Client) knows(server, id string) bool {
	return cl.record.holds(server, id)
}

// rotateApp is RotateDatabasePassword through the application API: reset-password answers
// 204 without the password, so one GET reads the new one.
func (cl *Client) rotateApp(ctx context.Context, server, id string) (*Database, error) {
	op := fmt.Sprintf("rotate the password of database %s on server %s", id, server)
	sid, err := cl.appServerID(ctx, server)
	if err != nil {
		return nil, err
	}
	if id, err = cl.ownedID(ctx, op, server, sid, id); err != nil {
		return nil, err
	}
	defer cl.record.beginWrite(server)(writeEffect{})
	if _, err := cl.do(ctx, call{
		op: op, api: applicationAPI, method: http.MethodPost, path: appDatabasePath(sid, id) + "/reset-password",
	}, nil); err != nil {
		return nil, err
	}
	db, err := cl.getAppDatabase(ctx, op+": reading the new password", server, sid, id, "password,host")
	if err != nil {
		return nil, err
	}
	return &db, nil
}

// deleteApp is DeleteDatabase through the application API. A database that is not the
// server's is gone as far as this server goes: nothing is sent.
func (cl *Client) deleteApp(ctx context.Context, server, id string) error {
	op := fmt.Sprintf("delete database %s on server %s", id, server)
	sid, err := cl.appServerID(ctx, server)
	if IsNotFound(err) {
		return nil // the server is gone, and its databases with it
	}
	if err != nil {
		return err
	}
	owned, err := cl.ownedID(ctx, op, server, sid, id)
	if IsNotFound(err) {
		cl.record.beginWrite(server)(deletedEffect(id))
		return nil
	}
	if err != nil {
		return err
	}
	end := cl.record.beginWrite(server)
	_, err = cl.do(ctx, call{op: op, api: applicationAPI, method: http.MethodDelete, path: appDatabasePath(sid, owned)}, nil)
	if IsNotFound(err) {
		err = nil
	}
	if err == nil {
		end(deletedEffect(owned))
		return nil
	}
	end(writeEffect{})
	return err
}

// ForeignDatabase tells, for a database id that the server's list lacks, whether it is another
// server's: Pterodactyl's application API finds a database by id on any server, so that a
// resource could name another server's database under this one (*ForeignDatabaseError, which
// names both). nil when the database is gone, or when this client cannot tell: a client key or
// Pelican, whose APIs scope ids to the server, or any error on the way.
func (cl *Client) ForeignDatabase(ctx context.Context, server, id string) error {
	if cl.Kind() != ApplicationKey || cl.Flavor() == Pelican || id == "" {
		return nil
	}
	sid, err := cl.appServerID(ctx, server)
	if err == nil {
		_, err = cl.getAppDatabase(ctx, "find database "+id+" of server "+server, server, sid, id, "")
	}
	if IsForeignDatabase(err) {
		return err
	}
	return nil
}

// FindAnyForm finds a database of the server among dbs (the server's list through this
// client) by id in either form, as a user may give it after switching key kinds: the client
// API's id (a hashid on Pterodactyl) or the application API's number. An id in the other form
// is read through the application API, which a Pterodactyl panel answers for both forms, and
// matched by its stored name, unique per server. nil when it is not the server's, or when the
// application API cannot be read with this key.
func (cl *Client) FindAnyForm(ctx context.Context, server string, dbs []Database, id string) *Database {
	if db := FindDatabase(dbs, id); db != nil {
		return db
	}
	if cl.Flavor() == Pelican {
		return nil // the same numbers in both APIs
	}
	serverID, err := cl.appServerID(ctx, server)
	if err != nil {
		return nil
	}
	db, err := cl.getAppDatabase(ctx, "find database "+id+" of server "+server, server, serverID, id, "")
	if err != nil {
		return nil
	}
	return FindStoredName(dbs, db.Name)
}

// OtherIDForm reports whether id is in the form the other API shows on this panel: on
// Pterodactyl, a number where this client sees hashids, or a hashid where it sees numbers. A
// database whose id in state is in the other form is found by its stored name instead.
func (cl *Client) OtherIDForm(id string) bool {
	if cl.Flavor() == Pelican {
		return false
	}
	_, err := strconv.ParseUint(id, 10, 63)
	numeric := err == nil
	return numeric != (cl.Kind() == ApplicationKey)
}

// CheckApplicationAccess tells, before anything is written, whether this key can use the
// application API on the server, as choosing a database host needs: it reads the server
// there, once per server for the life of the Client. An application key reads it anyway to
// plan; a client key's user must be a root admin (IsNotAdmin otherwise), and a missing
// permission or the two-factor requirement come back as the panel's refusal.
func (cl *Client) CheckApplicationAccess(ctx context.Context, server string) error {
	if cl.Kind() == ApplicationKey {
		_, err := cl.GetServer(ctx, server)
		return err
	}
	key := serverKey(server)
	if v, ok := cl.appAccess.Load(key); ok {
		err, _ := v.(error)
		return err
	}
	_, err := cl.fetchAppServer(ctx, server)
	if err == nil || IsNotAdmin(err) || IsForbidden(err) || IsTwoFactorRequired(err) || IsNotFound(err) {
		cl.appAccess.Store(key, err) // lasting answers only; a failed request may be asked again
	}
	return err
}

// DatabaseHostOf returns the id of the database host that database id of the server is on,
// as the application API tells it: from the server's list with an application key, from one
// read with a client key (a root admin's; IsNotAdmin otherwise). The client API does not say.
func (cl *Client) DatabaseHostOf(ctx context.Context, server, id string) (string, error) {
	op := "read the host of database " + id + " of server " + server
	if cl.Kind() == ApplicationKey {
		dbs, err := cl.ListDatabases(ctx, server, false)
		if err != nil {
			return "", err
		}
		if db := FindDatabase(dbs, id); db != nil {
			return db.HostID, nil
		}
		return "", notOwned(op, server, id)
	}
	serverID, err := cl.appServerID(ctx, server)
	if err != nil {
		return "", err
	}
	db, err := cl.getAppDatabase(ctx, op, server, serverID, id, "")
	if err != nil {
		return "", err
	}
	return db.HostID, nil
}
