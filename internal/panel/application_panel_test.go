package panel_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// The application API against the in-memory panel, as the provider meets it.

// appPanel starts a panel with two database hosts and a server of internal id 7.
func appPanel(t *testing.T, flavor paneltest.Flavor) (*paneltest.Panel, paneltest.Server) {
	t.Helper()
	p := paneltest.Start(t, paneltest.Options{Flavor: flavor, CreateRateLimit: -1, DatabaseHosts: 2})
	return p, p.AddServer(paneltest.Server{InternalID: 7})
}

func eachPanelFlavor(t *testing.T, fn func(t *testing.T, flavor paneltest.Flavor)) {
	for _, flavor := range []paneltest.Flavor{paneltest.Pterodactyl, paneltest.Pelican} {
		t.Run(string(flavor), func(t *testing.T) {
			t.Parallel()
			fn(t, flavor)
		})
	}
}

func TestApplicationKeyOnTheFakePanel(t *testing.T) {
	eachPanelFlavor(t, func(t *testing.T, flavor paneltest.Flavor) {
		p, srv := appPanel(t, flavor)
		c := newClient(t, p.URL(), p.AddKey(paneltest.Key{Application: true}))
		ctx := t.Context()
		if c.Kind() != panel.ApplicationKey {
			t.Fatalf("kind = %s", c.Kind())
		}
		got, err := c.GetServer(ctx, srv.Identifier)
		if err != nil || got.InternalID != 7 || !got.Can(panel.PermissionDelete) {
			t.Fatalf("server = %+v, %v", got, err)
		}
		db, err := c.CreateDatabase(ctx, srv.Identifier, panel.CreateDatabaseInput{Name: "app", Remote: "%", HostID: "2"})
		if err != nil {
			t.Fatal(err)
		}
		on := p.Databases(srv.Identifier)
		if len(on) != 1 || on[0].HostID != 2 {
			t.Fatalf("the panel holds %+v, want one database on host 2", on)
		}
		want := panel.Database{ID: strconv.Itoa(on[0].InternalID), Name: "s7_app", Username: on[0].Username, Remote: "%",
			Host: on[0].Host, Port: on[0].Port, HostID: "2", Password: on[0].Password, PasswordState: panel.PasswordIncluded}
		if *db != want {
			t.Fatalf("created %+v\nwant    %+v", db, want)
		}
		dbs, err := c.ListDatabases(ctx, srv.UUID, true)
		if err != nil || len(dbs) != 1 || dbs[0] != want {
			t.Fatalf("list = %+v, %v; want %+v", dbs, err, want)
		}
		rotated, err := c.RotateDatabasePassword(ctx, srv.Identifier, db.ID)
		if err != nil {
			t.Fatal(err)
		}
		if now := p.Databases(srv.Identifier)[0].Password; rotated.Password != now || now == db.Password {
			t.Fatalf("rotated to %q; the panel holds %q", rotated.Password, now)
		}
		if err := c.DeleteDatabase(ctx, srv.Identifier, db.ID); err != nil {
			t.Fatal(err)
		}
		if n := len(p.Databases(srv.Identifier)); n != 0 {
			t.Fatalf("%d databases left", n)
		}
		for route, n := range map[paneltest.Route]int{
			// One page of servers answers the server read and the create's name check.
			paneltest.RouteAppListServers: 1, paneltest.RouteAppListDatabases: 1, paneltest.RouteAppCreateDatabase: 1,
			paneltest.RouteAppResetPassword: 1, paneltest.RouteAppGetDatabase: 1, paneltest.RouteAppDeleteDatabase: 1,
		} {
			if got := p.Requests(route); got != n {
				t.Errorf("%s: %d requests, want %d", route, got, n)
			}
		}
		if n := p.TotalRequests(); n != 6 {
			t.Errorf("%d requests in all, want 6, none on the client API", n)
		}
	})
}

// Pterodactyl's application API acts on a database of another server when given its id: the
// client never lets it.
func TestGlobalLookupGuardOnTheFakePanel(t *testing.T) {
	p, srv := appPanel(t, paneltest.Pterodactyl)
	other := p.AddServer(paneltest.Server{InternalID: 8})
	theirs := p.AddDatabase(other.Identifier, "theirs", "%")
	c := newClient(t, p.URL(), p.AddKey(paneltest.Key{Application: true}))
	ctx := t.Context()
	for _, id := range []string{strconv.Itoa(theirs.InternalID), theirs.ID} { // numeric, and the client API's hashid
		want := "belongs to server " + other.Identifier + " (internal id 8), not to server " + srv.Identifier
		if _, err := c.RotateDatabasePassword(ctx, srv.Identifier, id); !panel.IsForeignDatabase(err) || !strings.Contains(err.Error(), want) {
			t.Fatalf("rotating server 8's database %s through server 7: %v, want it refused as server 8's", id, err)
		}
		if err := c.DeleteDatabase(ctx, srv.Identifier, id); !panel.IsForeignDatabase(err) || !strings.Contains(err.Error(), want) {
			t.Fatalf("deleting server 8's database %s through server 7: %v, want it refused as server 8's", id, err)
		}
	}
	if n := p.Requests(paneltest.RouteAppResetPassword) + p.Requests(paneltest.RouteAppDeleteDatabase); n != 0 {
		t.Fatalf("%d resets and deletes were sent", n)
	}
	if dbs := p.Databases(other.Identifier); len(dbs) != 1 || dbs[0].Password != theirs.Password {
		t.Fatalf("server 8's database was changed: %+v", dbs)
	}
}

func TestApplicationLostCreateIsAdoptedOnTheFakePanel(t *testing.T) {
	eachPanelFlavor(t, func(t *testing.T, flavor paneltest.Flavor) {
		p, srv := appPanel(t, flavor)
		c := newClient(t, p.URL(), p.AddKey(paneltest.Key{Application: true}))
		p.InjectFault(paneltest.Fault{Route: paneltest.RouteAppCreateDatabase, DropAfterCommit: true})
		db, err := c.CreateDatabase(t.Context(), srv.Identifier, panel.CreateDatabaseInput{Name: "app", Remote: "%", HostID: "1"})
		if err != nil {
			t.Fatal(err)
		}
		dbs := p.Databases(srv.Identifier)
		if len(dbs) != 1 || db.ID != strconv.Itoa(dbs[0].InternalID) || db.Password != dbs[0].Password || db.HostID != "1" {
			t.Fatalf("panel %+v, adopted %+v", dbs, db)
		}
		if n := p.Requests(paneltest.RouteAppCreateDatabase); n != 1 {
			t.Fatalf("%d creates, want 1", n)
		}
	})
}

// A root admin's client key chooses the host through the application API, and gets the
// database back with the client API's id; an ordinary user's key is told an admin's is needed.
func TestRootAdminClientKeyChoosesTheHostOnTheFakePanel(t *testing.T) {
	eachPanelFlavor(t, func(t *testing.T, flavor paneltest.Flavor) {
		p, srv := appPanel(t, flavor)
		c := newClient(t, p.URL(), p.AddKey(paneltest.Key{RootAdmin: true}))
		ctx := t.Context()
		db, err := c.CreateDatabase(ctx, srv.Identifier, panel.CreateDatabaseInput{Name: "app", Remote: "%", HostID: "2"})
		if err != nil {
			t.Fatal(err)
		}
		on := p.Databases(srv.Identifier)
		if len(on) != 1 || on[0].HostID != 2 || db.ID != on[0].ID || db.HostID != "2" || db.Password != on[0].Password {
			t.Fatalf("created %+v; the panel holds %+v", db, on)
		}
		dbs, err := c.ListDatabases(ctx, srv.Identifier, false)
		if err != nil || panel.FindDatabase(dbs, db.ID) == nil {
			t.Fatalf("the client API does not list %s: %+v, %v", db.ID, dbs, err)
		}

		owner := newClient(t, p.URL(), p.AddKey(paneltest.Key{Servers: map[string][]string{srv.Identifier: {"*"}}}))
		_, err = owner.CreateDatabase(ctx, srv.Identifier, panel.CreateDatabaseInput{Name: "other", Remote: "%", HostID: "2"})
		if !panel.IsNotAdmin(err) || !strings.Contains(err.Error(), "need the key of a root admin") {
			t.Fatalf("error = %v, want an admin's key asked for", err)
		}
		if n := len(p.Databases(srv.Identifier)); n != 1 {
			t.Fatalf("%d databases, want the first only", n)
		}
	})
}

func TestApplicationRefusalsOnTheFakePanel(t *testing.T) {
	p, srv := appPanel(t, paneltest.Pterodactyl)
	p.AddDatabase(srv.Identifier, "app", "%")
	ctx := t.Context()
	c := newClient(t, p.URL(), p.AddKey(paneltest.Key{Application: true, MissingTwoFactor: true}))
	if _, err := c.GetServer(ctx, srv.Identifier); !panel.IsTwoFactorRequired(err) {
		t.Fatalf("error = %v, want two-factor authentication required", err)
	}
	res := paneltest.ACLResourcesOf(paneltest.Pterodactyl)
	c = newClient(t, p.URL(), p.AddKey(paneltest.Key{Application: true, ACL: map[string]int{res.Servers: paneltest.ACLRead}}))
	if _, err := c.ListDatabases(ctx, srv.Identifier, false); !panel.IsForbidden(err) || panel.IsNotAdmin(err) ||
		!strings.Contains(err.Error(), "This action is unauthorized.") {
		t.Fatalf("error = %v, want the missing ACL permission", err)
	}
	// Without database-host READ the host include is a null_resource: no address, the id only.
	c = newClient(t, p.URL(), p.AddKey(paneltest.Key{Application: true,
		ACL: map[string]int{res.Servers: paneltest.ACLRead, res.ServerDatabases: paneltest.ACLRead}}))
	dbs, err := c.ListDatabases(ctx, srv.Identifier, true)
	if err != nil || len(dbs) != 1 || dbs[0].Host != "" || dbs[0].Port != 0 || dbs[0].HostID != "1" ||
		dbs[0].PasswordState != panel.PasswordIncluded {
		t.Fatalf("list = %+v, %v", dbs, err)
	}
}

// A key made before prefixes existed is found out by the client API's refusal.
func TestUnprefixedApplicationKeyOnTheFakePanel(t *testing.T) {
	p, srv := appPanel(t, paneltest.Pterodactyl)
	p.AddDatabase(srv.Identifier, "app", "%")
	key := p.AddKey(paneltest.Key{Token: "Ab3dE6gH9kLm0pQr" + strings.Repeat("x", 32), Application: true})
	c := newClient(t, p.URL(), key)
	dbs, err := c.ListDatabases(t.Context(), srv.Identifier, true)
	if err != nil || len(dbs) != 1 || c.Kind() != panel.ApplicationKey {
		t.Fatalf("list = %+v, %v; kind %s", dbs, err, c.Kind())
	}
	if a, b := p.Requests(paneltest.RouteListDatabases), p.Requests(paneltest.RouteAppListServers); a != 1 || b != 1 {
		t.Fatalf("%d client API lists and %d application API server lists, want one each", a, b)
	}
}

func TestDatabaseHostsOnTheFakePanel(t *testing.T) {
	p, srv := appPanel(t, paneltest.Pelican)
	c := newClient(t, p.URL(), p.AddKey(paneltest.Key{Application: true}))
	ctx := t.Context()
	for range 12 {
		p.AddDatabaseHost(paneltest.DatabaseHost{NodeIDs: []int{1}})
	}
	hosts, err := c.ListDatabaseHosts(ctx)
	if err != nil || len(hosts) != 14 {
		t.Fatalf("%d hosts, %v; want 14", len(hosts), err)
	}
	made, err := c.CreateDatabaseHost(ctx, panel.DatabaseHostInput{Name: "eu", Host: "10.0.0.9", Port: 3307, Username: "admin",
		Password: "first", NodeIDs: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.Atoi(made.ID)
	if h, ok := p.DatabaseHost(id); !ok || h.Password != "first" || h.Name != "eu" || len(h.NodeIDs) != 1 {
		t.Fatalf("the panel holds %+v", h)
	}
	if _, err := c.UpdateDatabaseHost(ctx, made.ID, panel.DatabaseHostInput{Name: "eu-1", Host: "10.0.0.9", Port: 3307, Username: "admin"}); err != nil {
		t.Fatal(err)
	}
	if h, _ := p.DatabaseHost(id); h.Password != "first" || h.Name != "eu-1" {
		t.Fatalf("an update without a password changed it: %+v", h)
	}
	p.SetHostLoginCheck(func(l paneltest.HostLogin) error {
		if l.Password != "first" {
			return errors.New("access denied")
		}
		return nil
	})
	_, err = c.UpdateDatabaseHost(ctx, made.ID, panel.DatabaseHostInput{Name: "eu-1", Host: "10.0.0.9", Port: 3307, Username: "admin", Password: "wrong"})
	var ce *panel.HostConnectionError
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v, want a HostConnectionError", err)
	}
	// Host 1 holds the server's database: it is not deleted. (The counting before the delete,
	// which sends nothing, is TestHostInUseIsNotDeleted's: this fake does not render a host's
	// databases include, so the panel's refusal is what is explained here.)
	p.AddDatabase(srv.Identifier, "app", "%")
	var inUse *panel.HostInUseError
	if err := c.DeleteDatabaseHost(ctx, "1"); !errors.As(err, &inUse) {
		t.Fatalf("error = %v, want a HostInUseError", err)
	}
	if _, ok := p.DatabaseHost(1); !ok || p.DatabasesOnHost(1) != 1 {
		t.Fatal("host 1 or its database is gone")
	}
	if err := c.DeleteDatabaseHost(ctx, made.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.DatabaseHost(id); ok {
		t.Fatal("the host is still there")
	}

	pt, _ := appPanel(t, paneltest.Pterodactyl)
	if _, err := newClient(t, pt.URL(), pt.AddKey(paneltest.Key{Application: true})).ListDatabaseHosts(ctx); !errors.Is(err, panel.ErrNoHostAPI) {
		t.Fatalf("error = %v, want ErrNoHostAPI", err)
	}
	if n := pt.TotalRequests(); n != 0 {
		t.Fatalf("%d requests to Pterodactyl", n)
	}
}

// A root admin's client key creates on a chosen host through the application API, and learns
// the client API's id (a hashid on Pterodactyl) from one list. When that list fails, the create
// still succeeds: an error would leave the database on the panel with nothing in state. It
// comes back with its application id, which a read finds by its stored name.
func TestClientViewFailureKeepsTheDatabase(t *testing.T) {
	p, srv := appPanel(t, paneltest.Pterodactyl)
	c := newClient(t, p.URL(), p.AddKey(paneltest.Key{RootAdmin: true}))
	ctx := t.Context()
	if _, err := c.KnownDatabases(ctx, srv.Identifier); err != nil {
		t.Fatal(err)
	}
	p.InjectFault(paneltest.Fault{Route: paneltest.RouteListDatabases, Status: http.StatusForbidden})
	db, err := c.CreateDatabase(ctx, srv.Identifier, panel.CreateDatabaseInput{Name: "app", Remote: "%", HostID: "2"})
	if err != nil {
		t.Fatalf("the create failed when only the list after it did: %v", err)
	}
	on := p.Databases(srv.Identifier)
	if len(on) != 1 || db.ID != strconv.Itoa(on[0].InternalID) || db.Name != on[0].Name || db.HostID != "2" {
		t.Fatalf("created %s (%s) on host %s; want the panel's one database (it holds %d) by its application id",
			db.ID, db.Name, db.HostID, len(on))
	}
	dbs, err := c.ListDatabases(ctx, srv.Identifier, false)
	if err != nil {
		t.Fatal(err)
	}
	if found := panel.FindStoredName(dbs, db.Name); !c.OtherIDForm(db.ID) || found == nil || found.ID != on[0].ID {
		t.Fatalf("a read does not find %s by its stored name %s", db.ID, db.Name)
	}
}
