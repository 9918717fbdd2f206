package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// nothingCreated fails when any database reached the panel.
func (p *testPanel) nothingCreated(t *testing.T) {
	t.Helper()
	t.Cleanup(func() {
		if n := p.Requests(paneltest.RouteCreateDatabase); n != 0 {
			t.Errorf("the panel received %d create requests", n)
		}
	})
}

// withoutPermission returns a key with every database permission but perm on the server.
func (p *testPanel) withoutPermission(perm string) string {
	var perms []string
	for _, have := range paneltest.AllDatabasePermissions(p.Flavor()) {
		if have != perm {
			perms = append(perms, have)
		}
	}
	return p.AddKey(paneltest.Key{Servers: map[string][]string{p.server.Identifier: perms}})
}

func TestServerDatabase_planTimeErrors(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		p.nothingCreated(t)
		none := p.AddServer(paneltest.Server{InternalID: 41, DatabaseLimit: paneltest.Limit(0)})
		suspended := p.AddServer(paneltest.Server{InternalID: 42, State: paneltest.ServerState{Suspended: true}})
		installing := p.AddServer(paneltest.Server{InternalID: 43, State: paneltest.ServerState{Installing: true}})
		owner := p.AddKey(paneltest.Key{Servers: map[string][]string{
			p.server.Identifier: {"*"}, none.Identifier: {"*"},
			suspended.Identifier: {"*"}, installing.Identifier: {"*"},
		}})
		// A key made on the other kind of panel: its prefix names that panel.
		otherPanelsKey, otherPanel := "pacc_wrongwrongwrongwrongwrongwrongwrongwrongwron", "Pelican"
		if p.Flavor() == paneltest.Pelican {
			otherPanelsKey, otherPanel = "ptlc_wrongwrongwrongwrongwrongwrongwrongwrongwron", "Pterodactyl"
		}
		cases := []struct {
			name, key, server, body string
			want                    []string
		}{
			{"name too short", owner, p.server.Identifier, `name = "ab"`, []string{"name must be at least 3 characters long, got 2"}},
			{"name too long", owner, p.server.Identifier, `name = "` + strings.Repeat("a", 49) + `"`, []string{"name must be at most 48 characters long, got 49"}},
			{"illegal name", owner, p.server.Identifier, `name = "my db!"`, []string{"name may contain only letters A-Z and a-z, digits, underscores and dashes"}},
			{"truncated name", owner, p.server.Identifier, `name = "` + strings.Repeat("a", 45) + `"`, []string{
				"Database name too long for this server", `prefixes names on server ` + p.server.Identifier + ` with "s12_"`, "Use a name of at most 44 characters",
			}},
			{"illegal remote", owner, p.server.Identifier, "name = \"app\"\n  remote = \"10.0.0.1; drop\"", []string{"remote may contain only letters, digits and the characters"}},
			{"empty remote", owner, p.server.Identifier, "name = \"app\"\n  remote = \"\"", []string{"remote must not be empty"}},
			{"malformed server id", owner, "not-a-server", `name = "app"`, []string{`server_id "not-a-server" is neither an 8-character server identifier`}},
			{"empty server id", owner, "", `name = "app"`, []string{`server_id "" is empty`}},
			{"unknown server", owner, "0000ffff", `name = "app"`, []string{"Server 0000ffff does not exist, or the API key's user has no access to it"}},
			{"databases disabled", owner, none.Identifier, `name = "app"`, []string{"has a database limit of 0"}},
			{"suspended", owner, suspended.Identifier, `name = "app"`, []string{"Server is not available", "is suspended"}},
			{"installing", owner, installing.Identifier, `name = "app"`, []string{"has not finished installing"}},
			{"no create permission", p.withoutPermission("database.create"), p.server.Identifier, `name = "app"`, []string{"lacks the database.create permission on server " + p.server.Identifier}},
			{"wrong key", "ptlc_wrongwrongwrongwrongwrongwrongwrongwrongwron", p.server.Identifier, `name = "app"`, []string{"HTTP 401", "did not accept the API key"}},
			{"the other panel's key", otherPanelsKey, p.server.Identifier, `name = "app"`, []string{"HTTP 401", "did not accept the API key",
				"The key starts with " + otherPanelsKey[:5] + ", which " + otherPanel + " gives its keys"}},
			{"a glob for a remote", owner, p.server.Identifier, "name = \"app\"\n  remote = \"10.0.0.*\"", []string{`MySQL's wildcard is %, not *`}},
			{"application key without a host", p.AddKey(paneltest.Key{Application: true}), p.server.Identifier, `name = "app"`, []string{
				"Database host required", "api_key is an application key",
			}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resource.UnitTest(t, resource.TestCase{
					TerraformVersionChecks:   minTerraform,
					ProtoV6ProviderFactories: providerFactories,
					Steps: []resource.TestStep{{
						Config: p.providerBlock(tc.key) + `
resource "pterodactyl_server_database" "app" {
  server_id = "` + tc.server + `"
  ` + tc.body + `
}`,
						PlanOnly:    true,
						ExpectError: errorRE(tc.want...),
					}},
				})
			})
		}
	})
}

func TestServerDatabase_suspendedServerKeepsState(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		sameID := statecheck.CompareValue(compare.ValuesSame())
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config:            p.config(appConfig("")),
					ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(app, tfjsonpath.New("id"))},
				},
				{
					PreConfig:   func() { p.SetServerState(p.server.Identifier, paneltest.ServerState{Suspended: true}) },
					Config:      p.config(appConfig("")),
					ExpectError: errorRE("Cannot read the database", "HTTP 409", "This server is currently suspended", "Terraform state was kept"),
				},
				{
					PreConfig: func() { p.SetServerState(p.server.Identifier, paneltest.ServerState{}) },
					Config:    p.config(appConfig("")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
					ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(app, tfjsonpath.New("id"))},
					Check:             p.panelMatchesState(app),
				},
			},
		})
	})
}

func TestServerDatabase_applyTimePermissionErrors(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		noUpdate := p.withoutPermission("database.update")
		noDelete := p.withoutPermission("database.delete")
		rotate := appConfig(`rotate_when_changed = { v = "2" }`)
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{Config: p.config(appConfig(`rotate_when_changed = { v = "1" }`))},
				{
					Config:      p.providerBlock(noUpdate) + strings.ReplaceAll(rotate, "SERVER", p.server.Identifier),
					ExpectError: errorRE("Cannot rotate the database password", "HTTP 403", "This action is unauthorized.", "lacks the database.update permission on server "+p.server.Identifier),
				},
				{
					Config:      p.providerBlock(noDelete) + "\n",
					ExpectError: errorRE("Cannot delete the database", "HTTP 403", "lacks the database.delete permission"),
				},
				{
					// The refused delete kept the database in state and on the panel.
					Config: p.config(appConfig(`rotate_when_changed = { v = "1" }`)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
					Check: p.panelMatchesState(app),
				},
			},
		})
	})
}

func TestServerDatabase_withoutViewPermissionKeepsPassword(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		blind := p.withoutPermission(p.ViewPasswordPermission())
		samePassword := statecheck.CompareValue(compare.ValuesSame())
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config:            p.config(appConfig("")),
					ConfigStateChecks: []statecheck.StateCheck{samePassword.AddStateValue(app, tfjsonpath.New("password"))},
				},
				{
					Config: p.providerBlock(blind) + strings.ReplaceAll(appConfig(""), "SERVER", p.server.Identifier),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
					ConfigStateChecks: []statecheck.StateCheck{samePassword.AddStateValue(app, tfjsonpath.New("password"))},
					Check: func(s *terraform.State) error {
						return p.panelMatchesState(app)(s)
					},
				},
			},
		})
	})
}

func TestServerDatabase_databaseLimit(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		p.SetDatabaseLimit(p.server.Identifier, paneltest.Limit(1))
		renamed := `
resource "pterodactyl_server_database" "app" {
  server_id = "SERVER"
  name      = "renamed"
}`
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{Config: p.config(appConfig(""))},
				{
					// A full server can still replace its database: the delete runs first.
					Config: p.config(renamed),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					Check: p.panelMatchesState(app),
				},
				{
					Config: p.config(renamed + `
resource "pterodactyl_server_database" "extra" {
  server_id = "SERVER"
  name      = "extra"
}`),
					ExpectError: errorRE("Cannot create the database", "HTTP 400 (TooManyDatabasesException)",
						"Server "+p.server.Identifier+" allows 1 database and has 1"),
				},
				{
					Config: p.config(renamed),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
					Check: p.panelMatchesState(app),
				},
			},
		})
	})
}

// A name the server already has is refused at plan time, on the resource that asks for it,
// with the existing database's id and the import command; importing it then makes the plan
// whole. Nothing is created before that.
func TestServerDatabase_takenNameIsRefusedAtPlanTime(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		existing := p.AddDatabase(p.server.Identifier, "game2", "%")
		games := `
resource "pterodactyl_server_database" "game" {
  count     = 3
  server_id = "SERVER"
  name      = "game${count.index}"
}`
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config: p.config(games),
					ExpectError: errorRE("Database name already taken", `with pterodactyl_server_database.game[2]`,
						"Server "+p.server.Identifier+" already has a database named s12_game2 (id "+existing.ID+")",
						"terraform import ADDRESS "+p.server.Identifier+"/"+existing.ID,
						`id = "`+p.server.Identifier+"/"+existing.ID+`"`),
					Check: p.requests(paneltest.RouteCreateDatabase, 0),
				},
				{
					PreConfig: func() {
						if n := p.Requests(paneltest.RouteCreateDatabase); n != 0 {
							t.Errorf("%d creates sent by a plan that was refused", n)
						}
					},
					Config: p.config(games + `
import {
  to = pterodactyl_server_database.game[2]
  id = "SERVER/` + existing.ID + `"
}`),
					Check: p.panelMatchesState("pterodactyl_server_database.game.0", "pterodactyl_server_database.game.1", "pterodactyl_server_database.game.2"),
				},
				{
					Config:           p.config(games),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
			},
		})
	})
}

// Two resources asking for one name on one server are refused at plan time, saying so.
func TestServerDatabase_nameUsedTwiceIsRefusedAtPlanTime(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		p.nothingCreated(t)
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config: p.config(`
resource "pterodactyl_server_database" "a" {
  server_id = "SERVER"
  name      = "same"
}
resource "pterodactyl_server_database" "b" {
  server_id = "` + p.server.UUID + `"
  name      = "same"
}`),
					ExpectError: errorRE("Database name used twice",
						`Another pterodactyl_server_database in this configuration also asks for the name "same" on server`,
						"need names of their own"),
				},
				{
					Config: p.config(`
resource "pterodactyl_server_database" "many" {
  count     = 2
  server_id = "SERVER"
  name      = "same"
}`),
					ExpectError: errorRE("Database name used twice"),
				},
			},
		})
	})
}

// What the name checks must not refuse: a database replaced under its own name (a changed
// remote, a taint), and names that differ.
func TestServerDatabase_replacementKeepsItsName(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{Config: p.config(appConfig(""))},
				{
					Config: p.config(appConfig(`remote = "10.0.0.%"`)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					Check: p.panelMatchesState(app),
				},
				{
					Taint:  []string{app},
					Config: p.config(appConfig(`remote = "10.0.0.%"`)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					Check: resource.ComposeTestCheckFunc(p.panelMatchesState(app), p.requests(paneltest.RouteCreateDatabase, 3)),
				},
			},
		})
	})
}

// The longest remote: 255 characters, as MySQL and MariaDB take in a user name, on both panels;
// on Pterodactyl 191, the length of its column. Each longer one is refused at plan time, on
// remote, before anything is sent (the panel would answer a generic 500, or keep the remote cut).
func TestServerDatabase_remoteLengths(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		config := func(n int) string {
			return p.config(appConfig(`remote = "` + strings.Repeat("a", n) + `"`))
		}
		steps := []resource.TestStep{
			{Config: config(256), PlanOnly: true, ExpectError: errorRE("remote must be at most 255 characters long", "got 256")},
		}
		if p.Flavor() == paneltest.Pterodactyl {
			steps = append(steps,
				resource.TestStep{Config: config(192), PlanOnly: true, ExpectError: errorRE("Remote too long for Pterodactyl", "at most 191 characters, got 192")},
				resource.TestStep{Config: config(191), Check: p.panelMatchesState(app)})
		} else {
			steps = append(steps, resource.TestStep{Config: config(255), Check: p.panelMatchesState(app)})
		}
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps:                    steps,
			CheckDestroy:             p.panelMatchesState(),
		})
		if n := p.Requests(paneltest.RouteCreateDatabase); n != 1 {
			t.Errorf("%d creates, want the one that fits", n)
		}
	})
}
