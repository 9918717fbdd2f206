package paneltest

import (
	"net/http"
	"strings"
)

// endpoint is the internal route identity; Route is coarser (it has no server listing).
type endpoint int

const (
	epNone endpoint = iota
	epListServers
	epAccount
	epGetServer
	epListDatabases
	epCreateDatabase
	epRotatePassword
	epDeleteDatabase

	// The application API's endpoints (application.go).
	epAppListServers
	epAppGetServer
	epAppGetServerExternal
	epAppListDatabases
	epAppGetDatabase
	epAppCreateDatabase
	epAppResetPassword
	epAppDeleteDatabase
	epAppListHosts
	epAppGetHost
	epAppCreateHost
	epAppUpdateHost
	epAppDeleteHost
)

// match is the routing result for one request.
type match struct {
	ep       endpoint
	route    Route
	allow    []string // set when the path exists but the method does not
	server   string   // {server}; the external id on epAppGetServerExternal
	database string
	host     string // {database_host}
}

// getOnly is the Allow list of a GET route.
var getOnly = []string{"GET", "HEAD"}

// pick returns m when method (HEAD already folded into GET) is one of want, and otherwise
// the 405 for a route whose methods are allow.
func pick(method string, m match, allow []string, want ...string) match {
	for _, w := range want {
		if w == method {
			return m
		}
	}
	return match{ep: m.ep, route: RouteOther, allow: allow}
}

// matchRequest routes like Laravel: the path decides the route, then the method either
// matches or yields 405 with the route's methods (GET routes also answer HEAD). The flavor
// decides which application API routes exist.
func matchRequest(r *http.Request, flavor Flavor) match {
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	for _, s := range segs {
		if s == "" {
			return match{route: RouteOther}
		}
	}
	if len(segs) > 2 && segs[0] == "api" && segs[1] == "application" {
		return matchApplication(method, segs[2:], flavor)
	}
	if len(segs) == 2 && segs[0] == "api" && segs[1] == "client" {
		return pick(method, match{ep: epListServers, route: RouteListServers}, getOnly, "GET")
	}
	if len(segs) == 3 && segs[0] == "api" && segs[1] == "client" && segs[2] == "account" {
		return pick(method, match{ep: epAccount, route: RouteOther}, getOnly, "GET")
	}
	if len(segs) < 4 || segs[0] != "api" || segs[1] != "client" || segs[2] != "servers" {
		return match{route: RouteOther}
	}
	srv, rest := segs[3], segs[4:]
	switch {
	case len(rest) == 0:
		return pick(method, match{ep: epGetServer, route: RouteGetServer, server: srv}, getOnly, "GET")
	case rest[0] != "databases":
		// not a route: falls out of the switch to the 404
	case len(rest) == 1:
		allow := []string{"GET", "HEAD", "POST"}
		if method == "POST" {
			return match{ep: epCreateDatabase, route: RouteCreateDatabase, server: srv}
		}
		return pick(method, match{ep: epListDatabases, route: RouteListDatabases, server: srv}, allow, "GET")
	case len(rest) == 2:
		m := match{ep: epDeleteDatabase, route: RouteDeleteDatabase, server: srv, database: rest[1]}
		return pick(method, m, []string{"DELETE"}, "DELETE")
	case len(rest) == 3 && rest[2] == "rotate-password":
		m := match{ep: epRotatePassword, route: RouteRotatePassword, server: srv, database: rest[1]}
		return pick(method, m, []string{"POST"}, "POST")
	}
	return match{route: RouteOther}
}

// permissionFor maps a database endpoint to the permission its FormRequest checks.
func permissionFor(ep endpoint) string {
	switch ep {
	case epCreateDatabase:
		return "database.create"
	case epRotatePassword:
		return "database.update"
	case epDeleteDatabase:
		return "database.delete"
	default:
		return "database.read"
	}
}
