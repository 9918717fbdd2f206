package panel_test

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// These tests run the client against the in-memory panel over HTTP, once per flavor.

type fixture struct {
	panel  *paneltest.Panel
	server paneltest.Server
	client *panel.Client
	owner  string
}

func newFixture(t *testing.T, flavor paneltest.Flavor, perms ...string) *fixture {
	t.Helper()
	p := paneltest.Start(t, paneltest.Options{Flavor: flavor, CreateRateLimit: -1})
	srv := p.AddServer(paneltest.Server{InternalID: 7})
	if len(perms) == 0 {
		perms = []string{"*"}
	}
	key := p.AddKey(paneltest.Key{Servers: map[string][]string{srv.Identifier: perms}})
	return &fixture{panel: p, server: srv, client: newClient(t, p.URL(), key), owner: key}
}

func newClient(t *testing.T, url, key string) *panel.Client {
	t.Helper()
	c, err := panel.New(panel.Config{URL: url, APIKey: key, MaxRetryWait: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func eachFlavor(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, flavor := range []paneltest.Flavor{paneltest.Pterodactyl, paneltest.Pelican} {
		t.Run(string(flavor), func(t *testing.T) {
			t.Parallel()
			fn(t, newFixture(t, flavor))
		})
	}
}

var (
	usernameRE = regexp.MustCompile(`^u7_[A-Za-z0-9]{10}$`)
	passwordRE = regexp.MustCompile(`^[A-Za-z0-9!@=.+^]{24}$`)
)

func TestDatabaseLifecycle(t *testing.T) {
	eachFlavor(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		created, err := f.client.CreateDatabase(ctx, f.server.Identifier, panel.CreateDatabaseInput{Name: "app", Remote: "%"})
		if err != nil {
			t.Fatal(err)
		}
		if created.Name != "s7_app" || created.Remote != "%" || !usernameRE.MatchString(created.Username) ||
			created.Host != "127.0.0.1" || created.Port != 3306 || created.MaxConnections != 0 {
			t.Fatalf("created = %+v", created)
		}
		if created.PasswordState != panel.PasswordIncluded || !passwordRE.MatchString(created.Password) {
			t.Fatalf("create did not return a password: %+v", created.PasswordState)
		}
		switch f.panel.Flavor() {
		case paneltest.Pelican:
			if _, err := strconv.Atoi(created.ID); err != nil {
				t.Fatalf("Pelican id %q is not an integer", created.ID)
			}
		default:
			if len(created.ID) < 8 {
				t.Fatalf("Pterodactyl id %q is shorter than 8", created.ID)
			}
		}

		// The list finds it by the short identifier and by the UUID.
		for _, server := range []string{f.server.Identifier, f.server.UUID} {
			dbs, err := f.client.ListDatabases(ctx, server, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(dbs) != 1 || dbs[0].ID != created.ID || dbs[0].Password != created.Password {
				t.Fatalf("list by %s = %+v", server, dbs)
			}
		}
		dbs, err := f.client.ListDatabases(ctx, f.server.Identifier, false)
		if err != nil {
			t.Fatal(err)
		}
		if dbs[0].PasswordState != panel.PasswordNotRequested || dbs[0].Password != "" {
			t.Fatal("a list without include=password carried a password")
		}

		rotated, err := f.client.RotateDatabasePassword(ctx, f.server.Identifier, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rotated.ID != created.ID || rotated.Password == created.Password || !passwordRE.MatchString(rotated.Password) {
			t.Fatal("rotation did not give a new password for the same database")
		}
		if got := f.panel.Databases(f.server.Identifier)[0].Password; got != rotated.Password {
			t.Fatal("the rotated password is not the panel's")
		}

		if err := f.client.DeleteDatabase(ctx, f.server.Identifier, created.ID); err != nil {
			t.Fatal(err)
		}
		if n := len(f.panel.Databases(f.server.Identifier)); n != 0 {
			t.Fatalf("%d databases left after delete", n)
		}
		// Deleting again is not an error: the database is gone either way.
		if err := f.client.DeleteDatabase(ctx, f.server.Identifier, created.ID); err != nil {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestGetServer(t *testing.T) {
	eachFlavor(t, func(t *testing.T, f *fixture) {
		f.panel.SetDatabaseLimit(f.server.Identifier, paneltest.Limit(3))
		srv, err := f.client.GetServer(t.Context(), f.server.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if srv.Identifier != f.server.Identifier || srv.UUID != f.server.UUID || srv.InternalID != 7 ||
			srv.DatabaseLimit == nil || *srv.DatabaseLimit != 3 || srv.Suspended {
			t.Fatalf("server = %+v", srv)
		}
		if !srv.Can(panel.PermissionCreate) || !srv.CanViewPasswords() {
			t.Fatalf("owner permissions = %v", srv.Permissions)
		}
		// A client reads a server once: the same client answers from what it read.
		f.panel.SetServerState(f.server.Identifier, paneltest.ServerState{Suspended: true})
		srv, err = f.client.GetServer(t.Context(), f.server.Identifier)
		if err != nil || srv.Suspended {
			t.Fatalf("second read by the same client = %+v, %v; want the first answer", srv, err)
		}
		if n := f.panel.Requests(paneltest.RouteGetServer); n != 1 {
			t.Fatalf("%d server reads, want 1", n)
		}
		srv, err = newClient(t, f.panel.URL(), f.owner).GetServer(t.Context(), f.server.Identifier)
		if err != nil {
			t.Fatalf("GET server must work while suspended: %v", err)
		}
		if !srv.Suspended {
			t.Fatal("suspension not reported")
		}
	})
}

func TestSubuserPermissions(t *testing.T) {
	for _, flavor := range []paneltest.Flavor{paneltest.Pterodactyl, paneltest.Pelican} {
		t.Run(string(flavor), func(t *testing.T) {
			f := newFixture(t, flavor, "database.read", "database.create")
			ctx := t.Context()
			srv, err := f.client.GetServer(ctx, f.server.Identifier)
			if err != nil {
				t.Fatal(err)
			}
			if srv.CanViewPasswords() || srv.Can(panel.PermissionDelete) || !srv.Can(panel.PermissionRead) {
				t.Fatalf("permissions = %v", srv.Permissions)
			}
			db, err := f.client.CreateDatabase(ctx, f.server.Identifier, panel.CreateDatabaseInput{Name: "app", Remote: "%"})
			if err != nil {
				t.Fatal(err)
			}
			if db.PasswordState != panel.PasswordHidden || db.Password != "" {
				t.Fatalf("create without view permission showed a password: %+v", db.PasswordState)
			}
			dbs, err := f.client.ListDatabases(ctx, f.server.Identifier, true)
			if err != nil {
				t.Fatal(err)
			}
			if dbs[0].PasswordState != panel.PasswordHidden {
				t.Fatal("list without view permission showed a password")
			}
			_, err = f.client.RotateDatabasePassword(ctx, f.server.Identifier, db.ID)
			if !panel.IsForbidden(err) || !strings.Contains(err.Error(), "This action is unauthorized.") {
				t.Fatalf("rotate without database.update: %v", err)
			}
			if err := f.client.DeleteDatabase(ctx, f.server.Identifier, db.ID); !panel.IsForbidden(err) {
				t.Fatalf("delete without database.delete: %v", err)
			}
		})
	}
}

func TestPanelErrors(t *testing.T) {
	eachFlavor(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		server := f.server.Identifier
		create := func(name, remote string) error {
			_, err := f.client.CreateDatabase(ctx, server, panel.CreateDatabaseInput{Name: name, Remote: remote})
			return err
		}

		var apiErr *panel.APIError
		err := create("ab", "bad remote!")
		if !panel.IsValidation(err) || !errors.As(err, &apiErr) || !apiErr.HasRule("database", "min") || !apiErr.HasRule("remote", "regex") {
			t.Fatalf("validation: %v", err)
		}
		if err := create("app", "%"); err != nil {
			t.Fatal(err)
		}
		if err := create("app", "%"); !panel.IsNameTaken(err) {
			t.Fatalf("duplicate: %v", err)
		}

		f.panel.SetDatabaseLimit(server, paneltest.Limit(1))
		if err := create("other", "%"); !panel.IsTooManyDatabases(err) ||
			!strings.Contains(err.Error(), "creating a new database would put this server over the defined limit") {
			t.Fatalf("limit: %v", err)
		}
		f.panel.SetDatabaseLimit(server, nil)

		f.panel.SetDatabaseHostAvailable(false)
		if err := create("other", "%"); !panel.IsNoSuitableHost(err) {
			t.Fatalf("no host: %v", err)
		}
		f.panel.SetDatabaseHostAvailable(true)

		if _, err := f.client.ListDatabases(ctx, "0000ffff", false); !panel.IsNotFound(err) {
			t.Fatalf("unknown server: %v", err)
		}
		if err := f.client.DeleteDatabase(ctx, server, "nope1234"); err != nil {
			t.Fatalf("delete of an unknown database must succeed: %v", err)
		}
		if _, err := f.client.RotateDatabasePassword(ctx, server, "nope1234"); !panel.IsNotFound(err) {
			t.Fatalf("rotate of an unknown database: %v", err)
		}

		states := []struct {
			state  paneltest.ServerState
			detail string
		}{
			{paneltest.ServerState{Suspended: true}, "This server is currently suspended"},
			{paneltest.ServerState{NodeMaintenance: true}, "under maintenance"},
			{paneltest.ServerState{Installing: true}, "has not yet completed its installation process"},
			{paneltest.ServerState{RestoringBackup: true}, "restoring from a backup"},
			{paneltest.ServerState{Transferring: true}, "being transferred"},
		}
		for _, st := range states {
			f.panel.SetServerState(server, st.state)
			_, err := f.client.ListDatabases(ctx, server, true)
			if !panel.IsConflict(err) || !strings.Contains(err.Error(), st.detail) {
				t.Errorf("state %+v: %v", st.state, err)
			}
		}
	})
}

func TestAuthenticationErrors(t *testing.T) {
	eachFlavor(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		wrong := newClient(t, f.panel.URL(), "ptlc_notakeynotakeynotakeynotakeynotakeynotakeyno")
		_, err := wrong.ListDatabases(ctx, f.server.Identifier, false)
		if !panel.IsUnauthorized(err) || !strings.Contains(err.Error(), "Unauthenticated.") {
			t.Fatalf("wrong key: %v", err)
		}
		// An application key reads through the application API instead.
		appKey := f.panel.AddKey(paneltest.Key{Application: true, RootAdmin: true})
		if _, err = newClient(t, f.panel.URL(), appKey).ListDatabases(ctx, f.server.Identifier, false); err != nil {
			t.Fatalf("application key: %v", err)
		}
		if n := f.panel.Requests(paneltest.RouteListDatabases); n != 1 {
			t.Fatalf("%d client API lists, want the wrong key's only", n)
		}
		stranger := f.panel.AddKey(paneltest.Key{})
		_, err = newClient(t, f.panel.URL(), stranger).ListDatabases(ctx, f.server.Identifier, false)
		if !panel.IsNotFound(err) {
			t.Fatalf("a server the user cannot see must be 404: %v", err)
		}
	})
}

func TestLostCreateIsAdoptedNotDuplicated(t *testing.T) {
	eachFlavor(t, func(t *testing.T, f *fixture) {
		f.panel.InjectFault(paneltest.Fault{Route: paneltest.RouteCreateDatabase, DropAfterCommit: true})
		db, err := f.client.CreateDatabase(t.Context(), f.server.Identifier, panel.CreateDatabaseInput{Name: "app", Remote: "%"})
		if err != nil {
			t.Fatal(err)
		}
		dbs := f.panel.Databases(f.server.Identifier)
		if len(dbs) != 1 {
			t.Fatalf("panel holds %d databases, want 1", len(dbs))
		}
		if db.ID != dbs[0].ID || db.Password != dbs[0].Password || db.PasswordState != panel.PasswordIncluded {
			t.Fatal("the adopted database is not the one the lost attempt made")
		}
		// The lost answer is looked up, never asked for again.
		if n := f.panel.Requests(paneltest.RouteCreateDatabase); n != 1 {
			t.Fatalf("create requests = %d, want 1", n)
		}
	})
}

func TestLostRotateAndDelete(t *testing.T) {
	eachFlavor(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		db, err := f.client.CreateDatabase(ctx, f.server.Identifier, panel.CreateDatabaseInput{Name: "app", Remote: "%"})
		if err != nil {
			t.Fatal(err)
		}
		f.panel.InjectFault(paneltest.Fault{Route: paneltest.RouteRotatePassword, DropAfterCommit: true})
		rotated, err := f.client.RotateDatabasePassword(ctx, f.server.Identifier, db.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rotated.Password != f.panel.Databases(f.server.Identifier)[0].Password {
			t.Fatal("after a lost rotate the returned password is not the panel's")
		}
		f.panel.InjectFault(paneltest.Fault{Route: paneltest.RouteDeleteDatabase, DropAfterCommit: true})
		if err := f.client.DeleteDatabase(ctx, f.server.Identifier, db.ID); err != nil {
			t.Fatalf("a delete whose answer was lost must succeed on retry: %v", err)
		}
		if n := len(f.panel.Databases(f.server.Identifier)); n != 0 {
			t.Fatalf("%d databases left", n)
		}
	})
}

func TestPanelFaultsAreRetried(t *testing.T) {
	eachFlavor(t, func(t *testing.T, f *fixture) {
		f.panel.InjectFault(paneltest.Fault{Route: paneltest.RouteListDatabases, Status: 503, Count: 3})
		if _, err := f.client.ListDatabases(t.Context(), f.server.Identifier, false); err != nil {
			t.Fatal(err)
		}
		if n := f.panel.Requests(paneltest.RouteListDatabases); n != 4 {
			t.Fatalf("list requests = %d, want 4", n)
		}
	})
}

func TestPanelRateLimitHonoured(t *testing.T) {
	p := paneltest.Start(t, paneltest.Options{Flavor: paneltest.Pelican, RateLimit: 2})
	srv := p.AddServer(paneltest.Server{})
	key := p.AddKey(paneltest.Key{Servers: map[string][]string{srv.Identifier: {"*"}}})
	c := newClient(t, p.URL(), key)
	panel.DisableSharing(c)
	for range 2 {
		if _, err := c.ListDatabases(t.Context(), srv.Identifier, false); err != nil {
			t.Fatal(err)
		}
	}
	// The window is a minute and MaxRetryWait is 5s: the client must give up at once rather
	// than hammer the panel or sleep past its limit.
	_, err := c.ListDatabases(t.Context(), srv.Identifier, false)
	var apiErr *panel.APIError
	if !panel.IsRateLimited(err) || !errors.As(err, &apiErr) || apiErr.RetryAfter <= 0 {
		t.Fatalf("error = %v, want 429 with a Retry-After", err)
	}
	if n := p.Requests(paneltest.RouteListDatabases); n != 3 {
		t.Fatalf("list requests = %d, want 3", n)
	}
}

func TestExistingNameIsRefusedBeforeSending(t *testing.T) {
	eachFlavor(t, func(t *testing.T, f *fixture) {
		existing := f.panel.AddDatabase(f.server.Identifier, "app", "%")
		// Even with a gateway error queued, nothing is sent and nothing is adopted.
		f.panel.InjectFault(paneltest.Fault{Route: paneltest.RouteCreateDatabase, Status: 502})
		_, err := f.client.CreateDatabase(t.Context(), f.server.Identifier, panel.CreateDatabaseInput{Name: "app", Remote: "%"})
		var taken *panel.NameTakenError
		if !errors.As(err, &taken) || !panel.IsNameTaken(err) || taken.Existing.ID != existing.ID {
			t.Fatalf("error = %v, want a NameTakenError for %s", err, existing.ID)
		}
		if !strings.Contains(err.Error(), "already has a database named s7_app (id "+existing.ID+")") {
			t.Fatalf("error %q does not name the existing database", err)
		}
		if n := f.panel.Requests(paneltest.RouteCreateDatabase); n != 0 {
			t.Fatalf("create requests = %d, want 0", n)
		}
	})
}

func TestLostCreateWithoutRetriesIsStillAdopted(t *testing.T) {
	eachFlavor(t, func(t *testing.T, f *fixture) {
		c, err := panel.New(panel.Config{URL: f.panel.URL(), APIKey: f.owner, MaxRetries: -1})
		if err != nil {
			t.Fatal(err)
		}
		f.panel.InjectFault(paneltest.Fault{Route: paneltest.RouteCreateDatabase, DropAfterCommit: true})
		db, err := c.CreateDatabase(t.Context(), f.server.Identifier, panel.CreateDatabaseInput{Name: "app", Remote: "%"})
		if err != nil {
			t.Fatalf("the create was applied; it must be adopted even without a retry: %v", err)
		}
		dbs := f.panel.Databases(f.server.Identifier)
		if len(dbs) != 1 || dbs[0].ID != db.ID || dbs[0].Password != db.Password {
			t.Fatalf("panel %+v, returned %+v", dbs, db)
		}
	})
}

func TestFailedCreateThatMadeNothingIsAnError(t *testing.T) {
	f := newFixture(t, paneltest.Pterodactyl)
	f.panel.AddDatabase(f.server.Identifier, "other", "%")
	f.panel.InjectFault(paneltest.Fault{Route: paneltest.RouteCreateDatabase, Status: 500, Count: 10})
	_, err := f.client.CreateDatabase(t.Context(), f.server.Identifier, panel.CreateDatabaseInput{Name: "app", Remote: "%"})
	var apiErr *panel.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 {
		t.Fatalf("error = %v, want the panel's 500", err)
	}
	if n := len(f.panel.Databases(f.server.Identifier)); n != 1 {
		t.Fatalf("%d databases, want only the one that was there", n)
	}
}
