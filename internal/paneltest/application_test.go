package paneltest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// appFixture is a started panel with one server and an application key that may do anything.
type appFixture struct {
	p   *Panel
	srv Server
	app *client
}

func setupApp(t testing.TB, opts Options) *appFixture {
	t.Helper()
	p := Start(t, opts)
	s := p.AddServer(Server{})
	return &appFixture{p: p, srv: s, app: newClient(t, p, p.AddKey(Key{Application: true}))}
}

const appServersPath = "/api/application/servers"

func appServerPath(id int, rest ...string) string {
	return strings.Join(append([]string{appServersPath, strconv.Itoa(id)}, rest...), "/")
}

func appDBPath(server int, rest ...string) string {
	return appServerPath(server, append([]string{"databases"}, rest...)...)
}

func (f *appFixture) dbPath(rest ...string) string { return appDBPath(f.srv.InternalID, rest...) }

// appCreate makes a database through the application API on the given host and returns its
// attributes.
func (f *appFixture) appCreate(t testing.TB, name string, host int) map[string]any {
	t.Helper()
	r := f.app.do("POST", f.dbPath(), map[string]any{"database": name, "remote": "%", "host": host})
	wantStatus(t, r, http.StatusCreated)
	return attrs(t, r.object(t))
}

// num reads a JSON integer.
func num(t testing.TB, v any, path ...any) int {
	t.Helper()
	n, ok := at(t, v, path...).(json.Number)
	if !ok {
		t.Fatalf("%v at %v is not a number", at(t, v, path...), path)
	}
	i, err := strconv.Atoi(n.String())
	if err != nil {
		t.Fatalf("%v at %v is not an integer", n, path)
	}
	return i
}

// listIDs returns the "id" of every item of a list answer.
func listIDs(t testing.TB, r *response) []int {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	var ids []int
	for _, it := range arr(t, r.object(t), "data") {
		ids = append(ids, num(t, it, "attributes", "id"))
	}
	return ids
}

func TestAppWhoMayCall(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			f := setupApp(t, Options{Flavor: fl})
			owner := newClient(t, f.p, f.p.AddKey(Key{Servers: map[string][]string{f.srv.Identifier: {"*"}}}))
			// ACL is for application keys: a root admin's client key ignores it.
			admin := newClient(t, f.p, f.p.AddKey(Key{RootAdmin: true, ACL: map[string]int{}}))
			anon := newClient(t, f.p, "")
			for _, path := range []string{appServersPath, appServerPath(f.srv.InternalID), f.dbPath()} {
				wantStatus(t, f.app.do("GET", path, nil), http.StatusOK)
				wantStatus(t, admin.do("GET", path, nil), http.StatusOK)
				wantError(t, owner.do("GET", path, nil), http.StatusForbidden, "AccessDeniedHttpException", msgNoAPIAccess)
				wantError(t, anon.do("GET", path, nil), http.StatusUnauthorized, "AuthenticationException", msgUnauthenticated)
			}
			// One key of a root admin uses both APIs, on one store.
			made := attrs(t, admin.do("POST", f.dbPath(), map[string]any{"database": "both", "remote": "%", "host": 1}).object(t))
			listed := obj(t, admin.do("GET", dbPath(f.srv.Identifier), nil).object(t), "data", 0, "attributes")
			if listed["name"] != made["database"] {
				t.Fatalf("client API lists %v, application API made %v", listed, made)
			}
			wantError(t, owner.do("POST", f.dbPath(), map[string]any{"database": "nope", "remote": "%", "host": 1}),
				http.StatusForbidden, "AccessDeniedHttpException", msgNoAPIAccess)
			if n := len(f.p.Databases(f.srv.Identifier)); n != 1 {
				t.Fatalf("%d databases, want 1", n)
			}
		})
	}
}

// appRoute is one application API call, with the ACL resource and bit its request checks.
type appRoute struct {
	name     string
	method   string
	path     func(f *appFixture, db Database) string
	body     any
	resource func(ACLResources) string
	bit      int
	status   int
	pelican  bool // database hosts: Pelican only
}

var (
	servers     = func(r ACLResources) string { return r.Servers }
	serverDBs   = func(r ACLResources) string { return r.ServerDatabases }
	dbHosts     = func(r ACLResources) string { return r.DatabaseHosts }
	validHost   = map[string]any{"name": "h", "host": "127.0.0.1", "port": 3306, "username": "u", "password": "p"}
	appDBRoutes = []appRoute{
		{"list servers", "GET", func(*appFixture, Database) string { return appServersPath }, nil, servers, ACLRead, 200, false},
		{"get server", "GET", func(f *appFixture, _ Database) string { return appServerPath(f.srv.InternalID) }, nil, servers, ACLRead, 200, false},
		{"list databases", "GET", func(f *appFixture, _ Database) string { return f.dbPath() }, nil, serverDBs, ACLRead, 200, false},
		{"get database", "GET", func(f *appFixture, db Database) string { return f.dbPath(strconv.Itoa(db.InternalID)) }, nil, serverDBs, ACLRead, 200, false},
		{"create database", "POST", func(f *appFixture, _ Database) string { return f.dbPath() },
			map[string]any{"database": "newdb", "remote": "%", "host": 1}, serverDBs, ACLWrite, 201, false},
		{"reset password", "POST", func(f *appFixture, db Database) string {
			return f.dbPath(strconv.Itoa(db.InternalID), "reset-password")
		},
			nil, serverDBs, ACLWrite, 204, false},
		{"delete database", "DELETE", func(f *appFixture, db Database) string { return f.dbPath(strconv.Itoa(db.InternalID)) },
			nil, serverDBs, ACLWrite, 204, false},
		{"list hosts", "GET", func(*appFixture, Database) string { return appHostsPath }, nil, dbHosts, ACLRead, 200, true},
		{"get host", "GET", func(*appFixture, Database) string { return appHostsPath + "/1" }, nil, dbHosts, ACLRead, 200, true},
		{"create host", "POST", func(*appFixture, Database) string { return appHostsPath }, validHost, dbHosts, ACLWrite, 201, true},
		{"update host", "PATCH", func(*appFixture, Database) string { return appHostsPath + "/1" }, validHost, dbHosts, ACLWrite, 200, true},
		{"delete host", "DELETE", func(*appFixture, Database) string { return appHostsPath + "/2" }, nil, dbHosts, ACLWrite, 204, true},
	}
)

// snapshot is everything a write could change, to show that a refused one changed nothing.
func (f *appFixture) snapshot() string {
	return fmt.Sprintf("%+v %+v", f.p.Databases(f.srv.Identifier), f.p.DatabaseHosts())
}

func TestAppACL(t *testing.T) {
	masks := []struct {
		name string
		acl  func(resource string) map[string]int
	}{
		{"nil ACL", func(string) map[string]int { return nil }},
		{"none", func(string) map[string]int { return map[string]int{} }},
		{"read", func(r string) map[string]int { return map[string]int{r: ACLRead} }},
		{"write only", func(r string) map[string]int { return map[string]int{r: ACLWrite} }},
		{"read and write", func(r string) map[string]int { return map[string]int{r: ACLRead | ACLWrite} }},
		{"other resources", func(r string) map[string]int {
			out := map[string]int{}
			for _, other := range []string{"servers", "server", "server_databases", "server_database", "database_hosts", "database_host"} {
				if other != r {
					out[other] = ACLRead | ACLWrite
				}
			}
			return out
		}},
	}
	for _, fl := range flavors {
		for _, rt := range appDBRoutes {
			if rt.pelican && fl != Pelican {
				continue
			}
			for _, m := range masks {
				t.Run(string(fl)+"/"+rt.name+"/"+m.name, func(t *testing.T) {
					f := setupApp(t, Options{Flavor: fl})
					db := f.p.AddDatabase(f.srv.Identifier, "mydb", "%")
					f.p.AddDatabaseHost(DatabaseHost{}) // host 2, without databases, to delete
					acl := m.acl(rt.resource(ACLResourcesOf(fl)))
					c := newClient(t, f.p, f.p.AddKey(Key{Application: true, ACL: acl}))
					before := f.snapshot()
					r := c.do(rt.method, rt.path(f, db), rt.body)
					if acl == nil || acl[rt.resource(ACLResourcesOf(fl))]&rt.bit != 0 {
						wantStatus(t, r, rt.status)
						return
					}
					wantError(t, r, http.StatusForbidden, "AccessDeniedHttpException", msgUnauthorized)
					if after := f.snapshot(); after != before {
						t.Fatalf("a refused call changed the panel:\n%s\n%s", before, after)
					}
				})
			}
		}
	}
}

func TestACLResourcesOf(t *testing.T) {
	if got := ACLResourcesOf(Pterodactyl); got != (ACLResources{"servers", "server_databases", "database_hosts", "nodes"}) {
		t.Errorf("Pterodactyl: %+v", got)
	}
	if got := ACLResourcesOf(Pelican); got != (ACLResources{"server", "server_database", "database_host", "node"}) {
		t.Errorf("Pelican: %+v", got)
	}
}

func TestAppTwoFactorRequired(t *testing.T) {
	t.Run("pterodactyl", func(t *testing.T) {
		f := setupApp(t, Options{RateLimit: 1, ApplicationRateLimit: 1})
		app := newClient(t, f.p, f.p.AddKey(Key{Application: true, MissingTwoFactor: true}))
		admin := newClient(t, f.p, f.p.AddKey(Key{RootAdmin: true, MissingTwoFactor: true}))
		calls := []struct {
			c            *client
			method, path string
		}{
			{app, "GET", f.dbPath()},
			{app, "POST", f.dbPath()},
			{app, "GET", appServerPath(999)}, // before the bindings
			{admin, "GET", appHostsPath},     // on a route Pterodactyl lacks, the 404 comes first
			{admin, "GET", dbPath(f.srv.Identifier)},
			{admin, "DELETE", dbPath(f.srv.Identifier, "1")},
		}
		for range 2 { // before the throttle: a limit of 1 never answers 429
			for _, call := range calls {
				r := call.c.do(call.method, call.path, map[string]any{})
				if call.path == appHostsPath {
					wantStatus(t, r, http.StatusNotFound)
					continue
				}
				wantError(t, r, http.StatusBadRequest, "TwoFactorAuthRequiredException", msgTwoFactorRequired)
				wantHeaders(t, r, map[string]string{"X-RateLimit-Limit": ""})
			}
		}
		// Authentication and the JSON check come first.
		wantStatus(t, newClient(t, f.p, "wrong").do("GET", f.dbPath(), nil), http.StatusUnauthorized)
		wantError(t, app.do("POST", f.dbPath(), "{"), http.StatusBadRequest, "BadRequestHttpException", msgMalformedJSON+"Syntax error")
		if n := len(f.p.Databases(f.srv.Identifier)); n != 0 {
			t.Fatalf("%d databases", n)
		}
	})
	t.Run("pelican has no such check", func(t *testing.T) {
		f := setupApp(t, Options{Flavor: Pelican})
		app := newClient(t, f.p, f.p.AddKey(Key{Application: true, MissingTwoFactor: true}))
		wantStatus(t, app.do("GET", f.dbPath(), nil), http.StatusOK)
	})
}

func TestAppRateLimits(t *testing.T) {
	for fl, limit := range map[Flavor]string{Pterodactyl: "240", Pelican: "256"} {
		f := setupApp(t, Options{Flavor: fl})
		n, _ := strconv.Atoi(limit)
		wantHeaders(t, f.app.do("GET", f.dbPath(), nil), map[string]string{"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": strconv.Itoa(n - 1)})
	}
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			clock := newFakeClock()
			start := clock.Now().Unix()
			f := setupApp(t, Options{Flavor: fl, ApplicationRateLimit: 2, RateLimit: 3, Now: clock.Now})
			// One admin, two keys: a client key and an application key share the windows.
			admin := newClient(t, f.p, f.p.AddKey(Key{RootAdmin: true, User: "admin"}))
			adminApp := newClient(t, f.p, f.p.AddKey(Key{Application: true, User: "admin"}))
			r := admin.do("GET", f.dbPath(), nil)
			wantHeaders(t, r, map[string]string{"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "1"})
			wantHeaders(t, adminApp.do("GET", f.dbPath(), nil), map[string]string{"X-RateLimit-Remaining": "0"})
			r = admin.do("POST", f.dbPath(), map[string]any{"database": "x", "remote": "%", "host": 1})
			wantError(t, r, http.StatusTooManyRequests, "ThrottleRequestsException", msgTooManyAttempts)
			wantHeaders(t, r, map[string]string{"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "0",
				"Retry-After": "60", "X-RateLimit-Reset": strconv.FormatInt(start+60, 10)})
			if len(f.p.Databases(f.srv.Identifier)) != 0 {
				t.Fatal("a throttled create went through")
			}
			// The client API's window is apart, and shared by the user's client keys too.
			other := newClient(t, f.p, f.p.AddKey(Key{RootAdmin: true, User: "admin"}))
			wantHeaders(t, admin.do("GET", dbPath(f.srv.Identifier), nil), map[string]string{"X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "2"})
			wantHeaders(t, other.do("GET", dbPath(f.srv.Identifier), nil), map[string]string{"X-RateLimit-Remaining": "1"})
			// Another user has a window of its own.
			wantHeaders(t, f.app.do("GET", f.dbPath(), nil), map[string]string{"X-RateLimit-Remaining": "1"})
			clock.Advance(time.Minute)
			wantHeaders(t, adminApp.do("GET", f.dbPath(), nil), map[string]string{"X-RateLimit-Remaining": "1"})
		})
	}
	f := setupApp(t, Options{ApplicationRateLimit: -1})
	for range 3 {
		r := f.app.do("GET", f.dbPath(), nil)
		wantStatus(t, r, http.StatusOK)
		wantHeaders(t, r, map[string]string{"X-RateLimit-Limit": "", "X-RateLimit-Remaining": ""})
	}
	// An injected 429 on an application route names the application limit.
	f = setupApp(t, Options{})
	f.p.InjectFault(Fault{Route: RouteAppListDatabases, Status: http.StatusTooManyRequests})
	wantHeaders(t, f.app.do("GET", f.dbPath(), nil), map[string]string{"X-RateLimit-Limit": "240", "X-RateLimit-Remaining": "0"})
}

func TestAppFindServer(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			p := Start(t, Options{Flavor: fl})
			a := p.AddServer(Server{Identifier: "1a7ce997", Name: "Alpha", ExternalID: "ext-a"})
			b := p.AddServer(Server{Identifier: "71a7ce99", Name: "Beta"}) // holds a's identifier but one character
			c := p.AddServer(Server{Identifier: "deadbeef", Name: "Gamma"})
			app := newClient(t, p, p.AddKey(Key{Application: true}))
			short, other := "uuidShort", "uuid_short"
			if fl == Pelican {
				short, other = other, short
			}
			find := func(query string) []int {
				t.Helper()
				return listIDs(t, app.do("GET", appServersPath+"?"+query, nil))
			}
			tests := []struct {
				query string
				want  []int
			}{
				{"filter[" + short + "]=1a7ce997", []int{a.InternalID}},
				{"filter[" + short + "]=1a7ce99", []int{a.InternalID, b.InternalID}}, // partial: compare exactly
				{"filter[" + short + "]=1A7CE997", []int{a.InternalID}},              // and case-insensitive
				{"filter[" + short + "]=deadbeef,1a7ce997", []int{a.InternalID, c.InternalID}},
				{"filter[" + short + "]=%20deadbeef%20", []int{c.InternalID}},
				{"filter[" + short + "]=", []int{a.InternalID, b.InternalID, c.InternalID}},
				{"filter[uuid]=" + a.UUID, []int{a.InternalID}},
				{"filter[uuid]=1a7ce99", []int{a.InternalID, b.InternalID}},
				{"filter[external_id]=ext", []int{a.InternalID}},
				{"filter[name]=ALPHA", []int{a.InternalID}},
				{"filter[" + short + "]=1a7ce99&filter[name]=beta", []int{b.InternalID}},
				{"filter[" + short + "]=%25", nil}, // % is a character here, not a wildcard
				{"", []int{a.InternalID, b.InternalID, c.InternalID}},
			}
			for _, tt := range tests {
				if got := find(tt.query); !slices.Equal(got, tt.want) {
					t.Errorf("?%s: servers %v, want %v", tt.query, got, tt.want)
				}
			}
			allowed := "uuid, " + short + ", name, description, image, external_id"
			wantError(t, app.do("GET", appServersPath+"?filter["+other+"]=1a7ce997", nil), http.StatusBadRequest, "InvalidFilterQuery",
				"Requested filter(s) `"+other+"` are not allowed. Allowed filter(s) are `"+allowed+"`.")
			wantError(t, app.do("GET", appServersPath+"?filter[zz]=1&filter[id]=2", nil), http.StatusBadRequest, "InvalidFilterQuery",
				"Requested filter(s) `id, zz` are not allowed. Allowed filter(s) are `"+allowed+"`.")

			o := app.do("GET", appServerPath(a.InternalID), nil).object(t)
			wantKeys(t, o, "object", "attributes")
			at := attrs(t, o)
			want := []string{"id", "external_id", "uuid", "identifier", "name", "description", "status", "suspended", "limits",
				"feature_limits", "user", "node", "allocation", "egg", "container", "updated_at", "created_at"}
			if fl == Pterodactyl {
				want = append(want, "nest")
			}
			wantKeys(t, at, want...)
			if o["object"] != "server" || num(t, at, "id") != a.InternalID || at["identifier"] != a.Identifier || at["uuid"] != a.UUID ||
				at["external_id"] != "ext-a" || at["name"] != "Alpha" || num(t, at, "node") != 1 || obj(t, at, "feature_limits")["databases"] != nil {
				t.Fatalf("server = %s", o)
			}
			if at := attrs(t, app.do("GET", appServerPath(b.InternalID), nil).object(t)); at["external_id"] != nil {
				t.Fatalf("external_id of a server without one = %v", at["external_id"])
			}
			for _, path := range []string{appServerPath(999), appServersPath + "/abc", appServersPath + "/external/none", appServersPath + "/external"} {
				wantError(t, app.do("GET", path, nil), http.StatusNotFound, "NotFoundHttpException", msgModelNotFound)
			}
			if got := num(t, app.do("GET", appServersPath+"/external/ext-a", nil).object(t), "attributes", "id"); got != a.InternalID {
				t.Fatalf("external lookup found %d", got)
			}
			if n := p.Requests(RouteAppGetServerExternal); n != 2 {
				t.Fatalf("Requests(RouteAppGetServerExternal) = %d, want 2", n)
			}
		})
	}
}

func TestAppServerListPages(t *testing.T) {
	p := Start(t, Options{})
	for range 3 {
		p.AddServer(Server{})
	}
	app := newClient(t, p, p.AddKey(Key{Application: true}))
	link := func(n int) string { return p.URL() + appServersPath + "?page=" + strconv.Itoa(n) }
	tests := []struct {
		query string
		ids   []int
		meta  string
	}{
		{"", []int{1, 2, 3}, `{"total":3,"count":3,"per_page":50,"current_page":1,"total_pages":1,"links":{}}`},
		{"per_page=2", []int{1, 2}, `{"total":3,"count":2,"per_page":2,"current_page":1,"total_pages":2,"links":{"next":"` + link(2) + `"}}`},
		{"per_page=2&page=2", []int{3}, `{"total":3,"count":1,"per_page":2,"current_page":2,"total_pages":2,"links":{"previous":"` + link(1) + `"}}`},
		{"per_page=1&page=2", []int{2}, `{"total":3,"count":1,"per_page":1,"current_page":2,"total_pages":3,"links":{"previous":"` + link(1) + `","next":"` + link(3) + `"}}`},
		{"per_page=2&page=5", nil, `{"total":3,"count":0,"per_page":2,"current_page":5,"total_pages":2,"links":{"previous":"` + link(4) + `"}}`},
		{"per_page=0&page=x", []int{1, 2, 3}, `{"total":3,"count":3,"per_page":50,"current_page":1,"total_pages":1,"links":{}}`},
		{"filter[uuid]=nomatch", nil, `{"total":0,"count":0,"per_page":50,"current_page":1,"total_pages":1,"links":{}}`},
	}
	for _, tt := range tests {
		r := app.do("GET", appServersPath+"?"+tt.query, nil)
		if got := listIDs(t, r); !slices.Equal(got, tt.ids) {
			t.Errorf("?%s: ids %v, want %v", tt.query, got, tt.ids)
		}
		var body struct {
			Data []any `json:"data"`
			Meta struct {
				Pagination json.RawMessage `json:"pagination"`
			} `json:"meta"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		if string(body.Meta.Pagination) != tt.meta || body.Data == nil {
			t.Errorf("?%s: pagination %s, want %s (data %v)", tt.query, body.Meta.Pagination, tt.meta, body.Data)
		}
	}
}

func TestAppRoutesAndMethods(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			f := setupApp(t, Options{Flavor: fl})
			db := f.p.AddDatabase(f.srv.Identifier, "mydb", "%")
			id := strconv.Itoa(db.InternalID)
			tests := []struct {
				method, path, allow string
			}{
				{"PUT", f.dbPath(), "GET, HEAD, POST"},
				{"PATCH", f.dbPath(id), "GET, HEAD, DELETE"},
				{"GET", f.dbPath(id, "reset-password"), "POST"},
				{"POST", appServersPath, "GET, HEAD"},
				{"DELETE", appServerPath(f.srv.InternalID), "GET, HEAD"},
			}
			if fl == Pelican {
				tests = append(tests, struct{ method, path, allow string }{"PUT", appHostsPath + "/1", "GET, HEAD, PATCH, DELETE"},
					struct{ method, path, allow string }{"DELETE", appHostsPath, "GET, HEAD, POST"})
			}
			for _, tt := range tests {
				r := f.app.do(tt.method, tt.path, nil)
				wantStatus(t, r, http.StatusMethodNotAllowed)
				if got := r.header.Get("Allow"); got != tt.allow {
					t.Errorf("%s %s: Allow = %q, want %q", tt.method, tt.path, got, tt.allow)
				}
			}
			for _, path := range []string{"/api/application/users", appServerPath(f.srv.InternalID, "databases", id, "rotate-password"),
				appServerPath(f.srv.InternalID, "files")} {
				wantError(t, f.app.do("GET", path, nil), http.StatusNotFound, "NotFoundHttpException",
					"The route "+strings.TrimPrefix(path, "/")+" could not be found.")
			}
			if fl == Pterodactyl { // no database host API at all
				for _, m := range []string{"GET", "POST"} {
					wantError(t, f.app.do(m, appHostsPath, validHost), http.StatusNotFound, "NotFoundHttpException",
						"The route api/application/database-hosts could not be found.")
				}
				wantStatus(t, f.app.do("PATCH", appHostsPath+"/1", validHost), http.StatusNotFound)
				if n := f.p.Requests(RouteAppListDatabaseHosts) + f.p.Requests(RouteAppCreateDatabaseHost) + f.p.Requests(RouteAppUpdateDatabaseHost); n != 0 {
					t.Fatalf("Pterodactyl counted %d requests on host routes", n)
				}
			}
			if f.p.Requests(RouteOther) != f.p.TotalRequests() {
				t.Fatalf("405s and 404s count as RouteOther: %d of %d", f.p.Requests(RouteOther), f.p.TotalRequests())
			}
			// HEAD is served like GET.
			if r := f.app.do("HEAD", f.dbPath(), nil); r.status != http.StatusOK || len(r.body) != 0 {
				t.Fatalf("HEAD: %d %q", r.status, r.body)
			}
		})
	}
}

func TestAppRequestCounts(t *testing.T) {
	f := setupApp(t, Options{Flavor: Pelican})
	id := strconv.Itoa(num(t, f.appCreate(t, "one", 1), "id"))
	f.app.do("GET", f.dbPath(), nil)
	f.app.do("GET", f.dbPath(id), nil)
	f.app.do("POST", f.dbPath(id, "reset-password"), nil)
	f.app.do("DELETE", f.dbPath(id), nil)
	f.app.do("GET", appServersPath, nil)
	f.app.do("GET", appServerPath(1), nil)
	f.app.do("GET", appHostsPath, nil)
	f.app.do("POST", appHostsPath, validHost)
	f.app.do("GET", appHostsPath+"/2", nil)
	f.app.do("PATCH", appHostsPath+"/2", validHost)
	f.app.do("DELETE", appHostsPath+"/2", nil)
	newClient(t, f.p, "").do("GET", f.dbPath(), nil) // counted before auth
	for route, want := range map[Route]int{
		RouteAppCreateDatabase: 1, RouteAppListDatabases: 2, RouteAppGetDatabase: 1, RouteAppResetPassword: 1,
		RouteAppDeleteDatabase: 1, RouteAppListServers: 1, RouteAppGetServer: 1, RouteAppListDatabaseHosts: 1,
		RouteAppCreateDatabaseHost: 1, RouteAppGetDatabaseHost: 1, RouteAppUpdateDatabaseHost: 1, RouteAppDeleteDatabaseHost: 1,
		RouteListDatabases: 0, RouteCreateDatabase: 0, RouteOther: 0,
	} {
		if got := f.p.Requests(route); got != want {
			t.Errorf("Requests(%s) = %d, want %d", route, got, want)
		}
	}
	if f.p.TotalRequests() != 13 {
		t.Errorf("TotalRequests() = %d, want 13", f.p.TotalRequests())
	}
}

// TestAppCheckOrder pairs two failures per case; the one the panel checks first must win.
func TestAppCheckOrder(t *testing.T) {
	type world struct {
		f      *appFixture
		member *client // a client key of a user who is not an admin
	}
	valid := map[string]any{"database": "newdb", "remote": "%", "host": 1}
	tests := []struct {
		name   string
		opts   Options
		call   func(w world) *response
		status int
		code   string
		detail string
	}{
		{"auth before malformed JSON", Options{}, func(w world) *response {
			return newClient(t, w.f.p, "wrong").do("POST", w.f.dbPath(), "{")
		}, 401, "AuthenticationException", msgUnauthenticated},
		{"malformed JSON before 2FA", Options{}, func(w world) *response {
			return newClient(t, w.f.p, w.f.p.AddKey(Key{Application: true, MissingTwoFactor: true})).do("POST", w.f.dbPath(), "{")
		}, 400, "BadRequestHttpException", msgMalformedJSON + "Syntax error"},
		{"pterodactyl: throttle before bindings", Options{ApplicationRateLimit: 1}, func(w world) *response {
			w.f.app.do("GET", appServersPath, nil)
			return w.f.app.do("GET", appServerPath(999), nil)
		}, 429, "ThrottleRequestsException", msgTooManyAttempts},
		{"pelican: bindings before throttle", Options{Flavor: Pelican, ApplicationRateLimit: 1}, func(w world) *response {
			w.f.app.do("GET", appServersPath, nil)
			return w.f.app.do("GET", appServerPath(999), nil)
		}, 404, "NotFoundHttpException", msgModelNotFound},
		{"pelican: admin check before throttle", Options{Flavor: Pelican, ApplicationRateLimit: 1}, func(w world) *response {
			w.member.do("GET", appServersPath, nil)
			return w.member.do("GET", appServersPath, nil)
		}, 403, "AccessDeniedHttpException", msgNoAPIAccess},
		{"server binding before admin check", Options{}, func(w world) *response {
			return w.member.do("GET", appDBPath(999), nil)
		}, 404, "NotFoundHttpException", msgModelNotFound},
		{"database binding before admin check", Options{}, func(w world) *response {
			return w.member.do("DELETE", w.f.dbPath("zzzzzzzz"), nil)
		}, 404, "NotFoundHttpException", msgModelNotFound},
		{"host binding before admin check", Options{Flavor: Pelican}, func(w world) *response {
			return w.member.do("GET", appHostsPath+"/99", nil)
		}, 404, "NotFoundHttpException", msgModelNotFound},
		{"admin check before ACL", Options{}, func(w world) *response {
			return w.member.do("GET", w.f.dbPath(), nil)
		}, 403, "AccessDeniedHttpException", msgNoAPIAccess},
		{"ACL before validation", Options{}, func(w world) *response {
			return newClient(t, w.f.p, w.f.p.AddKey(Key{Application: true, ACL: map[string]int{"server_databases": ACLRead}})).
				do("POST", w.f.dbPath(), map[string]any{})
		}, 403, "AccessDeniedHttpException", msgUnauthorized},
		{"ACL before the external lookup", Options{}, func(w world) *response {
			return newClient(t, w.f.p, w.f.p.AddKey(Key{Application: true, ACL: map[string]int{}})).
				do("GET", appServersPath+"/external/none", nil)
		}, 403, "AccessDeniedHttpException", msgUnauthorized},
		{"ACL before the filter check", Options{}, func(w world) *response {
			return newClient(t, w.f.p, w.f.p.AddKey(Key{Application: true, ACL: map[string]int{}})).
				do("GET", appServersPath+"?filter[bad]=1", nil)
		}, 403, "AccessDeniedHttpException", msgUnauthorized},
		{"validation before feature flag", Options{}, func(w world) *response {
			w.f.p.SetDatabasesFeatureEnabled(false)
			return w.f.app.do("POST", w.f.dbPath(), map[string]any{"database": "x"})
		}, 422, "", ""},
		{"feature flag before limit", Options{}, func(w world) *response {
			w.f.p.SetDatabasesFeatureEnabled(false)
			w.f.p.SetDatabaseLimit(w.f.srv.Identifier, Limit(0))
			return w.f.app.do("POST", w.f.dbPath(), valid)
		}, 500, "DatabaseClientFeatureNotEnabledException", msgUnexpected},
		{"limit before duplicate name", Options{}, func(w world) *response {
			w.f.p.AddDatabase(w.f.srv.Identifier, "newdb", "%")
			w.f.p.SetDatabaseLimit(w.f.srv.Identifier, Limit(1))
			return w.f.app.do("POST", w.f.dbPath(), valid)
		}, 400, "TooManyDatabasesException", msgTooManyDatabases},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setupApp(t, tt.opts)
			w := world{f: f, member: newClient(t, f.p, f.p.AddKey(Key{Servers: map[string][]string{f.srv.Identifier: {"*"}}}))}
			r := tt.call(w)
			if tt.code == "" {
				wantStatus(t, r, tt.status)
				return
			}
			wantError(t, r, tt.status, tt.code, tt.detail)
		})
	}
}

func TestNodes(t *testing.T) {
	p := Start(t, Options{Nodes: 2, DatabaseHosts: 2})
	s := p.AddServer(Server{Node: 2})
	if s.Node != 2 || p.AddServer(Server{}).Node != 1 {
		t.Fatal("servers are not on their nodes")
	}
	owner := newClient(t, p, p.AddKey(Key{Servers: map[string][]string{s.Identifier: {"*"}}}))
	if node := str(t, owner.do("GET", serverPath(s.Identifier), nil).object(t), "attributes", "node"); node != "Node 2" {
		t.Fatalf("client API node = %q", node)
	}
	// The seeded hosts serve every node; a client create prefers the hosts on the server's node.
	for _, h := range p.DatabaseHosts() {
		if !slices.Equal(h.NodeIDs, []int{1, 2}) {
			t.Fatalf("seeded host %+v does not serve every node", h)
		}
	}
	only := p.AddDatabaseHost(DatabaseHost{NodeIDs: []int{2}})
	p.AddDatabaseHost(DatabaseHost{NodeIDs: []int{1}})
	body := func(n string) map[string]string { return map[string]string{"database": n, "remote": "%"} }
	for _, n := range []string{"aaa", "bbb", "ccc"} {
		wantStatus(t, owner.do("POST", dbPath(s.Identifier), body(n)), http.StatusOK)
	}
	var got []int
	for _, d := range p.Databases(s.Identifier) {
		got = append(got, d.HostID)
	}
	if !slices.Equal(got, []int{1, 2, only.ID}) {
		t.Fatalf("hosts picked %v, want round-robin over the node's hosts [1 2 %d]", got, only.ID)
	}
	for _, bad := range []func(){
		func() { p.AddServer(Server{Node: 3}) },
		func() { p.AddDatabaseHost(DatabaseHost{NodeIDs: []int{3}}) },
		func() { p.AddDatabaseHost(DatabaseHost{ID: only.ID}) },
		func() { New(Options{Nodes: -1}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			bad()
		}()
	}
}

// goPost sends a POST in the background; the channel gets its result.
func goPost(ctx context.Context, c *client, path string, body any) <-chan result {
	req := c.request(ctx, "POST", path, body)
	out := make(chan result, 1)
	go func() {
		r, err := c.send(req)
		out <- result{r, err}
	}()
	return out
}

func TestAppQueryIsNotTheBody(t *testing.T) {
	// Filters and pages come from the query string only; includes from either.
	f := setupApp(t, Options{})
	f.p.AddServer(Server{})
	u := url.Values{"filter[uuid]": {"nomatch"}}
	if ids := listIDs(t, f.app.do("GET", appServersPath+"?"+u.Encode(), nil)); len(ids) != 0 {
		t.Fatalf("query filter ignored: %v", ids)
	}
	req := f.app.request(t.Context(), "GET", appServersPath, map[string]any{"filter": map[string]any{"uuid": "nomatch"}, "per_page": 1})
	if ids := listIDs(t, f.app.sendOK(req)); len(ids) != 2 {
		t.Fatalf("a body filter or page size was applied: %v", ids)
	}
	db := f.p.AddDatabase(f.srv.Identifier, "mydb", "%")
	req = f.app.request(t.Context(), "GET", f.dbPath(strconv.Itoa(db.InternalID)), map[string]any{"include": "password"})
	if pw := str(t, f.app.sendOK(req).object(t), "attributes", "relationships", "password", "attributes", "password"); pw != db.Password {
		t.Fatalf("include in the body: password %q", pw)
	}
}

// The server list's databases include: each server's databases as objects named
// "databases", with their own password and host includes; a null resource, never an empty
// list, for a key that may not read server databases; the uuid filter partial and OR-ed by
// commas, so that short identifiers find their servers.
func TestAppServerListIncludesDatabases(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			f := setupApp(t, Options{Flavor: fl})
			other := f.p.AddServer(Server{})
			f.p.AddServer(Server{})
			made := f.p.AddDatabase(f.srv.Identifier, "app", "%")
			q := url.Values{"filter[uuid]": {f.srv.Identifier + "," + strings.ToUpper(other.UUID)},
				"include": {"databases.password,databases.host"}, "per_page": {"100"}}
			o := f.app.do("GET", appServersPath+"?"+q.Encode(), nil).object(t)
			data := arr(t, o, "data")
			if len(data) != 2 {
				t.Fatalf("%d servers for two OR-ed uuid filters, want 2", len(data))
			}
			dbs := obj(t, asMap(t, data[0]), "attributes", "relationships", "databases")
			list := arr(t, dbs, "data")
			if dbs["object"] != "list" || len(list) != 1 {
				t.Fatalf("databases = %v", dbs)
			}
			db := asMap(t, list[0])
			a := obj(t, db, "attributes")
			rel := obj(t, a, "relationships")
			if db["object"] != "databases" || a["database"] != made.Name || obj(t, rel, "password", "attributes")["password"] != made.Password ||
				obj(t, rel, "host")["object"] != "database_host" || a["max_connections"] != json.Number("0") {
				t.Fatalf("database = %v", db)
			}
			if empty := obj(t, asMap(t, data[1]), "attributes", "relationships", "databases"); len(arr(t, empty, "data")) != 0 {
				t.Fatalf("the other server's databases = %v", empty)
			}
			// Without the nested includes, no relationships on the databases.
			o = f.app.do("GET", appServersPath+"?include=databases&filter[uuid]="+f.srv.Identifier, nil).object(t)
			first := asMap(t, arr(t, obj(t, asMap(t, arr(t, o, "data")[0]), "attributes", "relationships", "databases"), "data")[0])
			if _, ok := obj(t, first, "attributes")["relationships"]; ok {
				t.Fatalf("include=databases gave the databases relationships: %v", first)
			}
			// A key without server database read gets a null resource.
			res := ACLResourcesOf(fl)
			serversOnly := newClient(t, f.p, f.p.AddKey(Key{Application: true, ACL: map[string]int{res.Servers: ACLRead}}))
			o = serversOnly.do("GET", appServersPath+"?include=databases&filter[uuid]="+f.srv.Identifier, nil).object(t)
			null := obj(t, asMap(t, arr(t, o, "data")[0]), "attributes", "relationships", "databases")
			if null["object"] != "null_resource" || null["attributes"] != nil {
				t.Fatalf("databases for a key without server database read = %v, want a null resource", null)
			}
		})
	}
}

func asMap(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v is not a JSON object", v)
	}
	return m
}
