package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// terraform query and list resources need Terraform 1.14.
var queryTerraform = []tfversion.TerraformVersionCheck{listResources}

// noSecretsInQuery checks that no query result, resource object or generated configuration
// included, holds a secret.
type noSecretsInQuery struct{ secrets *panelSecrets }

func (c noSecretsInQuery) CheckQuery(_ context.Context, req querycheck.CheckQueryRequest, resp *querycheck.CheckQueryResponse) {
	b, err := json.Marshal(req.Query)
	if err != nil {
		resp.Error = err
		return
	}
	if found := c.secrets.in(string(b)); found != "" {
		resp.Error = fmt.Errorf("the query results hold %s", found)
	}
}

// terraform query lists every database of the server, by its short identifier or its UUID,
// each with its identity (always the short identifier), its display name and, with
// include_resource, the resource as an import would leave it but for the password, which is
// null. Nothing is created, rotated or deleted, and nothing secret is in the results.
func TestCLIQuery_listsEveryDatabaseWithIdentity(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		dbs := []paneltest.Database{
			p.AddDatabase(p.server.Identifier, "alpha", "%"),
			p.AddDatabase(p.server.Identifier, "beta", "10.0.0.%"),
			p.AddDatabase(p.server.Identifier, "gamma", "%"),
		}
		secrets := newPanelSecrets(p)
		const all, byUUID = "pterodactyl_server_database.all", "pterodactyl_server_database.by_uuid"
		checks := []querycheck.QueryResultCheck{
			querycheck.ExpectLength(all, len(dbs)),
			querycheck.ExpectLength(byUUID, len(dbs)),
			noSecretsInQuery{secrets},
		}
		for _, db := range dbs {
			identity := p.identityOf(knownvalue.StringExact(db.ID))
			byIdentity := queryfilter.ByResourceIdentity(identity)
			checks = append(checks,
				querycheck.ExpectIdentity(all, identity),
				querycheck.ExpectIdentity(byUUID, identity),
				querycheck.ExpectResourceDisplayName(all, byIdentity,
					knownvalue.StringExact(db.Name+" (id "+db.ID+") on server "+p.server.Identifier)),
				querycheck.ExpectResourceKnownValues(all, byIdentity, []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(db.ID)},
					{Path: tfjsonpath.New("server_id"), KnownValue: knownvalue.StringExact(p.server.Identifier)},
					{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact(panelShortName(db))},
					{Path: tfjsonpath.New("database_name"), KnownValue: knownvalue.StringExact(db.Name)},
					{Path: tfjsonpath.New("username"), KnownValue: knownvalue.StringExact(db.Username)},
					{Path: tfjsonpath.New("remote"), KnownValue: knownvalue.StringExact(db.Remote)},
					{Path: tfjsonpath.New("host"), KnownValue: knownvalue.StringExact(db.Host)},
					{Path: tfjsonpath.New("store_password"), KnownValue: knownvalue.Bool(true)},
					{Path: tfjsonpath.New("password"), KnownValue: knownvalue.Null()},
					{Path: tfjsonpath.New("rotate_when_changed"), KnownValue: knownvalue.Null()},
				}),
			)
		}
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   queryTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{{
				Query: true,
				Config: p.config(`
list "pterodactyl_server_database" "all" {
  provider         = pterodactyl
  include_resource = true
  config {
    server_id = "SERVER"
  }
}
list "pterodactyl_server_database" "by_uuid" {
  provider = pterodactyl
  config {
    server_id = "` + p.server.UUID + `"
  }
}
`),
				QueryResultChecks: checks,
			}},
		})
		for _, route := range []paneltest.Route{paneltest.RouteCreateDatabase, paneltest.RouteRotatePassword, paneltest.RouteDeleteDatabase} {
			if n := p.Requests(route); n != 0 {
				t.Errorf("terraform query made %d %s requests", n, route)
			}
		}
	})
}

// cliQueryFile lists the server's databases for terraform query.
const cliQueryFile = `list "pterodactyl_server_database" "found" {
  provider = pterodactyl
  config {
    server_id = "SERVER"
  }
}
`

// generatedImportRE matches an import block by identity as terraform query
// -generate-config-out writes it: the address, the database id and the server.
var generatedImportRE = regexp.MustCompile(`(?s)import \{\s+to\s+= (\S+)\s+provider\s+= pterodactyl\s+` +
	`identity = \{\s+database_id = "([^"]+)"\s+server_id\s+= "([^"]+)"\s+\}\s+\}`)

// terraform query -generate-config-out writes a resource and an import block by identity for
// each database, without a password, and prints no password either (with -json it prints
// the resource objects too). Applied on a fresh state, with nothing else, that
// configuration imports every database (creating, rotating and deleting nothing), records
// the identities and the current passwords, and leaves an empty plan. No password or key is
// in the query's output, the generated file, any other output, or the state outside the
// stored passwords.
func TestCLIQuery_generateConfigOutAppliesAsImports(t *testing.T) {
	skipUnlessCLI(t, queryTerraform)
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		dbs := map[string]paneltest.Database{}
		for _, db := range []paneltest.Database{
			p.AddDatabase(p.server.Identifier, "alpha", "%"),
			p.AddDatabase(p.server.Identifier, "beta", "10.0.0.%"),
		} {
			dbs[db.ID] = db
		}
		secrets := newPanelSecrets(p)

		query := newCLIWorkdir(t, p, secrets)
		query.write("main.tf", cliTerraformBlock)
		query.write("databases.tfquery.hcl", strings.ReplaceAll(cliQueryFile, "SERVER", p.server.Identifier))
		query.run("init", "-input=false", "-no-color")
		out := query.run("query", "-no-color")
		for _, db := range dbs {
			if !strings.Contains(out, db.Name+" (id "+db.ID+") on server "+p.server.Identifier) {
				t.Errorf("terraform query did not list %s:\n%s", db.Name, secrets.redact(out))
			}
		}
		// In JSON, the output has each result's resource object as well as its generated
		// configuration: checkOutput below looks for secrets in those too.
		out = query.run("query", "-json", "-generate-config-out=generated.tf")
		if n := strings.Count(out, `"resource_object":{`); n != len(dbs) {
			t.Fatalf("terraform query -json -generate-config-out printed %d resource objects, want %d:\n%s", n, len(dbs), secrets.redact(out))
		}
		generated := query.read("generated.tf")
		secrets.check(t, "the generated configuration", generated)
		if t.Failed() {
			t.FailNow()
		}
		// One import block by identity and one resource block per database; the blocks'
		// names are Terraform's (found_0, found_1, ...).
		imports := generatedImportRE.FindAllStringSubmatch(generated, -1)
		if len(imports) != len(dbs) || strings.Count(generated, `resource "pterodactyl_server_database"`) != len(dbs) {
			t.Fatalf("want %d import blocks by identity and as many resources in the generated configuration:\n%s", len(dbs), generated)
		}
		addresses := map[string]paneltest.Database{}
		for _, m := range imports {
			db, ok := dbs[m[2]]
			if !ok || m[3] != p.server.Identifier {
				t.Fatalf("import of %s has identity %s/%s, which is no database of the server", m[1], m[3], m[2])
			}
			addresses[m[1]] = db
		}
		for _, attr := range []string{"password", "username", "database_name", "host", "port", "max_connections"} {
			if regexp.MustCompile(`(?m)^\s+` + attr + `\s+=`).MatchString(generated) {
				t.Errorf("the generated configuration sets %s, which is not for a person to write:\n%s", attr, generated)
			}
		}

		// A fresh directory with no state: the provider and the generated file only.
		apply := newCLIWorkdir(t, p, secrets)
		apply.write("main.tf", cliTerraformBlock)
		apply.write("generated.tf", generated)
		apply.run("init", "-input=false", "-no-color")
		out = apply.run("apply", "-input=false", "-auto-approve", "-no-color")
		if want := fmt.Sprintf("Resources: %d imported, 0 added, 0 changed, 0 destroyed.", len(dbs)); !strings.Contains(out, want) {
			t.Fatalf("the generated configuration did not apply as %d imports:\n%s", len(dbs), secrets.redact(out))
		}
		state := apply.state()
		got := state.managed()
		sort.Strings(got)
		if len(got) != len(dbs) {
			t.Fatalf("state holds %v, want the %d imported databases", got, len(dbs))
		}
		for address, db := range addresses {
			inst := apply.mustInstance(state, address)
			if inst.Identity["server_id"] != p.server.Identifier || inst.Identity["database_id"] != db.ID || len(inst.Identity) != 2 {
				t.Errorf("%s: identity %v, want %s/%s", address, inst.Identity, p.server.Identifier, db.ID)
			}
			for name, want := range map[string]any{
				"id": db.ID, "server_id": p.server.Identifier, "name": panelShortName(db), "database_name": db.Name,
				"username": db.Username, "remote": db.Remote, "store_password": true,
			} {
				if inst.Attributes[name] != want {
					t.Errorf("%s: %s = %v, want %v", address, name, inst.Attributes[name], want)
				}
			}
			if inst.Attributes["password"] != db.Password {
				t.Errorf("%s: the password in state is not the panel's", address)
			}
		}
		apply.planIsEmpty()

		p.wantRequests(t, map[paneltest.Route]int{
			paneltest.RouteCreateDatabase: 0, paneltest.RouteRotatePassword: 0, paneltest.RouteDeleteDatabase: 0,
		})
		query.checkOutput()
		apply.checkOutput()
		apply.checkStateFiles()
	})
}
