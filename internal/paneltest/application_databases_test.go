package paneltest

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestAppDatabaseLifecycle(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			clock := newFakeClock()
			f := setupApp(t, Options{Flavor: fl, DatabaseHosts: 2, Now: clock.Now})
			srv := f.p.AddServer(Server{InternalID: 12})
			r := f.app.do("POST", appDBPath(12), map[string]any{"database": "mydb", "remote": "10.0.0.%", "host": 2})
			wantStatus(t, r, http.StatusCreated)
			if loc := r.header.Get("Location"); loc != "" {
				t.Errorf("Location = %q, want none", loc)
			}
			o := r.object(t)
			wantKeys(t, o, "object", "attributes", "meta")
			id := num(t, o, "attributes", "id")
			if o["object"] != "server_database" || str(t, o, "meta", "resource") != f.p.URL()+"/api/application/servers/12/databases/"+strconv.Itoa(id) {
				t.Fatalf("create answer %s", r.body)
			}
			a := attrs(t, o)
			wantKeys(t, a, "id", "server", "host", "database", "username", "remote", "max_connections", "created_at", "updated_at")
			if mc, ok := a["max_connections"]; !ok || mc != nil {
				t.Fatalf("max_connections = %v, want null in the create answer", mc)
			}
			if num(t, a, "server") != 12 || num(t, a, "host") != 2 || a["database"] != "s12_mydb" || a["remote"] != "10.0.0.%" ||
				!regexp.MustCompile(`^u12_[A-Za-z0-9]{10}$`).MatchString(str(t, a, "username")) ||
				a["created_at"] != "2023-11-14T22:13:20+00:00" || a["updated_at"] != a["created_at"] {
				t.Fatalf("attributes %v", a)
			}
			stored := f.p.Databases(srv.Identifier)
			if len(stored) != 1 || stored[0].InternalID != id || stored[0].HostID != 2 || stored[0].Username != a["username"] {
				t.Fatalf("Databases() = %+v", stored)
			}

			// Afterwards max_connections is 0; one GET, a list without pages.
			path := appDBPath(12, strconv.Itoa(id))
			got := attrs(t, f.app.do("GET", path, nil).object(t))
			if num(t, got, "max_connections") != 0 {
				t.Fatalf("max_connections after create = %v", got["max_connections"])
			}
			list := f.app.do("GET", appDBPath(12), nil).object(t)
			wantKeys(t, list, "object", "data")
			if list["object"] != "list" || len(arr(t, list, "data")) != 1 || num(t, list, "data", 0, "attributes", "id") != id {
				t.Fatalf("list = %v", list)
			}

			// ?include=password on every call, with no permission beyond READ.
			reader := newClient(t, f.p, f.p.AddKey(Key{Application: true, ACL: map[string]int{ACLResourcesOf(fl).ServerDatabases: ACLRead}}))
			for name, o := range map[string]any{
				"get":  reader.do("GET", path+"?include=password", nil).object(t),
				"list": obj(t, reader.do("GET", appDBPath(12)+"?include=password", nil).object(t), "data", 0),
			} {
				pw := obj(t, o, "attributes", "relationships", "password")
				wantKeys(t, pw, "object", "attributes")
				if pw["object"] != "database_password" || str(t, pw, "attributes", "password") != stored[0].Password {
					t.Fatalf("%s: password %v, want %q", name, pw, stored[0].Password)
				}
			}
			if _, ok := got["relationships"]; ok {
				t.Fatalf("relationships without an include: %v", got)
			}
			r = f.app.do("POST", appDBPath(12)+"?include=password", map[string]any{"database": "other", "remote": "%", "host": 1})
			if pw := str(t, r.object(t), "attributes", "relationships", "password", "attributes", "password"); !passwordPattern.MatchString(pw) {
				t.Fatalf("create with include: password %q", pw)
			}

			// reset-password: 204 and no body; the next GET has the new password.
			clock.Advance(time.Minute)
			r = f.app.do("POST", path+"/reset-password", nil)
			wantStatus(t, r, http.StatusNoContent)
			if len(r.body) != 0 || r.header.Get("Content-Type") != "" {
				t.Fatalf("reset-password answered %q with type %q", r.body, r.header.Get("Content-Type"))
			}
			fresh := f.p.Databases(srv.Identifier)[0]
			if fresh.Password == stored[0].Password || !passwordPattern.MatchString(fresh.Password) {
				t.Fatalf("password after reset: %q (was %q)", fresh.Password, stored[0].Password)
			}
			got = attrs(t, f.app.do("GET", path+"?include=password", nil).object(t))
			if str(t, got, "relationships", "password", "attributes", "password") != fresh.Password ||
				got["updated_at"] != "2023-11-14T22:14:20+00:00" || got["created_at"] != "2023-11-14T22:13:20+00:00" {
				t.Fatalf("after reset: %v", got)
			}

			r = f.app.do("DELETE", path, nil)
			wantStatus(t, r, http.StatusNoContent)
			if len(r.body) != 0 {
				t.Fatalf("delete answered %q", r.body)
			}
			if n := len(f.p.Databases(srv.Identifier)); n != 1 {
				t.Fatalf("%d databases after delete, want the other one", n)
			}
			wantError(t, f.app.do("GET", path, nil), http.StatusNotFound, "NotFoundHttpException", msgModelNotFound)
			wantError(t, f.app.do("DELETE", path, nil), http.StatusNotFound, "NotFoundHttpException", msgModelNotFound)
		})
	}
}

func TestAppAndClientShareDatabases(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			f := setupApp(t, Options{Flavor: fl, DatabaseHost: "db.example.com", DatabasePort: 3307})
			owner := newClient(t, f.p, f.p.AddKey(Key{Servers: map[string][]string{f.srv.Identifier: {"*"}}}))
			// Made through the client API, seen and handled through the application API.
			viaClient := attrs(t, owner.do("POST", dbPath(f.srv.Identifier), map[string]string{"database": "web", "remote": "%"}).object(t))
			db := f.p.Databases(f.srv.Identifier)[0]
			if idString(viaClient["id"]) != db.ID {
				t.Fatalf("client id %v, Databases() %+v", viaClient["id"], db)
			}
			a := attrs(t, f.app.do("GET", f.dbPath(strconv.Itoa(db.InternalID)), nil).object(t))
			if num(t, a, "id") != db.InternalID || a["database"] != "s1_web" || num(t, a, "host") != db.HostID {
				t.Fatalf("application view of a client-made database: %v", a)
			}
			// Pterodactyl's hashid encodes the same id, and the application API takes it too;
			// Pelican's ids are numeric in both APIs.
			r := f.app.do("GET", f.dbPath(db.ID), nil)
			if fl == Pelican {
				if db.ID != strconv.Itoa(db.InternalID) {
					t.Fatalf("Pelican ids differ: %+v", db)
				}
				wantStatus(t, f.app.do("GET", f.dbPath(f.p.ids.encode(db.InternalID)), nil), http.StatusNotFound)
			} else if num(t, r.object(t), "attributes", "id") != db.InternalID || f.p.ids.encode(db.InternalID) != db.ID {
				t.Fatalf("hashid %s: %s", db.ID, r.body)
			}

			// Made through the application API, seen and deleted through the client API.
			made := f.appCreate(t, "api", 1)
			var clientID string
			for _, it := range arr(t, owner.do("GET", dbPath(f.srv.Identifier), nil).object(t), "data") {
				if at := attrs(t, it); at["name"] == "s1_api" {
					clientID = idString(at["id"])
					if h := obj(t, at, "host"); h["address"] != "db.example.com" || num(t, h, "port") != 3307 || num(t, at, "max_connections") != 0 {
						t.Fatalf("client view of an application-made database: %v", at)
					}
				}
			}
			if want := f.p.Databases(f.srv.Identifier)[1]; want.InternalID != num(t, made, "id") || clientID != want.ID {
				t.Fatalf("client id %q, Databases() %+v", clientID, want)
			}
			wantStatus(t, owner.do("DELETE", dbPath(f.srv.Identifier, clientID), nil), http.StatusNoContent)
			if ids := listIDs(t, f.app.do("GET", f.dbPath(), nil)); !slices.Equal(ids, []int{db.InternalID}) {
				t.Fatalf("application list after a client delete: %v", ids)
			}
		})
	}
}

// TestAppDatabaseLookup: Pterodactyl finds a database by id whatever server the path names,
// and acts on it; Pelican answers 404.
func TestAppDatabaseLookup(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			f := setupApp(t, Options{Flavor: fl})
			b := f.p.AddServer(Server{})
			theirs := f.p.AddDatabase(b.Identifier, "theirs", "%")
			path := f.dbPath(strconv.Itoa(theirs.InternalID))
			get := f.app.do("GET", path, nil)
			reset := f.app.do("POST", path+"/reset-password", nil)
			now := f.p.Databases(b.Identifier)
			if fl == Pelican {
				for _, r := range []*response{get, reset, f.app.do("DELETE", path, nil)} {
					wantError(t, r, http.StatusNotFound, "NotFoundHttpException", msgModelNotFound)
				}
				if len(now) != 1 || now[0].Password != theirs.Password || len(f.p.Databases(b.Identifier)) != 1 {
					t.Fatalf("Pelican changed another server's database: %+v", f.p.Databases(b.Identifier))
				}
				return
			}
			if a := attrs(t, get.object(t)); num(t, a, "server") != b.InternalID || a["database"] != theirs.Name {
				t.Fatalf("GET through server %d: %v", f.srv.InternalID, a)
			}
			wantStatus(t, reset, http.StatusNoContent)
			if now[0].Password == theirs.Password {
				t.Fatal("reset-password through another server did not reset the database")
			}
			wantStatus(t, f.app.do("DELETE", path, nil), http.StatusNoContent)
			if n := len(f.p.Databases(b.Identifier)); n != 0 {
				t.Fatalf("delete through another server left %d databases", n)
			}
		})
	}
}

func TestAppCreateValidation(t *testing.T) {
	var (
		nameReq   = verr("database", "required", "The Database Name field is required.")
		nameDash  = verr("database", "alpha_dash", "The Database Name may only contain letters, numbers, and dashes.")
		nameMax   = verr("database", "max", "The Database Name may not be greater than 48 characters.")
		remoteReq = verr("remote", "required", "The Remote Connection String field is required.")
		remoteStr = verr("remote", "string", "The Remote Connection String must be a string.")
		remoteFmt = verr("remote", "regex", "The Remote Connection String format is invalid.")
		hostReq   = verr("host", "required", "The Database Host Server ID field is required.")
		hostInt   = verr("host", "integer", "The Database Host Server ID must be an integer.")
		hostGone  = verr("host", "exists", "The selected Database Host Server ID is invalid.")
	)
	tests := []struct {
		name string
		body string
		want []errorItem
	}{
		{"empty object", `{}`, []errorItem{nameReq, remoteReq, hostReq}},
		{"blanks and nulls", `{"database":"  ","remote":"","host":null}`, []errorItem{nameReq, remoteReq, hostReq}},
		{"no host", `{"database":"ok","remote":"%"}`, []errorItem{hostReq}},
		{"client API remote: a mask", `{"database":"ok","remote":"10.0.0.0/8","host":1}`, []errorItem{remoteFmt}},
		{"client API remote: a host name", `{"database":"ok","remote":"db.example.com","host":1}`, []errorItem{remoteFmt}},
		{"remote over 15", `{"database":"ok","remote":"1234567890123456","host":1}`, []errorItem{remoteFmt}},
		{"remote as a number", `{"database":"ok","remote":10,"host":1}`, []errorItem{remoteStr}},
		{"remote as a bool", `{"database":"ok","remote":true,"host":1}`, []errorItem{remoteStr, remoteFmt}},
		{"name with a space", `{"database":"my db","remote":"%","host":1}`, []errorItem{nameDash}},
		{"name over 48", `{"database":"` + strings.Repeat("a", 49) + `","remote":"%","host":1}`, []errorItem{nameMax}},
		{"name as a list", `{"database":["a"],"remote":"%","host":1}`, []errorItem{nameDash}},
		{"host not a number", `{"database":"ok","remote":"%","host":"abc"}`, []errorItem{hostInt, hostGone}},
		{"host a fraction", `{"database":"ok","remote":"%","host":1.5}`, []errorItem{hostInt, hostGone}},
		{"host unknown", `{"database":"ok","remote":"%","host":99}`, []errorItem{hostGone}},
		{"everything", `{"database":"a b","remote":"x","host":"y"}`, []errorItem{nameDash, remoteFmt, hostInt, hostGone}},
	}
	for _, fl := range flavors {
		f := setupApp(t, Options{Flavor: fl})
		for _, tt := range tests {
			r := f.app.do("POST", f.dbPath(), tt.body)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if got := r.errors(t); !slices.EqualFunc(got, tt.want, sameItem) {
				t.Errorf("%s %s: errors = %+v, want %+v", fl, tt.name, got, tt.want)
			}
		}
		// What the client API refuses but this one takes: a one-character name, a host id as
		// a string, a remote made only of digits.
		for _, body := range []string{`{"database":"a","remote":"%","host":1}`, `{"database":"b-2","remote":"10.0.0.1","host":"1"}`,
			`{"database":123,"remote":"%","host":1}`} {
			wantStatus(t, f.app.do("POST", f.dbPath(), body), http.StatusCreated)
		}
		var names []string
		for _, d := range f.p.Databases(f.srv.Identifier) {
			names = append(names, d.Name)
		}
		if !slices.Equal(names, []string{"s1_a", "s1_b-2", "s1_123"}) {
			t.Fatalf("%s: names %v", fl, names)
		}
	}
}

func TestAppCreateChecks(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			f := setupApp(t, Options{Flavor: fl, DatabaseHosts: 2})
			// Names are cut silently to 48 in all.
			long := f.p.AddServer(Server{InternalID: 12345})
			r := f.app.do("POST", appDBPath(12345), map[string]any{"database": strings.Repeat("x", 48), "remote": "%", "host": 1})
			wantStatus(t, r, http.StatusCreated)
			if got := str(t, r.object(t), "attributes", "database"); got != "s12345_"+strings.Repeat("x", 41) {
				t.Fatalf("name = %q", got)
			}
			if got := f.p.Databases(long.Identifier)[0].Name; len(got) != 48 {
				t.Fatalf("stored %q", got)
			}

			// A name taken on any host: the service's 400, not a 422.
			f.p.AddDatabase(f.srv.Identifier, "dup", "%") // lands on host 1
			r = f.app.do("POST", f.dbPath(), map[string]any{"database": "dup", "remote": "%", "host": 2})
			wantError(t, r, http.StatusBadRequest, "DuplicateDatabaseNameException", msgDuplicateDatabase)
			if string(r.body) != `{"errors":[{"code":"DuplicateDatabaseNameException","status":"400","detail":"A database with that name already exists for this server."}]}`+"\n" {
				t.Fatalf("body = %s", r.body)
			}

			// The server's limit.
			f.p.SetDatabaseLimit(f.srv.Identifier, Limit(1))
			wantError(t, f.app.do("POST", f.dbPath(), map[string]any{"database": "second", "remote": "%", "host": 1}),
				http.StatusBadRequest, "TooManyDatabasesException", msgTooManyDatabases)
			f.p.SetDatabaseLimit(f.srv.Identifier, nil)

			// The databases feature switch.
			f.p.SetDatabasesFeatureEnabled(false)
			wantError(t, f.app.do("POST", f.dbPath(), map[string]any{"database": "second", "remote": "%", "host": 1}),
				http.StatusInternalServerError, "DatabaseClientFeatureNotEnabledException", msgUnexpected)
			f.p.SetDatabasesFeatureEnabled(true)

			// Not checked: the server's state, the host's node, whether the client API would
			// find a host.
			f.p.SetServerState(f.srv.Identifier, ServerState{Suspended: true, Transferring: true})
			f.p.SetDatabaseHostAvailable(false)
			elsewhere := f.p.AddDatabaseHost(DatabaseHost{Host: "10.9.9.9"}) // serves no node
			made := f.appCreate(t, "second", elsewhere.ID)
			id := strconv.Itoa(num(t, made, "id"))
			wantStatus(t, f.app.do("GET", f.dbPath(), nil), http.StatusOK)
			wantStatus(t, f.app.do("POST", f.dbPath(id, "reset-password"), nil), http.StatusNoContent)
			if n := f.p.DatabasesOnHost(elsewhere.ID); n != 1 {
				t.Fatalf("%d databases on host %d", n, elsewhere.ID)
			}
			wantStatus(t, f.app.do("DELETE", f.dbPath(id), nil), http.StatusNoContent)
		})
	}
}

func TestAppIncludeHost(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			clock := newFakeClock()
			f := setupApp(t, Options{Flavor: fl, Nodes: 2, Now: clock.Now})
			h := f.p.AddDatabaseHost(DatabaseHost{Name: "eu", Host: "10.0.0.5", Port: 3307, Username: "admin", NodeIDs: []int{2}})
			id := strconv.Itoa(num(t, f.appCreate(t, "mydb", h.ID), "id"))
			res := ACLResourcesOf(fl)
			readers := map[string]*client{
				"application key":         f.app,
				"root admin's client key": newClient(t, f.p, f.p.AddKey(Key{RootAdmin: true})),
				"hosts READ":              newClient(t, f.p, f.p.AddKey(Key{Application: true, ACL: map[string]int{res.ServerDatabases: ACLRead, res.DatabaseHosts: ACLRead}})),
			}
			for name, c := range readers {
				o := c.do("GET", f.dbPath(id)+"?include=host,password", nil).object(t)
				rel := obj(t, o, "attributes", "relationships")
				wantKeys(t, rel, "host", "password")
				host := obj(t, rel, "host")
				a := obj(t, host, "attributes")
				want := []string{"id", "name", "host", "port", "username", "created_at", "updated_at"}
				if fl == Pterodactyl {
					want = append(want, "node")
				}
				wantKeys(t, a, want...)
				if host["object"] != "database_host" || num(t, a, "id") != h.ID || a["name"] != "eu" || a["host"] != "10.0.0.5" ||
					num(t, a, "port") != 3307 || a["username"] != "admin" || a["created_at"] != "2023-11-14T22:13:20+00:00" {
					t.Fatalf("%s: host = %v", name, host)
				}
				if fl == Pterodactyl && num(t, a, "node") != 2 {
					t.Fatalf("%s: node = %v", name, a["node"])
				}
			}
			for _, acl := range []map[string]int{{res.ServerDatabases: ACLRead}, {res.ServerDatabases: ACLRead, res.DatabaseHosts: ACLWrite}} {
				c := newClient(t, f.p, f.p.AddKey(Key{Application: true, ACL: acl}))
				for _, o := range []any{c.do("GET", f.dbPath(id)+"?include=host", nil).object(t),
					obj(t, c.do("GET", f.dbPath()+"?include=host", nil).object(t), "data", 0)} {
					host := obj(t, o, "attributes", "relationships", "host")
					wantKeys(t, host, "object", "attributes")
					if host["object"] != "null_resource" || host["attributes"] != nil {
						t.Fatalf("ACL %v: host = %v", acl, host)
					}
				}
			}
			// A host serving no node shows node null on Pterodactyl.
			bare := f.p.AddDatabaseHost(DatabaseHost{})
			id = strconv.Itoa(num(t, f.appCreate(t, "bare", bare.ID), "id"))
			a := obj(t, f.app.do("GET", f.dbPath(id)+"?include=host", nil).object(t), "attributes", "relationships", "host", "attributes")
			if node, ok := a["node"]; fl == Pterodactyl && (!ok || node != nil) || fl == Pelican && ok {
				t.Fatalf("node of a host without nodes: %v", a)
			}
		})
	}
}

// TestAppCreateOutlivesItsClient: the application create honours the create faults, so a
// client that lost its answer can be tested for never sending the create twice.
func TestAppCreateOutlivesItsClient(t *testing.T) {
	body := map[string]any{"database": "mydb", "remote": "%", "host": 1}
	t.Run("dropped after commit", func(t *testing.T) {
		f := setupApp(t, Options{Flavor: Pelican})
		f.p.InjectFault(Fault{Route: RouteAppCreateDatabase, DropAfterCommit: true})
		if _, err := f.app.send(f.app.request(t.Context(), "POST", f.dbPath(), body)); err == nil {
			t.Fatal("a dropped create got an answer")
		}
		if dbs := f.p.Databases(f.srv.Identifier); len(dbs) != 1 || dbs[0].Name != "s1_mydb" {
			t.Fatalf("Databases() = %+v", dbs)
		}
	})
	t.Run("abandoned on its host", func(t *testing.T) {
		f := setupApp(t, Options{})
		hold, release := newHold(t)
		on := onHost()
		f.p.InjectFault(Fault{Route: RouteAppCreateDatabase, HostHold: hold, OnHost: on})
		ctx, cancel := context.WithCancel(t.Context())
		sent := goPost(ctx, f.app, f.dbPath(), body)
		within(t, on, "the create reaching its host")
		wantStatus(t, f.app.do("GET", f.dbPath(), nil), http.StatusOK) // others are served meanwhile
		cancel()
		if res := within(t, sent, "the abandoned request"); res.err == nil {
			t.Fatalf("an abandoned request got %d", res.r.status)
		}
		if n := len(f.p.Databases(f.srv.Identifier)); n != 0 {
			t.Fatalf("%d databases while the create is on its host", n)
		}
		release()
		if err := f.p.WaitIdle(t.Context()); err != nil {
			t.Fatal(err)
		}
		if n := len(f.p.Databases(f.srv.Identifier)); n != 1 {
			t.Fatalf("%d databases after the create finished, want 1", n)
		}
	})
	t.Run("overlapping creates", func(t *testing.T) {
		f := setupApp(t, Options{DatabaseHosts: 2})
		hold, release := newHold(t)
		on := onHost()
		f.p.InjectFault(Fault{Route: RouteAppCreateDatabase, HostHold: hold, OnHost: on, Count: 3})
		first := goPost(t.Context(), f.app, f.dbPath(), body)
		within(t, on, "the first create on host 1")
		other := goPost(t.Context(), f.app, f.dbPath(), map[string]any{"database": "mydb", "remote": "%", "host": 2})
		within(t, on, "the second create on host 2")
		same := goPost(t.Context(), f.app, f.dbPath(), body)
		within(t, on, "the third create on host 1")
		release()
		wantStatus(t, answer(t, first), http.StatusCreated)
		wantStatus(t, answer(t, other), http.StatusCreated) // no lock: both commit
		wantError(t, answer(t, same), http.StatusInternalServerError, "QueryException", msgUnexpected)
		var hosts []int
		for _, d := range f.p.Databases(f.srv.Identifier) {
			hosts = append(hosts, d.HostID)
		}
		slices.Sort(hosts) // in the order they committed
		if !slices.Equal(hosts, []int{1, 2}) {
			t.Fatalf("databases on hosts %v, want [1 2]", hosts)
		}
		if n := f.p.Requests(RouteAppCreateDatabase); n != 3 {
			t.Fatalf("Requests(RouteAppCreateDatabase) = %d", n)
		}
	})
	t.Run("late answer", func(t *testing.T) {
		f := setupApp(t, Options{})
		f.p.InjectFault(Fault{Route: RouteAppCreateDatabase, Status: http.StatusGatewayTimeout})
		wantStatus(t, f.app.do("POST", f.dbPath(), body), http.StatusGatewayTimeout)
		if n := len(f.p.Databases(f.srv.Identifier)); n != 0 {
			t.Fatalf("a faulted create committed %d", n)
		}
	})
}

func TestAppBackendFailures(t *testing.T) {
	host := &recordingHost{}
	f := setupApp(t, Options{Flavor: Pelican, Backend: host})
	id := strconv.Itoa(num(t, f.appCreate(t, "mydb", 1), "id"))
	if op, d := host.lastCall(); !strings.HasPrefix(op, "create s1_mydb ") || d.Name != "s1_mydb" {
		t.Fatalf("backend saw %s %v", op, d)
	}
	for _, call := range []struct{ op, method, path string }{
		{"create", "POST", f.dbPath()}, {"rotate", "POST", f.dbPath(id, "reset-password")}, {"drop", "DELETE", f.dbPath(id)},
	} {
		before := f.p.Databases(f.srv.Identifier)
		host.failing(call.op, true)
		wantError(t, f.app.do(call.method, call.path, map[string]any{"database": "other", "remote": "%", "host": 1}),
			http.StatusInternalServerError, "QueryException", msgUnexpected)
		host.failing(call.op, false)
		if after := f.p.Databases(f.srv.Identifier); !slices.Equal(after, before) {
			t.Fatalf("a failed %s changed %+v into %+v", call.op, before, after)
		}
	}
}
