package provider

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// manyServers adds 250 servers named mc-000 to mc-249, with external ids ext-0 to ext-249,
// and returns a client key whose user owns the first 230 (and the test panel's own server).
func manyServers(p *testPanel) (key string, reached []paneltest.Server) {
	owned := map[string][]string{p.server.Identifier: {"*"}}
	for i := range 250 {
		s := p.AddServer(paneltest.Server{Name: fmt.Sprintf("mc-%03d", i), ExternalID: fmt.Sprintf("ext-%d", i),
			Description: "server " + strconv.Itoa(i)})
		if i < 230 {
			owned[s.Identifier] = []string{"*"}
			reached = append(reached, s)
		}
	}
	return p.AddKey(paneltest.Key{Servers: owned}), reached
}

// pterodactyl_servers follows every page of the panel's list (231 servers reached of 251 are
// three pages of 100 on the client API, 251 three on the application API), with the name
// filter applied by the panel and an exact external id compared on what comes back: ext-4
// is contained in ext-40 to ext-49 and ext-400…, yet only one server has it.
func TestServersDataSource_pagesAndFilters(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		clientKey, reached := manyServers(p)
		for _, tc := range []struct {
			name     string
			key      string
			all      int
			listPage paneltest.Route
		}{
			{"client key", clientKey, len(reached) + 1, paneltest.RouteListServers},
			{"application key", p.appKey(), 251, paneltest.RouteAppListServers},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := p.Requests(tc.listPage)
				resource.UnitTest(t, resource.TestCase{
					TerraformVersionChecks:   minTerraform,
					ProtoV6ProviderFactories: providerFactories,
					Steps: []resource.TestStep{{
						Config: p.providerBlock(tc.key) + `
data "pterodactyl_servers" "all" {}
data "pterodactyl_servers" "mc1" {
  name = "MC-1"
}
data "pterodactyl_servers" "ext4" {
  external_id = "ext-4"
}
data "pterodactyl_servers" "none" {
  name = "nothing-like-it"
}`,
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("data.pterodactyl_servers.all", tfjsonpath.New("servers"), knownvalue.ListSizeExact(tc.all)),
							statecheck.ExpectKnownValue("data.pterodactyl_servers.mc1", tfjsonpath.New("servers"), knownvalue.ListSizeExact(100)),
							statecheck.ExpectKnownValue("data.pterodactyl_servers.ext4", tfjsonpath.New("servers"), knownvalue.ListExact([]knownvalue.Check{
								knownvalue.ObjectPartial(map[string]knownvalue.Check{
									"identifier":     knownvalue.StringExact(reached[4].Identifier),
									"uuid":           knownvalue.StringExact(reached[4].UUID),
									"internal_id":    knownvalue.Int64Exact(int64(reached[4].InternalID)),
									"name":           knownvalue.StringExact("mc-004"),
									"description":    knownvalue.StringExact("server 4"),
									"database_limit": knownvalue.Null(),
									"status":         knownvalue.Null(),
									"suspended":      knownvalue.Bool(false),
								}),
							})),
							statecheck.ExpectKnownValue("data.pterodactyl_servers.none", tfjsonpath.New("servers"), knownvalue.ListSizeExact(0)),
						},
					}},
				})
				// Each run of the configuration lists "all" in three pages and the others in
				// one each; terraform-plugin-testing plans and applies more than once.
				if n := p.Requests(tc.listPage) - before; n%6 != 0 || n == 0 {
					t.Errorf("%d list requests, want a multiple of 6 (3 pages for all, 1 each for the three filtered)", n)
				}
			})
		}
	})
}

// pterodactyl_server finds one server: by exact name where longer names contain it, by
// exact external id where others contain it (with a client key and with an application
// key), by identifier or UUID in any case; no match and several matches are errors that say
// what was found.
func TestServerDataSource_exactMatches(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		lobby := p.AddServer(paneltest.Server{Name: "lobby", ExternalID: "billing-7", Description: "the lobby"})
		lobby2 := p.AddServer(paneltest.Server{Name: "lobby-2", ExternalID: "billing-70"})
		dup1 := p.AddServer(paneltest.Server{Name: "dup"})
		dup2 := p.AddServer(paneltest.Server{Name: "dup"})
		owned := map[string][]string{}
		for _, s := range []paneltest.Server{lobby, lobby2, dup1, dup2} {
			owned[s.Identifier] = []string{"*"}
		}
		clientKey := p.AddKey(paneltest.Key{Servers: owned})
		for name, key := range map[string]string{"client key": clientKey, "application key": p.appKey()} {
			t.Run(name, func(t *testing.T) {
				externalID := knownvalue.StringExact("billing-7")
				node := "Node 1"
				if key != clientKey {
					node = "1"
				}
				resource.UnitTest(t, resource.TestCase{
					TerraformVersionChecks:   minTerraform,
					ProtoV6ProviderFactories: providerFactories,
					Steps: []resource.TestStep{
						{
							Config: p.providerBlock(key) + `
data "pterodactyl_server" "x" {
  name = "lobb"
}`,
							ExpectError: errorRE("Server not found", `no server with the name "lobb"`, "Servers whose name contains it:",
								lobby.Identifier, `"lobby"`, lobby2.Identifier, `"lobby-2"`),
						},
						{
							Config: p.providerBlock(key) + `
data "pterodactyl_server" "x" {
  name = "dup"
}`,
							ExpectError: errorRE("Several servers match", `2 servers have the name "dup"`, dup1.Identifier, dup2.Identifier,
								"identifier or external_id"),
						},
						{
							Config: p.providerBlock(key) + `
data "pterodactyl_server" "x" {
  external_id = "billing-"
}`,
							ExpectError: errorRE("Server not found", `no server with the external id "billing-"`),
						},
						{
							Config: p.providerBlock(key) + `
data "pterodactyl_server" "x" {
  name       = "lobby"
  identifier = "` + lobby.Identifier + `"
}`,
							ExpectError: errorRE("Invalid Attribute Combination"),
						},
						{
							Config: p.providerBlock(key) + `
data "pterodactyl_server" "by_name" {
  name = "lobby"
}
data "pterodactyl_server" "by_external_id" {
  external_id = "billing-7"
}
data "pterodactyl_server" "by_uuid" {
  identifier = "` + strings.ToUpper(lobby.UUID) + `"
}`,
							ConfigStateChecks: []statecheck.StateCheck{
								statecheck.ExpectKnownValue("data.pterodactyl_server.by_name", tfjsonpath.New("identifier"), knownvalue.StringExact(lobby.Identifier)),
								statecheck.ExpectKnownValue("data.pterodactyl_server.by_name", tfjsonpath.New("description"), knownvalue.StringExact("the lobby")),
								statecheck.ExpectKnownValue("data.pterodactyl_server.by_name", tfjsonpath.New("node"), knownvalue.StringExact(node)),
								statecheck.ExpectKnownValue("data.pterodactyl_server.by_external_id", tfjsonpath.New("identifier"), knownvalue.StringExact(lobby.Identifier)),
								statecheck.ExpectKnownValue("data.pterodactyl_server.by_external_id", tfjsonpath.New("external_id"), externalID),
								statecheck.ExpectKnownValue("data.pterodactyl_server.by_uuid", tfjsonpath.New("identifier"), knownvalue.StringExact(lobby.Identifier)),
								statecheck.ExpectKnownValue("data.pterodactyl_server.by_uuid", tfjsonpath.New("name"), knownvalue.StringExact("lobby")),
							},
						},
					},
				})
			})
		}
	})
}

// With a client key, whose API never shows external ids, a server whose name contains the
// external id asked for cannot be told apart from the one that has it: the read fails and
// names it, rather than guess.
func TestServerDataSource_externalIDAClientKeyCannotConfirm(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		backup := p.AddServer(paneltest.Server{Name: "billing-7 backup", ExternalID: "billing-71"})
		key := p.AddKey(paneltest.Key{Servers: map[string][]string{backup.Identifier: {"*"}}})
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{{
				Config: p.providerBlock(key) + `
data "pterodactyl_servers" "x" {
  external_id = "billing-7"
}`,
				ExpectError: errorRE("External id not confirmed", "The client API never shows external ids", backup.Identifier,
					"Use an application key"),
			}},
		})
	})
}

// scope: "owner" leaves out a subuser's servers; "admin-all" lists every server for a root
// admin and, for a user who is not one, is an empty list with a warning that names scope; an
// application key refuses any scope.
func TestServersDataSource_scope(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		shared := p.AddServer(paneltest.Server{Name: "shared"})
		elsewhere := p.AddServer(paneltest.Server{Name: "elsewhere"})
		user := p.AddKey(paneltest.Key{Servers: map[string][]string{p.server.Identifier: {"*"}, shared.Identifier: {"database.read"}}})
		admin := p.AddKey(paneltest.Key{RootAdmin: true, Servers: map[string][]string{p.server.Identifier: {"*"}}})
		size := func(name string, n int) statecheck.StateCheck {
			return statecheck.ExpectKnownValue("data.pterodactyl_servers."+name, tfjsonpath.New("servers"), knownvalue.ListSizeExact(n))
		}
		body := `
data "pterodactyl_servers" "accessible" {}
data "pterodactyl_servers" "owner" {
  scope = "owner"
}
data "pterodactyl_servers" "all" {
  scope = "admin-all"
}`
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config:      p.providerBlock(p.appKey()) + `data "pterodactyl_servers" "x" { scope = "owner" }`,
					ExpectError: errorRE("scope needs a client key", "Remove scope"),
				},
				{
					Config:      p.providerBlock(user) + `data "pterodactyl_servers" "x" { scope = "everything" }`,
					ExpectError: errorRE(`value must be one of`),
				},
				{Config: p.providerBlock(user) + body, ConfigStateChecks: []statecheck.StateCheck{size("accessible", 2), size("owner", 1), size("all", 0)}},
				{
					// A root admin finds a server it neither owns nor shares only among every server.
					Config:      p.providerBlock(admin) + `data "pterodactyl_server" "x" { identifier = "` + elsewhere.Identifier + `" }`,
					ExpectError: errorRE("Server not found"),
				},
				{
					Config: p.providerBlock(admin) + body + `
data "pterodactyl_server" "elsewhere" {
  identifier = "` + elsewhere.UUID + `"
  scope      = "admin-all"
}`,
					ConfigStateChecks: []statecheck.StateCheck{size("accessible", 1), size("owner", 1), size("all", 3),
						statecheck.ExpectKnownValue("data.pterodactyl_server.elsewhere", tfjsonpath.New("name"), knownvalue.StringExact("elsewhere"))},
				},
			},
		})

		// The warning, through the CLI.
		secrets := newPanelSecrets(p)
		secrets.seen[user] = true
		w := newCLIWorkdir(t, p, secrets, EnvAPIKey+"="+user)
		w.write("main.tf", cliTerraformBlock+`
data "pterodactyl_servers" "all" {
  scope = "admin-all"
}`)
		w.run("init", "-input=false", "-no-color")
		out := w.run("plan", "-input=false", "-no-color")
		if !matches(out, "Warning: No servers: the key's user is not a root admin", `scope = "admin-all" lists every server`,
			"only a root admin may") {
			t.Errorf("the plan gave no warning about scope:\n%s", secrets.redact(out))
		}
		w.checkOutput()
	})
}

// A module gives each server the data source finds a database, with for_each; a plan after
// that reads the server list once, and each server's databases once, and reads no server
// again: the list's answer serves the plan's checks.
func TestServersDataSource_forEachAndItsRequests(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		owned := map[string][]string{p.server.Identifier: {"*"}}
		for i := range 3 {
			s := p.AddServer(paneltest.Server{Name: fmt.Sprintf("shop-%d", i)})
			owned[s.Identifier] = []string{"*"}
		}
		p.AddServer(paneltest.Server{Name: "shop-not-mine"})
		key := p.AddKey(paneltest.Key{Servers: owned})
		secrets := newPanelSecrets(p)
		secrets.seen[key] = true
		w := newCLIWorkdir(t, p, secrets, EnvAPIKey+"="+key)
		w.write("main.tf", cliTerraformBlock+`
data "pterodactyl_servers" "shops" {
  name = "shop-"
}
resource "pterodactyl_server_database" "world" {
  for_each  = { for s in data.pterodactyl_servers.shops.servers : s.identifier => s }
  server_id = each.key
  name      = "world"
}`)
		w.run("init", "-input=false", "-no-color")
		// The plan of three creates: one list of servers, whose answer serves each create's
		// checks (the server's limit and prefix), and one list of each server's databases.
		counts := p.counter()
		out := w.run("plan", "-input=false", "-no-color")
		if !strings.Contains(out, "Plan: 3 to add, 0 to change, 0 to destroy.") {
			t.Errorf("the plan does not add 3 databases:\n%s", secrets.redact(out))
		}
		counts.want(t, "the plan of three creates", map[paneltest.Route]int{paneltest.RouteListServers: 1, paneltest.RouteGetServer: 0,
			paneltest.RouteListDatabases: 3}, 4)
		w.run("apply", "-input=false", "-auto-approve", "-no-color")
		for id := range owned {
			dbs := p.Databases(id)
			want := 1
			if id == p.server.Identifier {
				want = 0
			}
			if len(dbs) != want {
				t.Errorf("server %s has %d databases, want %d", id, len(dbs), want)
			}
		}
		// A refresh: the list of servers, and each server's databases, once.
		counts = p.counter()
		w.planIsEmpty()
		counts.want(t, "the refresh", map[paneltest.Route]int{paneltest.RouteListServers: 1, paneltest.RouteGetServer: 0,
			paneltest.RouteListDatabases: 3}, 4)
		w.checkOutput()
	})
}

// requestCounter holds a panel's request counts at one moment.
type requestCounter struct {
	p      *testPanel
	routes map[paneltest.Route]int
	total  int
}

func (p *testPanel) counter() *requestCounter {
	return &requestCounter{p: p, routes: p.RequestCounts(), total: p.TotalRequests()}
}

// want checks the requests made since the counter was taken: per route, and in all.
func (c *requestCounter) want(t *testing.T, what string, routes map[paneltest.Route]int, total int) {
	t.Helper()
	for r, n := range routes {
		if got := c.p.Requests(r) - c.routes[r]; got != n {
			t.Errorf("%s made %d %s requests, want %d", what, got, r, n)
		}
	}
	if got := c.p.TotalRequests() - c.total; got != total {
		t.Errorf("%s made %d requests in all, want %d", what, got, total)
	}
}

// An application key that may not read servers is told which permission it lacks.
func TestServersDataSource_applicationKeyWithoutServersRead(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		res := paneltest.ACLResourcesOf(p.Flavor())
		key := p.AddKey(paneltest.Key{Application: true, ACL: map[string]int{res.ServerDatabases: paneltest.ACLRead}})
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{{
				Config:      p.providerBlock(key) + `data "pterodactyl_servers" "all" {}`,
				ExpectError: errorRE("Cannot list the servers", "This action is unauthorized", "Read on servers"),
			}},
		})
	})
}
