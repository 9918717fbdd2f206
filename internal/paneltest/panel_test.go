package paneltest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestStartServesUntilClose(t *testing.T) {
	p := Start(t, Options{})
	if !strings.HasPrefix(p.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL() = %q", p.URL())
	}
	if u := New(Options{}).URL(); u != "" {
		t.Fatalf("URL() of an unstarted panel = %q, want empty", u)
	}
	c := newClient(t, p, "")
	wantStatus(t, c.do("GET", "/api/client", nil), http.StatusUnauthorized)
	p.Close()
	p.Close() // idempotent
	if _, err := c.send(c.request(t.Context(), "GET", "/api/client", nil)); err == nil {
		t.Fatal("request after Close succeeded")
	}
	New(Options{}).Close() // no server: nothing to do
}

func TestHandlerWorksWithoutListening(t *testing.T) {
	p := New(Options{Flavor: Pelican})
	rec := httptest.NewRecorder()
	req := httptest.NewRequestWithContext(t.Context(), "GET", "/api/client/servers/abcd1234/databases/1", nil)
	req.Header.Set("Accept", "application/json")
	p.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "DELETE" {
		t.Fatalf("got %d Allow=%q", rec.Code, rec.Header().Get("Allow"))
	}
}

func TestFlavorDefaultsAndPermissions(t *testing.T) {
	tests := []struct {
		in   Flavor
		want Flavor
		view string
	}{
		{"", Pterodactyl, "database.view_password"},
		{Pterodactyl, Pterodactyl, "database.view_password"},
		{Pelican, Pelican, "database.view-password"},
	}
	for _, tt := range tests {
		p := New(Options{Flavor: tt.in})
		if p.Flavor() != tt.want || p.ViewPasswordPermission() != tt.view {
			t.Errorf("flavor %q: Flavor()=%q view=%q", tt.in, p.Flavor(), p.ViewPasswordPermission())
		}
		want := []string{"database.read", "database.create", "database.update", "database.delete", tt.view}
		if got := AllDatabasePermissions(tt.want); !slices.Equal(got, want) {
			t.Errorf("AllDatabasePermissions(%q) = %v", tt.want, got)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("New with an unknown flavor did not panic")
		}
	}()
	New(Options{Flavor: "wings"})
}

func TestSingleDatabaseGETIs405(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			f := setup(t, Options{Flavor: fl})
			db := f.p.AddDatabase(f.srv.Identifier, "mydb", "%")
			anon := newClient(t, f.p, "")
			for _, c := range []*client{f.owner, anon} { // routing happens before auth
				for _, id := range []string{db.ID, "nope"} {
					path := f.dbPath(id)
					r := c.do("GET", path, nil)
					wantError(t, r, http.StatusMethodNotAllowed, "MethodNotAllowedHttpException",
						"The GET method is not supported for route "+strings.TrimPrefix(path, "/")+". Supported methods: DELETE.")
					if got := r.header.Get("Allow"); got != "DELETE" {
						t.Fatalf("Allow = %q, want DELETE", got)
					}
				}
			}
			if n := f.p.Requests(RouteOther); n != 4 {
				t.Fatalf("Requests(RouteOther) = %d, want 4", n)
			}
		})
	}
}

func TestOtherMethodsNotAllowed(t *testing.T) {
	f := setup(t, Options{})
	tests := []struct {
		method, path, allow string
	}{
		{"PUT", f.dbPath(), "GET, HEAD, POST"},
		{"PATCH", f.dbPath("abc"), "DELETE"},
		{"GET", f.dbPath("abc", "rotate-password"), "POST"},
		{"DELETE", serverPath(f.srv.Identifier), "GET, HEAD"},
		{"POST", "/api/client", "GET, HEAD"},
	}
	for _, tt := range tests {
		r := f.owner.do(tt.method, tt.path, nil)
		wantStatus(t, r, http.StatusMethodNotAllowed)
		if got := r.header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow = %q, want %q", tt.method, tt.path, got, tt.allow)
		}
	}
}

func TestUnknownPathsAre404(t *testing.T) {
	f := setup(t, Options{})
	for _, path := range []string{
		"/api/client/servers",
		"/api/client/servers/" + f.srv.Identifier + "/files",
		"/api/client/servers//databases",
		f.dbPath("abc", "reset-password"),
		"/api/application/database-hosts", // Pelican only
		"/api/application/nests",
		"/",
	} {
		r := newClient(t, f.p, "").do("GET", path, nil)
		want := "The route " + strings.Trim(path, "/") + " could not be found."
		if path == "/" {
			want = "The route / could not be found."
		}
		wantError(t, r, http.StatusNotFound, "NotFoundHttpException", want)
	}
}

func TestHeadIsServedLikeGet(t *testing.T) {
	f := setup(t, Options{})
	r := f.owner.do("HEAD", f.dbPath(), nil)
	if r.status != http.StatusOK || len(r.body) != 0 || f.p.Requests(RouteListDatabases) != 1 {
		t.Fatalf("HEAD: %d %q, list count %d", r.status, r.body, f.p.Requests(RouteListDatabases))
	}
}

// orderWorld has two servers, each with a database, and an owner key for the first only.
type orderWorld struct {
	p          *Panel
	a, b       Server
	dbA, dbB   Database
	owner, app string
}

func newOrderWorld(t *testing.T, opts Options) *orderWorld {
	p := Start(t, opts)
	w := &orderWorld{p: p, a: p.AddServer(Server{}), b: p.AddServer(Server{})}
	w.owner = p.AddKey(Key{Servers: map[string][]string{w.a.Identifier: {"*"}}})
	w.app = p.AddKey(Key{Application: true, Servers: map[string][]string{w.a.Identifier: {"*"}}})
	w.dbA = p.AddDatabase(w.a.Identifier, "alpha", "%")
	w.dbB = p.AddDatabase(w.b.Identifier, "beta", "%")
	return w
}

// TestCheckOrder pairs two failures per case; the one the panel checks first must win.
func TestCheckOrder(t *testing.T) {
	type req struct{ token, method, path, body string }
	valid := `{"database":"newdb","remote":"%"}`
	tests := []struct {
		name   string
		opts   Options
		setup  func(w *orderWorld) req
		status int
		code   string
		detail string
	}{
		{"auth before bindings", Options{}, func(w *orderWorld) req {
			return req{"", "GET", dbPath("nosuchsv"), ""}
		}, 401, "AuthenticationException", msgUnauthenticated},
		{"auth before malformed JSON", Options{}, func(w *orderWorld) req {
			return req{"wrong", "POST", dbPath(w.a.Identifier), "{"}
		}, 401, "AuthenticationException", msgUnauthenticated},
		{"malformed JSON before throttle", Options{RateLimit: 1}, func(w *orderWorld) req {
			newClient(t, w.p, w.owner).do("GET", "/api/client", nil)
			return req{w.owner, "POST", dbPath(w.a.Identifier), "{"}
		}, 400, "BadRequestHttpException", msgMalformedJSON + "Syntax error"},
		{"bindings before throttle", Options{RateLimit: 1}, func(w *orderWorld) req {
			newClient(t, w.p, w.owner).do("GET", "/api/client", nil)
			return req{w.owner, "GET", dbPath("nosuchsv"), ""}
		}, 404, "NotFoundHttpException", msgModelNotFound},
		{"throttle before server access", Options{RateLimit: 1}, func(w *orderWorld) req {
			newClient(t, w.p, w.owner).do("GET", "/api/client", nil)
			return req{w.owner, "GET", dbPath(w.a.Identifier), ""}
		}, 429, "ThrottleRequestsException", msgTooManyAttempts},
		{"server binding before application key", Options{}, func(w *orderWorld) req {
			return req{w.app, "GET", dbPath("nosuchsv"), ""}
		}, 404, "NotFoundHttpException", msgModelNotFound},
		{"database binding before application key", Options{}, func(w *orderWorld) req {
			return req{w.app, "DELETE", dbPath(w.a.Identifier, "zzzzzzzz"), ""}
		}, 404, "NotFoundHttpException", msgModelNotFound},
		{"application key before server access", Options{}, func(w *orderWorld) req {
			return req{w.app, "GET", dbPath(w.b.Identifier), ""}
		}, 403, "AccessDeniedHttpException", msgApplicationKey},
		{"server access before state", Options{}, func(w *orderWorld) req {
			w.p.SetServerState(w.b.Identifier, ServerState{Suspended: true})
			return req{w.owner, "GET", dbPath(w.b.Identifier), ""}
		}, 404, "NotFoundHttpException", msgServerAccessNotFound},
		{"state before foreign database", Options{}, func(w *orderWorld) req {
			w.p.SetServerState(w.a.Identifier, ServerState{Suspended: true})
			return req{w.owner, "DELETE", dbPath(w.a.Identifier, w.dbB.ID), ""}
		}, 409, "ServerStateConflictException", msgSuspended},
		{"pelican scoped binding before state", Options{Flavor: Pelican}, func(w *orderWorld) req {
			w.p.SetServerState(w.a.Identifier, ServerState{Suspended: true})
			return req{w.owner, "DELETE", dbPath(w.a.Identifier, w.dbB.ID), ""}
		}, 404, "NotFoundHttpException", msgModelNotFound},
		{"foreign database before permission", Options{}, func(w *orderWorld) req {
			tok := w.p.AddKey(Key{Servers: map[string][]string{w.a.Identifier: {}}})
			return req{tok, "DELETE", dbPath(w.a.Identifier, w.dbB.ID), ""}
		}, 404, "NotFoundHttpException", msgNotForThisServer},
		{"permission before validation", Options{}, func(w *orderWorld) req {
			tok := w.p.AddKey(Key{Servers: map[string][]string{w.a.Identifier: {"database.read"}}})
			return req{tok, "POST", dbPath(w.a.Identifier), `{}`}
		}, 403, "AccessDeniedHttpException", msgUnauthorized},
		{"validation before limit", Options{}, func(w *orderWorld) req {
			w.p.SetDatabaseLimit(w.a.Identifier, Limit(0))
			return req{w.owner, "POST", dbPath(w.a.Identifier), `{"database":"x"}`}
		}, 422, "", ""},
		{"no host before feature flag", Options{}, func(w *orderWorld) req {
			w.p.SetDatabaseHostAvailable(false)
			w.p.SetDatabasesFeatureEnabled(false)
			return req{w.owner, "POST", dbPath(w.a.Identifier), valid}
		}, 400, "NoSuitableDatabaseHostException", msgNoHost},
		{"feature flag before limit", Options{}, func(w *orderWorld) req {
			w.p.SetDatabasesFeatureEnabled(false)
			w.p.SetDatabaseLimit(w.a.Identifier, Limit(0))
			return req{w.owner, "POST", dbPath(w.a.Identifier), valid}
		}, 500, "DatabaseClientFeatureNotEnabledException", msgUnexpected},
		{"state before pelican create throttle", Options{Flavor: Pelican, CreateRateLimit: 1}, func(w *orderWorld) req {
			newClient(t, w.p, w.owner).do("POST", dbPath(w.a.Identifier), map[string]string{"database": "first", "remote": "%"})
			w.p.SetServerState(w.a.Identifier, ServerState{Installing: true})
			return req{w.owner, "POST", dbPath(w.a.Identifier), valid}
		}, 409, "ServerStateConflictException", msgNotInstalled},
		{"pelican create throttle before permission", Options{Flavor: Pelican, CreateRateLimit: 1}, func(w *orderWorld) req {
			tok := w.p.AddKey(Key{Servers: map[string][]string{w.a.Identifier: {"database.read"}}})
			newClient(t, w.p, tok).do("POST", dbPath(w.a.Identifier), valid)
			return req{tok, "POST", dbPath(w.a.Identifier), valid}
		}, 429, "ThrottleRequestsException", msgTooManyAttempts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newOrderWorld(t, tt.opts)
			q := tt.setup(w)
			c := newClient(t, w.p, q.token)
			var body any
			if q.body != "" {
				body = q.body
			}
			r := c.do(q.method, q.path, body)
			if tt.code == "" {
				wantStatus(t, r, tt.status)
				return
			}
			wantError(t, r, tt.status, tt.code, tt.detail)
		})
	}
}
