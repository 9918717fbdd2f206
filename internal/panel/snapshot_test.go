package panel

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// snapshotPanel is a Pterodactyl panel with one server and a client for its owner; perms, when
// given, are the key's permissions instead of every one.
func snapshotPanel(t *testing.T, perms ...string) (*paneltest.Panel, paneltest.Server, *Client) {
	t.Helper()
	p := paneltest.Start(t, paneltest.Options{})
	srv := p.AddServer(paneltest.Server{InternalID: 7})
	if len(perms) == 0 {
		perms = []string{"*"}
	}
	c, err := New(Config{URL: p.URL(), APIKey: p.AddKey(paneltest.Key{Servers: map[string][]string{srv.Identifier: perms}})})
	if err != nil {
		t.Fatal(err)
	}
	return p, srv, c
}

// Creating N databases on one server costs N creates and one list, whatever N: the name check
// uses the server's snapshot, which the client keeps current with its own creates.
func TestCreatesCostOneRequestEach(t *testing.T) {
	const n = 40
	p, srv, c := snapshotPanel(t)
	p.AddDatabase(srv.Identifier, "existing", "%")
	runAll(t, n, func(i int) error {
		if _, err := c.GetServer(t.Context(), srv.Identifier); err != nil {
			return err
		}
		if _, err := c.TakenName(t.Context(), srv.Identifier, fmt.Sprintf("db%02d", i)); err != nil {
			return err
		}
		_, err := c.CreateDatabase(t.Context(), srv.Identifier, CreateDatabaseInput{Name: fmt.Sprintf("db%02d", i), Remote: "%"})
		return err
	})
	want := map[paneltest.Route]int{paneltest.RouteGetServer: 1, paneltest.RouteListDatabases: 1, paneltest.RouteCreateDatabase: n}
	for route, w := range want {
		if got := p.Requests(route); got != w {
			t.Errorf("%s: %d requests, want %d", route, got, w)
		}
	}
	if got := p.TotalRequests(); got != n+2 {
		t.Errorf("%d requests in all for %d creates, want %d", got, n, n+2)
	}
	if dbs := p.Databases(srv.Identifier); len(dbs) != n+1 {
		t.Fatalf("the panel holds %d databases, want %d", len(dbs), n+1)
	}
	// The snapshot knows them all, and the name taken before them.
	for _, name := range []string{"existing", "db00", "db39"} {
		if db, err := c.TakenName(t.Context(), srv.Identifier, name); err != nil || db == nil {
			t.Errorf("TakenName(%q) = %v, %v; want the database", name, db, err)
		}
	}
}

// The snapshot follows the client's own deletes, so a replacement (delete, then create of the
// same name) is not refused, and costs no list.
func TestSnapshotFollowsOwnDeletes(t *testing.T) {
	p, srv, c := snapshotPanel(t)
	ctx := t.Context()
	db, err := c.CreateDatabase(ctx, srv.Identifier, CreateDatabaseInput{Name: "app", Remote: "%"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteDatabase(ctx, srv.Identifier, db.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDatabase(ctx, srv.Identifier, CreateDatabaseInput{Name: "app", Remote: "10.0.0.%"}); err != nil {
		t.Fatalf("create after the client's own delete: %v", err)
	}
	if n := p.Requests(paneltest.RouteListDatabases); n != 1 {
		t.Fatalf("%d lists, want the one snapshot", n)
	}
}

// A name the snapshot says is taken is refused at once while the snapshot is fresh, and
// confirmed with a new list once it is older than confirmAfter: the database may have been
// deleted outside the client meanwhile.
func TestTakenNamesAreConfirmedWhenTheSnapshotIsOld(t *testing.T) {
	p, srv, c := snapshotPanel(t)
	now := time.Now()
	c.now = func() time.Time { return now }
	existing := p.AddDatabase(srv.Identifier, "app", "%")
	ctx := t.Context()
	if db, err := c.TakenName(ctx, srv.Identifier, "app"); err != nil || db == nil || db.ID != existing.ID {
		t.Fatalf("TakenName = %v, %v; want %s", db, err, existing.ID)
	}
	p.DeleteDatabase(srv.Identifier, existing.ID) // outside the client
	now = now.Add(confirmAfter - time.Second)
	if db, _ := c.TakenName(ctx, srv.Identifier, "app"); db == nil {
		t.Fatal("a fresh snapshot was listed again")
	}
	now = now.Add(time.Second)
	if db, err := c.TakenName(ctx, srv.Identifier, "app"); err != nil || db != nil {
		t.Fatalf("TakenName on an old snapshot = %v, %v; want it confirmed free", db, err)
	}
	if _, err := c.CreateDatabase(ctx, srv.Identifier, CreateDatabaseInput{Name: "app", Remote: "%"}); err != nil {
		t.Fatal(err)
	}
	if n := p.Requests(paneltest.RouteListDatabases); n != 2 {
		t.Fatalf("%d lists, want the snapshot and the one confirmation", n)
	}
}

// A key that may create but not list is refused the list once, not once per create.
func TestRefusedSnapshotIsAskedOnce(t *testing.T) {
	p, srv, c := snapshotPanel(t, PermissionCreate)
	for i := range 3 {
		if _, err := c.CreateDatabase(t.Context(), srv.Identifier, CreateDatabaseInput{Name: fmt.Sprintf("db%d", i), Remote: "%"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := p.Requests(paneltest.RouteListDatabases); n != 1 {
		t.Fatalf("%d refused lists for 3 creates, want 1", n)
	}
	if _, err := c.KnownDatabases(t.Context(), srv.Identifier); !IsForbidden(err) {
		t.Fatalf("KnownDatabases = %v, want the 403", err)
	}
}

// Parallel first reads of a server share one request; a failed read is not kept.
func TestServerReadsAreShared(t *testing.T) {
	p, srv, c := snapshotPanel(t)
	if _, err := c.GetServer(t.Context(), "0000ffff"); !IsNotFound(err) {
		t.Fatalf("unknown server: %v", err)
	}
	if _, err := c.GetServer(t.Context(), "0000ffff"); !IsNotFound(err) {
		t.Fatalf("unknown server again: %v", err)
	}
	runAll(t, 20, func(int) error {
		s, err := c.GetServer(context.Background(), srv.UUID)
		if err == nil && s.InternalID != 7 {
			err = fmt.Errorf("server %+v", s)
		}
		return err
	})
	if n := p.Requests(paneltest.RouteGetServer); n != 3 {
		t.Fatalf("%d server reads, want 2 for the unknown server (not kept) and 1 for the 20 parallel reads", n)
	}
	// Each caller gets its own copy.
	a, _ := c.GetServer(t.Context(), srv.Identifier)
	a.Permissions[0] = "changed"
	if b, _ := c.GetServer(t.Context(), srv.Identifier); b.Permissions[0] != "*" {
		t.Fatal("a caller's change reached another caller")
	}
}

// A server read is kept before its request lands: a caller arriving just after finds the
// answer, never neither the request nor the answer (which cost a second read per process).
func TestServerReadIsKeptBeforeItLands(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		close(arrived)
		<-release
		writeJSON(w, 200, `{"attributes":{"identifier":"1a7ce997","internal_id":7},"meta":{"user_permissions":["*"]}}`)
	}, nil)
	got := make(chan error, 1)
	go func() {
		_, err := c.GetServer(t.Context(), "1a7ce997")
		got <- err
	}()
	<-arrived
	c.record.serverReads.mu.Lock()
	f := c.record.serverReads.m["1a7ce997"]
	c.record.serverReads.mu.Unlock()
	close(release)
	<-f.done
	kept := c.record.server("1a7ce997")
	if kept == nil || kept.InternalID != 7 {
		t.Fatalf("when the read landed, the client kept %+v; want the server", kept)
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

// A caller that found nothing kept, and reaches the flights only after the request it could
// have joined has landed, takes what that request kept: it does not read the server or list
// its databases a second time. On the CLI this showed as a third list in a create of 40, and
// in a refresh of 8 databases on 2 servers.
func TestCallerAfterALandedRequestTakesWhatItKept(t *testing.T) {
	p, srv, c := snapshotPanel(t)
	for _, tc := range []struct {
		name  string
		route paneltest.Route
		hook  *func()
		use   func() error
	}{
		{"server read", paneltest.RouteGetServer, &c.record.serverReads.entering, func() error {
			_, err := c.GetServer(t.Context(), srv.Identifier)
			return err
		}},
		{"snapshot", paneltest.RouteListDatabases, &c.record.knownLists.entering, func() error {
			_, err := c.KnownDatabases(t.Context(), srv.Identifier)
			return err
		}},
		{"shared list", paneltest.RouteListDatabases, &c.record.heldLists.entering, func() error {
			_, err := c.ListDatabases(t.Context(), srv.Identifier, true)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The first caller is held after it looked and found nothing; the second makes
			// the request, which lands, and only then is the first let in.
			before := p.Requests(tc.route)
			held, release := make(chan struct{}), make(chan struct{})
			calls := 0
			*tc.hook = func() {
				calls++
				if calls == 1 {
					close(held)
					<-release
				}
			}
			first := make(chan error, 1)
			go func() { first <- tc.use() }()
			<-held
			if err := tc.use(); err != nil {
				t.Fatal(err)
			}
			close(release)
			if err := <-first; err != nil {
				t.Fatal(err)
			}
			if got := p.Requests(tc.route) - before; got != 1 {
				t.Fatalf("%d requests on %s; want 1, the second caller's, kept for the first", got, tc.route)
			}
		})
	}
}
