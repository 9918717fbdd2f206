package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

func TestServerDatabase_import(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		cfg := p.config(appConfig(""))
		idOf := func(ref func(s *terraform.State) string) resource.ImportStateIdFunc {
			return func(s *terraform.State) (string, error) { return p.server.Identifier + "/" + ref(s), nil }
		}
		byID := idOf(func(s *terraform.State) string { return s.RootModule().Resources[app].Primary.ID })
		byName := idOf(func(*terraform.State) string { return "app" })
		byStoredName := idOf(func(*terraform.State) string { return "s12_app" })
		byUUID := func(s *terraform.State) (string, error) {
			return p.server.UUID + "/" + s.RootModule().Resources[app].Primary.ID, nil
		}
		importStep := func(kind resource.ImportStateKind, id resource.ImportStateIdFunc, ignore ...string) resource.TestStep {
			step := resource.TestStep{
				Config:                  cfg,
				ResourceName:            app,
				ImportState:             true,
				ImportStateKind:         kind,
				ImportStateIdFunc:       id,
				ImportStateVerify:       kind == resource.ImportCommandWithID,
				ImportStateVerifyIgnore: append([]string{"timeouts"}, ignore...),
			}
			if kind == resource.ImportBlockWithID {
				// An import block plans the import with the configuration: nothing else may change.
				step.ImportPlanChecks = resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(app, plancheck.ResourceActionNoop),
					plancheck.ExpectKnownValue(app, tfjsonpath.New("database_name"), knownvalue.StringExact("s12_app")),
					plancheck.ExpectKnownValue(app, tfjsonpath.New("password"), knownvalue.StringRegexp(passwordRE)),
				}}
			}
			return step
		}
		var rotatesAfterCreate int
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{Config: cfg, Check: func(*terraform.State) error {
					rotatesAfterCreate = p.Requests(paneltest.RouteRotatePassword)
					return nil
				}},
				importStep(resource.ImportCommandWithID, byID),
				importStep(resource.ImportCommandWithID, byName),
				importStep(resource.ImportCommandWithID, byStoredName),
				// Imported by UUID, the state keeps the UUID the user wrote.
				importStep(resource.ImportCommandWithID, byUUID, "server_id"),
				importStep(resource.ImportBlockWithID, byID),
				importStep(resource.ImportBlockWithID, byName),
				{
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
					Check: func(*terraform.State) error {
						if n := p.Requests(paneltest.RouteRotatePassword) - rotatesAfterCreate; n != 0 {
							return fmt.Errorf("import rotated the password %d times", n)
						}
						return nil
					},
				},
			},
		})
	})
}

func TestServerDatabase_importAdoptsTriggersWithoutRotating(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	seeded := p.AddDatabase(p.server.Identifier, "legacy", "%")
	cfg := p.config(`
import {
  to = pterodactyl_server_database.app
  id = "SERVER/legacy"
}
resource "pterodactyl_server_database" "app" {
  server_id           = "SERVER"
  name                = "legacy"
  rotate_when_changed = { schedule = "2026-11" }
}`)
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					// The triggers are recorded in place, and the password stays known: no rotation.
					plancheck.ExpectResourceAction(app, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(app, tfjsonpath.New("password"), knownvalue.StringExact(seeded.Password)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(app, tfjsonpath.New("id"), knownvalue.StringExact(seeded.ID)),
					statecheck.ExpectKnownValue(app, tfjsonpath.New("password"), knownvalue.StringExact(seeded.Password)),
				},
				Check: func(*terraform.State) error {
					if n := p.Requests(paneltest.RouteRotatePassword); n != 0 {
						return fmt.Errorf("import rotated the password %d times", n)
					}
					return nil
				},
			},
			{
				// After that, a change of the triggers rotates as usual.
				Config: p.config(`
resource "pterodactyl_server_database" "app" {
  server_id           = "SERVER"
  name                = "legacy"
  rotate_when_changed = { schedule = "2026-12" }
}`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(app, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(app, tfjsonpath.New("password")),
				}},
				Check: func(*terraform.State) error {
					if n := p.Requests(paneltest.RouteRotatePassword); n != 1 {
						return fmt.Errorf("rotate-password called %d times, want 1", n)
					}
					return nil
				},
			},
		},
	})
}

func TestServerDatabase_importErrors(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	p.AddDatabase(p.server.Identifier, "app", "%")
	cases := []struct {
		id   string
		want []string
	}{
		{"nonsense", []string{"not of the form <server>/<database>", "<server>/<database id>", "<server>/<name>"}},
		{p.server.Identifier + "/", []string{"not of the form"}},
		{p.server.Identifier + "/a/b", []string{"not of the form"}},
		{"abc/app", []string{`"abc", which is neither an 8-character server identifier`}},
		{p.server.Identifier + "/missing", []string{`has no database with the id or name "missing"`, "s12_app"}},
		{"0000ffff/app", []string{"Server 0000ffff does not exist, or the API key's user has no access"}},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   minTerraform,
				ProtoV6ProviderFactories: providerFactories,
				Steps: []resource.TestStep{{
					Config:        p.config(appConfig("")),
					ResourceName:  app,
					ImportState:   true,
					ImportStateId: tc.id,
					ExpectError:   errorRE(tc.want...),
				}},
			})
		})
	}
}

func TestParseImportID(t *testing.T) {
	const uuid = "1a7ce997-259b-452e-8b4e-cecc464142ca"
	good := map[string][2]string{
		"1a7ce997/bEY4yAD5":      {"1a7ce997", "bEY4yAD5"},
		"1a7ce997/12":            {"1a7ce997", "12"},
		"1a7ce997/s12_minecraft": {"1a7ce997", "s12_minecraft"},
		" 1a7ce997/minecraft ":   {"1a7ce997", "minecraft"},
		uuid + "/minecraft":      {uuid, "minecraft"},
	}
	for in, want := range good {
		server, ref, err := parseImportID(in)
		if err != nil || server != want[0] || ref != want[1] {
			t.Errorf("parseImportID(%q) = %q, %q, %v", in, server, ref, err)
		}
	}
	for _, in := range []string{"", "/", "1a7ce997", "1a7ce997/", "/minecraft", "1a7ce997/a/b", "short/minecraft", "1a7ce997-259b/x"} {
		_, _, err := parseImportID(in)
		if err == nil || !strings.Contains(err.Error(), "<server>/<database id>") {
			t.Errorf("parseImportID(%q) = %v, want an error listing the accepted forms", in, err)
		}
	}
}

func TestMatchDatabase(t *testing.T) {
	dbs := []panel.Database{{ID: "aaaaaaaa", Name: "s12_one"}, {ID: "13", Name: "s12_two"}, {ID: "bbbbbbbb", Name: "s12_13"}}
	cases := map[string]string{
		"aaaaaaaa": "aaaaaaaa", // by id
		"13":       "13",       // an id wins over a name that looks like it
		"s12_two":  "13",       // by stored name
		"one":      "aaaaaaaa", // by name without the prefix
		"s12_13":   "bbbbbbbb",
		"three":    "",
	}
	for ref, want := range cases {
		got := matchDatabase(dbs, ref)
		switch {
		case want == "" && got != nil:
			t.Errorf("matchDatabase(%q) = %s, want none", ref, got.ID)
		case want != "" && (got == nil || got.ID != want):
			t.Errorf("matchDatabase(%q) = %v, want %s", ref, got, want)
		}
	}
	if db := findByName(dbs, "13"); db == nil || db.ID != "bbbbbbbb" {
		t.Errorf("findByName must not match ids: %v", db)
	}
}

func TestServerDatabase_importWithoutTriggersAdoptsTheFirstOnes(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	seeded := p.AddDatabase(p.server.Identifier, "legacy", "%")
	withTriggers := func(v string) string {
		return p.config(`
resource "pterodactyl_server_database" "app" {
  server_id           = "SERVER"
  name                = "legacy"
  rotate_when_changed = { v = "` + v + `" }
}`)
	}
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: p.config(`
import {
  to = pterodactyl_server_database.app
  id = "SERVER/` + seeded.ID + `"
}
resource "pterodactyl_server_database" "app" {
  server_id = "SERVER"
  name      = "legacy"
}`),
				Check: p.requests(paneltest.RouteRotatePassword, 0),
			},
			{
				// The first triggers after an import are recorded without rotating...
				Config: withTriggers("1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(app, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(app, tfjsonpath.New("password"), knownvalue.StringExact(seeded.Password)),
				}},
				Check: p.requests(paneltest.RouteRotatePassword, 0),
			},
			{
				// ...and every change after that rotates.
				Config: withTriggers("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(app, tfjsonpath.New("password")),
				}},
				Check: p.requests(paneltest.RouteRotatePassword, 1),
			},
			{
				Config: p.config(`
resource "pterodactyl_server_database" "app" {
  server_id = "SERVER"
  name      = "legacy"
}`),
				Check: p.requests(paneltest.RouteRotatePassword, 2),
			},
			{
				Config: withTriggers("3"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(app, tfjsonpath.New("password")),
				}},
				Check: p.requests(paneltest.RouteRotatePassword, 3),
			},
		},
	})
}
