package paneltest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestAddServerFillsInFields(t *testing.T) {
	p := New(Options{})
	a := p.AddServer(Server{})
	b := p.AddServer(Server{Name: "named", DatabaseLimit: Limit(3)})
	if !shortIDPattern.MatchString(a.Identifier) || !uuidV4.MatchString(a.UUID) || a.UUID[:8] != a.Identifier {
		t.Fatalf("generated ids: %q %q", a.Identifier, a.UUID)
	}
	if a.InternalID != 1 || b.InternalID != 2 || a.Name != "Server 1" || b.Name != "named" || *b.DatabaseLimit != 3 {
		t.Fatalf("got %+v and %+v", a, b)
	}
	c := p.AddServer(Server{InternalID: 10, Identifier: "abcdef01"})
	if c.UUID[:8] != "abcdef01" || !uuidV4.MatchString(c.UUID) {
		t.Fatalf("uuid %q does not extend identifier", c.UUID)
	}
	if d := p.AddServer(Server{}); d.InternalID != 11 {
		t.Fatalf("next internal id = %d, want 11", d.InternalID)
	}
	e := p.AddServer(Server{UUID: "0badc0de-1111-4222-8333-444455556666"})
	if e.Identifier != "0badc0de" {
		t.Fatalf("identifier from uuid = %q", e.Identifier)
	}
	got, ok := p.Server(e.UUID)
	if !ok || got.Identifier != e.Identifier {
		t.Fatalf("Server(uuid) = %+v, %v", got, ok)
	}
	if _, ok := p.Server("nothere"); ok {
		t.Fatal("Server of an unknown id reported ok")
	}
	// Returned limits are copies: changing them does not change the panel.
	*b.DatabaseLimit = 99
	if got, _ := p.Server(b.Identifier); *got.DatabaseLimit != 3 {
		t.Fatalf("limit changed through a returned pointer: %d", *got.DatabaseLimit)
	}
	for name, s := range map[string]Server{
		"identifier":  {Identifier: a.Identifier},
		"uuid":        {UUID: a.UUID},
		"internal id": {InternalID: 2},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("duplicate %s did not panic", name)
				}
			}()
			p.AddServer(s)
		}()
	}
}

func TestUnknownServerPanicsInTestHelpers(t *testing.T) {
	p := New(Options{})
	for name, fn := range map[string]func(){
		"SetDatabaseLimit": func() { p.SetDatabaseLimit("nope", nil) },
		"SetServerState":   func() { p.SetServerState("nope", ServerState{}) },
		"Databases":        func() { p.Databases("nope") },
		"AddDatabase":      func() { p.AddDatabase("nope", "db", "%") },
		"DeleteDatabase":   func() { p.DeleteDatabase("nope", "1") },
		"RotatePassword":   func() { p.RotatePassword("nope", "1") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with an unknown server did not panic", name)
				}
			}()
			fn()
		}()
	}
}

func TestGetServerByIdentifierAndUUID(t *testing.T) {
	f := setup(t, Options{})
	f.p.SetDatabaseLimit(f.srv.Identifier, Limit(5))
	var bodies []string
	for _, id := range []string{f.srv.Identifier, f.srv.UUID} {
		r := f.owner.do("GET", serverPath(id), nil)
		wantStatus(t, r, http.StatusOK)
		o := r.object(t)
		wantKeys(t, o, "object", "attributes", "meta")
		a := attrs(t, o)
		wantKeys(t, a, "server_owner", "identifier", "internal_id", "uuid", "name", "node", "description",
			"is_node_under_maintenance", "feature_limits", "status", "is_suspended", "is_installing", "is_transferring",
			"sftp_details", "limits", "invocation", "docker_image", "egg_features", "relationships")
		if a["identifier"] != f.srv.Identifier || a["uuid"] != f.srv.UUID || a["internal_id"] != json.Number("1") ||
			a["status"] != nil || a["server_owner"] != true || o["object"] != "server" {
			t.Fatalf("attributes = %v", a)
		}
		limits := obj(t, a, "feature_limits")
		if limits["databases"] != json.Number("5") {
			t.Fatalf("feature_limits = %v", limits)
		}
		meta := obj(t, o, "meta")
		if perms := arr(t, meta, "user_permissions"); len(perms) != 1 || perms[0] != "*" || meta["is_server_owner"] != true {
			t.Fatalf("meta = %v", meta)
		}
		bodies = append(bodies, string(r.body))
	}
	if bodies[0] != bodies[1] {
		t.Fatalf("identifier and uuid answers differ:\n%s\n%s", bodies[0], bodies[1])
	}
	f.p.SetDatabaseLimit(f.srv.Identifier, nil)
	a := attrs(t, f.owner.do("GET", serverPath(f.srv.Identifier), nil).object(t))
	if at(t, a, "feature_limits", "databases") != nil {
		t.Fatalf("unlimited server shows %v", a["feature_limits"])
	}
}

func TestGetServerUnknownAndInvisible(t *testing.T) {
	for _, fl := range flavors {
		f := setup(t, Options{Flavor: fl})
		other := f.p.AddServer(Server{})
		wantError(t, f.owner.do("GET", serverPath("ffffffff"), nil), 404, "NotFoundHttpException", msgModelNotFound)
		wantError(t, f.owner.do("GET", serverPath(other.Identifier), nil), 404, "NotFoundHttpException", msgServerAccessNotFound)
		wantError(t, f.owner.do("GET", dbPath(other.UUID), nil), 404, "NotFoundHttpException", msgServerAccessNotFound)
	}
}

func TestGetServerReportsStateAndStillWorks(t *testing.T) {
	tests := []struct {
		state  ServerState
		status any
		flag   string
	}{
		{ServerState{Suspended: true}, "suspended", "is_suspended"},
		{ServerState{Installing: true}, "installing", "is_installing"},
		{ServerState{InstallFailed: true}, "install_failed", "is_installing"},
		{ServerState{RestoringBackup: true}, "restoring_backup", ""},
		{ServerState{Transferring: true}, nil, "is_transferring"},
		{ServerState{NodeMaintenance: true}, nil, "is_node_under_maintenance"},
	}
	f := setup(t, Options{})
	for _, tt := range tests {
		f.p.SetServerState(f.srv.Identifier, tt.state)
		r := f.owner.do("GET", serverPath(f.srv.Identifier), nil)
		wantStatus(t, r, http.StatusOK)
		a := attrs(t, r.object(t))
		if a["status"] != tt.status {
			t.Errorf("%+v: status = %v, want %v", tt.state, a["status"], tt.status)
		}
		for _, flag := range []string{"is_suspended", "is_installing", "is_transferring", "is_node_under_maintenance"} {
			if a[flag] != (flag == tt.flag) {
				t.Errorf("%+v: %s = %v", tt.state, flag, a[flag])
			}
		}
	}
}

func TestSubuserAndAdminPermissionsOnServer(t *testing.T) {
	f := setup(t, Options{})
	other := f.p.AddServer(Server{})
	sub := f.keyClient(t, "database.read", "database.create")
	empty := f.keyClient(t)
	admin := newClient(t, f.p, f.p.AddKey(Key{RootAdmin: true}))
	viaUUID := newClient(t, f.p, f.p.AddKey(Key{Servers: map[string][]string{f.srv.UUID: {"database.read"}}}))
	tests := []struct {
		c     *client
		path  string
		perms []any
		owner bool
	}{
		{sub, serverPath(f.srv.Identifier), []any{"database.read", "database.create"}, false},
		{empty, serverPath(f.srv.Identifier), []any{}, false},
		{admin, serverPath(other.Identifier), []any{"*", "admin.websocket.errors", "admin.websocket.install", "admin.websocket.transfer"}, false},
		{viaUUID, serverPath(f.srv.Identifier), []any{"database.read"}, false},
	}
	for i, tt := range tests {
		r := tt.c.do("GET", tt.path, nil)
		wantStatus(t, r, http.StatusOK)
		o := r.object(t)
		meta := obj(t, o, "meta")
		got := arr(t, meta, "user_permissions")
		if len(got) != len(tt.perms) || meta["is_server_owner"] != tt.owner || attrs(t, o)["server_owner"] != tt.owner {
			t.Errorf("case %d: meta = %v", i, meta)
		}
		for j := range got {
			if got[j] != tt.perms[j] {
				t.Errorf("case %d: user_permissions = %v, want %v", i, got, tt.perms)
			}
		}
	}
	// A subuser with no permissions sees the server but not its databases.
	wantError(t, empty.do("GET", f.dbPath(), nil), 403, "AccessDeniedHttpException", msgUnauthorized)
	wantStatus(t, admin.do("GET", dbPath(other.Identifier), nil), http.StatusOK)
}

func TestListServersPages(t *testing.T) {
	f := setup(t, Options{})
	for range 4 {
		f.p.AddServer(Server{})
	}
	admin := newClient(t, f.p, f.p.AddKey(Key{RootAdmin: true}))
	base := f.p.URL() + "/api/client"
	o := admin.do("GET", "/api/client?type=admin-all&per_page=2&page=2", nil).object(t)
	pg := obj(t, o, "meta", "pagination")
	links := obj(t, pg, "links")
	if len(arr(t, o, "data")) != 2 || pg["total"] != json.Number("5") || pg["total_pages"] != json.Number("3") ||
		links["previous"] != base+"?type=admin-all&per_page=2&page=1" || links["next"] != base+"?type=admin-all&per_page=2&page=3" {
		t.Fatalf("page 2 of 3 = %s", o)
	}
	if pg := obj(t, admin.do("GET", "/api/client?type=admin-all&per_page=1000", nil).object(t), "meta", "pagination"); pg["per_page"] != json.Number("100") {
		t.Fatalf("per_page=1000 gives per_page %v, want the cap of 100", pg["per_page"])
	}
}

func TestListServersShowsVisibleOnly(t *testing.T) {
	f := setup(t, Options{})
	f.p.AddServer(Server{})
	r := f.owner.do("GET", "/api/client", nil)
	wantStatus(t, r, http.StatusOK)
	o := r.object(t)
	data := arr(t, o, "data")
	if o["object"] != "list" || len(data) != 1 || at(t, data, 0, "attributes", "identifier") != f.srv.Identifier {
		t.Fatalf("list = %s", r.body)
	}
	pg := obj(t, o, "meta", "pagination")
	if pg["total"] != json.Number("1") || pg["per_page"] != json.Number("50") {
		t.Fatalf("pagination = %v", pg)
	}
	// A root admin lists the servers it owns or is a subuser of, unless it asks for the
	// others (admin) or all (admin-all); a user who is not an admin gets nothing for those.
	admin := newClient(t, f.p, f.p.AddKey(Key{RootAdmin: true, Servers: map[string][]string{f.srv.Identifier: {"*"}}}))
	for query, want := range map[string]map[*client]int{
		"":                {admin: 1, f.owner: 1},
		"?type=owner":     {admin: 1, f.owner: 1},
		"?type=admin":     {admin: 1, f.owner: 0},
		"?type=admin-all": {admin: 2, f.owner: 0},
	} {
		for c, n := range want {
			if data := arr(t, c.do("GET", "/api/client"+query, nil).object(t), "data"); len(data) != n {
				t.Errorf("GET /api/client%s lists %d servers, want %d", query, len(data), n)
			}
		}
	}
	app := newClient(t, f.p, f.p.AddKey(Key{Application: true, RootAdmin: true}))
	wantError(t, app.do("GET", "/api/client", nil), 403, "AccessDeniedHttpException", msgApplicationKey)
}

// The client server list's filters: partial and case-insensitive, filter[*] the
// MultiFieldServerFilter's exact external id, identifier, UUID prefix or name part; an unknown
// filter is a 400 that names the allowed ones.
func TestListServersFilters(t *testing.T) {
	f := setup(t, Options{})
	admin := newClient(t, f.p, f.p.AddKey(Key{RootAdmin: true}))
	a := f.p.AddServer(Server{Name: "mc-Lobby", ExternalID: "billing-7", Description: "the lobby"})
	b := f.p.AddServer(Server{Name: "mc-lobby-2", ExternalID: "billing-70"})
	c := f.p.AddServer(Server{Name: "billing-7 backup", ExternalID: "billing-71"})
	names := func(query string) []string {
		t.Helper()
		var out []string
		for _, it := range arr(t, admin.do("GET", "/api/client?type=admin-all&"+query, nil).object(t), "data") {
			name, _ := at(t, []any{it}, 0, "attributes", "name").(string)
			out = append(out, name)
		}
		return out
	}
	for query, want := range map[string][]string{
		"filter[name]=LOBBY":                                   {a.Name, b.Name},
		"filter[external_id]=billing-7":                        {a.Name, b.Name, c.Name},
		"filter[description]=lobby":                            {a.Name},
		"filter[name]=lobby,backup":                            {a.Name, b.Name, c.Name},
		"filter[*]=billing-7":                                  {a.Name, c.Name},
		"filter[*]=billing-7&filter[external_id]=billing-7":    {a.Name, c.Name},
		"filter[*]=" + b.UUID[:4]:                              {b.Name},
		"filter[*]=" + strings.ToUpper(b.Identifier):           {b.Name},
		"filter[name]=nothing":                                 nil,
		"filter[name]=%25":                                     nil,
		"filter[external_id]=billing-7&filter[name]=mc-lobby-": {b.Name},
	} {
		if got := names(query); !slices.Equal(got, want) {
			t.Errorf("%s lists %q, want %q", query, got, want)
		}
	}
	wantError(t, admin.do("GET", "/api/client?filter[image]=x", nil), 400, "InvalidFilterQuery",
		"Requested filter(s) `image` are not allowed. Allowed filter(s) are `uuid, name, description, external_id, *`.")
}
