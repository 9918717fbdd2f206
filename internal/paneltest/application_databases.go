package paneltest

import (
	"net/http"
	"regexp"
	"strconv"
	"unicode/utf8"
)

// appDatabaseAttributes is the application ServerDatabaseTransformer's item: numeric ids on
// both flavors, the server and host by id, timestamps, no address.
type appDatabaseAttributes struct {
	ID             int            `json:"id"`
	Server         int            `json:"server"`
	Host           int            `json:"host"`
	Database       string         `json:"database"`
	Username       string         `json:"username"`
	Remote         string         `json:"remote"`
	MaxConnections *int           `json:"max_connections"`
	CreatedAt      string         `json:"created_at"`
	UpdatedAt      string         `json:"updated_at"`
	Relationships  map[string]any `json:"relationships,omitempty"`
}

// appDatabaseItem renders a row with the includes asked for: "password" for anyone who may
// read the database, "host" only with database-host READ (a null_resource otherwise). fresh
// marks the create answer, whose model was never refreshed: max_connections is null there.
func (p *Panel) appDatabaseItem(d *dbRec, in map[string]any, key *keyRec, fresh bool) fractalItem {
	a := appDatabaseAttributes{
		ID: d.id, Server: d.serverID, Host: d.hostID, Database: d.name, Username: d.username, Remote: d.remote,
		CreatedAt: atom(d.created), UpdatedAt: atom(d.updated),
	}
	if !fresh {
		a.MaxConnections = Limit(d.maxConns)
	}
	rel := map[string]any{}
	if wantsInclude(in, "password") {
		rel["password"] = fractalItem{Object: "database_password", Attributes: passwordAttributes{Password: d.password}}
	}
	if wantsInclude(in, "host") {
		host := fractalItem{Object: "null_resource"}
		if key.allows(ACLResourcesOf(p.opts.Flavor).DatabaseHosts, ACLRead) {
			host = p.hostItem(p.hosts[d.hostID], nil)
		}
		rel["host"] = host
	}
	if len(rel) > 0 {
		a.Relationships = rel
	}
	return fractalItem{Object: "server_database", Attributes: a}
}

// appDatabasePath is the view route of a database, the create answer's meta.resource.
func appDatabasePath(serverID, databaseID int) string {
	return "/api/application/servers/" + strconv.Itoa(serverID) + "/databases/" + strconv.Itoa(databaseID)
}

// appCreateDatabase is POST /api/application/servers/{id}/databases after the ACL check:
// validation (422), then DatabaseManagementService's checks in order (feature flag, limit,
// a name taken on any host), the time on the chosen host and the commit. Unlike the client
// API it checks neither the server's state nor whether the host serves the server's node.
// p.mu is held; it is released while the create is on its host.
func (p *Panel) appCreateDatabase(w http.ResponseWriter, r *http.Request, s *Server, key *keyRec, in map[string]any, ht hostTime) *panelError {
	name, remote, hostID, errs := p.validateAppCreate(in)
	if len(errs) > 0 {
		return errs.failed()
	}
	stored := storedName(s.InternalID, name)
	switch {
	case !p.featureEnabled:
		return newError(http.StatusInternalServerError, renderPage, "DatabaseClientFeatureNotEnabledException", msgUnexpected)
	case s.DatabaseLimit != nil && len(p.serverDatabases(s)) >= *s.DatabaseLimit:
		return errDisplay("TooManyDatabasesException", msgTooManyDatabases)
	case p.nameTaken(s, stored):
		// The request's unique rule never fires (it compares the raw input and the prefixed
		// name with one column), so the service's unlocked check is the one that answers.
		return errDisplay("DuplicateDatabaseNameException", msgDuplicateDatabase)
	}
	d, e := p.commitCreate(r.Context(), s, rowKey{host: hostID, server: s.InternalID, name: stored}, remote, ht)
	if e != nil {
		return e
	}
	out := p.appDatabaseItem(d, in, key, true)
	out.Meta = &resourceMeta{Resource: baseURL(r) + appDatabasePath(s.InternalID, d.id)}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// appRemotePattern is the application API's remote rule, still the strict one of panel 1.0.
var appRemotePattern = regexp.MustCompile(`^[0-9%.]{1,15}$`)

// validateAppCreate applies the application StoreServerDatabaseRequest: database
// required|alpha_dash|min:1|max:48, remote required|string|regex, host
// required|integer|exists, with the request's attribute names in the messages. p.mu is held.
func (p *Panel) validateAppCreate(in map[string]any) (name, remote string, host int, errs fieldErrors) {
	const (
		database = "Database Name"
		conn     = "Remote Connection String"
		hostID   = "Database Host Server ID"
	)
	name, kind := classify(in["database"])
	switch kind {
	case valueEmpty:
		errs.add("database", "required", "The "+database+" field is required.")
	case valueOther:
		errs.add("database", "alpha_dash", "The "+database+" may only contain letters, numbers, and dashes.")
	default:
		if !alphaDash.MatchString(name) {
			errs.add("database", "alpha_dash", "The "+database+" may only contain letters, numbers, and dashes.")
		}
		if utf8.RuneCountInString(name) > maxNameLength {
			errs.add("database", "max", "The "+database+" may not be greater than 48 characters.")
		}
	}
	remote, kind = classify(in["remote"])
	switch kind {
	case valueEmpty:
		errs.add("remote", "required", "The "+conn+" field is required.")
	case valueString:
		if !appRemotePattern.MatchString(remote) {
			errs.add("remote", "regex", "The "+conn+" format is invalid.")
		}
	default:
		errs.add("remote", "string", "The "+conn+" must be a string.")
		if kind == valueOther || !appRemotePattern.MatchString(remote) {
			errs.add("remote", "regex", "The "+conn+" format is invalid.")
		}
	}
	text, kind := classify(in["host"])
	if kind == valueEmpty {
		errs.add("host", "required", "The "+hostID+" field is required.")
		return name, remote, 0, errs
	}
	host, isInt := integerValue(text, kind)
	if !isInt {
		errs.add("host", "integer", "The "+hostID+" must be an integer.")
	}
	if !isInt || p.hosts[host] == nil {
		errs.add("host", "exists", "The selected "+hostID+" is invalid.")
	}
	return name, remote, host, errs
}
