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
	epGetServer
	epListDatabases
	epCreateDatabase
	epRotatePassword
	epDeleteDatabase
)

// match is the routing result for one request.
type match struct {
	ep       endpoint
	route    Route
	allow    []string // set when the path exists but the method does not
	server   string
	database string
}

// matchRequest routes like Laravel: the path decides the route, then the method either
// matches or yields 405 with the route's methods (GET routes also answer HEAD).
func matchRequest(r *http.Request) match {
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
	pick := func(m match, allow []string, want ...string) match {
		for _, w := range want {
			if w == method {
				return m
			}
		}
		return match{ep: m.ep, route: RouteOther, allow: allow}
	}
	getOnly := []string{"GET", "HEAD"}
	if len(segs) == 2 && segs[0] == "api" && segs[1] == "client" {
		return pick(match{ep: epListServers, route: RouteOther}, getOnly, "GET")
	}
	if len(segs) < 4 || segs[0] != "api" || segs[1] != "client" || segs[2] != "servers" {
		return match{route: RouteOther}
	}
	srv, rest := segs[3], segs[4:]
	switch {
	case len(rest) == 0:
		return pick(match{ep: epGetServer, route: RouteGetServer, server: srv}, getOnly, "GET")
	case rest[0] != "databases":
		// not a route: falls out of the switch to the 404
	case len(rest) == 1:
		allow := []string{"GET", "HEAD", "POST"}
		if method == "POST" {
			return match{ep: epCreateDatabase, route: RouteCreateDatabase, server: srv}
		}
		return pick(match{ep: epListDatabases, route: RouteListDatabases, server: srv}, allow, "GET")
	case len(rest) == 2:
		m := match{ep: epDeleteDatabase, route: RouteDeleteDatabase, server: srv, database: rest[1]}
		return pick(m, []string{"DELETE"}, "DELETE")
	case len(rest) == 3 && rest[2] == "rotate-password":
		m := match{ep: epRotatePassword, route: RouteRotatePassword, server: srv, database: rest[1]}
		return pick(m, []string{"POST"}, "POST")
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
