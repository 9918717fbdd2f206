package paneltest

import (
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
)

// Key is a user's API key. Each key stands for its own user unless User groups several keys
// under one user, whose rate-limit windows they then share.
type Key struct {
	// Token is the full 48-char key; generated when empty ("ptlc_" + 43 alnum on
	// Pterodactyl, "pacc_" + 43 on Pelican; "ptla_"/"papp_" for application keys).
	Token string
	// Application marks an application key: client routes answer 403 with the panel's text.
	// Only administrators can make one, so its user always passes the application API's
	// admin check; what it may do there is ACL.
	Application bool
	// RootAdmin sees every server with permissions ["*"] on the client API. A root admin's
	// client key may also use the whole application API, without ACL; any other client key
	// gets 403 there.
	RootAdmin bool
	// Servers maps server identifier (the UUID is accepted too) to the user's permissions on
	// that server. []string{"*"} means owner. A server absent from the map (and not
	// RootAdmin) is invisible: 404.
	Servers map[string][]string
	// ACL is an application key's permissions on the application API: resource name to a
	// bitmask of ACLRead and ACLWrite (so ACLWrite alone may write without reading). The
	// resource names are the flavor's (see ACLResourcesOf): Pterodactyl's api_keys columns
	// without "r_", Pelican's permission names. A resource missing from a non-nil map is
	// ACLNone. A nil ACL allows read and write on everything, the convenient default for
	// tests. Client keys ignore it.
	ACL map[string]int
	// MissingTwoFactor says the panel requires two-factor authentication of this key's user,
	// who has not set it up. Pterodactyl then answers every API call, on both APIs, 400
	// TwoFactorAuthRequiredException; Pelican has no such check and ignores it.
	MissingTwoFactor bool
	// User names the key's user for rate limiting: keys with the same User share one client
	// API window and one application API window, as a panel keys both by user. Default: the
	// key's own token, so each key is its own user.
	User string
	// AllowedIPs restricts the key to requests from these addresses (the key's allowed_ips);
	// empty allows any. A request from elsewhere gets 403, before the rate limit counts it.
	AllowedIPs []string
}

// The application API's permission bits (AdminAcl), for Key.ACL.
const (
	ACLNone  = 0
	ACLRead  = 1
	ACLWrite = 2
)

// ACLResources are the names of the application API resources the fake checks, as keys of
// Key.ACL.
type ACLResources struct {
	// Servers guards the server list and GET of one server: "servers" / "server".
	Servers string
	// ServerDatabases guards the server database routes: "server_databases" /
	// "server_database".
	ServerDatabases string
	// DatabaseHosts guards the database host routes (Pelican) and ?include=host:
	// "database_hosts" / "database_host".
	DatabaseHosts string
	// Nodes guards a database host's ?include=nodes: "nodes" / "node".
	Nodes string
}

// ACLResourcesOf returns the flavor's resource names.
func ACLResourcesOf(f Flavor) ACLResources {
	if f == Pelican {
		return ACLResources{Servers: "server", ServerDatabases: "server_database", DatabaseHosts: "database_host", Nodes: "node"}
	}
	return ACLResources{Servers: "servers", ServerDatabases: "server_databases", DatabaseHosts: "database_hosts", Nodes: "nodes"}
}

// keyRec is the stored form of a Key, deep-copied so callers cannot race with handlers.
type keyRec struct {
	token       string
	application bool
	rootAdmin   bool
	servers     map[string][]string
	acl         map[string]int // nil: everything
	no2FA       bool
	user        string // the rate limiters' key
	allowedIPs  []string
	name        string // Key.User, or "" for a key that is its own user
}

// AddKey registers a key and returns its token. It panics if the token is already taken.
func (p *Panel) AddKey(k Key) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k.Token == "" {
		if t := p.keyPrefix(k.Application) + randomString(43); p.keys[t] == nil {
			k.Token = t
		}
	}
	if p.keys[k.Token] != nil {
		panic(fmt.Sprintf("paneltest: duplicate key %q", k.Token))
	}
	rec := &keyRec{token: k.Token, application: k.Application, rootAdmin: k.RootAdmin, servers: map[string][]string{},
		acl: maps.Clone(k.ACL), no2FA: k.MissingTwoFactor, user: "user " + k.User,
		allowedIPs: slices.Clone(k.AllowedIPs), name: k.User}
	for id, perms := range k.Servers {
		rec.servers[id] = slices.Clone(perms)
	}
	if k.User == "" {
		rec.user = "key " + k.Token // apart from every User name
	}
	p.keys[k.Token] = rec
	return k.Token
}

// keyPrefix is the identifier prefix of newly created keys on this flavor (1.8+ / beta25+).
func (p *Panel) keyPrefix(application bool) string {
	switch {
	case p.opts.Flavor == Pelican && application:
		return "papp_"
	case p.opts.Flavor == Pelican:
		return "pacc_"
	case application:
		return "ptla_"
	default:
		return "ptlc_"
	}
}

// ViewPasswordPermission returns the flavor's spelling of the permission that reveals
// database passwords: "database.view_password" or, on Pelican, "database.view-password".
func (p *Panel) ViewPasswordPermission() string { return viewPermission(p.opts.Flavor) }

func viewPermission(f Flavor) string {
	if f == Pelican {
		return "database.view-password"
	}
	return "database.view_password"
}

// AllDatabasePermissions returns read, create, update, delete and the flavor's view
// permission: everything a subuser needs for the database routes.
func AllDatabasePermissions(f Flavor) []string {
	return []string{"database.read", "database.create", "database.update", "database.delete", viewPermission(f)}
}

// authenticate finds the key of a request the way Laravel's bearerToken does: the text after
// the last "Bearer " (any case), cut at a comma. p.mu is held.
func (p *Panel) authenticate(r *http.Request) *keyRec {
	h := r.Header.Get("Authorization")
	// Laravel's Request::bearerToken takes the last "Bearer " in the header: case-sensitive
	// in the Laravel of Pterodactyl 1.11 (a lower-case "bearer" is a 401, exchange 058),
	// case-insensitive (strripos) in the Laravel that Pelican runs.
	scheme := h
	if p.opts.Flavor == Pelican {
		scheme = strings.ToLower(h)
	}
	i := strings.LastIndex(scheme, map[Flavor]string{Pterodactyl: "Bearer ", Pelican: "bearer "}[p.opts.Flavor])
	if i < 0 {
		return nil
	}
	token, _, _ := strings.Cut(h[i+len("bearer "):], ",")
	if token == "" {
		return nil
	}
	return p.keys[token]
}

// account is GET /api/client/account: the key's user. The fake keeps no users, so the
// names come from Key.User.
func (k *keyRec) account() any {
	name := k.name
	if name == "" {
		name = "user"
	}
	return map[string]any{"object": "user", "attributes": map[string]any{
		"id": 1, "admin": k.rootAdmin, "username": name, "email": name + "@example.com",
		"first_name": name, "last_name": "User", "language": "en",
	}}
}

// fromAllowedAddress reports whether the request comes from an address the key allows, and
// the address.
func (k *keyRec) fromAllowedAddress(r *http.Request) (string, bool) {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return ip, len(k.allowedIPs) == 0 || slices.Contains(k.allowedIPs, ip)
}

// access returns the user's permissions on s, and whether s is visible at all.
func (k *keyRec) access(s *Server) ([]string, bool) {
	if k.rootAdmin {
		return []string{"*"}, true
	}
	if perms, ok := k.servers[s.Identifier]; ok {
		return perms, true
	}
	perms, ok := k.servers[s.UUID]
	return perms, ok
}

// owns reports whether the key's user is the server owner (not merely an admin).
func (k *keyRec) owns(s *Server) bool {
	perms, ok := k.servers[s.Identifier]
	if !ok {
		perms = k.servers[s.UUID]
	}
	return slices.Contains(perms, "*")
}

// hasPermission is ServerPolicy: "*" (owner or admin) passes every check.
func hasPermission(perms []string, want string) bool {
	return slices.Contains(perms, "*") || slices.Contains(perms, want)
}

// allows is ApplicationApiRequest::authorize for a user already known to be an admin: a root
// admin's client key passes every check, an application key needs the bit on the resource.
func (k *keyRec) allows(resource string, bit int) bool {
	if !k.application || k.acl == nil {
		return true
	}
	return k.acl[resource]&bit != 0
}
