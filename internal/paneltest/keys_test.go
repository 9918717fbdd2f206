package paneltest

import (
	"net/http"
	"regexp"
	"slices"
	"testing"
)

func TestAddKeyTokens(t *testing.T) {
	tests := []struct {
		flavor Flavor
		app    bool
		want   string
	}{
		{Pterodactyl, false, `^ptlc_[A-Za-z0-9]{43}$`},
		{Pterodactyl, true, `^ptla_[A-Za-z0-9]{43}$`},
		{Pelican, false, `^pacc_[A-Za-z0-9]{43}$`},
		{Pelican, true, `^papp_[A-Za-z0-9]{43}$`},
	}
	for _, tt := range tests {
		p := New(Options{Flavor: tt.flavor})
		a, b := p.AddKey(Key{Application: tt.app}), p.AddKey(Key{Application: tt.app})
		if !regexp.MustCompile(tt.want).MatchString(a) || a == b {
			t.Errorf("%s app=%v: tokens %q, %q", tt.flavor, tt.app, a, b)
		}
	}
	p := New(Options{})
	if got := p.AddKey(Key{Token: "custom-token"}); got != "custom-token" {
		t.Fatalf("custom token = %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("duplicate token did not panic")
		}
	}()
	p.AddKey(Key{Token: "custom-token"})
}

func TestKeyIsCopied(t *testing.T) {
	f := setup(t, Options{})
	perms := map[string][]string{f.srv.Identifier: {"database.read"}}
	c := newClient(t, f.p, f.p.AddKey(Key{Servers: perms}))
	perms[f.srv.Identifier][0] = "database.create"
	wantStatus(t, c.do("GET", f.dbPath(), nil), http.StatusOK)
}

func TestAuthentication(t *testing.T) {
	for _, fl := range flavors {
		f := setup(t, Options{Flavor: fl})
		tests := []struct {
			header string
			status int
		}{
			{"", 401},
			{"Bearer", 401},
			{"Bearer ", 401},
			{"Bearer wrong", 401},
			{"Basic " + f.owner.token, 401},
			{"Bearer " + f.owner.token + "x", 401},
			{"Bearer " + f.owner.token, 200},
			{"Bearer " + f.owner.token + ",extra", 200},
		}
		// Pterodactyl 1.11's Laravel finds the scheme with its case (exchange 058); Pelican's
		// without.
		lower := map[Flavor]int{Pterodactyl: 401, Pelican: 200}[fl]
		tests = append(tests, []struct {
			header string
			status int
		}{{"bearer " + f.owner.token, lower}, {"BEARER " + f.owner.token + ",extra", lower}}...)
		for _, tt := range tests {
			req := f.owner.request(t.Context(), "GET", f.dbPath(), nil)
			req.Header.Del("Authorization")
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			r := f.owner.sendOK(req)
			if tt.status == 200 {
				wantStatus(t, r, 200)
				continue
			}
			wantError(t, r, 401, "AuthenticationException", msgUnauthenticated)
			if string(r.body) != `{"errors":[{"code":"AuthenticationException","status":"401","detail":"Unauthenticated."}]}`+"\n" {
				t.Errorf("401 body = %s", r.body)
			}
		}
	}
}

func TestApplicationKeyIsRejectedOnClientRoutes(t *testing.T) {
	for _, fl := range flavors {
		f := setup(t, Options{Flavor: fl})
		db := f.p.AddDatabase(f.srv.Identifier, "mydb", "%")
		app := newClient(t, f.p, f.p.AddKey(Key{Application: true, RootAdmin: true}))
		for _, rt := range []struct{ method, path string }{
			{"GET", serverPath(f.srv.Identifier)},
			{"GET", f.dbPath()},
			{"POST", f.dbPath()},
			{"POST", f.dbPath(db.ID, "rotate-password")},
			{"DELETE", f.dbPath(db.ID)},
		} {
			wantError(t, app.do(rt.method, rt.path, map[string]any{}), 403, "AccessDeniedHttpException", msgApplicationKey)
		}
		if len(f.p.Databases(f.srv.Identifier)) != 1 {
			t.Fatal("an application key changed something")
		}
	}
}

// routeCase is one database route with the permission its FormRequest checks.
type routeCase struct {
	name   string
	method string
	path   func(f *fixture, id string) string
	perm   string
	status int
}

var databaseRoutes = []routeCase{
	{"list", "GET", func(f *fixture, _ string) string { return f.dbPath() }, "database.read", 200},
	{"create", "POST", func(f *fixture, _ string) string { return f.dbPath() }, "database.create", 200},
	{"rotate", "POST", func(f *fixture, id string) string { return f.dbPath(id, "rotate-password") }, "database.update", 200},
	{"delete", "DELETE", func(f *fixture, id string) string { return f.dbPath(id) }, "database.delete", 204},
}

func TestPermissionPerRoute(t *testing.T) {
	for _, fl := range flavors {
		for _, rc := range databaseRoutes {
			t.Run(string(fl)+"/"+rc.name, func(t *testing.T) {
				f := setup(t, Options{Flavor: fl})
				db := f.p.AddDatabase(f.srv.Identifier, "mydb", "%")
				body := map[string]string{"database": "newdb", "remote": "%"}
				others := slices.DeleteFunc(AllDatabasePermissions(fl), func(s string) bool { return s == rc.perm })
				denied := f.keyClient(t, others...)
				wantError(t, denied.do(rc.method, rc.path(f, db.ID), body), 403, "AccessDeniedHttpException", msgUnauthorized)
				if got := f.p.Databases(f.srv.Identifier); len(got) != 1 || got[0].Password != db.Password {
					t.Fatalf("a denied request changed something: %+v", got)
				}
				allowed := f.keyClient(t, rc.perm)
				wantStatus(t, allowed.do(rc.method, rc.path(f, db.ID), body), rc.status)
			})
		}
	}
}

func TestViewPasswordPermission(t *testing.T) {
	tests := []struct {
		flavor Flavor
		perm   string
		shown  bool
	}{
		{Pterodactyl, "database.view_password", true},
		{Pterodactyl, "database.view-password", false},
		{Pelican, "database.view-password", true},
		{Pelican, "database.view_password", false},
		{Pelican, "", false},
	}
	for _, tt := range tests {
		f := setup(t, Options{Flavor: tt.flavor})
		c := f.keyClient(t, "database.read", "database.create", "database.update", tt.perm)
		r := c.do("POST", f.dbPath(), map[string]string{"database": "mydb", "remote": "%"})
		wantStatus(t, r, 200)
		created := attrs(t, r.object(t))
		id := idString(created["id"])
		rotated := attrs(t, c.do("POST", f.dbPath(id, "rotate-password"), nil).object(t))
		listed := obj(t, c.do("GET", f.dbPath()+"?include=password", nil).object(t), "data", 0, "attributes")
		want := f.p.Databases(f.srv.Identifier)[0].Password
		for name, a := range map[string]map[string]any{"create": created, "rotate": rotated, "list": listed} {
			pw := obj(t, a, "relationships", "password")
			wantKeys(t, pw, "object", "attributes")
			switch {
			case tt.shown && pw["object"] == "database_password":
				if name != "create" && str(t, pw, "attributes", "password") != want {
					t.Errorf("%s %s: password %v, want %q", tt.flavor, name, pw["attributes"], want)
				}
			case !tt.shown && pw["object"] == "null_resource" && pw["attributes"] == nil:
			default:
				t.Errorf("%s perm %q %s: password relationship = %v", tt.flavor, tt.perm, name, pw)
			}
		}
	}
}
