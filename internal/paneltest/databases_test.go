package paneltest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	hashidPattern   = regexp.MustCompile(`^[A-Za-z0-9]{8,}$`)
	passwordPattern = regexp.MustCompile(`^[A-Za-z0-9!@=.+^]{24}$`)
)

func TestCreateResponseShape(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			f := setup(t, Options{Flavor: fl, DatabaseHost: "db.example.com", DatabasePort: 3307})
			r := f.owner.do("POST", f.dbPath(), map[string]any{"database": "mydb", "remote": "10.0.0.%", "host": "ignored"})
			wantStatus(t, r, http.StatusOK) // 200, not 201
			o := r.object(t)
			wantKeys(t, o, "object", "attributes")
			a := attrs(t, o)
			wantKeys(t, a, "id", "host", "name", "username", "connections_from", "max_connections", "relationships")
			if o["object"] != "server_database" || a["name"] != "s1_mydb" || a["connections_from"] != "10.0.0.%" {
				t.Fatalf("item = %s", r.body)
			}
			if mc, present := a["max_connections"]; !present || mc != nil {
				t.Fatalf("max_connections = %v, want null on create", mc)
			}
			host := obj(t, a, "host")
			wantKeys(t, host, "address", "port")
			if host["address"] != "db.example.com" || host["port"] != json.Number("3307") {
				t.Fatalf("host = %v", host)
			}
			if !regexp.MustCompile(`^u1_[A-Za-z0-9]{10}$`).MatchString(str(t, a, "username")) {
				t.Fatalf("username = %v", a["username"])
			}
			rel := obj(t, a, "relationships")
			wantKeys(t, rel, "password")
			pw := obj(t, rel, "password")
			wantKeys(t, pw, "object", "attributes")
			pwAttrs := obj(t, pw, "attributes")
			wantKeys(t, pwAttrs, "password")
			if pw["object"] != "database_password" || !passwordPattern.MatchString(str(t, pwAttrs, "password")) {
				t.Fatalf("password = %v", pw)
			}
			switch id := a["id"].(type) {
			case string:
				if fl != Pterodactyl || !hashidPattern.MatchString(id) {
					t.Fatalf("%s id = %q", fl, id)
				}
			case json.Number:
				if fl != Pelican || id.String() != "1" {
					t.Fatalf("%s id = %v", fl, id)
				}
			default:
				t.Fatalf("id %v has type %T", id, id)
			}
			dbs := f.p.Databases(f.srv.Identifier)
			want := Database{ID: idString(a["id"]), InternalID: 1, Server: f.srv.Identifier, Name: "s1_mydb", Username: str(t, a, "username"),
				Password: str(t, pwAttrs, "password"), Remote: "10.0.0.%", Host: "db.example.com", Port: 3307, HostID: 1,
				Creator: "Go-http-client/1.1"}
			if len(dbs) == 1 {
				want.Created = dbs[0].Created // the panel's clock
			}
			if len(dbs) != 1 || dbs[0] != want || want.Created.IsZero() {
				t.Fatalf("Databases() = %+v, want %+v", dbs, want)
			}
		})
	}
}

func TestListShape(t *testing.T) {
	for _, fl := range flavors {
		f := setup(t, Options{Flavor: fl, CreateRateLimit: -1})
		empty := f.owner.do("GET", f.dbPath(), nil)
		if string(empty.body) != `{"object":"list","data":[]}`+"\n" {
			t.Fatalf("empty list = %s", empty.body)
		}
		for _, n := range []string{"one", "two", "three"} {
			f.create(t, n)
		}
		f.p.DeleteDatabase(f.srv.Identifier, f.p.Databases(f.srv.Identifier)[1].ID)
		o := f.owner.do("GET", f.dbPath(), nil).object(t)
		wantKeys(t, o, "object", "data")
		data := arr(t, o, "data")
		if o["object"] != "list" || len(data) != 2 {
			t.Fatalf("list = %v", o)
		}
		for i, name := range []string{"s1_one", "s1_three"} {
			item := obj(t, data, i)
			a := attrs(t, item)
			wantKeys(t, a, "id", "host", "name", "username", "connections_from", "max_connections")
			if item["object"] != "server_database" || a["name"] != name || a["max_connections"] != json.Number("0") {
				t.Fatalf("item %d = %v", i, item)
			}
		}
		for _, q := range []string{"?include=password", "?include=foo,%20password"} {
			body := f.owner.do("GET", f.dbPath()+q, nil).object(t)
			if str(t, body, "data", 0, "attributes", "relationships", "password", "attributes", "password") != f.p.Databases(f.srv.Identifier)[0].Password {
				t.Fatalf("%s: list = %v", q, body)
			}
		}
		// include may also come from the body, as a list.
		r := f.owner.do("GET", f.dbPath(), map[string]any{"include": []string{"password"}})
		if _, ok := obj(t, r.object(t), "data", 0, "attributes")["relationships"]; !ok {
			t.Fatal("include in the body was ignored")
		}
	}
}

func TestRotatePassword(t *testing.T) {
	for _, fl := range flavors {
		f := setup(t, Options{Flavor: fl})
		created := f.create(t, "mydb")
		id := idString(created["id"])
		old := f.p.Databases(f.srv.Identifier)[0].Password
		r := f.owner.do("POST", f.dbPath(id, "rotate-password"), nil)
		wantStatus(t, r, http.StatusOK)
		a := attrs(t, r.object(t))
		pw := str(t, a, "relationships", "password", "attributes", "password")
		if pw == old || !passwordPattern.MatchString(pw) || f.p.Databases(f.srv.Identifier)[0].Password != pw {
			t.Fatalf("rotated %q -> %q", old, pw)
		}
		if a["max_connections"] != json.Number("0") || a["name"] != created["name"] || idString(a["id"]) != id {
			t.Fatalf("rotate item = %v", a)
		}
	}
}

func TestDelete(t *testing.T) {
	for _, fl := range flavors {
		f := setup(t, Options{Flavor: fl})
		id := idString(f.create(t, "mydb")["id"])
		r := f.owner.do("DELETE", f.dbPath(id), nil)
		wantStatus(t, r, http.StatusNoContent)
		if len(r.body) != 0 || len(f.p.Databases(f.srv.Identifier)) != 0 {
			t.Fatalf("body %q, databases %v", r.body, f.p.Databases(f.srv.Identifier))
		}
		wantError(t, f.owner.do("DELETE", f.dbPath(id), nil), 404, "NotFoundHttpException", msgModelNotFound)
	}
}

func TestDatabaseIDs(t *testing.T) {
	f := setup(t, Options{})
	var ids []string
	for _, n := range []string{"aaa", "bbb", "ccc"} {
		ids = append(ids, idString(f.create(t, n)["id"]))
	}
	if ids[0] == ids[1] || ids[1] == ids[2] || !hashidPattern.MatchString(ids[2]) {
		t.Fatalf("ids = %v", ids)
	}
	// Pterodactyl 1.8+ also takes the raw primary key when the id is all digits.
	wantStatus(t, f.owner.do("POST", f.dbPath("2", "rotate-password"), nil), 200)
	wantStatus(t, f.owner.do("DELETE", f.dbPath("2"), nil), 204)
	for _, bad := range []string{"2", "999", ids[0] + "x", "zzzzzzzz"} {
		wantError(t, f.owner.do("DELETE", f.dbPath(bad), nil), 404, "NotFoundHttpException", msgModelNotFound)
	}

	pel := setup(t, Options{Flavor: Pelican})
	id := idString(pel.create(t, "mydb")["id"])
	if id != "1" || pel.p.Databases(pel.srv.Identifier)[0].ID != "1" {
		t.Fatalf("pelican id = %q", id)
	}
	for _, bad := range []string{"abcdefgh", "2", "1x"} {
		wantError(t, pel.owner.do("DELETE", pel.dbPath(bad), nil), 404, "NotFoundHttpException", msgModelNotFound)
	}
}

func TestForeignDatabase(t *testing.T) {
	tests := []struct {
		flavor Flavor
		detail string
	}{
		{Pterodactyl, msgNotForThisServer}, // global binding, then ResourceBelongsToServer
		{Pelican, msgModelNotFound},        // scoped binding
	}
	for _, tt := range tests {
		f := setup(t, Options{Flavor: tt.flavor})
		other := f.p.AddServer(Server{})
		foreign := f.p.AddDatabase(other.Identifier, "theirs", "%")
		admin := newClient(t, f.p, f.p.AddKey(Key{RootAdmin: true}))
		for _, c := range []*client{f.owner, admin} {
			wantError(t, c.do("DELETE", f.dbPath(foreign.ID), nil), 404, "NotFoundHttpException", tt.detail)
			wantError(t, c.do("POST", f.dbPath(foreign.ID, "rotate-password"), nil), 404, "NotFoundHttpException", tt.detail)
		}
		if got := f.p.Databases(other.Identifier); len(got) != 1 || got[0] != foreign {
			t.Fatalf("foreign database changed: %+v", got)
		}
	}
}

func TestServerAddressedByUUID(t *testing.T) {
	for _, fl := range flavors {
		f := setup(t, Options{Flavor: fl})
		r := f.owner.do("POST", dbPath(f.srv.UUID), map[string]string{"database": "viauuid", "remote": "%"})
		wantStatus(t, r, 200)
		id := idString(attrs(t, r.object(t))["id"])
		wantStatus(t, f.owner.do("POST", dbPath(f.srv.UUID, id, "rotate-password"), nil), 200)
		if data := arr(t, f.owner.do("GET", f.dbPath(), nil).object(t), "data"); len(data) != 1 {
			t.Fatalf("list by identifier has %d items", len(data))
		}
		wantStatus(t, f.owner.do("DELETE", dbPath(f.srv.UUID, id), nil), 204)
		wantError(t, f.owner.do("GET", dbPath("ffffffff"), nil), 404, "NotFoundHttpException", msgModelNotFound)
	}
}

func TestNamePrefixingAndTruncation(t *testing.T) {
	long := strings.Repeat("a", 40) + "bcdefghi" // 48 characters, the maximum input
	tests := []struct {
		internalID int
		input      string
		want       string
	}{
		{1, "mydb", "s1_mydb"},
		{1, long, "s1_" + long[:45]},
		{12, long, "s12_" + long[:44]},
		{123, long, "s123_" + long[:43]},
		{99999, "abc", "s99999_abc"},
		{99999, long, "s99999_" + long[:41]},
	}
	p := Start(t, Options{})
	admin := newClient(t, p, p.AddKey(Key{RootAdmin: true}))
	servers := map[int]Server{}
	for _, tt := range tests {
		s, ok := servers[tt.internalID]
		if !ok {
			s = p.AddServer(Server{InternalID: tt.internalID})
			servers[tt.internalID] = s
		}
		r := admin.do("POST", dbPath(s.Identifier), map[string]string{"database": tt.input, "remote": "%"})
		wantStatus(t, r, 200)
		a := attrs(t, r.object(t))
		if a["name"] != tt.want || len(tt.want) > 48 {
			t.Errorf("server %d, %q: name = %v, want %q", tt.internalID, tt.input, a["name"], tt.want)
		}
		n := strconv.Itoa(tt.internalID)
		if u := str(t, a, "username"); !regexp.MustCompile(`^u` + n + `_[A-Za-z0-9]{10}$`).MatchString(u) {
			t.Errorf("username = %q", u)
		}
	}
}
