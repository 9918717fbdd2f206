package provider

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// appKey is an application key with every permission on this panel.
func (p *testPanel) appKey() string { return p.AddKey(paneltest.Key{Application: true}) }

// clientRequests is how many requests the panel got on the client API's database and server
// routes.
func (p *testPanel) clientRequests() int {
	n := 0
	for _, r := range []paneltest.Route{paneltest.RouteGetServer, paneltest.RouteListDatabases, paneltest.RouteCreateDatabase,
		paneltest.RouteRotatePassword, paneltest.RouteDeleteDatabase} {
		n += p.Requests(r)
	}
	return n
}

// expect checks the panel's request count on each route.
func (p *testPanel) expect(want map[paneltest.Route]int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for route, n := range want {
			if got := p.Requests(route); got != n {
				return fmt.Errorf("%s requests = %d, want %d", route, got, n)
			}
		}
		return nil
	}
}

var numericID = regexp.MustCompile(`^[0-9]+$`)

// With an application key, the database is created on the host it names, through the
// application API alone: its id is the panel's number, database_host_id is recorded, a
// rotation is in place (reset-password, then one read), a refresh is one list, and destroy
// removes it.
func TestAdminMode_applicationKeyLifecycle(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		key := p.appKey()
		config := func(rotation string) string {
			return p.providerBlock(key) + `
resource "pterodactyl_server_database" "app" {
  server_id           = "` + p.server.Identifier + `"
  name                = "app"
  database_host_id    = "1"
  rotate_when_changed = { v = "` + rotation + `" }
}`
		}
		app := "pterodactyl_server_database.app"
		var firstPassword string
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config: config("1"),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(app, tfjsonpath.New("id"), knownvalue.StringRegexp(numericID)),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("database_host_id"), knownvalue.StringExact("1")),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("database_name"), knownvalue.StringExact("s12_app")),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("max_connections"), knownvalue.Int64Exact(0)),
					},
					Check: resource.ComposeAggregateTestCheckFunc(
						p.expect(map[paneltest.Route]int{paneltest.RouteAppCreateDatabase: 1}),
						func(s *terraform.State) error {
							dbs := p.Databases(p.server.Identifier)
							if len(dbs) != 1 || dbs[0].HostID != 1 {
								return fmt.Errorf("the panel holds %+v, want one database on host 1", dbs)
							}
							rs := s.RootModule().Resources[app].Primary
							if rs.ID != strconv.Itoa(dbs[0].InternalID) || rs.Attributes["password"] != dbs[0].Password {
								return fmt.Errorf("state has id %s, want %d, and the panel's password", rs.ID, dbs[0].InternalID)
							}
							firstPassword = dbs[0].Password
							return nil
						},
					),
				},
				{
					Config:           config("1"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
				{
					Config: config("2"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionUpdate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(
						p.expect(map[paneltest.Route]int{paneltest.RouteAppResetPassword: 1, paneltest.RouteAppCreateDatabase: 1}),
						func(s *terraform.State) error {
							dbs := p.Databases(p.server.Identifier)
							rs := s.RootModule().Resources[app].Primary
							if dbs[0].Password == firstPassword || rs.Attributes["password"] != dbs[0].Password {
								return fmt.Errorf("the rotation did not reach state")
							}
							return nil
						},
					),
				},
			},
		})
		if n := p.clientRequests(); n != 0 {
			t.Errorf("the client API got %d requests; an application key uses the application API alone", n)
		}
		if n := p.Requests(paneltest.RouteAppDeleteDatabase); n != 1 || len(p.Databases(p.server.Identifier)) != 0 {
			t.Errorf("destroy: %d deletes, %d databases left", n, len(p.Databases(p.server.Identifier)))
		}
	})
}

// What the application API would refuse is refused at plan time, before anything is sent: a
// create without a host with an application key, and a remote outside the application API's
// rule when a host is chosen.
func TestAdminMode_planTimeRefusals(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		key := p.appKey()
		for name, tc := range map[string]struct {
			key, body string
			want      []string
		}{
			"no host with an application key": {key, `name = "app"`, []string{"Database host required", "database_host_id"}},
			"host name as remote": {key, "name = \"app\"\n  database_host_id = \"1\"\n  remote = \"db.example.com\"",
				[]string{"Remote not allowed by the application API", `got "db.example.com"`}},
			"mask as remote with a chosen host": {p.key, "name = \"app\"\n  database_host_id = \"1\"\n  remote = \"10.0.0.0/255.0.0.0\"",
				[]string{"Remote not allowed by the application API"}},
			"host id not a number": {key, "name = \"app\"\n  database_host_id = \"eu-1\"", []string{"database_host_id", "numeric id"}},
		} {
			t.Run(name, func(t *testing.T) {
				resource.UnitTest(t, resource.TestCase{
					TerraformVersionChecks:   minTerraform,
					ProtoV6ProviderFactories: providerFactories,
					Steps: []resource.TestStep{{
						Config: p.providerBlock(tc.key) + `
resource "pterodactyl_server_database" "app" {
  server_id = "` + p.server.Identifier + `"
  ` + tc.body + `
}`,
						ExpectError: errorRE(tc.want...),
					}},
				})
			})
		}
		if n := p.TotalRequests(); n != 0 {
			t.Errorf("the panel got %d requests; these are refused before anything is sent", n)
		}
	})
}

// Switching the configuration from a client key to an application key and back never
// replaces the database: a read finds it by its stored name and records its id in the new
// key's form, and the plans are empty.
func TestAdminMode_switchingKeyKindsKeepsTheDatabase(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		appKey := p.appKey()
		body := `
resource "pterodactyl_server_database" "app" {
  server_id = "` + p.server.Identifier + `"
  name      = "app"
}`
		app := "pterodactyl_server_database.app"
		empty := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
		stateID := func(want func() string) resource.TestCheckFunc {
			return func(s *terraform.State) error {
				if got := s.RootModule().Resources[app].Primary.ID; got != want() {
					return fmt.Errorf("id in state = %s, want %s", got, want())
				}
				return nil
			}
		}
		clientID := func() string { return p.Databases(p.server.Identifier)[0].ID }
		appID := func() string { return strconv.Itoa(p.Databases(p.server.Identifier)[0].InternalID) }
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{Config: p.providerBlock(p.key) + body, Check: stateID(clientID)},
				{Config: p.providerBlock(appKey) + body, ConfigPlanChecks: empty, Check: resource.ComposeAggregateTestCheckFunc(
					stateID(appID),
					resource.TestCheckResourceAttr(app, "database_host_id", "1"),
				)},
				{Config: p.providerBlock(p.key) + body, ConfigPlanChecks: empty, Check: resource.ComposeAggregateTestCheckFunc(
					stateID(clientID),
					resource.TestCheckResourceAttr(app, "database_host_id", "1"),
				)},
			},
		})
		if c, a := p.Requests(paneltest.RouteCreateDatabase), p.Requests(paneltest.RouteAppCreateDatabase); c != 1 || a != 0 {
			t.Errorf("creates: %d on the client API, %d on the application API; want exactly the first one", c, a)
		}
	})
}

// A client key chooses the host through the application API when its user is a root admin,
// and keeps the client API's id; a client key of another user is told it needs an admin's.
func TestAdminMode_clientKeyChoosesTheHost(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		admin := p.AddKey(paneltest.Key{RootAdmin: true})
		body := `
resource "pterodactyl_server_database" "app" {
  server_id        = "` + p.server.Identifier + `"
  name             = "app"
  database_host_id = "1"
}`
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config:      p.providerBlock(p.key) + body,
					ExpectError: errorRE("not an admin", "application key"),
				},
				{
					Config: p.providerBlock(admin) + body,
					Check: resource.ComposeAggregateTestCheckFunc(
						func(s *terraform.State) error {
							dbs := p.Databases(p.server.Identifier)
							if len(dbs) != 1 || s.RootModule().Resources["pterodactyl_server_database.app"].Primary.ID != dbs[0].ID {
								return fmt.Errorf("want the client API's id of the one database, panel holds %+v", dbs)
							}
							return nil
						},
						resource.TestCheckResourceAttr("pterodactyl_server_database.app", "database_host_id", "1"),
						p.expect(map[paneltest.Route]int{paneltest.RouteAppCreateDatabase: 1, paneltest.RouteCreateDatabase: 0}),
					),
				},
				{
					Config:           p.providerBlock(admin) + body,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
			},
		})
	})
}

// Import with an application key takes the database's id in either form.
func TestAdminMode_importTakesEitherIDForm(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		key := p.appKey()
		for _, form := range []string{"client API's id", "application API's id"} {
			t.Run(form, func(t *testing.T) {
				db := p.AddDatabase(p.server.Identifier, "legacy", "%")
				id := db.ID
				if form == "application API's id" {
					id = strconv.Itoa(db.InternalID)
				}
				resource.UnitTest(t, resource.TestCase{
					TerraformVersionChecks:   minTerraform,
					ProtoV6ProviderFactories: providerFactories,
					Steps: []resource.TestStep{{
						Config: p.providerBlock(key) + `
import {
  to = pterodactyl_server_database.app
  id = "` + p.server.Identifier + `/` + id + `"
}
resource "pterodactyl_server_database" "app" {
  server_id = "` + p.server.Identifier + `"
  name      = "legacy"
}`,
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("pterodactyl_server_database.app", tfjsonpath.New("id"),
								knownvalue.StringExact(strconv.Itoa(db.InternalID))),
						},
						Check: p.requests(paneltest.RouteAppResetPassword, 0),
					}},
				})
			})
		}
	})
}

// Pterodactyl's application API answers for a database of another server through any
// server's path (recorded exchanges 093, 094, 096). Importing server A's id of server B's
// database is refused, naming both servers; nothing is read into state, reset or deleted.
// Pelican scopes the id to the server, so there it is simply not server A's.
func TestAdminMode_anotherServersDatabaseIsRefused(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		other := p.AddServer(paneltest.Server{})
		theirs := p.AddDatabase(other.Identifier, "theirs", "%")
		want := regexp.MustCompile(`(?s)Database ` + strconv.Itoa(theirs.InternalID) + ` \(` + theirs.Name + `\) is on\s+server\s+` +
			other.Identifier + `, not on\s+server\s+` + p.server.Identifier)
		if p.Flavor() == paneltest.Pelican {
			want = regexp.MustCompile(`Server\s+` + p.server.Identifier + `\s+has\s+no\s+database\s+with\s+the\s+id`)
		}
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{{
				Config: p.providerBlock(p.appKey()) + `
import {
  to = pterodactyl_server_database.app
  id = "` + p.server.Identifier + `/` + strconv.Itoa(theirs.InternalID) + `"
}
resource "pterodactyl_server_database" "app" {
  server_id = "` + p.server.Identifier + `"
  name      = "theirs"
}`,
				ExpectError: want,
			}},
		})
		if dbs := p.Databases(other.Identifier); len(dbs) != 1 || dbs[0].Password != theirs.Password {
			t.Errorf("server %s's database was changed: %d databases", other.Identifier, len(dbs))
		}
		if n := len(p.Databases(p.server.Identifier)); n != 0 {
			t.Errorf("%d databases made on server %s", n, p.server.Identifier)
		}
		p.wantRequests(t, map[paneltest.Route]int{paneltest.RouteAppResetPassword: 0, paneltest.RouteAppDeleteDatabase: 0,
			paneltest.RouteAppCreateDatabase: 0})
	})
}

// The application API's own refusals are explained: Pterodactyl's two-factor requirement,
// and a permission the key lacks, named.
func TestAdminMode_refusalsNameWhatIsNeeded(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	noTwoFactor := p.AddKey(paneltest.Key{Application: true, MissingTwoFactor: true})
	readOnly := p.AddKey(paneltest.Key{Application: true, ACL: map[string]int{"servers": paneltest.ACLRead, "server_databases": paneltest.ACLRead}})
	body := `
resource "pterodactyl_server_database" "app" {
  server_id        = "` + p.server.Identifier + `"
  name             = "app"
  database_host_id = "1"
}`
	for name, tc := range map[string]struct {
		key  string
		want []string
	}{
		"two-factor": {noTwoFactor, []string{"two-factor authentication", "Two-Step"}},
		"read only":  {readOnly, []string{"r_server_databases", "server_database"}},
	} {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   minTerraform,
				ProtoV6ProviderFactories: providerFactories,
				Steps:                    []resource.TestStep{{Config: p.providerBlock(tc.key) + body, ExpectError: errorRE(tc.want...)}},
			})
		})
	}
	if n := len(p.Databases(p.server.Identifier)); n != 0 {
		t.Errorf("%d databases made", n)
	}
}

// A database host the panel does not have is refused by the application API's validation
// (422, meta.source_field "host"): the error is attached to database_host_id, where Terraform
// shows the line that set it, and nothing is made.
func TestAdminMode_unknownHostIsRefusedOnItsAttribute(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{{
				Config: p.providerBlock(p.appKey()) + `
resource "pterodactyl_server_database" "app" {
  server_id        = "` + p.server.Identifier + `"
  name             = "app"
  database_host_id = "99"
}`,
				ExpectError: regexp.MustCompile(`(?s)with pterodactyl_server_database.app,.*database_host_id = "99"\s+` +
					`The panel refused database_host_id \(rule "exists"\): The selected Database\s+Host Server ID is invalid`),
			}},
		})
		if n := len(p.Databases(p.server.Identifier)); n != 0 {
			t.Errorf("%d databases made", n)
		}
	})
}

// A create through the application API whose answer does not come in time is looked up, not
// sent again: one POST, one database, in state.
func TestAdminMode_slowCreateIsNotSentTwice(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		key := p.appKey()
		p.InjectFault(paneltest.Fault{Route: paneltest.RouteAppCreateDatabase, HostLatency: 3 * time.Second})
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{{
				Config: p.providerBlock(key, `  request_timeout = "1s"`) + `
resource "pterodactyl_server_database" "app" {
  server_id        = "` + p.server.Identifier + `"
  name             = "app"
  database_host_id = "1"
}`,
				Check: resource.ComposeAggregateTestCheckFunc(
					p.expect(map[paneltest.Route]int{paneltest.RouteAppCreateDatabase: 1}),
					func(s *terraform.State) error {
						if err := p.WaitIdle(t.Context()); err != nil {
							return err
						}
						dbs := p.Databases(p.server.Identifier)
						if len(dbs) != 1 || s.RootModule().Resources["pterodactyl_server_database.app"].Primary.ID != strconv.Itoa(dbs[0].InternalID) {
							return fmt.Errorf("panel holds %+v; want exactly the one in state", dbs)
						}
						return nil
					},
				),
			}},
		})
	})
}

// With an application key, the ephemeral credentials, the list resource and the rotate
// action work through the application API, with the panel's numeric ids.
func TestAdminMode_ephemeralListAndActionWithAnApplicationKey(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		key := p.appKey()
		db := p.AddDatabase(p.server.Identifier, "app", "%")
		appID := strconv.Itoa(db.InternalID)
		t.Run("ephemeral", func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   ephemeralTerraform,
				ProtoV6ProviderFactories: echoFactories,
				Steps: []resource.TestStep{{
					Config: p.providerBlock(key) + strings.ReplaceAll(echoCredentials("by_id", `id = "`+appID+`"`), "SERVER", p.server.Identifier),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("echo.by_id", tfjsonpath.New("data").AtMapKey("id"), knownvalue.StringExact(appID)),
						statecheck.ExpectKnownValue("echo.by_id", tfjsonpath.New("data").AtMapKey("password"), knownvalue.StringExact(db.Password)),
						statecheck.ExpectKnownValue("echo.by_id", tfjsonpath.New("data").AtMapKey("host"), knownvalue.StringExact(db.Host)),
					},
				}},
			})
		})
		t.Run("list", func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   queryTerraform,
				ProtoV6ProviderFactories: providerFactories,
				Steps: []resource.TestStep{{
					Query: true,
					Config: p.providerBlock(key) + `
list "pterodactyl_server_database" "all" {
  provider = pterodactyl
  config {
    server_id = "` + p.server.Identifier + `"
  }
}`,
					QueryResultChecks: []querycheck.QueryResultCheck{
						querycheck.ExpectLength("pterodactyl_server_database.all", 1),
						querycheck.ExpectIdentity("pterodactyl_server_database.all", p.identityOf(knownvalue.StringExact(appID))),
					},
				}},
			})
		})
		t.Run("action", func(t *testing.T) {
			before := p.Requests(paneltest.RouteAppResetPassword)
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   actionTerraform,
				ProtoV6ProviderFactories: providerFactories,
				Steps: []resource.TestStep{
					{Config: p.providerBlock(key) + adminActionConfig(p, appID, "1")},
					{
						Config: p.providerBlock(key) + adminActionConfig(p, appID, "2"),
						Check: func(*terraform.State) error {
							if n := p.Requests(paneltest.RouteAppResetPassword) - before; n != 1 {
								return fmt.Errorf("%d rotations through the application API, want 1", n)
							}
							return nil
						},
					},
				},
			})
		})
		if n := p.clientRequests(); n != 0 {
			t.Errorf("the client API got %d requests", n)
		}
	})
}

// adminActionConfig runs the rotate action on database id after each update of a
// terraform_data whose input is input.
func adminActionConfig(p *testPanel, id, input string) string {
	return `
action "pterodactyl_server_database_rotate_password" "rotate" {
  config {
    server_id = "` + p.server.Identifier + `"
    id        = "` + id + `"
  }
}
resource "terraform_data" "trigger" {
  input = "` + input + `"
  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.pterodactyl_server_database_rotate_password.rotate]
    }
  }
}`
}

// Moving a database to a host made in the same apply is planned as a replacement, although
// the host's id is not known until then: an update in place could not keep its promise.
func TestAdminMode_moveToAHostMadeInTheSameApply(t *testing.T) {
	p := startPanel(t, paneltest.Pelican)
	key := p.appKey()
	config := func(host string) string {
		return p.providerBlock(key) + `
resource "pterodactyl_database_host" "a" {
  name     = "a"
  host     = "127.0.0.1"
  username = "panel"
  password = "first-host-secret"
  node_ids = [1]
}
` + host + `
resource "pterodactyl_server_database" "app" {
  server_id        = "` + p.server.Identifier + `"
  name             = "app"
  database_host_id = pterodactyl_database_host.` + map[bool]string{true: "b", false: "a"}[host != ""] + `.id
}`
	}
	second := `
resource "pterodactyl_database_host" "b" {
  name     = "b"
  host     = "127.0.0.1"
  username = "panel"
  password = "second-host-secret"
  node_ids = [1]
}`
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{Config: config("")},
			{
				Config: config(second),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("pterodactyl_server_database.app", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(s *terraform.State) error {
					dbs := p.Databases(p.server.Identifier)
					host := s.RootModule().Resources["pterodactyl_database_host.b"].Primary.ID
					if len(dbs) != 1 || strconv.Itoa(dbs[0].HostID) != host {
						return fmt.Errorf("the panel holds %+v, want one database on host %s", dbs, host)
					}
					return nil
				},
			},
		},
	})
}

// A database a client key made has no host in state. Naming the host it is on records it;
// naming another replaces the database; a key that may not ask the application API is told.
// The panel has two hosts and picks them in turn, so the first database is on host 1 and the
// second on host 2 (each step checks it).
func TestAdminMode_hostGivenToADatabaseMadeWithoutOne(t *testing.T) {
	eachFlavorWith(t, paneltest.Options{DatabaseHosts: 2}, func(t *testing.T, p *testPanel) {
		admin := p.AddKey(paneltest.Key{RootAdmin: true})
		config := func(key, host string) string {
			return p.providerBlock(key) + `
resource "pterodactyl_server_database" "app" {
  server_id = "` + p.server.Identifier + `"
  name      = "app"
  ` + host + `
}`
		}
		app := "pterodactyl_server_database.app"
		onHost := func(want int) resource.TestCheckFunc {
			return func(*terraform.State) error {
				if dbs := p.Databases(p.server.Identifier); len(dbs) != 1 || dbs[0].HostID != want {
					return fmt.Errorf("the panel holds %+v, want one database on host %d", dbs, want)
				}
				return nil
			}
		}
		var made string
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config: config(p.key, ""),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckNoResourceAttr(app, "database_host_id"), onHost(1),
						func(s *terraform.State) error { made = s.RootModule().Resources[app].Primary.ID; return nil },
					),
				},
				{
					// The owner's key may not ask the application API.
					Config:      config(p.key, `database_host_id = "1"`),
					ExpectError: errorRE("not an admin"),
				},
				{
					Config: config(admin, `database_host_id = "1"`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionUpdate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(app, "database_host_id", "1"), onHost(1),
						func(s *terraform.State) error {
							if id := s.RootModule().Resources[app].Primary.ID; id != made {
								return fmt.Errorf("id %s, want %s: recording the host must not replace", id, made)
							}
							return nil
						},
					),
				},
				{
					Config:           config(admin, ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
			},
		})
		// A fresh database (the panel's second, on host 2), given host 1: replaced, and made there.
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{Config: config(p.key, ""), Check: onHost(2)},
				{
					Config: config(admin, `database_host_id = "1"`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					Check: onHost(1),
				},
			},
		})
	})
}

// eachFlavorWith is eachFlavor on panels with more options.
func eachFlavorWith(t *testing.T, opts paneltest.Options, fn func(t *testing.T, p *testPanel)) {
	t.Helper()
	for _, flavor := range flavors {
		t.Run(string(flavor), func(t *testing.T) {
			t.Parallel()
			o := opts
			o.Flavor = flavor
			fn(t, startPanelWith(t, o))
		})
	}
}
