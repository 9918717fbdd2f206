package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// databaseValue is what the data sources show for a panel database.
func databaseValue(db paneltest.Database, withPassword bool) map[string]knownvalue.Check {
	var password knownvalue.Check = knownvalue.Null()
	if withPassword {
		password = knownvalue.StringExact(db.Password)
	}
	return map[string]knownvalue.Check{
		"id":              knownvalue.StringExact(db.ID),
		"name":            knownvalue.StringExact(db.Name[len("s12_"):]),
		"database_name":   knownvalue.StringExact(db.Name),
		"username":        knownvalue.StringExact(db.Username),
		"password":        password,
		"host":            knownvalue.StringExact(db.Host),
		"port":            knownvalue.Int64Exact(int64(db.Port)),
		"remote":          knownvalue.StringExact(db.Remote),
		"max_connections": knownvalue.Int64Exact(int64(db.MaxConnections)),
	}
}

func TestServerDatabasesDataSource(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		first := p.AddDatabase(p.server.Identifier, "alpha", "%")
		second := p.AddDatabase(p.server.Identifier, "beta", "10.0.0.%")
		blind := p.withoutPermission(p.ViewPasswordPermission())
		const all = "data.pterodactyl_server_databases.all"
		list := func(withPasswords bool) knownvalue.Check {
			return knownvalue.ListExact([]knownvalue.Check{
				knownvalue.ObjectExact(databaseValue(first, withPasswords)),
				knownvalue.ObjectExact(databaseValue(second, withPasswords)),
			})
		}
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config: p.config(`data "pterodactyl_server_databases" "all" { server_id = "SERVER" }`),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(all, tfjsonpath.New("databases"), list(false)),
					},
				},
				{
					Config: p.config(`data "pterodactyl_server_databases" "all" {
  server_id         = "SERVER"
  include_passwords = true
}`),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(all, tfjsonpath.New("databases"), list(true)),
						statecheck.ExpectSensitiveValue(all, tfjsonpath.New("databases").AtSliceIndex(0).AtMapKey("password")),
					},
				},
				{
					// Without the view permission, asking for passwords gives nulls, not an error.
					Config: p.providerBlock(blind) + `data "pterodactyl_server_databases" "all" {
  server_id         = "` + p.server.Identifier + `"
  include_passwords = true
}`,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(all, tfjsonpath.New("databases"), list(false)),
					},
				},
				{
					Config:      p.config(`data "pterodactyl_server_databases" "all" { server_id = "0000ffff" }`),
					ExpectError: errorRE("Cannot list the server's databases", "HTTP 404", "Server 0000ffff does not exist"),
				},
				{
					Config:      p.providerBlock(p.withoutPermission("database.read")) + `data "pterodactyl_server_databases" "all" { server_id = "` + p.server.Identifier + `" }`,
					ExpectError: errorRE("HTTP 403", "lacks the database.read permission"),
				},
			},
		})
	})
}

func TestServerDatabasesDataSource_emptyServer(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: p.config(`data "pterodactyl_server_databases" "all" { server_id = "SERVER" }`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.pterodactyl_server_databases.all", tfjsonpath.New("databases"), knownvalue.ListExact(nil)),
			},
		}},
	})
}

func TestServerDatabaseDataSource(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		p.AddDatabase(p.server.Identifier, "alpha", "%")
		target := p.AddDatabase(p.server.Identifier, "beta", "10.0.0.%")
		blind := p.withoutPermission(p.ViewPasswordPermission())
		const one = "data.pterodactyl_server_database.one"
		full := func(withPassword bool) []statecheck.StateCheck {
			var checks []statecheck.StateCheck
			for attr, check := range databaseValue(target, withPassword) {
				checks = append(checks, statecheck.ExpectKnownValue(one, tfjsonpath.New(attr), check))
			}
			return append(checks, statecheck.ExpectKnownValue(one, tfjsonpath.New("server_id"), knownvalue.StringExact(p.server.Identifier)))
		}
		lookup := func(arg string) string {
			return p.config(`data "pterodactyl_server_database" "one" {
  server_id = "SERVER"
  ` + arg + `
}`)
		}
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{Config: lookup(`name = "beta"`), ConfigStateChecks: full(true)},
				{Config: lookup(`name = "s12_beta"`), ConfigStateChecks: full(true)},
				{Config: lookup(`id = "` + target.ID + `"`), ConfigStateChecks: full(true)},
				{
					Config: p.providerBlock(blind) + `data "pterodactyl_server_database" "one" {
  server_id = "` + p.server.Identifier + `"
  name      = "beta"
}`,
					ConfigStateChecks: full(false),
				},
				{Config: lookup(`name = "gamma"`), ExpectError: errorRE(`has no database with name "gamma"`, "s12_alpha", "s12_beta")},
				{Config: lookup(`id = "nope1234"`), ExpectError: errorRE(`has no database with id "nope1234"`)},
				{Config: lookup("name = \"beta\"\n  id = \"" + target.ID + "\""), ExpectError: errorRE("Invalid Attribute Combination", "id", "name")},
				{Config: lookup(""), ExpectError: errorRE("Missing Attribute Configuration", "id", "name")},
				// Terraform destroys with the last configuration, so it must be a valid one.
				{Config: lookup(`name = "beta"`), ConfigStateChecks: full(true)},
			},
		})
	})
}
