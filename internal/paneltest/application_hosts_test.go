package paneltest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const appHostsPath = "/api/application/database-hosts"

func hostPath(id int) string { return appHostsPath + "/" + strconv.Itoa(id) }

// loginRecorder is a host login check that remembers the logins it was asked about and
// refuses the passwords in refuse.
type loginRecorder struct {
	mu     sync.Mutex
	logins []HostLogin
	refuse map[string]bool
}

func (l *loginRecorder) check(h HostLogin) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.logins = append(l.logins, h)
	if l.refuse[h.Password] {
		return errors.New("access denied")
	}
	return nil
}

func (l *loginRecorder) last() (HostLogin, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.logins) == 0 {
		return HostLogin{}, 0
	}
	return l.logins[len(l.logins)-1], len(l.logins)
}

func TestAppHostList(t *testing.T) {
	clock := newFakeClock()
	f := setupApp(t, Options{Flavor: Pelican, DatabaseHosts: 12, Now: clock.Now})
	f.p.AddDatabaseHost(DatabaseHost{Name: "eu", Host: "db.example.com"})
	list := func(query string) []int {
		t.Helper()
		return listIDs(t, f.app.do("GET", appHostsPath+"?"+query, nil))
	}
	tests := []struct {
		query string
		want  []int
	}{
		{"", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}, // 10 to a page by default
		{"page=2", []int{11, 12, 13}},
		{"per_page=5&page=3", []int{11, 12, 13}},
		{"per_page=50", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}},
		{"filter[name]=host%201", []int{1, 10, 11, 12}}, // partial
		{"filter[host]=EXAMPLE", []int{13}},
		{"filter[host]=127.0.0.1&filter[name]=2", []int{2, 12}},
	}
	for _, tt := range tests {
		if got := list(tt.query); !slices.Equal(got, tt.want) {
			t.Errorf("?%s: hosts %v, want %v", tt.query, got, tt.want)
		}
	}
	o := f.app.do("GET", appHostsPath, nil).object(t)
	wantKeys(t, o, "object", "data", "meta")
	if p := obj(t, o, "meta", "pagination"); num(t, p, "total") != 13 || num(t, p, "per_page") != 10 || num(t, p, "total_pages") != 2 ||
		str(t, p, "links", "next") != f.p.URL()+appHostsPath+"?page=2" {
		t.Fatalf("pagination = %v", p)
	}
	item := obj(t, o, "data", 0)
	wantKeys(t, item, "object", "attributes")
	a := attrs(t, item)
	wantKeys(t, a, "id", "name", "host", "port", "username", "created_at", "updated_at")
	if item["object"] != "database_host" || a["name"] != "Host 1" || a["host"] != "127.0.0.1" || num(t, a, "port") != 3306 ||
		a["username"] != "panel" || a["created_at"] != "2023-11-14T22:13:20+00:00" {
		t.Fatalf("host = %v", item)
	}
	wantError(t, f.app.do("GET", appHostsPath+"?filter[port]=3306", nil), http.StatusBadRequest, "InvalidFilterQuery",
		"Requested filter(s) `port` are not allowed. Allowed filter(s) are `name, host`.")
	if got := attrs(t, f.app.do("GET", hostPath(13), nil).object(t)); got["name"] != "eu" {
		t.Fatalf("GET host 13 = %v", got)
	}
	for _, path := range []string{hostPath(99), appHostsPath + "/abc"} {
		wantError(t, f.app.do("GET", path, nil), http.StatusNotFound, "NotFoundHttpException", msgModelNotFound)
	}
}

func TestAppHostCreate(t *testing.T) {
	f := setupApp(t, Options{Flavor: Pelican, Nodes: 3})
	logins := &loginRecorder{refuse: map[string]bool{"wrong": true}}
	f.p.SetHostLoginCheck(logins.check)
	body := map[string]any{"name": "eu-mysql-1", "host": "10.0.0.5", "port": 3307, "username": "pelican", "password": "s3cret !",
		"node_ids": []int{3, 1, 3}, "max_databases": 5}
	r := f.app.do("POST", appHostsPath, body)
	wantStatus(t, r, http.StatusCreated)
	if loc := r.header.Get("Location"); loc != "" {
		t.Errorf("Location = %q", loc)
	}
	o := r.object(t)
	wantKeys(t, o, "object", "attributes", "meta")
	a := attrs(t, o)
	wantKeys(t, a, "id", "name", "host", "port", "username", "created_at", "updated_at") // never password or nodes
	if o["object"] != "database_host" || num(t, a, "id") != 2 || str(t, o, "meta", "resource") != f.p.URL()+hostPath(2) ||
		a["name"] != "eu-mysql-1" || a["host"] != "10.0.0.5" || num(t, a, "port") != 3307 || a["username"] != "pelican" {
		t.Fatalf("create answer %s", r.body)
	}
	want := DatabaseHost{ID: 2, Name: "eu-mysql-1", Host: "10.0.0.5", Port: 3307, Username: "pelican", Password: "s3cret !", NodeIDs: []int{1, 3}}
	if got, ok := f.p.DatabaseHost(2); !ok || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("DatabaseHost(2) = %+v, want %+v", got, want)
	}
	if l, n := logins.last(); n != 1 || l != (HostLogin{Host: "10.0.0.5", Port: 3307, Username: "pelican", Password: "s3cret !"}) {
		t.Fatalf("login checked: %d, last %#v", n, l)
	}

	// A refused login: the generic 500, nothing stored, the id used up all the same.
	body["password"] = "wrong"
	wantError(t, f.app.do("POST", appHostsPath, body), http.StatusInternalServerError, "PDOException", msgUnexpected)
	if n := len(f.p.DatabaseHosts()); n != 2 {
		t.Fatalf("%d hosts after a refused login", n)
	}
	delete(body, "password")
	if got := num(t, f.app.do("POST", appHostsPath, body).object(t), "attributes", "id"); got != 4 {
		t.Fatalf("next id %d, want 4", got)
	}
	if l, _ := logins.last(); l.Password != "" {
		t.Fatalf("login without a password tried %q", l.Password)
	}
	if _, ok := f.p.DatabaseHost(3); ok {
		t.Fatal("the refused host exists")
	}
}

func TestAppHostValidation(t *testing.T) {
	var (
		nameReq  = verr("name", "required", "The name field is required.")
		nameStr  = verr("name", "string", "The name must be a string.")
		nameMax  = verr("name", "max", "The name may not be greater than 255 characters.")
		hostReq  = verr("host", "required", "The host field is required.")
		hostStr  = verr("host", "string", "The host must be a string.")
		portReq  = verr("port", "required", "The port field is required.")
		portNum  = verr("port", "numeric", "The port must be a number.")
		portBtw  = verr("port", "between", "The port must be between 1 and 65535.")
		userReq  = verr("username", "required", "The username field is required.")
		userMax  = verr("username", "max", "The username may not be greater than 32 characters.")
		passStr  = verr("password", "string", "The password must be a string.")
		nodesArr = verr("node_ids", "array", "The node ids must be an array.")
	)
	node := func(i int, rule string) errorItem {
		field := "node_ids." + strconv.Itoa(i)
		switch rule {
		case "required":
			return verr(field, rule, "The node ids."+strconv.Itoa(i)+" field is required.")
		case "integer":
			return verr(field, rule, "The node ids."+strconv.Itoa(i)+" must be an integer.")
		}
		return verr(field, rule, "The selected node ids."+strconv.Itoa(i)+" is invalid.")
	}
	ok := `"name":"n","host":"h","port":3306,"username":"u"`
	tests := []struct {
		name string
		body string
		want []errorItem
	}{
		{"empty", `{}`, []errorItem{nameReq, hostReq, portReq, userReq}},
		{"blanks", `{"name":" ","host":"","port":null,"username":"  "}`, []errorItem{nameReq, hostReq, portReq, userReq}},
		{"long name and user", `{"name":"` + strings.Repeat("n", 256) + `","host":"h","port":1,"username":"` + strings.Repeat("u", 33) + `"}`,
			[]errorItem{nameMax, userMax}},
		{"longest allowed", `{"name":"` + strings.Repeat("n", 255) + `","host":"h","port":65535,"username":"` + strings.Repeat("u", 32) + `"}`, nil},
		{"numbers for strings", `{"name":5,"host":true,"port":3306,"username":"u","password":7}`, []errorItem{nameStr, hostStr, passStr}},
		{"port 0", `{"name":"n","host":"h","port":0,"username":"u"}`, []errorItem{portBtw}},
		{"port 65536", `{"name":"n","host":"h","port":"65536","username":"u"}`, []errorItem{portBtw}},
		{"port text", `{"name":"n","host":"h","port":"mysql","username":"u"}`, []errorItem{portNum}},
		{"port as a string", `{"name":"n","host":"h","port":" 3306 ","username":"u"}`, nil},
		{"node_ids not a list", `{` + ok + `,"node_ids":"1"}`, []errorItem{nodesArr}},
		{"node_ids empty", `{` + ok + `,"node_ids":[]}`, nil},
		{"node_ids null", `{` + ok + `,"node_ids":null}`, nil},
		{"node_ids bad", `{` + ok + `,"node_ids":[1,null,"x",9,2.5]}`,
			[]errorItem{node(1, "required"), node(2, "integer"), node(2, "exists"), node(3, "exists"), node(4, "integer"), node(4, "exists")}},
	}
	f := setupApp(t, Options{Flavor: Pelican})
	for _, tt := range tests {
		for _, method := range []string{"POST", "PATCH"} { // the same rules on update
			path := appHostsPath
			if method == "PATCH" {
				path = hostPath(1)
			}
			r := f.app.do(method, path, tt.body)
			if tt.want == nil {
				if r.status != http.StatusCreated && r.status != http.StatusOK {
					t.Errorf("%s %s: %d %s", method, tt.name, r.status, r.body)
				}
				continue
			}
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if got := r.errors(t); !slices.EqualFunc(got, tt.want, sameItem) {
				t.Errorf("%s %s: errors = %+v, want %+v", method, tt.name, got, tt.want)
			}
		}
	}
}

func TestAppHostUpdate(t *testing.T) {
	clock := newFakeClock()
	f := setupApp(t, Options{Flavor: Pelican, Nodes: 2, Now: clock.Now})
	logins := &loginRecorder{refuse: map[string]bool{"wrong": true}}
	f.p.SetHostLoginCheck(logins.check)
	h := f.p.AddDatabaseHost(DatabaseHost{Name: "old", Host: "10.0.0.1", Port: 3306, Username: "admin", Password: "first", NodeIDs: []int{1}})
	owner := newClient(t, f.p, f.p.AddKey(Key{Servers: map[string][]string{f.srv.Identifier: {"*"}}}))
	f.appCreate(t, "mydb", h.ID)
	clientHost := func() map[string]any {
		t.Helper()
		return obj(t, owner.do("GET", dbPath(f.srv.Identifier), nil).object(t), "data", 0, "attributes", "host")
	}
	if got := clientHost(); got["address"] != "10.0.0.1" {
		t.Fatalf("client host = %v", got)
	}

	// Every required field again; nothing changes when some are missing.
	r := f.app.do("PATCH", hostPath(h.ID), map[string]any{"password": "second"})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if n := len(r.errors(t)); n != 4 {
		t.Fatalf("%d errors for a password-only update: %s", n, r.body)
	}

	// No password keeps the old one, and the login is tried with it; node_ids is ignored.
	clock.Advance(time.Minute)
	body := map[string]any{"name": "new", "host": "10.0.0.2", "port": 3307, "username": "admin", "node_ids": []int{2}}
	r = f.app.do("PATCH", hostPath(h.ID), body)
	wantStatus(t, r, http.StatusOK)
	a := attrs(t, r.object(t))
	if a["name"] != "new" || a["host"] != "10.0.0.2" || num(t, a, "port") != 3307 || a["updated_at"] != "2023-11-14T22:14:20+00:00" ||
		a["created_at"] != "2023-11-14T22:13:20+00:00" {
		t.Fatalf("update answer %v", a)
	}
	if got, _ := f.p.DatabaseHost(h.ID); got.Password != "first" || !slices.Equal(got.NodeIDs, []int{1}) {
		t.Fatalf("after an update without password: %+v", got)
	}
	if l, _ := logins.last(); l != (HostLogin{Host: "10.0.0.2", Port: 3307, Username: "admin", Password: "first"}) {
		t.Fatalf("login tried %#v", l)
	}
	// Its databases are at the new address now.
	if got := clientHost(); got["address"] != "10.0.0.2" || num(t, got, "port") != 3307 {
		t.Fatalf("client host after update = %v", got)
	}
	if d := f.p.Databases(f.srv.Identifier)[0]; d.Host != "10.0.0.2" || d.Port != 3307 {
		t.Fatalf("Databases() after update = %+v", d)
	}
	body["password"] = ""
	wantStatus(t, f.app.do("PATCH", hostPath(h.ID), body), http.StatusOK)
	if got, _ := f.p.DatabaseHost(h.ID); got.Password != "first" {
		t.Fatalf("an empty password replaced the old one: %q", got.Password)
	}
	// An update that changes nothing leaves updated_at alone.
	clock.Advance(time.Minute)
	if a := attrs(t, f.app.do("PATCH", hostPath(h.ID), body).object(t)); a["updated_at"] != "2023-11-14T22:14:20+00:00" {
		t.Fatalf("updated_at of an update without changes: %v", a["updated_at"])
	}

	// A refused login changes nothing.
	body["password"], body["name"] = "wrong", "newer"
	wantError(t, f.app.do("PATCH", hostPath(h.ID), body), http.StatusInternalServerError, "PDOException", msgUnexpected)
	if got, _ := f.p.DatabaseHost(h.ID); got.Name != "new" || got.Password != "first" {
		t.Fatalf("after a refused login: %+v", got)
	}
	body["password"] = "third"
	wantStatus(t, f.app.do("PATCH", hostPath(h.ID), body), http.StatusOK)
	if got, _ := f.p.DatabaseHost(h.ID); got.Name != "newer" || got.Password != "third" {
		t.Fatalf("after a new password: %+v", got)
	}
	wantStatus(t, f.app.do("PATCH", hostPath(99), body), http.StatusNotFound)
}

func TestAppHostDelete(t *testing.T) {
	f := setupApp(t, Options{Flavor: Pelican})
	owner := newClient(t, f.p, f.p.AddKey(Key{Servers: map[string][]string{f.srv.Identifier: {"*"}}}))
	db := f.p.AddDatabase(f.srv.Identifier, "mydb", "%")
	if f.p.DatabasesOnHost(1) != 1 || f.p.DatabasesOnHost(2) != 0 {
		t.Fatalf("DatabasesOnHost: %d, %d", f.p.DatabasesOnHost(1), f.p.DatabasesOnHost(2))
	}
	// Still in use: the foreign key's generic 500, and the host stays.
	wantError(t, f.app.do("DELETE", hostPath(1), nil), http.StatusInternalServerError, "QueryException", msgUnexpected)
	if _, ok := f.p.DatabaseHost(1); !ok {
		t.Fatal("a host in use was deleted")
	}
	wantStatus(t, f.app.do("DELETE", f.dbPath(strconv.Itoa(db.InternalID)), nil), http.StatusNoContent)
	r := f.app.do("DELETE", hostPath(1), nil)
	wantStatus(t, r, http.StatusNoContent)
	if len(r.body) != 0 || len(f.p.DatabaseHosts()) != 0 {
		t.Fatalf("delete answered %q, hosts left %+v", r.body, f.p.DatabaseHosts())
	}
	wantError(t, f.app.do("GET", hostPath(1), nil), http.StatusNotFound, "NotFoundHttpException", msgModelNotFound)
	wantError(t, f.app.do("DELETE", hostPath(1), nil), http.StatusNotFound, "NotFoundHttpException", msgModelNotFound)
	// Without any host, the client API finds none and the application API's host is invalid.
	wantError(t, owner.do("POST", dbPath(f.srv.Identifier), map[string]string{"database": "again", "remote": "%"}),
		http.StatusBadRequest, "NoSuitableDatabaseHostException", msgNoHost)
	r = f.app.do("POST", f.dbPath(), map[string]any{"database": "again", "remote": "%", "host": 1})
	if got := r.errors(t); r.status != http.StatusUnprocessableEntity || len(got) != 1 || got[0].Meta.Rule != "exists" {
		t.Fatalf("create on a deleted host: %d %s", r.status, r.body)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("AddDatabase without a host did not panic")
			}
		}()
		f.p.AddDatabase(f.srv.Identifier, "nohost", "%")
	}()
	// A host that serves no node is still picked when no host serves the server's.
	h := f.p.AddDatabaseHost(DatabaseHost{})
	wantStatus(t, owner.do("POST", dbPath(f.srv.Identifier), map[string]string{"database": "again", "remote": "%"}), http.StatusOK)
	if got := f.p.Databases(f.srv.Identifier); len(got) != 1 || got[0].HostID != h.ID {
		t.Fatalf("Databases() = %+v, want one on host %d", got, h.ID)
	}
}

// checkingHost is a Backend that checks logins: it knows one account.
type checkingHost struct {
	recordingHost
	account HostLogin
	checked chan HostLogin
}

func (h *checkingHost) Login() HostLogin { return h.account }

func (h *checkingHost) CheckLogin(ctx context.Context, l HostLogin) error {
	if _, ok := ctx.Deadline(); !ok {
		return errors.New("no deadline")
	}
	h.checked <- l
	if l != h.account {
		return errors.New("access denied")
	}
	return nil
}

func TestLoginCheckerBackend(t *testing.T) {
	host := &checkingHost{account: HostLogin{Host: "db.internal", Port: 3307, Username: "root", Password: "hunter2"},
		checked: make(chan HostLogin, 10)}
	f := setupApp(t, Options{Flavor: Pelican, Backend: host})
	// The seeded host logs in with the Backend's account, so an update without a password
	// passes its check.
	if h, _ := f.p.DatabaseHost(1); h.Host != "db.internal" || h.Port != 3307 || h.Username != "root" || h.Password != "hunter2" {
		t.Fatalf("seeded host = %+v", h)
	}
	body := map[string]any{"name": "renamed", "host": "db.internal", "port": 3307, "username": "root"}
	wantStatus(t, f.app.do("PATCH", hostPath(1), body), http.StatusOK)
	if l := <-host.checked; l != host.account {
		t.Fatalf("checked %#v", l)
	}
	body["password"] = "nope"
	wantStatus(t, f.app.do("POST", appHostsPath, body), http.StatusInternalServerError)
	<-host.checked
	body["password"] = "hunter2"
	wantStatus(t, f.app.do("POST", appHostsPath, body), http.StatusCreated)
	<-host.checked
	// A check set by the test wins over the Backend's, until it is unset.
	f.p.SetHostLoginCheck(func(HostLogin) error { return nil })
	body["password"] = "nope"
	wantStatus(t, f.app.do("POST", appHostsPath, body), http.StatusCreated)
	f.p.SetHostLoginCheck(nil)
	wantStatus(t, f.app.do("POST", appHostsPath, body), http.StatusInternalServerError)
	<-host.checked
	if n := len(host.checked); n != 0 {
		t.Fatalf("%d unexpected checks", n)
	}
	// Without a LoginChecker every login works.
	g := setupApp(t, Options{Flavor: Pelican})
	wantStatus(t, g.app.do("POST", appHostsPath, body), http.StatusCreated)
	if h, _ := g.p.DatabaseHost(1); h.Username != "panel" || len(h.Password) != 24 {
		t.Fatalf("seeded host without a LoginChecker: %+v", h)
	}
}

func TestHostLoginNeverPrintsThePassword(t *testing.T) {
	l := HostLogin{Host: "10.0.0.5", Port: 3306, Username: "admin", Password: "hunter2!@"}
	for _, s := range []string{fmt.Sprint(l), fmt.Sprintf("%v %+v %#v %s", l, l, l, l), fmt.Sprint(&l), fmt.Sprint([]HostLogin{l})} {
		if strings.Contains(s, "hunter2") {
			t.Fatalf("password printed: %s", s)
		}
	}
	if l.String() != "admin@10.0.0.5:3306" {
		t.Fatalf("String() = %q", l.String())
	}
}

func TestDatabaseHostHelpers(t *testing.T) {
	p := New(Options{DatabaseHosts: 2, DatabaseHost: "db.example.com", DatabasePort: 3307})
	hosts := p.DatabaseHosts()
	if len(hosts) != 2 || hosts[0].ID != 1 || hosts[1].ID != 2 || hosts[1].Name != "Host 2" || hosts[1].Host != "db.example.com" ||
		hosts[1].Port != 3307 || hosts[0].Password == hosts[1].Password && hosts[0].Password == "" {
		t.Fatalf("DatabaseHosts() = %+v", hosts)
	}
	added := p.AddDatabaseHost(DatabaseHost{ID: 7, Name: "seven", Password: "pw"})
	if added.ID != 7 || added.Username != "panel" || added.Password != "pw" || added.NodeIDs != nil {
		t.Fatalf("AddDatabaseHost = %+v", added)
	}
	if next := p.AddDatabaseHost(DatabaseHost{}); next.ID != 8 {
		t.Fatalf("next id %d, want 8", next.ID)
	}
	// A copy: changing it changes nothing in the panel.
	hosts[0].NodeIDs[0] = 99
	if h, _ := p.DatabaseHost(1); h.NodeIDs[0] != 1 {
		t.Fatalf("DatabaseHosts() shares its node list: %+v", h)
	}
	if _, ok := p.DatabaseHost(3); ok {
		t.Fatal("DatabaseHost(3) exists")
	}
	if n := p.DatabasesOnHost(42); n != 0 {
		t.Fatalf("DatabasesOnHost(42) = %d", n)
	}
}

func TestAppHostIncludes(t *testing.T) {
	f := setupApp(t, Options{Flavor: Pelican, Nodes: 2})
	r := f.app.do("POST", appHostsPath+"?include=nodes", map[string]any{"name": "eu", "host": "10.0.0.5", "port": 3306,
		"username": "u", "node_ids": []int{2, 1}})
	wantStatus(t, r, http.StatusCreated)
	var nodeIDs []int
	for _, n := range arr(t, r.object(t), "attributes", "relationships", "nodes", "data") {
		if obj(t, n)["object"] != "node" {
			t.Fatalf("node item %v", n)
		}
		nodeIDs = append(nodeIDs, num(t, n, "attributes", "id"))
	}
	if !slices.Equal(nodeIDs, []int{1, 2}) {
		t.Fatalf("created host's nodes %v", nodeIDs)
	}
	id := num(t, r.object(t), "attributes", "id")
	db := num(t, f.appCreate(t, "mydb", id), "id")
	if a := attrs(t, f.app.do("GET", hostPath(id), nil).object(t)); a["relationships"] != nil {
		t.Fatalf("relationships without an include: %v", a)
	}
	res := ACLResourcesOf(Pelican)
	tests := []struct {
		name             string
		acl              map[string]int
		databases, nodes bool
	}{
		{"nil ACL", nil, true, true},
		{"hosts only", map[string]int{res.DatabaseHosts: ACLRead}, false, false},
		{"and databases", map[string]int{res.DatabaseHosts: ACLRead, res.ServerDatabases: ACLRead}, true, false},
		{"and nodes", map[string]int{res.DatabaseHosts: ACLRead, res.Nodes: ACLRead}, false, true},
	}
	for _, tt := range tests {
		c := newClient(t, f.p, f.p.AddKey(Key{Application: true, ACL: tt.acl}))
		one := c.do("GET", hostPath(id)+"?include=databases,nodes", nil).object(t)
		listed := arr(t, c.do("GET", appHostsPath+"?include=databases,nodes&filter[name]=eu", nil).object(t), "data")
		for _, o := range []any{one, listed[0]} {
			rel := obj(t, o, "attributes", "relationships")
			wantKeys(t, rel, "databases", "nodes")
			for name, shown := range map[string]bool{"databases": tt.databases, "nodes": tt.nodes} {
				item := obj(t, rel, name)
				if !shown {
					if item["object"] != "null_resource" || item["attributes"] != nil {
						t.Errorf("%s: %s = %v, want a null_resource", tt.name, name, item)
					}
					continue
				}
				if item["object"] != "list" {
					t.Errorf("%s: %s = %v, want a list", tt.name, name, item)
				}
			}
			if tt.databases {
				d := obj(t, rel, "databases", "data", 0)
				if d["object"] != "server_database" || num(t, d, "attributes", "id") != db || len(arr(t, rel, "databases", "data")) != 1 {
					t.Errorf("%s: databases = %v", tt.name, rel["databases"])
				}
			}
		}
	}
}
