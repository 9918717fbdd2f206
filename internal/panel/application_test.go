package panel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Keys of each kind and flavor, and one from before prefixes.
const (
	appKeyPtero      = "ptla_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
	appKeyPelican    = "papp_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
	clientKeyPelican = "pacc_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
	unprefixedKey    = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
)

func appKeyOf(f Flavor) string {
	if f == Pelican {
		return appKeyPelican
	}
	return appKeyPtero
}

// sameLog fails t unless the requests are want, in order.
func sameLog(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("requests\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestKeyKindsAndFlavors(t *testing.T) {
	cases := []struct {
		key    string
		kind   KeyKind
		flavor Flavor
	}{
		{"ptlc_abc", ClientKey, Pterodactyl},
		{"ptla_abc", ApplicationKey, Pterodactyl},
		{"pacc_abc", ClientKey, Pelican},
		{"papp_abc", ApplicationKey, Pelican},
		{"plcn_abc", ClientKey, Pelican},
		{"peli_abc", ApplicationKey, Pelican},
		{unprefixedKey, ClientKey, Pterodactyl},
		{"PTLA_abc", ClientKey, Pterodactyl}, // prefixes are lower case
	}
	for _, tc := range cases {
		if k, f := KindOf(tc.key), FlavorOf(tc.key); k != tc.kind || f != tc.flavor {
			t.Errorf("%s: %s of %s, want %s of %s", tc.key, k, f, tc.kind, tc.flavor)
		}
		c, err := New(Config{URL: "https://panel.example.com", APIKey: tc.key})
		if err != nil {
			t.Fatal(err)
		}
		if c.Kind() != tc.kind || c.Flavor() != tc.flavor {
			t.Errorf("%s: the client says %s of %s", tc.key, c.Kind(), c.Flavor())
		}
	}
}

// With an application key the same methods work through the application API: the server is
// found by a sweep of the server list, the create names its host, rotation reads the new password with one GET.
func TestApplicationKeyDatabaseLifecycle(t *testing.T) {
	for _, flavor := range []Flavor{Pterodactyl, Pelican} {
		t.Run(flavor.String(), func(t *testing.T) {
			f := newAppFake(t, flavor)
			limit := 3
			f.servers[0].limit = &limit
			c, _, _ := f.client(appKeyOf(flavor))
			ctx := t.Context()
			srv, err := c.GetServer(ctx, "1a7ce997")
			if err != nil {
				t.Fatal(err)
			}
			if srv.InternalID != 1 || srv.Identifier != "1a7ce997" || srv.UUID != f.servers[0].uuid || srv.DatabaseLimit == nil ||
				*srv.DatabaseLimit != 3 || !srv.Can(PermissionCreate) || !srv.CanViewPasswords() {
				t.Fatalf("server = %+v", srv)
			}
			db, err := c.CreateDatabase(ctx, "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%", HostID: "1"})
			if err != nil {
				t.Fatal(err)
			}
			made := f.db(11)
			want := Database{ID: "11", Name: "s1_app", Username: "u1_abcdefghij", Remote: "%", Host: "10.0.0.5", Port: 3306,
				HostID: "1", Password: made.password, PasswordState: PasswordIncluded}
			if made == nil || *db != want {
				t.Fatalf("created %+v\nwant    %+v", db, want)
			}
			dbs, err := c.ListDatabases(ctx, f.servers[0].uuid, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(dbs) != 1 || dbs[0] != want {
				t.Fatalf("list by UUID = %+v", dbs)
			}
			rotated, err := c.RotateDatabasePassword(ctx, "1a7ce997", db.ID)
			if err != nil {
				t.Fatal(err)
			}
			if p := f.db(11).password; rotated.Password != p || p == db.Password || rotated.PasswordState != PasswordIncluded ||
				rotated.ID != "11" || rotated.HostID != "1" || rotated.Host != "10.0.0.5" {
				t.Fatalf("rotated = %+v; the panel's password is %q", rotated, p)
			}
			if err := c.DeleteDatabase(ctx, "1a7ce997", db.ID); err != nil {
				t.Fatal(err)
			}
			if f.db(11) != nil {
				t.Fatal("the database is still on the panel")
			}
			sameLog(t, f.log(),
				// One page of servers with their databases: the server read and the name
				// check's snapshot.
				"GET /api/application/servers?include=databases.password,databases.host&page=1&per_page=100",
				"POST /api/application/servers/1/databases?include=password,host",
				"GET /api/application/servers/1/databases?include=host,password",
				"POST /api/application/servers/1/databases/11/reset-password",
				"GET /api/application/servers/1/databases/11?include=password,host",
				"DELETE /api/application/servers/1/databases/11",
			)
			if body := f.bodies[1]; fmt.Sprint(body) != "map[database:app host:1 remote:%]" {
				t.Fatalf("create body = %v", body)
			}
			// Deleting again is not an error. Pterodactyl lists the server's databases to see
			// that the id is not one of its own; Pelican scopes the id itself and answers 404.
			if err := c.DeleteDatabase(ctx, "1a7ce997", db.ID); err != nil {
				t.Fatal(err)
			}
			if flavor == Pterodactyl { // the list, and a read that tells gone from another server's
				sameLog(t, f.log(), "GET /api/application/servers/1/databases?include=host",
					"GET /api/application/servers/1/databases/11")
			} else {
				sameLog(t, f.log(), "DELETE /api/application/servers/1/databases/11")
			}
		})
	}
}

// A database host that the key may not read is a null_resource: Host and Port stay empty.
func TestHostNotReadableLeavesAddressEmpty(t *testing.T) {
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/servers") {
			writeJSON(w, 200, `{"object":"list","data":[{"object":"server","attributes":{"id":4,"identifier":"1a7ce997"}}]}`)
			return
		}
		writeJSON(w, 200, `{"object":"list","data":[{"object":"server_database","attributes":{"id":9,"server":4,"host":2,
			"database":"s4_app","username":"u4_abcdefghij","remote":"%","max_connections":null,
			"relationships":{"host":{"object":"null_resource","attributes":null}}}}]}`)
	}, func(cfg *Config) { cfg.APIKey = appKeyPtero })
	dbs, err := c.ListDatabases(t.Context(), "1a7ce997", false)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Database{ID: "9", Name: "s4_app", Username: "u4_abcdefghij", Remote: "%", HostID: "2"}); len(dbs) != 1 || dbs[0] != want {
		t.Fatalf("dbs = %+v, want %+v", dbs, want)
	}
}

// The application API needs a host on every create: without one, or with one that is not an
// id, nothing is sent.
func TestApplicationCreateNeedsAHost(t *testing.T) {
	f := newAppFake(t, Pterodactyl)
	c, _, _ := f.client(appKeyPtero)
	_, err := c.CreateDatabase(t.Context(), "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%"})
	if !errors.Is(err, ErrHostRequired) || !strings.Contains(err.Error(), `create database "app" on server 1a7ce997: `) {
		t.Fatalf("error = %v, want ErrHostRequired", err)
	}
	_, err = c.CreateDatabase(t.Context(), "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%", HostID: "eu-1"})
	if err == nil || !strings.Contains(err.Error(), `the database host id "eu-1" is not a database host's numeric id`) {
		t.Fatalf("error = %v", err)
	}
	sameLog(t, f.log())
}

// The panel's filters match partially: only a server whose identifier or UUID is the one
// asked for is taken, and it is read once per client whichever form names it.
func TestServerIsMatchedExactly(t *testing.T) {
	f := newAppFake(t, Pterodactyl)
	c, _, _ := f.client(appKeyPtero)
	unswept(c)
	ctx := t.Context()
	for _, partial := range []string{"1a7ce99", "259b-452e"} { // part of one server's UUID; of both
		_, err := c.GetServer(ctx, partial)
		if !IsNotFound(err) || !strings.Contains(err.Error(), "the panel has no server with the identifier or UUID "+partial) {
			t.Fatalf("GetServer(%q) = %v, want not found", partial, err)
		}
	}
	sameLog(t, f.log(), "GET /api/application/servers?filter[uuid]=1a7ce99", "GET /api/application/servers?filter[uuid]=259b-452e")
	for _, ref := range []string{"1a7ce997", strings.ToUpper(f.servers[0].uuid), "1A7CE997"} {
		srv, err := c.GetServer(ctx, ref)
		if err != nil || srv.InternalID != 1 {
			t.Fatalf("GetServer(%q) = %+v, %v", ref, srv, err)
		}
	}
	sameLog(t, f.log(), "GET /api/application/servers?filter[uuidShort]=1a7ce997")
}

// An application key from a Pterodactyl panel that became a Pelican panel keeps working: the
// refused filter spelling is tried the other way once, and proves the panel is Pelican.
func TestRefusedFilterSpellingCorrectsFlavor(t *testing.T) {
	f := newAppFake(t, Pelican)
	c, _, _ := f.client(appKeyPtero)
	unswept(c)
	if srv, err := c.GetServer(t.Context(), "1a7ce997"); err != nil || srv.InternalID != 1 {
		t.Fatalf("GetServer = %+v, %v", srv, err)
	}
	if c.Flavor() != Pelican {
		t.Fatalf("flavor = %s after the panel refused uuidShort, want Pelican", c.Flavor())
	}
	if _, err := c.GetServer(t.Context(), "2b8df008"); err != nil {
		t.Fatal(err)
	}
	sameLog(t, f.log(),
		"GET /api/application/servers?filter[uuidShort]=1a7ce997",
		"GET /api/application/servers?filter[uuid_short]=1a7ce997",
		"GET /api/application/servers?filter[uuid_short]=2b8df008",
	)

	// An early Pelican beta takes only uuidShort: still Pelican.
	early := newAppFake(t, Pelican)
	early.camelOnly = true
	c, _, _ = early.client(appKeyPelican)
	unswept(c)
	if _, err := c.GetServer(t.Context(), "1a7ce997"); err != nil {
		t.Fatal(err)
	}
	if c.Flavor() != Pelican {
		t.Fatalf("flavor = %s, want Pelican still", c.Flavor())
	}
	sameLog(t, early.log(),
		"GET /api/application/servers?filter[uuid_short]=1a7ce997",
		"GET /api/application/servers?filter[uuidShort]=1a7ce997",
	)
}

// A sweep sends no filter to refuse, but its servers tell the flavor: Pelican's have no nest.
// A ptla_ key on a panel that became Pelican, or a key without a prefix there, then reaches
// Pelican's own API (database hosts); Pterodactyl's servers leave a ptla_ key Pterodactyl. The
// server lookups and lists that send filters tell it the same way.
func TestSweptServersTellTheFlavor(t *testing.T) {
	for _, flavor := range []Flavor{Pelican, Pterodactyl} {
		t.Run(flavor.String(), func(t *testing.T) {
			f := newAppFake(t, flavor)
			f.addDB(1, "app")
			c, _, _ := f.client(appKeyPtero)
			if dbs, err := c.ListDatabases(t.Context(), "1a7ce997", false); err != nil || len(dbs) != 1 {
				t.Fatalf("ListDatabases = %+v, %v", dbs, err)
			}
			if c.Flavor() != flavor {
				t.Fatalf("flavor = %s after a sweep of a %s panel", c.Flavor(), flavor)
			}
			_, err := c.ListDatabaseHosts(t.Context())
			if flavor == Pelican && err != nil || flavor == Pterodactyl && !errors.Is(err, ErrNoHostAPI) {
				t.Fatalf("ListDatabaseHosts: %v", err)
			}
			want := []string{"GET /api/application/servers?include=databases.password,databases.host&page=1&per_page=100"}
			if flavor == Pelican {
				want = append(want, "GET /api/application/database-hosts?page=1&per_page=100")
			}
			sameLog(t, f.log(), want...)

			for name, read := range map[string]func(c *Client) error{
				"server lookup by UUID": func(c *Client) error { _, err := c.GetServer(t.Context(), f.servers[0].uuid); return err },
				"server list":           func(c *Client) error { _, err := c.ListServers(t.Context(), ServerQuery{}); return err },
			} {
				c, _, _ := f.client(appKeyPtero)
				unswept(c)
				if err := read(c); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if c.Flavor() != flavor {
					t.Errorf("flavor = %s after a %s on a %s panel", c.Flavor(), name, flavor)
				}
			}
		})
	}
}

// Only a whole server object tells Pelican: one with its egg and no nest.
func TestServerShapeTellsTheFlavor(t *testing.T) {
	for obj, want := range map[string]Flavor{
		`{"id":1,"identifier":"1a7ce997","nest":1,"egg":5}`:    Pterodactyl,
		`{"id":1,"identifier":"1a7ce997","egg":5}`:             Pelican,
		`{"id":1,"identifier":"1a7ce997","nest":null,"egg":5}`: Pterodactyl,
		`{"id":1,"identifier":"1a7ce997"}`:                     Pterodactyl, // a part of a server: it tells nothing
	} {
		c, err := New(Config{URL: "http://panel.invalid", APIKey: appKeyPtero})
		if err != nil {
			t.Fatal(err)
		}
		var a appServerAttributes
		if err := json.Unmarshal([]byte(obj), &a); err != nil {
			t.Fatal(err)
		}
		c.learnShape(t.Context(), &a)
		if c.Flavor() != want {
			t.Errorf("%s: flavor %s, want %s", obj, c.Flavor(), want)
		}
	}
}

// A key made before prefixes existed is taken for a client key until the client API refuses
// it as an application key: that call is made again through the application API, and every
// later one goes there at once.
func TestUnprefixedKeySwitchesToTheApplicationAPI(t *testing.T) {
	f := newAppFake(t, Pterodactyl)
	f.appKeyOnClient = true
	f.addDB(1, "app")
	c, _, logger := f.client(unprefixedKey)
	if c.Kind() != ClientKey {
		t.Fatalf("kind = %s before any answer, want a client key", c.Kind())
	}
	dbs, err := c.ListDatabases(t.Context(), "1a7ce997", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(dbs) != 1 || dbs[0].ID != "11" || dbs[0].PasswordState != PasswordIncluded {
		t.Fatalf("dbs = %+v", dbs)
	}
	if c.Kind() != ApplicationKey {
		t.Fatalf("kind = %s, want an application key", c.Kind())
	}
	if _, err := c.RotateDatabasePassword(t.Context(), "1a7ce997", "11"); err != nil {
		t.Fatal(err)
	}
	sameLog(t, f.log(),
		"GET /api/client/servers/1a7ce997/databases?include=password",
		"GET /api/application/servers?include=databases.password,databases.host&page=1&per_page=100",
		"POST /api/application/servers/1/databases/11/reset-password",
		"GET /api/application/servers/1/databases/11?include=password,host",
	)
	if !strings.Contains(logger.text(), "the API key is an application key") {
		t.Fatalf("the switch was not logged:\n%s", logger.text())
	}

	// A create through a key that turned out an application key needs a host, like any.
	f2 := newAppFake(t, Pterodactyl)
	f2.appKeyOnClient = true
	c, _, _ = f2.client(unprefixedKey)
	if _, err := c.CreateDatabase(t.Context(), "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%"}); !errors.Is(err, ErrHostRequired) {
		t.Fatalf("error = %v, want ErrHostRequired once the key is known", err)
	}
	sameLog(t, f2.log(), "GET /api/client/servers/1a7ce997/databases")

	// A key whose prefix says client is not switched by the same refusal.
	f3 := newAppFake(t, Pterodactyl)
	f3.appKeyOnClient = true
	c, _, _ = f3.client(testKey)
	if _, err := c.ListDatabases(t.Context(), "1a7ce997", true); !IsForbidden(err) || c.Kind() != ClientKey {
		t.Fatalf("error = %v and kind %s, want the 403 and a client key still", err, c.Kind())
	}
	sameLog(t, f3.log(), "GET /api/client/servers/1a7ce997/databases?include=password")
}

// Pterodactyl's application API finds a database by id on any server. A database of another
// server is never rotated, deleted or returned: the server's own list says which are its, and
// every answer's server is checked. A foreign one is refused, naming both servers, and is not
// a not-found: a resource that names it is a mistake, not a database to make again.
func TestGlobalLookupGuard(t *testing.T) {
	f := newAppFake(t, Pterodactyl)
	own := strconv.Itoa(f.addDB(1, "own"))
	foreignID := f.addDB(2, "theirs")
	foreign, before := strconv.Itoa(foreignID), f.db(foreignID).password
	c, _, _ := f.client(appKeyPtero)
	ctx := t.Context()
	wantForeign := func(what string, err error) {
		t.Helper()
		var fe *ForeignDatabaseError
		if !errors.As(err, &fe) || IsNotFound(err) || fe.OwnerID != "2" || fe.ServerID != 1 || fe.Name != "s2_theirs" ||
			!strings.Contains(err.Error(), "not to server 1a7ce997") {
			t.Fatalf("%s another server's database: %v, want it refused as server 2's", what, err)
		}
	}
	_, err := c.RotateDatabasePassword(ctx, "1a7ce997", foreign)
	wantForeign("rotating", err)
	wantForeign("deleting", c.DeleteDatabase(ctx, "1a7ce997", foreign))
	// A client API hashid is read to learn whose it is.
	_, err = c.RotateDatabasePassword(ctx, "1a7ce997", hashidOf(foreignID))
	wantForeign("rotating by hashid", err)
	wantForeign("deleting by hashid", c.DeleteDatabase(ctx, "1a7ce997", hashidOf(foreignID)))
	if d := f.db(foreignID); d == nil || d.password != before {
		t.Fatalf("the other server's database was changed: %+v", d)
	}
	for _, line := range f.log() {
		if strings.HasPrefix(line, "POST") || strings.HasPrefix(line, "DELETE") {
			t.Fatalf("sent %s", line)
		}
	}
	// A database deleted from the panel is a not-found, after one read tells it from another
	// server's.
	if _, err := c.RotateDatabasePassword(ctx, "1a7ce997", "999"); !IsNotFound(err) || IsForeignDatabase(err) {
		t.Fatalf("rotating a database that is gone: %v, want not found", err)
	}
	f.log()
	// The server's own database, known from its list, costs the reset and one read.
	if _, err := c.RotateDatabasePassword(ctx, "1a7ce997", own); err != nil {
		t.Fatal(err)
	}
	sameLog(t, f.log(),
		"POST /api/application/servers/1/databases/11/reset-password",
		"GET /api/application/servers/1/databases/11?include=password,host",
	)
}

// A create whose answer is lost is looked up in the application API's list, never sent again;
// a same-named database on another host, from an overlapping create elsewhere, is not taken.
func TestApplicationLostCreateIsLookedUp(t *testing.T) {
	f := newAppFake(t, Pterodactyl)
	f.hosts = append(f.hosts, &appFakeHost{id: 2, name: "other", host: "10.0.0.6", port: 3306, username: "panel"})
	f.onCreate = func(w http.ResponseWriter) bool {
		other := f.addDBLocked(1, 2, "app", "%")
		f.dbs = append([]*appFakeDB{other}, slices.DeleteFunc(f.dbs, func(d *appFakeDB) bool { return d == other })...)
		w.WriteHeader(http.StatusBadGateway)
		return true
	}
	c, rec, _ := f.client(appKeyPtero)
	db, err := c.CreateDatabase(t.Context(), "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%", HostID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if mine := f.db(11); db.ID != "11" || db.HostID != "1" || db.Password != mine.password {
		t.Fatalf("adopted %+v, want database 11 on host 1", db)
	}
	sameLog(t, f.log(),
		"GET /api/application/servers?include=databases.password,databases.host&page=1&per_page=100",
		"POST /api/application/servers/1/databases?include=password,host",
		"GET /api/application/servers/1/databases?include=host,password",
	)
	if len(rec.waits) != 0 {
		t.Fatalf("waits = %v, want the first lookup to find it", rec.waits)
	}
}

// A client key may choose the host too, through the application API when its user is a root
// admin; the database comes back as the client API shows it, so the key finds it later.
func TestClientKeyCreatesOnAChosenHost(t *testing.T) {
	t.Run("Pterodactyl", func(t *testing.T) {
		f := newAppFake(t, Pterodactyl)
		c, _, _ := f.client(testKey)
		db, err := c.CreateDatabase(t.Context(), "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%", HostID: "1"})
		if err != nil {
			t.Fatal(err)
		}
		if db.ID != hashidOf(11) || db.HostID != "1" || db.Password != f.db(11).password || db.Host != "10.0.0.5" {
			t.Fatalf("created %+v, want the client API's id and the chosen host", db)
		}
		sameLog(t, f.log(),
			"GET /api/client/servers/1a7ce997/databases", // the name check
			"GET /api/client/servers/1a7ce997",           // the internal id
			"POST /api/application/servers/1/databases?include=password,host",
			"GET /api/client/servers/1a7ce997/databases", // the client API's id
		)
		dbs, err := c.ListDatabases(t.Context(), "1a7ce997", false)
		if err != nil || FindDatabase(dbs, db.ID) == nil {
			t.Fatalf("the client API does not list the database by the id returned: %v, %v", dbs, err)
		}
		if c.Kind() != ClientKey {
			t.Fatal("a create on a chosen host changed the key's kind")
		}
	})
	t.Run("Pelican", func(t *testing.T) {
		f := newAppFake(t, Pelican)
		c, _, _ := f.client(clientKeyPelican)
		db, err := c.CreateDatabase(t.Context(), "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%", HostID: "1"})
		if err != nil {
			t.Fatal(err)
		}
		if db.ID != "11" || db.HostID != "1" {
			t.Fatalf("created %+v", db)
		}
		sameLog(t, f.log(),
			"GET /api/client/servers/1a7ce997/databases",
			"GET /api/client/servers/1a7ce997",
			"POST /api/application/servers/1/databases?include=password,host",
		)
	})
	t.Run("not an admin", func(t *testing.T) {
		f := newAppFake(t, Pterodactyl)
		f.notAdmin = true
		c, _, _ := f.client(testKey)
		_, err := c.CreateDatabase(t.Context(), "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%", HostID: "1"})
		if !IsNotAdmin(err) || !IsForbidden(err) || !strings.Contains(err.Error(), "need the key of a root admin") {
			t.Fatalf("error = %v, want one saying an admin's key is needed", err)
		}
		if len(f.dbs) != 0 {
			t.Fatal("a database was made")
		}
	})
}

// Creates on one server run one at a time through either API: a create on a chosen host
// waits for a client API create in flight, and the other way round.
func TestCreateLockIsSharedByBothAPIs(t *testing.T) {
	arrived, release := make(chan string, 2), make(chan struct{})
	var posts atomic.Int32
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost:
			arrived <- r.URL.Path
			if posts.Add(1) == 1 {
				<-release
			}
			if strings.HasPrefix(r.URL.Path, "/api/application/") {
				writeJSON(w, 201, `{"object":"server_database","attributes":{"id":12,"server":1,"host":1,"database":"s1_bxx","remote":"%"}}`)
				return
			}
			writeJSON(w, 200, `{"object":"server_database","attributes":{"id":"Hx000011","name":"s1_axx","connections_from":"%"}}`)
		case strings.HasSuffix(r.URL.Path, "/databases"):
			writeJSON(w, 200, listBody)
		default:
			writeJSON(w, 200, `{"attributes":{"identifier":"1a7ce997","internal_id":1},"meta":{"user_permissions":["*"]}}`)
		}
	}, func(cfg *Config) { cfg.APIKey = clientKeyPelican })
	waiting := make(chan struct{}, 1)
	c.creates.waiting = func() { waiting <- struct{}{} }
	done := make(chan error, 2)
	go func() {
		_, err := c.CreateDatabase(t.Context(), "1a7ce997", CreateDatabaseInput{Name: "axx", Remote: "%"})
		done <- err
	}()
	if p := <-arrived; p != "/api/client/servers/1a7ce997/databases" {
		t.Fatalf("first create went to %s", p)
	}
	go func() {
		_, err := c.CreateDatabase(t.Context(), "1a7ce997-259b-452e-8b4e-cecc464142ca", CreateDatabaseInput{Name: "bxx", Remote: "%", HostID: "1"})
		done <- err
	}()
	select {
	case <-waiting:
	case p := <-arrived:
		close(release)
		t.Fatalf("a create through the application API (%s) was sent while one through the client API was in flight", p)
	}
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// The application API's own refusals each have their predicate.
func TestApplicationRefusals(t *testing.T) {
	f := newAppFake(t, Pterodactyl)
	f.twoFactor = true
	c, _, _ := f.client(appKeyPtero)
	_, err := c.GetServer(t.Context(), "1a7ce997")
	if !IsTwoFactorRequired(err) || IsForbidden(err) || filterRefused(err, filterShortCamel) {
		t.Fatalf("error = %v, want two-factor required", err)
	}
	// The sweep's refusal leaves the read to ask for its server alone, which gets the panel's
	// refusal about it.
	sameLog(t, f.log(),
		"GET /api/application/servers?include=databases.password,databases.host&page=1&per_page=100",
		"GET /api/application/servers?filter[uuidShort]=1a7ce997")

	f = newAppFake(t, Pterodactyl)
	f.notAdmin = true
	c, _, _ = f.client(appKeyPtero)
	if _, err := c.GetServer(t.Context(), "1a7ce997"); !IsNotAdmin(err) || !IsForbidden(err) {
		t.Fatalf("error = %v, want not an admin", err)
	}

	// A key without the ACL permission: forbidden, not "not an admin".
	c, _, _ = handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		fakeError(w, 403, CodeAccessDenied, "This action is unauthorized.")
	}, func(cfg *Config) { cfg.APIKey = appKeyPtero })
	if _, err := c.GetServer(t.Context(), "1a7ce997"); !IsForbidden(err) || IsNotAdmin(err) || IsTwoFactorRequired(err) {
		t.Fatalf("error = %v, want forbidden", err)
	}
	if IsTwoFactorRequired(&APIError{StatusCode: 400, Errors: []ErrorItem{{Code: CodeTooManyDatabases}}}) || IsTwoFactorRequired(nil) {
		t.Fatal("IsTwoFactorRequired is true for another error")
	}
}

// Each API has its own rate-limit window: the client API's used-up window holds back no
// application API request, and the other way round.
func TestEachAPIHasItsOwnRateWindow(t *testing.T) {
	c, clock := pacerClient(t)
	var waits []time.Time
	c.until = func(ctx context.Context, t time.Time) error {
		waits = append(waits, t)
		return clock.advanceTo(ctx, t)
	}
	app := call{op: "list", api: applicationAPI}
	c.observe(admitted(t, c, call{op: "list"}), 429, rateHeaders(720, 0, 30*time.Second))
	c.observe(admitted(t, c, app), 200, rateHeaders(240, 239, 0))
	c.observe(admitted(t, c, app), 429, rateHeaders(240, 0, 20*time.Second))
	if len(waits) != 0 {
		t.Fatalf("an application API request waited for the client API's window: %v", waits)
	}
	if a, cl := c.pace[applicationAPI].general, c.pace[clientAPI].general; a.limit != 240 || cl.limit != 720 ||
		a.resetAt.Equal(cl.resetAt) {
		t.Fatalf("windows: application %+v, client %+v", a, cl)
	}
	// Each API's next request waits for its own window's end.
	start := c.now()
	admitted(t, c, app)
	admitted(t, c, call{op: "list"})
	if len(waits) != 2 || !waits[0].Equal(start.Add(20*time.Second)) || !waits[1].Equal(start.Add(30*time.Second)) {
		t.Fatalf("waited until %v, want the application API's end, then the client API's", waits)
	}
}

// The application API's answers teach its own limit, the client API's its own.
func TestLimitsAreLearnedPerAPI(t *testing.T) {
	f := newAppFake(t, Pelican)
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/application/") {
			w.Header().Set("X-RateLimit-Limit", "256")
			w.Header().Set("X-RateLimit-Remaining", "255")
		} else {
			w.Header().Set("X-RateLimit-Limit", "720")
			w.Header().Set("X-RateLimit-Remaining", "700")
		}
		f.serve(w, r)
	}, func(cfg *Config) { cfg.APIKey = clientKeyPelican })
	if _, err := c.ListDatabases(t.Context(), "1a7ce997", false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListDatabaseHosts(t.Context()); err != nil {
		t.Fatal(err)
	}
	if a, cl := c.pace[applicationAPI].general, c.pace[clientAPI].general; a.limit != 256 || a.left != 255 || cl.limit != 720 || cl.left != 700 {
		t.Fatalf("windows: application %+v, client %+v", a, cl)
	}
}
