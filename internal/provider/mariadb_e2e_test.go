package provider

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest/mysqlhost"
)

// TestServerDatabase_credentialsLogInToMariaDB is the end-to-end check that what Terraform
// stores is what the database accepts. The fake panel runs on a real MariaDB (the admin DSN
// in PTERODACTYL_TEST_MARIADB_DSN, which `make test-mariadb` sets; without it, one is
// installed and started for the test), and every step logs in with the username and password
// from state: after create, after a rotation through rotate_when_changed, and after a
// rotation on the panel picked up by a refresh. Destroy must drop the database and the user.
func TestServerDatabase_credentialsLogInToMariaDB(t *testing.T) {
	host, err := mysqlhost.Open(t.Context(), mysqlhost.Config{DSN: mysqlhost.DSNForTest(t), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = host.Close() })
	// A random internal id keeps the names (s<N>_app, u<N>_...) clear of earlier runs on a
	// long-lived server; the two flavors share the server.
	base := 100 + rand.IntN(9000)
	for i, flavor := range flavors {
		t.Run(string(flavor), func(t *testing.T) {
			t.Parallel()
			testCredentialsLogIn(t, host, flavor, base+i)
		})
	}
}

// mariaDBLogin is one set of credentials read from state.
type mariaDBLogin struct {
	id, database, username, password, host string
	port                                   int
}

func loginFromState(s *terraform.State) (mariaDBLogin, error) {
	rs, ok := s.RootModule().Resources[app]
	if !ok {
		return mariaDBLogin{}, fmt.Errorf("%s not in state", app)
	}
	a := rs.Primary.Attributes
	port, err := strconv.Atoi(a["port"])
	if err != nil {
		return mariaDBLogin{}, fmt.Errorf("port %q in state: %w", a["port"], err)
	}
	return mariaDBLogin{id: rs.Primary.ID, database: a["database_name"], username: a["username"], password: a["password"], host: a["host"], port: port}, nil
}

// run logs in with l and runs the statements, then returns the count of rows in table t.
func (l mariaDBLogin) run(ctx context.Context, stmts ...string) (int, error) {
	db, err := mysqlhost.Connect(ctx, l.host, l.port, l.username, l.password, l.database)
	if err != nil {
		return 0, fmt.Errorf("logging in as %s to %s on %s:%d with the password from state: %w", l.username, l.database, l.host, l.port, err)
	}
	defer func() { _ = db.Close() }()
	for _, stmt := range stmts {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return 0, fmt.Errorf("as %s: %s: %w", l.username, stmt, err)
		}
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil {
		return 0, fmt.Errorf("as %s: reading table t: %w", l.username, err)
	}
	return n, nil
}

// refused checks that the server turns l away with "access denied", not some other failure.
func (l mariaDBLogin) refused(ctx context.Context) error {
	db, err := mysqlhost.Connect(ctx, l.host, l.port, l.username, l.password, l.database)
	if err == nil {
		_ = db.Close()
		return fmt.Errorf("%s still logs in with a password that was rotated away", l.username)
	}
	if !mysqlhost.IsAccessDenied(err) {
		return fmt.Errorf("%s with the old password: want access denied (1045), got %w", l.username, err)
	}
	return nil
}

func testCredentialsLogIn(t *testing.T, host *mysqlhost.Host, flavor paneltest.Flavor, internalID int) {
	p := paneltest.Start(t, paneltest.Options{Flavor: flavor, CreateRateLimit: -1, Backend: host})
	srv := p.AddServer(paneltest.Server{InternalID: internalID, Name: "minecraft"})
	tp := &testPanel{Panel: p, server: srv, key: p.AddKey(paneltest.Key{Servers: map[string][]string{srv.Identifier: {"*"}}})}
	config := func(rotation string) string {
		return tp.config(appConfig(`rotate_when_changed = { manual = "` + rotation + `" }`))
	}
	dbHost, dbPort := host.Address()
	ctx := t.Context()
	var created, rotated mariaDBLogin

	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: config("1"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(app, tfjsonpath.New("host"), knownvalue.StringExact(dbHost)),
					statecheck.ExpectKnownValue(app, tfjsonpath.New("port"), knownvalue.Int64Exact(int64(dbPort))),
				},
				Check: func(s *terraform.State) error {
					l, err := loginFromState(s)
					if err != nil {
						return err
					}
					n, err := l.run(ctx, "CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(64))", "INSERT INTO t VALUES (1, 'made by the user from state')")
					if err != nil {
						return err
					}
					if n != 1 {
						return fmt.Errorf("table t has %d rows, want 1", n)
					}
					t.Logf("%s: after create, %s logged in to %s on %s:%d and created and read a table", flavor, l.username, l.database, l.host, l.port)
					created = l
					return nil
				},
			},
			{
				Config: config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(app, plancheck.ResourceActionUpdate),
				}},
				Check: func(s *terraform.State) error {
					l, err := loginFromState(s)
					if err != nil {
						return err
					}
					if l.password == created.password || l.username != created.username || l.id != created.id {
						return fmt.Errorf("a rotation must change the password and nothing else (same password: %v)", l.password == created.password)
					}
					if err := created.refused(ctx); err != nil {
						return err
					}
					n, err := l.run(ctx, "INSERT INTO t VALUES (2, 'after the rotation')")
					if err != nil {
						return err
					}
					if n != 2 {
						return fmt.Errorf("table t has %d rows after the rotation, want 2", n)
					}
					t.Logf("%s: after rotate_when_changed, the old password is refused and the new one logs in and reads the table", flavor)
					rotated = l
					return nil
				},
			},
			{
				PreConfig: func() {
					p.RotatePassword(srv.Identifier, rotated.id)
				},
				RefreshState: true,
				Check: func(s *terraform.State) error {
					l, err := loginFromState(s)
					if err != nil {
						return err
					}
					if l.password != p.Databases(srv.Identifier)[0].Password {
						return fmt.Errorf("refresh did not pick up the password rotated on the panel")
					}
					if err := rotated.refused(ctx); err != nil {
						return err
					}
					if n, err := l.run(ctx); err != nil || n != 2 {
						return fmt.Errorf("after the out-of-band rotation: %d rows, %w", n, err)
					}
					t.Logf("%s: after an out-of-band rotation and a refresh, the password in state logs in", flavor)
					return nil
				},
			},
			{
				Config: config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if n := len(p.Databases(srv.Identifier)); n != 0 {
				return fmt.Errorf("%d databases left on the panel after destroy", n)
			}
			db, err := host.DatabaseExists(ctx, created.database)
			if err != nil {
				return err
			}
			user, err := host.UserExists(ctx, created.username, "%")
			if err != nil {
				return err
			}
			if db || user {
				return fmt.Errorf("after destroy the server still has database %s: %v, user %s: %v", created.database, db, created.username, user)
			}
			t.Logf("%s: destroy dropped %s and %s from the server", flavor, created.database, created.username)
			return nil
		},
	})
}

// TestDatabaseHost_adminModeOnMariaDB is admin mode end to end, on a Pelican panel whose
// databases are made on a real MariaDB. With an application key, Terraform creates a
// pterodactyl_database_host pointing at that MariaDB with its admin account (which may create
// databases and users and grant them, as a database host's account must), then a
// pterodactyl_server_database on that host. The panel logs in to the host before it saves it,
// for real: a wrong password fails the create, explained, and leaves nothing. The database's
// credentials from state log in; a rotation changes them in place, the old password is
// refused; destroy drops the database, its user and the host. The host's password goes in
// password_wo on Terraform 1.11 and later, and in the sensitive password before.
func TestDatabaseHost_adminModeOnMariaDB(t *testing.T) {
	logins := &hostLogins{}
	host, err := mysqlhost.Open(t.Context(), mysqlhost.Config{DSN: mysqlhost.DSNForTest(t), Logf: func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		logins.add(line)
		t.Log(line)
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = host.Close() })

	p := paneltest.Start(t, paneltest.Options{Flavor: paneltest.Pelican, CreateRateLimit: -1, Backend: host})
	// A random internal id keeps the names clear of earlier runs on a long-lived server.
	srv := p.AddServer(paneltest.Server{InternalID: 100 + rand.IntN(9000), Name: "minecraft"})
	key := p.AddKey(paneltest.Key{Application: true})
	admin := host.Login()
	const dbHost = "pterodactyl_database_host.mariadb"

	v, err := version.NewVersion(cliVersion(t))
	if err != nil {
		t.Fatalf("CLI version: %v", err)
	}
	writeOnly := v.GreaterThanOrEqual(version.Must(version.NewVersion("1.11.0")))
	config := func(password, rotation string) string {
		secret := fmt.Sprintf("password_wo         = %q\n  password_wo_version = 1", password)
		if !writeOnly {
			secret = fmt.Sprintf("password = %q", password)
		}
		return fmt.Sprintf(`provider "pterodactyl" {
  panel_url = %q
  api_key   = %q
}

resource "pterodactyl_database_host" "mariadb" {
  name     = "mariadb"
  host     = %q
  port     = %d
  username = %q
  %s
  node_ids = [1]
}

resource "pterodactyl_server_database" "app" {
  server_id           = %q
  name                = "app"
  database_host_id    = pterodactyl_database_host.mariadb.id
  rotate_when_changed = { manual = %q }
}
`, p.URL(), key, admin.Host, admin.Port, admin.Username, secret, srv.Identifier, rotation)
	}
	// The host's password: the write-only one never reaches state, the other one does.
	var passwordInState knownvalue.Check = knownvalue.Null()
	if !writeOnly {
		passwordInState = knownvalue.StringExact(admin.Password)
	}
	ctx := t.Context()
	var hostID string
	var created mariaDBLogin

	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				// The panel's connection test fails on MariaDB, and the panel answers only
				// "500": the provider says why.
				Config: config(admin.Password+"-wrong", "1"),
				ExpectError: errorRE("Cannot create the database host",
					fmt.Sprintf(`the panel could not log in to the database host %s:%d as %q`, admin.Host, admin.Port, admin.Username)),
			},
			{
				PreConfig: func() {
					if n := len(p.DatabaseHosts()); n != 1 {
						t.Errorf("after the refused create the panel has %d database hosts, want the 1 it started with", n)
					}
					if line := logins.find("database host login " + admin.String() + ": "); !strings.Contains(line, "1045") {
						t.Errorf("the panel did not try the wrong password on MariaDB and get access denied (1045); its login said %q", line)
					}
				},
				Config: config(admin.Password, "1"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(dbHost, tfjsonpath.New("id"), knownvalue.StringRegexp(numericID)),
					statecheck.ExpectKnownValue(dbHost, tfjsonpath.New("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(dbHost, tfjsonpath.New("password"), passwordInState),
					statecheck.CompareValuePairs(app, tfjsonpath.New("database_host_id"), dbHost, tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(app, tfjsonpath.New("host"), knownvalue.StringExact(admin.Host)),
					statecheck.ExpectKnownValue(app, tfjsonpath.New("port"), knownvalue.Int64Exact(int64(admin.Port))),
				},
				Check: func(s *terraform.State) error {
					hostID = s.RootModule().Resources[dbHost].Primary.ID
					id, err := strconv.Atoi(hostID)
					if err != nil {
						return fmt.Errorf("database host id %q: %w", hostID, err)
					}
					h, ok := p.DatabaseHost(id)
					if !ok {
						return fmt.Errorf("the panel has no database host %s", hostID)
					}
					got := paneltest.HostLogin{Host: h.Host, Port: h.Port, Username: h.Username, Password: h.Password}
					if got != admin {
						return fmt.Errorf("the panel's database host %s logs in as %v (the admin's password: %v), want %v with the admin's password",
							hostID, got, h.Password == admin.Password, admin)
					}
					if line := logins.find("database host login " + admin.String() + " works"); line == "" {
						return fmt.Errorf("the panel saved database host %s without logging in to MariaDB with its credentials", hostID)
					}
					dbs := p.Databases(srv.Identifier)
					if len(dbs) != 1 || dbs[0].HostID != id {
						return fmt.Errorf("the server has %d databases, want one on host %d", len(dbs), id)
					}
					l, err := loginFromState(s)
					if err != nil {
						return err
					}
					n, err := l.run(ctx, "CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(64))", "INSERT INTO t VALUES (1, 'on the host Terraform made')")
					if err != nil {
						return err
					}
					if n != 1 {
						return fmt.Errorf("table t has %d rows, want 1", n)
					}
					t.Logf("database host %s made through the application API; %s logged in to %s on %s:%d with the password from state", hostID, l.username, l.database, l.host, l.port)
					created = l
					return nil
				},
			},
			{
				Config: config(admin.Password, "2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(app, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(dbHost, plancheck.ResourceActionNoop),
				}},
				Check: func(s *terraform.State) error {
					l, err := loginFromState(s)
					if err != nil {
						return err
					}
					if l.password == created.password || l.username != created.username || l.id != created.id {
						return fmt.Errorf("a rotation must change the password and nothing else (same password: %v)", l.password == created.password)
					}
					if err := created.refused(ctx); err != nil {
						return err
					}
					n, err := l.run(ctx, "INSERT INTO t VALUES (2, 'after the rotation')")
					if err != nil {
						return err
					}
					if n != 2 {
						return fmt.Errorf("table t has %d rows after the rotation, want 2", n)
					}
					t.Logf("after the rotation through the application API, the old password is refused and the new one logs in")
					return nil
				},
			},
			{
				Config: config(admin.Password, "2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if n := len(p.Databases(srv.Identifier)); n != 0 {
				return fmt.Errorf("%d databases left on the panel after destroy", n)
			}
			if id, _ := strconv.Atoi(hostID); id != 0 {
				if _, ok := p.DatabaseHost(id); ok {
					return fmt.Errorf("database host %s left on the panel after destroy", hostID)
				}
			}
			if created.database == "" {
				return nil // no step made a database
			}
			db, err := host.DatabaseExists(ctx, created.database)
			if err != nil {
				return err
			}
			user, err := host.UserExists(ctx, created.username, "%")
			if err != nil {
				return err
			}
			if db || user {
				return fmt.Errorf("after destroy MariaDB still has database %s: %v, user %s: %v", created.database, db, created.username, user)
			}
			t.Logf("destroy dropped %s and %s from MariaDB, and database host %s from the panel", created.database, created.username, hostID)
			return nil
		},
	})
}

// hostLogins records what the database host logs, to see the panel's connection tests.
type hostLogins struct {
	mu    sync.Mutex
	lines []string
}

func (h *hostLogins) add(line string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lines = append(h.lines, line)
}

// find returns the last line that begins with prefix, or "".
func (h *hostLogins) find(prefix string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(h.lines[i], prefix) {
			return h.lines[i]
		}
	}
	return ""
}
